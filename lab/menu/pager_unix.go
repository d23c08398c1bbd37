//go:build unix

package menu

import (
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// foreground makes cmd, once started, the foreground process group of the
// terminal fd, as a shell does for a job: the keys that send signals
// (Ctrl-C) then reach the pager, not the lab. (Otherwise a Ctrl-C in less,
// which less only uses to stop a search, would quit the lab too.) The func
// it returns, called once cmd has ended, gives the terminal back to the
// lab. When the lab is not in the terminal's foreground, cmd is left as it
// is.
func foreground(cmd *exec.Cmd, fd int) (takeBack func()) {
	pgrp, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	own, err2 := unix.Getpgid(0)
	if err != nil || err2 != nil || pgrp != own {
		return func() {}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Foreground: true, Ctty: fd}
	return func() {
		// A process group in the background that sets the foreground one
		// is stopped by SIGTTOU, unless it ignores it.
		signal.Ignore(syscall.SIGTTOU)
		defer signal.Reset(syscall.SIGTTOU)
		unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, pgrp)
	}
}
