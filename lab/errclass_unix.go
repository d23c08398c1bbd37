//go:build !windows

package lab

import "syscall"

// errnoClass classifies the errno values of Unix systems (Linux, macOS, BSD).
func errnoClass(e syscall.Errno) ErrClass {
	switch e {
	case syscall.ECONNRESET:
		return ClassReset
	case syscall.EPIPE:
		return ClassBrokenPipe
	case syscall.ECONNABORTED:
		return ClassAborted
	case syscall.ECONNREFUSED:
		return ClassRefused
	case syscall.ETIMEDOUT:
		return ClassTimeout
	case syscall.EAGAIN: // EWOULDBLOCK is the same number on Linux and macOS
		return ClassWouldBlock
	case syscall.EADDRINUSE:
		return ClassAddrInUse
	}
	return ClassOther
}
