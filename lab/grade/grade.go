// Package grade runs a learner's own program (a client or a server, in
// Python or Go) and watches it while the lab plays the other side: which
// port it listens on, whether it is still alive, what it printed, and how
// much CPU it burns. `lab check` builds its exercises on it.
//
//	Start ──▶ the program, in a process group of its own ─┬─ stdout ─▶ tail (last 64 KiB)
//	  │       {host} {port} LAB_HOST LAB_PORT              └─ stderr ─▶ tail
//	  │       PYTHONUNBUFFERED=1, stdin /dev/null or the bytes given
//	  ├─ WaitListening: the group's sockets from /proc (never a connect:
//	  │    a one-client server would spend its only accept() on it)
//	  ├─ Mark … Since: what it printed, and its CPU time against the wall
//	  │    clock (a loop on recv() == b'' uses a whole core)
//	  ├─ Wait: a client ends by itself (or hangs)
//	  └─ Stop: SIGTERM, then SIGKILL, to the group and every descendant;
//	       waits until none is left and reaps
//
// The program never outlives the lab: Stop runs when Start's context is
// cancelled (Ctrl-C), the caller defers it (a panic in its goroutine), the
// program's first process gets SIGKILL when the lab dies (Pdeathsig), and a
// small watcher (/bin/sh, in a group of its own) kills the whole group when
// the lab's end of a pipe closes without a word: a panic in another
// goroutine, or a SIGKILL of the lab. On Windows only the first process
// is killed (a job object would reach its children: not done yet).
//
// Linux reads /proc: the group's sockets (by inode, in /proc/net/tcp{,6}
// and udp{,6}), its CPU time (/proc/<pid>/stat), TIME_WAIT entries. Other
// systems cannot discover a port (ErrNeedPort: the caller asks for --port);
// there a port given is watched by trying to bind() it (never a connect).
//
// Before starting a server, [CheckPort] and [TimeWaits] tell what already
// holds a port: a TIME_WAIT left by a socket without SO_REUSEADDR fails the
// learner's bind() for up to 60 s, even once the bug is fixed.
package grade

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for a Command and a Listen.
const (
	DefaultTail   = 64 << 10         // bytes of each stream kept
	DefaultWait   = 30 * time.Second // to start listening (--wait)
	DefaultNotice = time.Second      // before "waiting for your program"
	DefaultGrace  = 500 * time.Millisecond
)

// Command is the program to run.
type Command struct {
	// Args is the program and its arguments. In each, {host} and {port}
	// are replaced by Host and Port.
	Args []string
	// Dir is the working folder; "" is the lab's own. A relative program
	// path (./server) is relative to it.
	Dir string
	// Env is the program's environment; nil is the lab's own (cmd/lab
	// passes os.Environ()). PYTHONUNBUFFERED=1, LAB_HOST and LAB_PORT are
	// set over it.
	Env []string
	// Host is {host} and LAB_HOST; "" is 127.0.0.1.
	Host string
	// Port is {port} and LAB_PORT; 0 is a free port the lab chooses. A
	// client exercise listens first and passes its port here.
	Port int
	// Tail is how many bytes of each output stream are kept; 0 is
	// DefaultTail.
	Tail int
	// Stdin is what the program reads on its standard input, then EOF;
	// nil is /dev/null.
	Stdin []byte
	// Grace is how long Stop waits after SIGTERM before SIGKILL; 0 is
	// DefaultGrace, negative is SIGKILL at once.
	Grace time.Duration
}

// Program is a running learner's program and its process group.
type Program struct {
	cmd   *exec.Cmd
	args  []string
	host  string
	port  int
	grace time.Duration
	start time.Time
	grp   *group

	stdout, stderr, both *tail
	pipes                []*os.File // the lab's ends
	readers              sync.WaitGroup
	read                 chan struct{} // closed when both streams reached their end

	exited   chan struct{} // closed when the first process has ended and been reaped
	exit     Exit          // valid once exited is closed
	stopping atomic.Bool

	stopOnce    sync.Once
	stopErr     error
	done        chan struct{}
	afterCancel func() bool
}

