package grade

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// pollEvery is how often WaitListening looks at /proc.
const pollEvery = 20 * time.Millisecond

// group is the lab's hold on the program's processes: its process group
// (the first process's id) and every descendant, found in /proc.
type group struct {
	pgid  int
	watch *watcher

	mu         sync.Mutex
	leaderDone bool // the first process is reaped: its id may be reused
	gone       bool // and nothing of the group is left: never look again
}

func (g *group) prepare(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
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

// members are the group's processes and their descendants, zombies
// included.
func (g *group) members() ([]procStat, error) {
	g.mu.Lock()
	gone, leaderDone := g.gone, g.leaderDone
	g.mu.Unlock()
	if gone {
		return nil, nil
	}
	all, err := allProcs()
	if err != nil {
		return nil, err
	}
	root := g.pgid
	if leaderDone {
		root = 0
	}
	ms := familyOf(all, g.pgid, root)
	if leaderDone && !anyLive(ms) {
		// Once empty, the group's id can be given to another: stop here.
		g.mu.Lock()
		g.gone = true
		g.mu.Unlock()
	}
	return ms, nil
}

func anyLive(ms []procStat) bool {
	for _, s := range ms {
		if s.live() {
			return true
		}
	}
	return false
}

func (g *group) alive() (bool, error) {
	ms, err := g.members()
	return anyLive(ms), err
}

// signal sends SIGTERM (or SIGKILL) to the group and to every descendant
// that left it.
func (g *group) signal(kill bool) bool {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	// Never the lab itself, its own group, init or a group 0 (kill(0)
	// would be the lab's group): only what the program started.
	self, selfGroup := os.Getpid(), syscall.Getpgrp()
	if g.pgid <= 1 || g.pgid == selfGroup {
		return false
	}
	ms, _ := g.members()
	group := false
	for _, s := range ms {
		switch {
		case s.pgrp == g.pgid:
			group = true
		case s.live() && s.pid > 1 && s.pid != self && s.pgrp != selfGroup:
			syscall.Kill(s.pid, sig)
		}
	}
	if group {
		syscall.Kill(-g.pgid, sig)
	}
	return true
}

// runnable tells whether a process of the group is running or waiting for
// a CPU (state R): a program that waits in accept() or recv() sleeps (S).
func (g *group) runnable() (bool, error) {
	ms, err := g.members()
	for _, s := range ms {
		if s.live() && threadRunnable(s.pid) {
			return true, err
		}
	}
	return false, err
}

// threadRunnable tells whether a thread of the process is in state R: a
// server's spinning thread while its main thread sleeps in accept().
func threadRunnable(pid int) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, t := range tasks {
		b, err := os.ReadFile(dir + t.Name() + "/stat")
		if i := bytes.LastIndexByte(b, ')'); err == nil && i >= 0 && i+2 < len(b) && b[i+2] == 'R' {
			return true
		}
	}
	return false
}

func (g *group) cpu() (time.Duration, error) {
	ms, err := g.members()
	var ticks uint64
	for _, s := range ms {
		ticks += s.ticks
	}
	return time.Duration(ticks) * time.Second / userHZ, err
}

// find looks for the socket asked for among the group's.
func (g *group) find(proto string, port, prefer int) (*Socket, []Socket, error) {
	ms, err := g.members()
	if err != nil {
		return nil, nil, err
	}
	socks, err := servingSockets(ms)
	if err != nil {
		return nil, nil, err
	}
	return pick(socks, proto, port, prefer), socks, nil
}
