//go:build !windows

package lab

import (
	"net"
	"os"
	"syscall"
)

// sendOnce makes exactly one write(2) call on the socket, so the count it
// returns can be short, as Python's send() can be.
func sendOnce(c net.Conn, b []byte) (int, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return c.Write(b)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		n, werr = syscall.Write(int(fd), b)
		return werr != syscall.EAGAIN
	})
	if err != nil {
		return 0, err
	}
	if werr != nil {
		return 0, os.NewSyscallError("send", werr)
	}
	return n, nil
}
