package lab

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// ErrClass is what a socket error means to a program, whatever the system
// calls it. The same reset is ECONNRESET on Linux and macOS, Python's
// ConnectionResetError, and WinError 10054 (WSAECONNRESET) on Windows, where
// errors.Is(err, syscall.ECONNRESET) is false: Classify compares the errno
// values of each platform.
type ErrClass int

// The classes of socket errors a demo tells apart.
const (
	ClassNone       ErrClass = iota // no error
	ClassEOF                        // the peer closed in order (recv returned b'')
	ClassReset                      // the peer reset the connection (RST)
	ClassBrokenPipe                 // writing to a connection that is already gone
	ClassAborted                    // this host's stack aborted the connection
	ClassRefused                    // nobody listens there (connect answered by RST)
	ClassTimeout                    // a deadline or timeout passed
	ClassClosed                     // this program had already closed the socket
	ClassOther                      // anything else
	ClassWouldBlock                 // a non-blocking call found nothing to read or no room to write (EAGAIN)
	ClassAddrInUse                  // bind(): the address is taken (a listener, or a TIME_WAIT that blocks it)
)

var classNames = [...]string{
	ClassNone: "", ClassEOF: "EOF", ClassReset: "ECONNRESET", ClassBrokenPipe: "EPIPE",
	ClassAborted: "ECONNABORTED", ClassRefused: "ECONNREFUSED", ClassTimeout: "timeout",
	ClassClosed: "closed", ClassOther: "", ClassWouldBlock: "EAGAIN", ClassAddrInUse: "EADDRINUSE",
}

// Name is the class as the trace's Errno field writes it: the Unix errno
// name (ECONNRESET, EPIPE, ECONNABORTED, ECONNREFUSED, EAGAIN), "timeout", "EOF",
// "closed", EADDRINUSE, or "" for no error and for errors of no known class.
func (c ErrClass) Name() string {
	if c >= 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return ""
}

func (c ErrClass) String() string {
	if n := c.Name(); n != "" {
		return n
	}
	if c == ClassNone {
		return "none"
	}
	return "other"
}

// ClassOf is the class a Name stands for (ClassNone for "").
func ClassOf(name string) ErrClass {
	if name == "" {
		return ClassNone
	}
	for c, n := range classNames {
		if n == name {
			return ErrClass(c)
		}
	}
	return ClassOther
}

// Python is the exception Python raises for this class, as a learner sees it.
func (c ErrClass) Python() string {
	switch c {
	case ClassEOF:
		return "no exception: recv() returns b''"
	case ClassReset:
		return "ConnectionResetError"
	case ClassBrokenPipe:
		return "BrokenPipeError"
	case ClassAborted:
		return "ConnectionAbortedError"
	case ClassRefused:
		return "ConnectionRefusedError"
	case ClassTimeout:
		return "TimeoutError (socket.timeout)"
	case ClassClosed:
		return "OSError: [Errno 9] Bad file descriptor"
	case ClassWouldBlock:
		return "BlockingIOError"
	case ClassAddrInUse:
		return "OSError: [Errno 98] Address already in use (macOS: Errno 48)"
	}
	return "OSError"
}

// Windows is how Windows reports this class (the WinError number Python
// prints, and the Winsock name).
func (c ErrClass) Windows() string {
	switch c {
	case ClassEOF:
		return "recv() → b''"
	case ClassReset:
		return "WinError 10054 WSAECONNRESET"
	case ClassBrokenPipe:
		return "WinError 10053 WSAECONNABORTED / WinError 10054 WSAECONNRESET" // Windows has no EPIPE
	case ClassAborted:
		return "WinError 10053 WSAECONNABORTED"
	case ClassRefused:
		return "WinError 10061 WSAECONNREFUSED"
	case ClassTimeout:
		return "WinError 10060 WSAETIMEDOUT"
	case ClassClosed:
		return "WinError 10038 WSAENOTSOCK"
	case ClassWouldBlock:
		return "WinError 10035 WSAEWOULDBLOCK"
	case ClassAddrInUse:
		return "WinError 10048 WSAEADDRINUSE"
	}
	return "WinError"
}

// Classify says what err means. A wrapped errno is compared with the values
// of the system the lab runs on; deadlines and timeouts are ClassTimeout.
func Classify(err error) ErrClass {
	if err == nil {
		return ClassNone
	}
	if errors.Is(err, io.EOF) {
		return ClassEOF
	}
	if errors.Is(err, net.ErrClosed) {
		return ClassClosed
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if c := errnoClass(errno); c != ClassOther {
			return c
		}
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return ClassTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ClassTimeout
	}
	return ClassOther
}
