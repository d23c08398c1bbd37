//go:build !unix

package lab

import (
	"fmt"
	"net"
)

// listenTCP uses Go's net.Listen, which binds and listens in one call with
// the system's backlog: the two calls are traced after the fact, and the
// backlog argument cannot be chosen here.
func (s *Side) listenTCP(addr string, backlog int) (net.Listener, int, error) {
	call := "bind(" + pyAddr(addr) + ")"
	if err := s.before(OpBind, call); err != nil {
		return nil, 0, err
	}
	id := s.run.rec.NewID()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		s.record(Event{Op: OpBind, Conn: id, Call: call}, err)
		return nil, id, err
	}
	local := l.Addr().String()
	s.record(Event{Op: OpBind, Conn: id, Call: call, Local: local}, nil)
	s.record(Event{Op: OpListen, Conn: id, Call: fmt.Sprintf("listen(%d)", backlog), Local: local}, nil)
	return l, id, nil
}