// Start runs the command. Cancelling ctx stops it (as Stop does); the
// caller should also defer Stop.
func Start(ctx context.Context, c Command) (*Program, error) {
	if len(c.Args) == 0 || c.Args[0] == "" {
		return nil, errors.New("start: no program given")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := &Program{
		host:   c.Host,
		port:   c.Port,
		grace:  c.Grace,
		exited: make(chan struct{}),
		read:   make(chan struct{}),
		done:   make(chan struct{}),
		grp:    &group{},
	}
	if p.host == "" {
		p.host = "127.0.0.1"
	}
	if p.port == 0 {
		port, err := FreePort()
		if err != nil {
			return nil, fmt.Errorf("start: %w", err)
		}
		p.port = port
	}
	if p.grace == 0 {
		p.grace = DefaultGrace
	}
	size := c.Tail
	if size <= 0 {
		size = DefaultTail
	}
	p.stdout, p.stderr, p.both = newTail(size), newTail(size), newTail(size)

	r := strings.NewReplacer("{host}", p.host, "{port}", strconv.Itoa(p.port))
	for _, a := range c.Args {
		p.args = append(p.args, r.Replace(a))
	}
	cmd := exec.Command(p.args[0], p.args[1:]...)
	if cmd.Err != nil {
		return nil, fmt.Errorf("start %s: %w", p.args[0], cmd.Err)
	}
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	cmd.Env = append(cmd.Environ(), "PYTHONUNBUFFERED=1", "LAB_HOST="+p.host, "LAB_PORT="+strconv.Itoa(p.port))

	rOut, wOut, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start: stdout pipe: %w", err)
	}
	rErr, wErr, err := os.Pipe()
	if err != nil {
		rOut.Close()
		wOut.Close()
		return nil, fmt.Errorf("start: stderr pipe: %w", err)
	}
	cmd.Stdout, cmd.Stderr = wOut, wErr // stdin: nil is /dev/null
	var wIn *os.File
	if c.Stdin != nil {
		var rIn *os.File
		if rIn, wIn, err = os.Pipe(); err != nil {
			rOut.Close()
			wOut.Close()
			rErr.Close()
			wErr.Close()
			return nil, fmt.Errorf("start: stdin pipe: %w", err)
		}
		cmd.Stdin = rIn
		defer rIn.Close()
	}
	p.grp.prepare(cmd)
	err = cmd.Start()
	wOut.Close()
	wErr.Close()
	if wIn != nil {
		if err != nil {
			wIn.Close()
		} else {
			// The program may never read it: the write ends with the
			// pipe's last reader (EPIPE), so it never blocks the lab.
			go func() { wIn.Write(c.Stdin); wIn.Close() }()
		}
	}
	if err != nil {
		rOut.Close()
		rErr.Close()
		return nil, fmt.Errorf("start %s: %w", p.args[0], err)
	}
	p.cmd, p.start = cmd, time.Now()
	if err := p.grp.started(cmd); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		rOut.Close()
		rErr.Close()
		p.grp.release()
		return nil, fmt.Errorf("start %s: %w", p.args[0], err)
	}

	p.pipes = []*os.File{rOut, rErr}
	p.readers.Add(2)
	go p.copy(rOut, tee{p.stdout, p.both})
	go p.copy(rErr, tee{p.stderr, p.both})
	go func() {
		p.readers.Wait()
		close(p.read)
	}()
	go func() {
		cmd.Wait() // the exit is in ProcessState; Wait's error says the same
		p.exit = exitOf(cmd.ProcessState)
		p.exit.Killed = p.stopping.Load()
		p.grp.leaderEnded()
		close(p.exited)
	}()
	p.afterCancel = context.AfterFunc(ctx, func() { p.Stop() })
	return p, nil
}

func (p *Program) copy(r io.Reader, w io.Writer) {
	defer p.readers.Done()
	io.Copy(w, r) // tee never fails; a read error is the end (EOF, or Stop closed it)
}

