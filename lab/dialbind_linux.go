package lab

import (
	"strings"
	"syscall"
)

// bindForWire binds a socket about to connect to port 0 of any address and
// returns the port the kernel chose, so the capture knows the socket's
// packets before its SYN leaves, even if the connect fails (a refused
// one, a SYN nobody answers). Connecting then uses that port, as the
// kernel would have chosen one at connect().
func bindForWire(network string, c syscall.RawConn) (uint16, error) {
	var port uint16
	var err error
	cerr := c.Control(func(fd uintptr) {
		var sa syscall.Sockaddr = &syscall.SockaddrInet4{}
		if strings.HasSuffix(network, "6") {
			sa = &syscall.SockaddrInet6{}
		}
		if err = syscall.Bind(int(fd), sa); err != nil {
			return
		}
		var got syscall.Sockaddr
		if got, err = syscall.Getsockname(int(fd)); err != nil {
			return
		}
		switch a := got.(type) {
		case *syscall.SockaddrInet4:
			port = uint16(a.Port)
		case *syscall.SockaddrInet6:
			port = uint16(a.Port)
		}
	})
	if cerr != nil {
		return 0, cerr
	}
	return port, err
}
