//go:build !linux

package capture

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
)

// ProcSockets reads every TCP socket from /proc/net/tcp; not here.
func ProcSockets() ([]ProcSocket, error) {
	return nil, fmt.Errorf("capture: /proc/net/tcp is Linux's, this is %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

// Sockets reads a protocol's sockets from /proc/net; not here.
func Sockets(proto string) ([]ProcSocket, error) {
	return nil, fmt.Errorf("capture: /proc/net/%s is Linux's, this is %s: %w", proto, runtime.GOOS, errors.ErrUnsupported)
}

// UDPDrops: only Linux says per socket how many datagrams it dropped.
func UDPDrops(netip.AddrPort) (uint64, error) {
	return 0, fmt.Errorf("capture: /proc/net/udp is Linux's, this is %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
