//go:build !linux

package grade

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
)

func errNeedPort() error {
	return fmt.Errorf("finding the port a program listens on needs /proc (Linux), this is %s: give the port (--port): %w",
		runtime.GOOS, ErrNeedPort)
}

// probe tells whether something holds the port, by trying to bind() it
// on each loopback and wildcard address (never by connecting: a
// one-client server would spend its only accept() on it). It cannot tell
// whose socket it is, nor a socket bound from one that listens. A bind
// that happens while the probe holds the port for a few microseconds
// fails: the probe runs every pollEvery, a few addresses each time.
func probe(proto string, port int) *Socket {
	protos := []string{proto}
	if proto == "" {
		protos = []string{"tcp", "udp"}
	}
	for _, pr := range protos {
		for _, a := range []netip.Addr{
			netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv4Unspecified(),
			netip.IPv6Loopback(), netip.IPv6Unspecified(),
		} {
			ap := netip.AddrPortFrom(a, uint16(port))
			if bound(pr, ap) {
				return &Socket{Proto: pr, Local: ap}
			}
		}
	}
	return nil
}

// CheckPort tells what holds a port now; it needs /proc (Linux).
func CheckPort(port int) (PortState, error) {
	return PortState{Port: port}, fmt.Errorf("check port %d: TIME_WAIT entries and their owners are read from /proc (Linux), this is %s: %w",
		port, runtime.GOOS, errors.ErrUnsupported)
}

// TimeWaits lists ports with TIME_WAIT entries; it needs /proc (Linux).
func TimeWaits() ([]PortState, error) {
	return nil, fmt.Errorf("TIME_WAIT entries are read from /proc (Linux), this is %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
