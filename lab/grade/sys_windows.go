package grade

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// pollEvery is how often WaitListening tries the port.
const pollEvery = 100 * time.Millisecond

// group on Windows is the first process only: Stop kills it, not what it
// started (a job object would; not done yet), and the lab sees neither
// its CPU time nor its sockets.
type group struct {
	mu         sync.Mutex
	proc       *os.Process
	leaderDone bool
}

func (g *group) prepare(cmd *exec.Cmd) {}

func (g *group) started(cmd *exec.Cmd) error {
	g.proc = cmd.Process
	return nil
}

func (g *group) leaderEnded() {
	g.mu.Lock()
	g.leaderDone = true
	g.mu.Unlock()
}

func (g *group) release() {}

func (g *group) alive() (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return !g.leaderDone, nil
}

// signal kills the first process: Windows has no SIGTERM to ask first.
func (g *group) signal(kill bool) bool {
	if !kill {
		return false
	}
	g.proc.Kill()
	return true
}

func (g *group) runnable() (bool, error) {
	return false, fmt.Errorf("process states are read from /proc (Linux), this is %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

func (g *group) cpu() (time.Duration, error) {
	return 0, fmt.Errorf("CPU time of a program's processes is read from /proc (Linux), this is %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

func (g *group) find(proto string, port, prefer int) (*Socket, []Socket, error) {
	if port == 0 {
		return nil, nil, errNeedPort()
	}
	return probe(proto, port), nil, nil
}

// bound tells whether listening on the address fails because the port is
// in use. The socket is closed at once; nothing connects to it.
func bound(proto string, a netip.AddrPort) bool {
	addr := a.String()
	if proto == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return errors.Is(err, syscall.Errno(10048)) // WSAEADDRINUSE
		}
		c.Close()
		return false
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return errors.Is(err, syscall.Errno(10048))
	}
	l.Close()
	return false
}

func signalOf(ps *os.ProcessState) (syscall.Signal, bool) { return 0, false }

func signalName(sig syscall.Signal) string { return sig.String() }
