//go:build !windows

package lab

import "syscall"

// truncated reports whether the kernel cut the datagram (MSG_TRUNC).
func truncated(flags int, err error) (bool, error) {
	return flags&syscall.MSG_TRUNC != 0, err
}
