//go:build !linux

package capture

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
)

// DiagState asks the kernel for a TCP socket's state; only Linux has
// NETLINK_SOCK_DIAG.
func DiagState(local, remote netip.AddrPort) (State, error) {
	return 0, fmt.Errorf("capture: sock_diag is Linux's, this is %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

// DiagLookup asks the kernel for a TCP socket's state and queues; only
// Linux has NETLINK_SOCK_DIAG.
func DiagLookup(local, remote netip.AddrPort) (ProcSocket, error) {
	_, err := DiagState(local, remote)
	return ProcSocket{}, err
}
