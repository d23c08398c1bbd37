//go:build unix

package lab

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// listenTCP makes the tutorial's calls one by one, so each can be announced
// and traced: socket(), setsockopt(SO_REUSEADDR) when asked, bind(),
// listen(backlog). The listening socket is then handed to Go's runtime.
func (s *Side) listenTCP(addr string, o ListenOptions) (net.Listener, int, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return nil, 0, err
	}
	family, sa := sockaddrOf(ta)
	id := s.run.rec.NewID()
	call := socketCall(family == syscall.AF_INET6, false)
	if err := s.beforePrep(OpSocket, call); err != nil {
		return nil, id, err
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM, 0)
	if err != nil {
		err = os.NewSyscallError("socket", err)
		s.prepFailed()
		s.record(Event{Op: OpSocket, Conn: id, Call: call}, err)
		return nil, id, err
	}
	s.record(Event{Op: OpSocket, Conn: id, Call: call}, nil)
	syscall.CloseOnExec(fd)
	ok := false
	defer func() {
		if !ok {
			syscall.Close(fd)
		}
	}()

	if o.Reuse {
		if err := s.reuseAddr(fd, id, o); err != nil {
			return nil, id, err
		}
	}

	call = "bind(" + pyAddr(addr) + ")"
	if err := s.beforePrep(OpBind, call); err != nil {
		return nil, id, err
	}
	if err := syscall.Bind(fd, sa); err != nil {
		err = os.NewSyscallError("bind", err)
		s.prepFailed()
		s.record(Event{Op: OpBind, Conn: id, Call: call}, err)
		return nil, id, err
	}
	local := sockName(fd)
	s.record(Event{Op: OpBind, Conn: id, Call: call, Local: local}, nil)

	call = fmt.Sprintf("listen(%d)", o.Backlog)
	if err := s.before(OpListen, call); err != nil {
		return nil, id, err
	}
	if err := syscall.Listen(fd, o.Backlog); err != nil {
		err = os.NewSyscallError("listen", err)
		s.record(Event{Op: OpListen, Conn: id, Call: call, Local: local}, err)
		return nil, id, err
	}
	s.record(Event{Op: OpListen, Conn: id, Call: call, Local: local}, nil)

	f := os.NewFile(uintptr(fd), "listener")
	l, err := net.FileListener(f) // duplicates fd
	f.Close()
	ok = true // f.Close closed fd
	return l, id, err
}

// sockaddrOf is the address family and socket address of ta (IPv4 when
// ta has no IP).
func sockaddrOf(ta *net.TCPAddr) (int, syscall.Sockaddr) {
	if ip4 := ta.IP.To4(); ip4 != nil || ta.IP == nil {
		a := &syscall.SockaddrInet4{Port: ta.Port}
		copy(a.Addr[:], ip4)
		return syscall.AF_INET, a
	}
	a := &syscall.SockaddrInet6{Port: ta.Port}
	copy(a.Addr[:], ta.IP.To16())
	return syscall.AF_INET6, a
}

// reuseAddr sets SO_REUSEADDR on fd, announced and traced like the
// tutorial's call.
func (s *Side) reuseAddr(fd, id int, o ListenOptions) error {
	const opt = "setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)"
	if err := s.beforePrep(OpSetOpt, opt); err != nil {
		return err
	}
	err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	if err != nil {
		s.prepFailed()
	}
	s.record(Event{Op: OpSetOpt, Conn: id, Call: opt, Detail: o.detail()}, err)
	if err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return nil
}

// sockName is the socket's own address as host:port.
func sockName(fd int) string {
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return ""
	}
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), fmt.Sprint(a.Port))
	case *syscall.SockaddrInet6:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), fmt.Sprint(a.Port))
	}
	return ""
}
