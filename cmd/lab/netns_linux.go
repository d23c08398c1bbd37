package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// Packets without privilege: an unprivileged user may not open a packet
// socket, but on Linux they may usually make a user namespace with a
// network namespace of its own, where they are root and the namespace has
// its own loopback interface. `lab run --packets` then runs itself again
// in one: the demo's sockets and the capture share that lo, and the trace
// is the same. (Ubuntu's apparmor_restrict_unprivileged_userns strips the
// capabilities inside; the lab then falls back to TCP_INFO, and says so.)

// netnsEnv marks the lab running in the namespace it made for itself.
const netnsEnv = "LAB_IN_NETNS"

// inNetns reports whether the lab runs in the namespace it made.
func inNetns() bool { return os.Getenv(netnsEnv) == "1" }

// reexecInNetns runs the lab again with args in a new user and network
// namespace, its streams the same, and returns its exit code; ok is false
// when the namespace cannot be made here.
func reexecInNetns(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int, ok bool) {
	self, err := os.Executable()
	if err != nil {
		return 0, false
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), netnsEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:                 syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
		GidMappingsEnableSetgroups: false,
		Pdeathsig:                  syscall.SIGKILL,
	}
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, true
	case errors.As(err, &ee):
		if ee.ExitCode() == netnsUnusable {
			return 0, false
		}
		return ee.ExitCode(), true
	}
	return 0, false // the namespace could not be made (clone refused)
}

// netnsUnusable is the exit code of a lab that found its namespace
// useless (no capture inside): the first lab then goes on without it.
const netnsUnusable = 97

// setupNetns brings the namespace's loopback interface up: a new network
// namespace starts with lo down.
func setupNetns() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP | unix.IFF_RUNNING)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}
