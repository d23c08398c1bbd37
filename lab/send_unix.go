//go:build !windows

package lab

import (
	"net"
	"os"
	"syscall"
)

// sendOnce makes exactly one write(2) call on the socket, so the count it
// returns can be short, as Python's send() can be. blocked is told when the
// call has to wait for room in the send buffer, and when it goes on.
func sendOnce(c net.Conn, b []byte, blocked func(bool)) (int, error) {
	return rawWrite(c, b, false, blocked)
}

// sendAll writes all of b like Go's Write (and Python's sendall()), telling
// blocked whenever the writer waits for the peer to make room.
func sendAll(c net.Conn, b []byte, blocked func(bool)) (int, error) {
	return rawWrite(c, b, true, blocked)
}

func rawWrite(c net.Conn, b []byte, all bool, blocked func(bool)) (int, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return c.Write(b)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	var done int
	var werr error
	waiting := false
	err = rc.Write(func(fd uintptr) bool {
		if waiting {
			waiting = false
			blocked(false)
		}
		for {
			n, err := syscall.Write(int(fd), b[done:])
			if err == syscall.EINTR {
				continue
			}
			if err == syscall.EAGAIN {
				waiting = true
				blocked(true)
				return false // the runtime waits until the socket is writable
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
	if waiting {
		blocked(false)
	}
	if werr != nil {
		return done, os.NewSyscallError("write", werr)
	}
	if err != nil {
		return done, &net.OpError{Op: "write", Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
	}
	return done, nil
}
