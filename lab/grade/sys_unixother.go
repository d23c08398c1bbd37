//go:build unix && !linux

package grade

import (
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// pollEvery is how often WaitListening tries the port (by bind(), see
// probe).
const pollEvery = 100 * time.Millisecond

// group is the lab's hold on the program's processes: its process group.
// Without /proc the lab sees neither its descendants that left the group
// nor its CPU time.
type group struct {
	pgid  int
	watch *watcher

	mu         sync.Mutex
	leaderDone bool
}

func (g *group) prepare(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func (g *group) started(cmd *exec.Cmd) error {
	g.pgid = cmd.Process.Pid
	g.watch = startWatcher(g.pgid)
	return nil
}

func (g *group) leaderEnded() {
	g.mu.Lock()
	g.leaderDone = true
	g.mu.Unlock()
}

func (g *group) release() { g.watch.stop() }

func (g *group) alive() (bool, error) {
	g.mu.Lock()
	done := g.leaderDone
	g.mu.Unlock()
	if !done {
		return true, nil
	}
	err := syscall.Kill(-g.pgid, 0)
	return err == nil || errors.Is(err, syscall.EPERM), nil
}

func (g *group) signal(kill bool) bool {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	syscall.Kill(-g.pgid, sig)
	return true
}

func (g *group) runnable() (bool, error) {
	return false, fmt.Errorf("process states need /proc (Linux), this is %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

func (g *group) cpu() (time.Duration, error) {
	return 0, fmt.Errorf("CPU time of a process group needs /proc (Linux), this is %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

func (g *group) find(proto string, port, prefer int) (*Socket, []Socket, error) {
	if port == 0 {
		return nil, nil, errNeedPort()
	}
	return probe(proto, port), nil, nil
}

// bound tells whether bind() of the address fails because the port is in
// use. SO_REUSEADDR is set, as Go and most servers do: then only a socket
// on the very address (or, for the wildcard, any) fails it, not TIME_WAIT.
// The socket is never listen()ed on, so nothing can connect to it.
func bound(proto string, a netip.AddrPort) bool {
	family, typ := syscall.AF_INET, syscall.SOCK_STREAM
	if a.Addr().Is6() {
		family = syscall.AF_INET6
	}
	if proto == "udp" {
		typ = syscall.SOCK_DGRAM
	}
	syscall.ForkLock.RLock()
	fd, err := syscall.Socket(family, typ, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return false
	}
	defer syscall.Close(fd)
	syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	var sa syscall.Sockaddr
	if family == syscall.AF_INET6 {
		syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 1)
		sa = &syscall.SockaddrInet6{Port: int(a.Port()), Addr: a.Addr().As16()}
	} else {
		sa = &syscall.SockaddrInet4{Port: int(a.Port()), Addr: a.Addr().As4()}
	}
	return errors.Is(syscall.Bind(fd, sa), syscall.EADDRINUSE)
}
