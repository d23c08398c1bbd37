//go:build unix

package menu

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// errWoken ends a source's Read that interrupt stopped; nothing was read.
var errWoken = errors.New("woken")

// ttySource reads a terminal only when poll(2) says a key is waiting, and
// polls a pipe beside it, so that a waiting Read can be stopped before it
// takes a key another program (a pager) should get.
type ttySource struct {
	fd   int
	wake [2]int // a byte written to wake[1] ends a waiting Read
}

func newTTYSource(f *os.File) (*ttySource, error) {
	s := &ttySource{fd: int(f.Fd())}
	if err := unix.Pipe(s.wake[:]); err != nil {
		return nil, fmt.Errorf("wake pipe: %w", err)
	}
	for _, fd := range s.wake {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			return nil, fmt.Errorf("wake pipe: %w", err)
		}
	}
	return s, nil
}

func (s *ttySource) Read(p []byte) (int, error) {
	for {
		fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}, {Fd: int32(s.wake[0]), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			return 0, fmt.Errorf("poll: %w", err)
		}
		if fds[1].Revents != 0 {
			var b [16]byte
			for { // drain every wake-up, including stale ones
				if n, err := unix.Read(s.wake[0], b[:]); n <= 0 || err != nil {
					break
				}
			}
			return 0, errWoken
		}
		switch ev := fds[0].Revents; {
		case ev&unix.POLLIN != 0:
		case ev&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0:
			return 0, errors.New("read terminal: hung up or closed")
		default:
			continue
		}
		n, err := unix.Read(s.fd, p)
		switch {
		case err == unix.EINTR || err == unix.EAGAIN:
			continue
		case err != nil:
			return 0, &os.PathError{Op: "read", Path: "terminal", Err: err}
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (s *ttySource) interrupt() bool {
	unix.Write(s.wake[1], []byte{0})
	return true
}
