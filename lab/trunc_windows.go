package lab

import (
	"errors"
	"syscall"
)

// wsaeMsgSize is Windows' WSAEMSGSIZE (10040): "message too long".
const wsaeMsgSize = syscall.Errno(10040)

// truncated reports whether the datagram was cut. Windows reports it as the
// error WSAEMSGSIZE on a read that still returns the first bytes.
func truncated(flags int, err error) (bool, error) {
	if errors.Is(err, wsaeMsgSize) {
		return true, nil
	}
	return false, err
}
