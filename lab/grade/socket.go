package grade

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Socket is a socket the program listens on (TCP) or has bound (UDP).
type Socket struct {
	Proto   string         // "tcp" or "udp"
	Local   netip.AddrPort // as bound: 0.0.0.0:5000, [::]:5000, 127.0.0.1:5000
	PID     int            // the process that holds it, 0 where unknown
	Command string         // that process's name (python3), "" where unknown
}

// Addr is where to reach the socket: its own address, or for a socket
// bound to every address (0.0.0.0, ::) the loopback address of its family.
func (s Socket) Addr() netip.AddrPort {
	a := s.Local.Addr()
	if a.IsUnspecified() {
		if a.Is4() {
			a = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		} else {
			a = netip.IPv6Loopback()
		}
	}
	return netip.AddrPortFrom(a, s.Local.Port())
}

// String is "tcp 127.0.0.1:5000 (python3, pid 4242)".
func (s Socket) String() string {
	str := s.Proto + " " + s.Local.String()
	switch {
	case s.Command != "":
		str += fmt.Sprintf(" (%s, pid %d)", s.Command, s.PID)
	case s.PID != 0:
		str += fmt.Sprintf(" (pid %d)", s.PID)
	}
	return str
}

// PortState is what holds a port before a program is started on it.
type PortState struct {
	Port     int
	TimeWait int           // TIME_WAIT entries whose local side is the port: they can fail a bind()
	Expires  time.Duration // until the last of them is gone (at most 60 s)
	Taken    []Socket      // sockets already listening on it (TCP) or bound to it (UDP)
}

// FreePort returns a port that nothing uses just now, for TCP and UDP on
// every address. Another program may take it before the learner's does;
// a client exercise should rather listen first and pass its own port.
func FreePort() (int, error) {
	for range 20 {
		ln, err := net.Listen("tcp", ":0")
		if err != nil {
			return 0, fmt.Errorf("free port: %w", err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", fmt.Sprintf(":%d", port))
		ln.Close()
		if err == nil {
			pc.Close()
			return port, nil
		}
	}
	return 0, errors.New("free port: no port free for both TCP and UDP after 20 tries")
}
