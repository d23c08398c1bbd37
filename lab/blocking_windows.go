package lab

import (
	"errors"
	"net"
	"os"
	"time"
)

// sendWaitVisible: on Windows the lab's send is Go's Write, which does not
// say when it waits, so SignalWhenWaiting signals just before the call.
const sendWaitVisible = false

// noWait is how long a "non-blocking" call may take on Windows, where the
// lab cannot ask the kernel for WSAEWOULDBLOCK: a call that finds nothing
// within it is reported as the error a non-blocking socket gives.
const noWait = time.Millisecond

// rawRead reads with Go's Read. Non-blocking is a deadline of noWait, and a
// call cut off by it fails with WSAEWOULDBLOCK; the lab cannot see whether
// a blocking call waits, so waiting is called before it.
func rawRead(c net.Conn, p []byte, nonblock bool, waiting func(sure bool)) (int, error) {
	if !nonblock {
		if waiting != nil {
			waiting(false)
		}
		return c.Read(p)
	}
	if err := c.SetReadDeadline(time.Now().Add(noWait)); err != nil {
		return 0, err
	}
	defer c.SetReadDeadline(time.Time{})
	n, err := c.Read(p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, opError("wsarecv", c, os.NewSyscallError("wsarecv", wsaEWOULDBLOCK))
	}
	return n, err
}

// sendNoWait is a send on a "non-blocking" socket: Go's Write under a
// deadline of noWait; a write cut off before taking anything fails with
// WSAEWOULDBLOCK, one cut off part way returns its count (all: fails).
func sendNoWait(c net.Conn, b []byte, all bool) (int, error) {
	if err := c.SetWriteDeadline(time.Now().Add(noWait)); err != nil {
		return 0, err
	}
	defer c.SetWriteDeadline(time.Time{})
	n, err := c.Write(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if n > 0 && !all {
			return n, nil
		}
		return n, opError("wsasend", c, os.NewSyscallError("wsasend", wsaEWOULDBLOCK))
	}
	return n, err
}

func opError(op string, c net.Conn, err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) { // a RawConn's own ("raw-read"): keep what it wraps
		err = oe.Err
	}
	return &net.OpError{Op: op, Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}
