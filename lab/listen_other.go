//go:build !unix

package lab

import (
	"context"
	"fmt"
	"net"
	"strings"
	"syscall"
)

// listenTCP uses Go's net.ListenConfig, which makes the socket, binds and
// listens in one go with the system's backlog: socket() is traced from its
// Control hook, bind and listen after the fact, and the backlog argument
// cannot be chosen here.
func (s *Side) listenTCP(addr string, o ListenOptions) (net.Listener, int, error) {
	id := s.run.rec.NewID()
	call := socketCall(strings.HasPrefix(addr, "["), false)
	if err := s.beforePrep(OpSocket, call); err != nil {
		return nil, id, err
	}
	bind := "bind(" + pyAddr(addr) + ")"
	lc := net.ListenConfig{Control: func(network, address string, c syscall.RawConn) error {
		s.record(Event{Op: OpSocket, Conn: id, Call: call}, nil)
		if o.Reuse {
			const opt = "setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)"
			if err := s.beforePrep(OpSetOpt, opt); err != nil {
				return err
			}
			err := sockSetInt(c, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
			s.record(Event{Op: OpSetOpt, Conn: id, Call: opt, Detail: o.detail()}, err)
			if err != nil {
				return err
			}
		}
		return s.beforePrep(OpBind, bind)
	}}
	l, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		s.prepFailed()
		s.record(Event{Op: OpBind, Conn: id, Call: bind}, err)
		return nil, id, err
	}
	local := l.Addr().String()
	s.record(Event{Op: OpBind, Conn: id, Call: bind, Local: local}, nil)
	s.record(Event{Op: OpListen, Conn: id, Call: fmt.Sprintf("listen(%d)", o.Backlog), Local: local}, nil)
	return l, id, nil
}
