//go:build !linux

package capture

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
)

func fallback() string { return "none: the trace shows the socket calls only" }

func errNoTCPInfo() error {
	return fmt.Errorf("capture: TCP_INFO as the lab reads it needs Linux, this is %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

// Snapshot reads TCP_INFO of a TCP socket; not here.
func Snapshot(syscall.Conn) (Info, error) { return Info{}, errNoTCPInfo() }

// SnapshotRaw reads TCP_INFO through a socket's RawConn; not here.
func SnapshotRaw(syscall.RawConn) (Info, error) { return Info{}, errNoTCPInfo() }
