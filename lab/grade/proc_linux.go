//go:build linux

package grade

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"socketlab/lab/capture"
)

// A process as /proc/<pid>/stat shows it.
type procStat struct {
	pid, ppid, pgrp int
	state           byte // R, S, D, Z (zombie), X (dead) …
	comm            string
	ticks           uint64 // utime + stime + cutime + cstime
}

func (s procStat) live() bool { return s.state != 'Z' && s.state != 'X' }

// clock ticks per second in /proc/<pid>/stat: USER_HZ, 100 on every Linux
// the lab runs on.
const userHZ = 100

func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	// pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
	// majflt cmajflt utime stime cutime cstime …; comm may hold spaces and
	// parentheses, so split after the last ')'.
	open, close := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || close < open {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %q", pid, b)
	}
	f := strings.Fields(string(b[close+1:]))
	if len(f) < 15 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	s := procStat{pid: pid, state: f[0][0], comm: string(b[open+1 : close])}
	n := make([]uint64, 15)
	for _, i := range []int{1, 2, 11, 12, 13, 14} {
		if n[i], err = strconv.ParseUint(f[i], 10, 64); err != nil {
			return procStat{}, fmt.Errorf("/proc/%d/stat: field %d: %w", pid, i+3, err)
		}
	}
	s.ppid, s.pgrp = int(n[1]), int(n[2])
	s.ticks = n[11] + n[12] + n[13] + n[14]
	return s, nil
}

// allProcs reads every process's stat; processes that end meanwhile are
// left out.
func allProcs() ([]procStat, error) {
	d, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	all := make([]procStat, 0, len(d))
	for _, e := range d {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, err := readStat(pid); err == nil {
			all = append(all, s)
		}
	}
	return all, nil
}

// familyOf returns the processes of a group and every descendant of
// them or of root (a first process that left the group with setsid()):
// zombies included.
func familyOf(all []procStat, pgid, root int) []procStat {
	children := map[int][]int{}
	byPID := map[int]procStat{}
	for _, s := range all {
		children[s.ppid] = append(children[s.ppid], s.pid)
		byPID[s.pid] = s
	}
	seen := map[int]bool{}
	var out []procStat
	var walk func(pid int)
	walk = func(pid int) {
		s, ok := byPID[pid]
		if !ok || seen[pid] {
			return
		}
		seen[pid] = true
		out = append(out, s)
		for _, c := range children[pid] {
			walk(c)
		}
	}
	for _, s := range all {
		if s.pgrp == pgid {
			walk(s.pid)
		}
	}
	if root > 0 {
		walk(root)
	}
	return out
}

// socketInodes maps the inode of each socket the processes hold to the
// process.
func socketInodes(procs []procStat) map[uint64]procStat {
	m := map[uint64]procStat{}
	for _, s := range procs {
		if !s.live() {
			continue
		}
		dir := "/proc/" + strconv.Itoa(s.pid) + "/fd/"
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue // gone, or not ours to read
		}
		for _, fd := range fds {
			l, err := os.Readlink(dir + fd.Name())
			if err != nil || !strings.HasPrefix(l, "socket:[") {
				continue
			}
			if ino, err := strconv.ParseUint(strings.TrimSuffix(l[len("socket:["):], "]"), 10, 64); err == nil {
				m[ino] = s
			}
		}
	}
	return m
}

// netRow is a line of /proc/net/{tcp,tcp6,udp,udp6}.
type netRow struct {
	proto string
	capture.ProcSocket
}

func readNet(protos ...string) ([]netRow, error) {
	var rows []netRow
	for _, proto := range protos {
		socks, err := capture.Sockets(proto)
		if err != nil {
			return nil, fmt.Errorf("read sockets: %w", err)
		}
		for _, s := range socks {
			rows = append(rows, netRow{proto, s})
		}
	}
	return rows, nil
}

// serving tells a listening TCP socket or a bound, unconnected UDP one
// (a UDP socket connect()ed somewhere, as a resolver's, is a client's).
func (r netRow) serving() bool {
	if r.proto == "tcp" {
		return r.State == capture.Listen
	}
	return r.Remote.Port() == 0 && r.Local.Port() != 0
}

// servingSockets lists the listening and bound sockets held by the
// processes.
func servingSockets(procs []procStat) ([]Socket, error) {
	inodes := socketInodes(procs)
	if len(inodes) == 0 {
		return nil, nil
	}
	rows, err := readNet("tcp", "udp")
	if err != nil {
		return nil, err
	}
	var out []Socket
	for _, r := range rows {
		if s, ok := inodes[r.Inode]; ok && r.Inode != 0 && r.serving() {
			out = append(out, Socket{Proto: r.proto, Local: r.Local, PID: s.pid, Command: s.comm})
		}
	}
	return out, nil
}

// CheckPort tells what holds a port now: TIME_WAIT entries whose local
// side is the port (they fail a bind() without SO_REUSEADDR, and even one
// with it when the old socket lacked it), and sockets already listening on
// it or bound to it, with their process where this user may see it.
func CheckPort(port int) (PortState, error) {
	st := PortState{Port: port}
	rows, err := readNet("tcp", "udp")
	if err != nil {
		return st, err
	}
	want := map[uint64]int{} // inode → index in Taken
	for _, r := range rows {
		if int(r.Local.Port()) != port {
			continue
		}
		switch {
		case r.proto == "tcp" && r.State == capture.TimeWait:
			st.TimeWait++
			st.Expires = max(st.Expires, r.Expires)
		case r.serving():
			want[r.Inode] = len(st.Taken)
			st.Taken = append(st.Taken, Socket{Proto: r.proto, Local: r.Local})
		}
	}
	if len(want) > 0 {
		if all, err := allProcs(); err == nil {
			for ino, s := range socketInodes(all) {
				if i, ok := want[ino]; ok {
					st.Taken[i].PID, st.Taken[i].Command = s.pid, s.comm
				}
			}
		}
	}
	return st, nil
}

// TimeWaits lists the ports outside the ephemeral range (where servers
// listen) with TIME_WAIT entries on their local side: taken before a
// server starts, it tells the learner whose program then fails with
// "Address already in use" on a port of its own choosing why.
func TimeWaits() ([]PortState, error) {
	lo, hi := ephemeralRange()
	rows, err := readNet("tcp")
	if err != nil {
		return nil, err
	}
	by := map[int]*PortState{}
	var out []PortState
	for _, r := range rows {
		p := int(r.Local.Port())
		if r.State != capture.TimeWait || (p >= lo && p <= hi) {
			continue
		}
		if by[p] == nil {
			by[p] = &PortState{Port: p}
		}
		by[p].TimeWait++
		by[p].Expires = max(by[p].Expires, r.Expires)
	}
	for _, s := range by {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b PortState) int { return a.Port - b.Port })
	return out, nil
}

func ephemeralRange() (lo, hi int) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if f := strings.Fields(string(b)); err == nil && len(f) == 2 {
		lo, err1 := strconv.Atoi(f[0])
		hi, err2 := strconv.Atoi(f[1])
		if err1 == nil && err2 == nil {
			return lo, hi
		}
	}
	return 32768, 60999 // Linux's default
}
