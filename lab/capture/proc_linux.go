//go:build linux

package capture

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
)

// ProcSockets reads every TCP socket of this network namespace from
// /proc/net/tcp and /proc/net/tcp6.
func ProcSockets() ([]ProcSocket, error) {
	return Sockets("tcp")
}

// UDPDrops is how many datagrams the kernel dropped for the UDP socket
// bound to local, because its receive buffer was full (/proc/net/udp).
func UDPDrops(local netip.AddrPort) (uint64, error) {
	local = Normalize(local)
	all, err := Sockets("udp")
	if err != nil {
		return 0, err
	}
	for _, s := range all {
		if s.Local == local {
			return s.Drops, nil
		}
	}
	return 0, fmt.Errorf("capture: no UDP socket bound to %v in /proc/net/udp: %w", local, ErrNoSocket)
}

// Sockets reads every socket of one protocol ("tcp", "udp") of this
// network namespace from /proc/net/PROTO and /proc/net/PROTO6; the IPv6
// table is missing where IPv6 is disabled.
func Sockets(proto string) ([]ProcSocket, error) {
	var all []ProcSocket
	for _, name := range []string{"/proc/net/" + proto, "/proc/net/" + proto + "6"} {
		f, err := os.Open(name)
		if os.IsNotExist(err) && strings.HasSuffix(name, "6") {
			continue // IPv6 disabled
		}
		if err != nil {
			return nil, fmt.Errorf("capture: %w", err)
		}
		s, err := ParseProcNet(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("capture: %s: %w", name, err)
		}
		all = append(all, s...)
	}
	return all, nil
}
