package lab

import (
	"net/netip"
	"strings"
	"syscall"
)

// bindForWire binds a socket about to connect to port 0 of any address and
// returns the port the kernel chose, so the capture knows the socket's
// packets before its SYN leaves, even if the connect fails (a refused
// one, a SYN nobody answers). Connecting then uses that port, as the
// kernel would have chosen one at connect().
//
// While it binds, the port it connects to is held (holdPort), so the kernel
// cannot choose that very port: a connect to a port of this machine that
// nobody holds any more (demo 17's refused connect, to the server's freed
// ephemeral port) would otherwise, about once in 300 runs, be from that
// port to itself, a TCP simultaneous open with no RST at all.
func bindForWire(network, address string, c syscall.RawConn) (uint16, error) {
	defer holdPort(network, address)()
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

// holdPort binds a throwaway socket to address, if it is this machine's
// and free, and returns its release; a port in use (a listener) or an
// address elsewhere needs no holding.
func holdPort(network, address string) (release func()) {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return func() {}
	}
	family, sa := syscall.AF_INET, syscall.Sockaddr(nil)
	if a := ap.Addr().Unmap(); a.Is4() && !strings.HasSuffix(network, "6") {
		sa = &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: a.As4()}
	} else {
		family, sa = syscall.AF_INET6, &syscall.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return func() {}
	}
	if syscall.Bind(fd, sa) != nil {
		syscall.Close(fd)
		return func() {}
	}
	return func() { syscall.Close(fd) }
}
