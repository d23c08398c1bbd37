//go:build linux || darwin || freebsd || netbsd || openbsd

package lab

import (
	"os"

	"golang.org/x/sys/unix"
)

// cbreak puts the terminal in cbreak mode: keys arrive one at a time and
// are not echoed, while output processing and Ctrl-C (a signal) stay as
// they are, unlike raw mode. It returns the func that restores the mode.
func cbreak(f *os.File) (restore func(), err error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return nil, err
	}
	t := *old
	t.Lflag &^= unix.ICANON | unix.ECHO
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, &t); err != nil {
		return nil, err
	}
	return func() { unix.IoctlSetTermios(fd, ioctlSetTermios, old) }, nil
}
