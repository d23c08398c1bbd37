//go:build !windows

package lab

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// sendWaitVisible: on Unix the write loop sees the kernel's EAGAIN, so
// SignalWhenWaiting signals exactly when a send starts to wait.
const sendWaitVisible = true

// rawRead makes one read(2) on the socket. Non-blocking, an empty receive
// buffer returns the kernel's EAGAIN as the error. Blocking, EAGAIN makes
// the runtime park the goroutine until the socket is readable (or the read
// deadline passes); waiting, if set, is called once when that happens.
func rawRead(c net.Conn, p []byte, nonblock bool, waiting func(sure bool)) (int, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		if waiting != nil {
			waiting(false)
		}
		return c.Read(p)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	var (
		n    int
		rerr error
	)
	err = rc.Read(func(fd uintptr) bool {
		for {
			n, rerr = syscall.Read(int(fd), p)
			if rerr != syscall.EINTR {
				break
			}
		}
		if rerr == syscall.EAGAIN && !nonblock {
			if waiting != nil {
				waiting(true)
				waiting = nil
			}
			return false // the runtime waits until the socket is readable
		}
		return true
	})
	if err != nil {
		return 0, opError("read", c, err)
	}
	if rerr != nil {
		return 0, opError("read", c, os.NewSyscallError("read", rerr))
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// sendNoWait is send() (all: sendall()) on a non-blocking socket: it takes
// what fits in the send buffer and returns that count, or fails with the
// kernel's EAGAIN if nothing fits; sendall fails with EAGAIN as soon as the
// buffer is full, after taking what fitted.
func sendNoWait(c net.Conn, b []byte, all bool) (int, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return c.Write(b)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	done := 0
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		for {
			n, err := syscall.Write(int(fd), b[done:])
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				werr = err
				return true
			}
			done += n
			if !all || done == len(b) {
				return true
			}
		}
	})
	if err != nil {
		return done, opError("write", c, err)
	}
	if werr == syscall.EAGAIN && done > 0 && !all {
		return done, nil // a short count, as Python's send returns it
	}
	if werr != nil {
		return done, opError("write", c, os.NewSyscallError("write", werr))
	}
	return done, nil
}

// opError wraps err the way Go's net package does, so its text names the
// call and both addresses.
func opError(op string, c net.Conn, err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) { // a RawConn's own ("raw-read"): keep what it wraps
		err = oe.Err
	}
	return &net.OpError{Op: op, Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}
