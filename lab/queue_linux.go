package lab

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// acceptQueue reads TCP_INFO of a listening socket: for a listener Linux
// puts the current accept-queue length in tcpi_unacked and the backlog in
// tcpi_sacked.
func acceptQueue(rc syscall.RawConn) (queued, backlog int, err error) {
	var serr error
	err = rc.Control(func(fd uintptr) {
		var info *unix.TCPInfo
		info, serr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		if serr == nil {
			queued, backlog = int(info.Unacked), int(info.Sacked)
		}
	})
	if err != nil {
		return 0, 0, err
	}
	return queued, backlog, os.NewSyscallError("getsockopt", serr)
}
