package lab

import (
	"errors"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// control runs f on the socket's file descriptor.
func control(c net.Conn, f func(fd int) error) error {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return errors.New("not a socket")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

func setTCPInt(c net.Conn, opt int, on bool) error {
	v := 0
	if on {
		v = 1
	}
	return control(c, func(fd int) error {
		return os.NewSyscallError("setsockopt", unix.SetsockoptInt(fd, unix.IPPROTO_TCP, opt, v))
	})
}

func tcpCork(c net.Conn, on bool) error     { return setTCPInt(c, unix.TCP_CORK, on) }
func tcpQuickAck(c net.Conn, on bool) error { return setTCPInt(c, unix.TCP_QUICKACK, on) }

// tcpSegments reads TCP_INFO's counts of data segments received and sent.
func tcpSegments(c net.Conn) (in, out int, err error) {
	err = control(c, func(fd int) error {
		info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			return os.NewSyscallError("getsockopt", err)
		}
		in, out = int(info.Data_segs_in), int(info.Data_segs_out)
		return nil
	})
	return in, out, err
}

// queuedBytes asks how many received bytes wait unread (SIOCINQ).
func queuedBytes(c net.Conn) (int, error) {
	var q int
	err := control(c, func(fd int) error {
		var err error
		q, err = unix.IoctlGetInt(fd, unix.SIOCINQ)
		return os.NewSyscallError("ioctl", err)
	})
	return q, err
}