func exitOf(ps *os.ProcessState) Exit {
	if ps == nil {
		return Exit{Code: -1}
	}
	if sig, ok := signalOf(ps); ok {
		return Exit{Code: -1, Signal: sig}
	}
	return Exit{Code: ps.ExitCode()}
}

// Args are the arguments as run, {host} and {port} replaced.
func (p *Program) Args() []string { return slices.Clone(p.args) }

// Host is {host} and LAB_HOST.
func (p *Program) Host() string { return p.host }

// Port is {port} and LAB_PORT.
func (p *Program) Port() int { return p.port }

// PID is the first process's id; on Unix it is also the process group's.
func (p *Program) PID() int { return p.cmd.Process.Pid }

// Done is closed when Stop has finished: every process is gone.
func (p *Program) Done() <-chan struct{} { return p.done }

// Exit says how the first process ended, and whether it has.
func (p *Program) Exit() (Exit, bool) {
	select {
	case <-p.exited:
		return p.exit, true
	default:
		return Exit{}, false
	}
}

// Alive tells whether any process of the program is left: the first one,
// or (where the platform can tell) another of its group or descendants,
// as when `sh -c 'server &'` has ended.
func (p *Program) Alive() bool {
	if _, ended := p.Exit(); !ended {
		return true
	}
	alive, err := p.grp.alive()
	return err == nil && alive
}

// CPU is the CPU time (user and system) used so far by the processes of
// the group that are still there; processes that ended and were reaped
// by one of them count too.
func (p *Program) CPU() (time.Duration, error) { return p.grp.cpu() }

// Output is the tail of what a program printed.
type Output struct {
	Stdout, Stderr []byte // the last bytes of each (at most Command.Tail)
	Both           []byte // both interleaved, in the order the lab read them
	// StdoutBytes and StderrBytes are how many bytes it printed: more than
	// len(Stdout) when the start has been forgotten.
	StdoutBytes, StderrBytes int64
}

// Output is the tail of what the program printed so far.
func (p *Program) Output() Output { return p.output(Mark{}) }

func (p *Program) output(m Mark) Output {
	var o Output
	o.Stdout, _ = p.stdout.Since(m.stdout)
	o.Stderr, _ = p.stderr.Since(m.stderr)
	o.Both, _ = p.both.Since(m.both)
	o.StdoutBytes = p.stdout.Total() - m.stdout
	o.StderrBytes = p.stderr.Total() - m.stderr
	return o
}

// Mark is a point in the program's run: how much it had printed, and its
// CPU time.
type Mark struct {
	stdout, stderr, both int64
	cpu                  time.Duration
	cpuKnown             bool
	at                   time.Time
}

// Span is what happened between a Mark and now.
type Span struct {
	Output                 // what it printed since
	Wall     time.Duration // time since the mark
	CPU      time.Duration // CPU time of the group since the mark
	CPUKnown bool          // false where the platform cannot tell
}

// Spinning tells whether the program used at least SpinShare of a core
// over the span (of at least 100 ms): a program with nothing to do that
// does this is looping, not waiting.
func (s Span) Spinning() bool { return spinning(s.CPU, s.Wall, s.CPUKnown) }

// Mark notes how much the program has printed and its CPU time now.
func (p *Program) Mark() Mark {
	m := Mark{stdout: p.stdout.Total(), stderr: p.stderr.Total(), both: p.both.Total(), at: time.Now()}
	cpu, err := p.grp.cpu()
	m.cpu, m.cpuKnown = cpu, err == nil
	return m
}

// Since is what the program printed since the mark (as much of it as the
// tails keep), and its CPU and wall time since. Since(Mark{}) is the whole
// run. Once the program has ended (Wait, or WaitListening's ErrExited),
// all it printed has been read.
func (p *Program) Since(m Mark) Span {
	s := Span{Output: p.output(m)}
	at := m.at
	if at.IsZero() {
		at = p.start
	}
	s.Wall = time.Since(at)
	if m.at.IsZero() || m.cpuKnown {
		cpu, err := p.grp.cpu()
		s.CPU, s.CPUKnown = max(cpu-m.cpu, 0), err == nil
	}
	return s
}

