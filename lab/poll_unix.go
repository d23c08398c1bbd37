//go:build unix

package lab

import (
	"context"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// pollReadable waits with poll(2) until at least one of fds can be read
// without waiting (POLLIN, or the peer hung up, or an error is pending) and
// reports which. The run's end wakes it through a pipe in the same poll:
// closing a socket from another thread does not wake poll.
func pollReadable(ctx context.Context, fds []uintptr) ([]bool, error) {
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		return nil, os.NewSyscallError("pipe", err)
	}
	unix.CloseOnExec(p[0])
	unix.CloseOnExec(p[1])
	var mu sync.Mutex
	closed := false
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !closed {
			unix.Write(p[1], []byte{0})
		}
	})
	defer func() {
		stop()
		mu.Lock()
		closed = true
		unix.Close(p[0])
		unix.Close(p[1])
		mu.Unlock()
	}()

	pfds := make([]unix.PollFd, len(fds)+1)
	for i, fd := range fds {
		pfds[i] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
	}
	pfds[len(fds)] = unix.PollFd{Fd: int32(p[0]), Events: unix.POLLIN}
	for {
		_, err := unix.Poll(pfds, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, os.NewSyscallError("poll", err)
		}
		break
	}
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	ready := make([]bool, len(fds))
	for i := range fds {
		ready[i] = pfds[i].Revents&(unix.POLLIN|unix.POLLHUP|unix.POLLERR) != 0
	}
	return ready, nil
}
