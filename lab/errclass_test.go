package lab

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
)

func TestClassify(t *testing.T) {
	wrap := func(e error) error {
		return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", e)}
	}
	cases := []struct {
		err  error
		want ErrClass
	}{
		{nil, ClassNone},
		{io.EOF, ClassEOF},
		{fmt.Errorf("recv: %w", io.EOF), ClassEOF},
		{wrap(syscall.ECONNRESET), ClassReset},
		{wrap(syscall.EPIPE), ClassBrokenPipe},
		{wrap(syscall.ECONNABORTED), ClassAborted},
		{wrap(syscall.ECONNREFUSED), ClassRefused},
		{wrap(syscall.ETIMEDOUT), ClassTimeout},
		{wrap(syscall.EAGAIN), ClassWouldBlock},
		{wrap(syscall.EADDRINUSE), ClassAddrInUse},
		{&net.OpError{Op: "write", Err: os.ErrDeadlineExceeded}, ClassTimeout},
		{net.ErrClosed, ClassClosed},
		{errors.New("something else"), ClassOther},
	}
	for _, c := range cases {
		if got := Classify(c.err); got != c.want {
			t.Errorf("Classify(%v) = %v, want %v", c.err, got, c.want)
		}
		if c.want != ClassOther && ClassOf(c.want.Name()) != c.want {
			t.Errorf("ClassOf(%q) != %v", c.want.Name(), c.want)
		}
	}
}