// failure fills in what the lab saw of the program since the mark.
func (p *Program) failure(kind error, m Mark) *Failure {
	s := p.Since(m)
	out := p.Output()
	f := &Failure{Err: kind, Waited: s.Wall, CPU: s.CPU, CPUKnown: s.CPUKnown,
		Stdout: out.Stdout, Stderr: out.Stderr, Output: out.Both}
	if e, ended := p.Exit(); ended {
		f.Exit = e
	}
	return f
}

// drain waits until what the program printed has all been read: its
// streams' ends, or a second (a process that escaped the group may keep
// them open).
func (p *Program) drain(ctx context.Context) {
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-p.read:
	case <-t.C:
	case <-ctx.Done():
	}
}

// sampler looks at the program's state every sampleEvery while it runs.
type sampler struct {
	p                 *Program
	samples, runnable int
}

const sampleEvery = 20 * time.Millisecond

func (s *sampler) look() {
	if r, err := s.p.grp.runnable(); err == nil {
		s.samples++
		if r {
			s.runnable++
		}
	}
}

func (s *sampler) fill(f *Failure) *Failure {
	f.Samples, f.Runnable = s.samples, s.runnable
	return f
}

// Wait waits for the program to end by itself, at most timeout, and
// returns how it ended. If it is still running then, the error is a
// *Failure of ErrStillRunning (Spinning tells a loop from a wait); the
// program is left running (Stop it). A cancelled ctx returns its error.
func (p *Program) Wait(ctx context.Context, timeout time.Duration) (Exit, error) {
	m := p.Mark()
	t := time.NewTimer(timeout)
	defer t.Stop()
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	s := sampler{p: p}
	for {
		select {
		case <-p.exited:
			p.drain(ctx)
			return p.exit, nil
		case <-t.C:
			return Exit{}, s.fill(p.failure(ErrStillRunning, m))
		case <-ctx.Done():
			return Exit{}, ctx.Err()
		case <-tick.C:
			s.look()
		}
	}
}

// CheckIdle watches the program for d while the lab does nothing to it:
// a *Failure of ErrSpinning if it used SpinShare of a core meanwhile, of
// ErrExited if it ended, nil if it waited as it should. Where the
// platform cannot measure CPU time it only checks that it is alive.
func (p *Program) CheckIdle(ctx context.Context, d time.Duration) error {
	m := p.Mark()
	t := time.NewTimer(d)
	defer t.Stop()
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	s := sampler{p: p}
wait:
	for {
		select {
		case <-t.C:
			break wait
		case <-p.exited:
			break wait
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			s.look()
		}
	}
	if !p.Alive() {
		p.drain(ctx)
		return p.failure(ErrExited, m)
	}
	if f := s.fill(p.failure(ErrSpinning, m)); f.Spinning() {
		return f
	}
	return nil
}

// Listen says what WaitListening waits for.
type Listen struct {
	// Proto is "tcp" (a listening socket), "udp" (a bound socket) or ""
	// (either).
	Proto string
	// Port is where to look (--port); 0 is any socket of the group,
	// preferring one on the program's {port}. Elsewhere than Linux a
	// port is needed (ErrNeedPort).
	Port int
	// Timeout is how long to wait; 0 is DefaultWait.
	Timeout time.Duration
	// OnWait, if set, is called once when the program is not listening
	// after Notice (0: DefaultNotice): the caller prints "waiting for
	// your program".
	OnWait func()
	Notice time.Duration
}

