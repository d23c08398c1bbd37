package lab

import "syscall"

// Winsock and Win32 error numbers a socket call can return. Go's
// syscall.ECONNRESET on Windows is an invented value that Winsock never
// returns, so the real numbers are compared here.
const (
	wsaECONNABORTED   syscall.Errno = 10053
	wsaECONNRESET     syscall.Errno = 10054
	wsaETIMEDOUT      syscall.Errno = 10060
	wsaECONNREFUSED   syscall.Errno = 10061
	wsaESHUTDOWN      syscall.Errno = 10058 // a send after shutdown(SHUT_WR)
	wsaEWOULDBLOCK    syscall.Errno = 10035 // a non-blocking call that would have had to wait
	wsaEADDRINUSE     syscall.Errno = 10048 // bind(): the address is taken
	errNetnameDeleted syscall.Errno = 64    // ERROR_NETNAME_DELETED: a reset seen by overlapped I/O
	errConnRefused    syscall.Errno = 1225  // ERROR_CONNECTION_REFUSED
	errConnAborted    syscall.Errno = 1236  // ERROR_CONNECTION_ABORTED
	errSemTimeout     syscall.Errno = 121   // ERROR_SEM_TIMEOUT
)

// errnoClass classifies the error numbers of Windows.
func errnoClass(e syscall.Errno) ErrClass {
	switch e {
	case wsaECONNRESET, errNetnameDeleted, syscall.ECONNRESET:
		return ClassReset
	case wsaECONNABORTED, errConnAborted, syscall.ECONNABORTED:
		return ClassAborted
	case wsaESHUTDOWN, syscall.EPIPE:
		return ClassBrokenPipe
	case wsaECONNREFUSED, errConnRefused, syscall.ECONNREFUSED:
		return ClassRefused
	case wsaETIMEDOUT, errSemTimeout, syscall.ETIMEDOUT:
		return ClassTimeout
	case wsaEWOULDBLOCK, syscall.EAGAIN:
		return ClassWouldBlock
	case wsaEADDRINUSE, syscall.EADDRINUSE:
		return ClassAddrInUse
	}
	return ClassOther
}
