//go:build !windows

package lab

import (
	"os"
	"syscall"
)

// soError is SO_ERROR, the pending error of a socket.
const soError = syscall.SO_ERROR

func sockSetInt(rc syscall.RawConn, level, opt, v int) error {
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), level, opt, v) }); err != nil {
		return err
	}
	return os.NewSyscallError("setsockopt", serr)
}

func sockGetInt(rc syscall.RawConn, level, opt int) (int, error) {
	var v int
	var serr error
	if err := rc.Control(func(fd uintptr) { v, serr = syscall.GetsockoptInt(int(fd), level, opt) }); err != nil {
		return 0, err
	}
	return v, os.NewSyscallError("getsockopt", serr)
}