// WaitListening waits until the program listens (TCP) or has bound a
// socket (UDP), without ever connecting to it, and returns that socket
// (Addr is where to connect). The error is a *Failure of ErrExited (with
// the exit and the output's tail) or ErrNeverListened (with the sockets it
// has instead, if any), ErrNeedPort where the platform cannot discover a
// port, or ctx's error.
func (p *Program) WaitListening(ctx context.Context, w Listen) (Socket, error) {
	if w.Timeout <= 0 {
		w.Timeout = DefaultWait
	}
	if w.Notice <= 0 {
		w.Notice = DefaultNotice
	}
	m := p.Mark()
	deadline := time.NewTimer(w.Timeout)
	defer deadline.Stop()
	notice := time.NewTimer(w.Notice)
	defer notice.Stop()
	if w.OnWait == nil {
		notice.Stop()
	}
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	exited := p.exited
	var seen []Socket
	for {
		found, all, err := p.grp.find(w.Proto, w.Port, p.port)
		if err != nil {
			return Socket{}, err
		}
		if found != nil {
			return *found, nil
		}
		seen = all
		if exited == nil && !p.Alive() {
			p.drain(ctx)
			return Socket{}, p.failure(ErrExited, m)
		}
		select {
		case <-ctx.Done():
			return Socket{}, ctx.Err()
		case <-deadline.C:
			f := p.failure(ErrNeverListened, m)
			f.Port, f.Proto, f.Sockets = w.Port, w.Proto, seen
			return Socket{}, f
		case <-notice.C:
			w.OnWait()
		case <-exited:
			exited = nil // look once more: a child may hold the socket
		case <-tick.C:
		}
	}
}

// pick chooses among the sockets of the group: those of the protocol
// asked for (and on the port, if one is), the program's own {port} first,
// then TCP before UDP, the lower port, IPv4 before IPv6.
func pick(socks []Socket, proto string, port, prefer int) *Socket {
	var c []Socket
	for _, s := range socks {
		if (proto == "" || s.Proto == proto) && (port == 0 || int(s.Local.Port()) == port) {
			c = append(c, s)
		}
	}
	if len(c) == 0 {
		return nil
	}
	rank := func(s Socket) []int {
		r := []int{1, 0, int(s.Local.Port()), 1}
		if int(s.Local.Port()) == prefer {
			r[0] = 0
		}
		if s.Proto == "udp" {
			r[1] = 1
		}
		if s.Local.Addr().Is4() {
			r[3] = 0
		}
		return r
	}
	best := slices.MinFunc(c, func(a, b Socket) int { return slices.Compare(rank(a), rank(b)) })
	return &best
}

// Stop ends the program: SIGTERM to its group and descendants, after the
// grace SIGKILL, until none is left; then it reaps the first process,
// reads the rest of the output and releases what the lab held. It is
// idempotent and safe to call from several goroutines; every call returns
// when all is gone. The error says what could not be killed.
func (p *Program) Stop() error {
	p.stopOnce.Do(func() {
		p.stopErr = p.stop()
		close(p.done)
	})
	return p.stopErr
}

func (p *Program) stop() error {
	p.stopping.Store(true)
	p.afterCancel()
	var errs []error
	if alive, _ := p.grp.alive(); alive && p.grace > 0 && p.grp.signal(false) {
		p.until(p.grace, func() bool { a, _ := p.grp.alive(); return !a })
	}
	gone := p.until(10*time.Second, func() bool {
		a, err := p.grp.alive()
		if err != nil || !a {
			return true
		}
		p.grp.signal(true)
		return false
	})
	if !gone {
		errs = append(errs, errors.New("stop: processes of the program are left after SIGKILL for 10 s"))
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		errs = append(errs, fmt.Errorf("stop: process %d was not reaped", p.PID()))
	}
	t := time.NewTimer(time.Second)
	select {
	case <-p.read:
	case <-t.C: // a process out of reach holds the pipes: stop reading
		for _, f := range p.pipes {
			f.Close()
		}
		<-p.read
	}
	t.Stop()
	for _, f := range p.pipes {
		f.Close()
	}
	p.grp.release()
	return errors.Join(errs...)
}

// until calls done every few milliseconds until it returns true (then
// until returns true) or d has passed.
func (p *Program) until(d time.Duration, done func() bool) bool {
	end := time.Now().Add(d)
	for {
		if done() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}
