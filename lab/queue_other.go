//go:build !linux

package lab

import (
	"errors"
	"syscall"
)

// acceptQueue: only Linux reports the accept-queue length of a listening
// socket (TCP_INFO); elsewhere the lab cannot show how full the queue is.
func acceptQueue(syscall.RawConn) (queued, backlog int, err error) {
	return 0, 0, errors.ErrUnsupported
}
