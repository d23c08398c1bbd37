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
	p, err := newProgram(c)
	if err != nil {
		return nil, err
	}
	cmd, err := p.command(c)
	if err != nil {
		return nil, err
	}
	s, err := openStdio(c.Stdin != nil)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = s.wOut, s.wErr // stdin: nil is /dev/null
	if s.rIn != nil {
		cmd.Stdin = s.rIn
		defer s.rIn.Close()
	}
	if err := p.launch(cmd, s, c.Stdin); err != nil {
		return nil, err
	}
	p.watch(ctx, cmd, s.rOut, s.rErr)
	return p, nil
}

// newProgram is the program c describes, with the defaults filled in and
// {host} and {port} replaced in its arguments, not started yet.
func newProgram(c Command) (*Program, error) {
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
	return p, nil
}

// command is the process to start, in c's folder and environment.
func (p *Program) command(c Command) (*exec.Cmd, error) {
	cmd := exec.Command(p.args[0], p.args[1:]...)
	if cmd.Err != nil {
		return nil, fmt.Errorf("start %s: %w", p.args[0], cmd.Err)
	}
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	cmd.Env = append(cmd.Environ(), "PYTHONUNBUFFERED=1", "LAB_HOST="+p.host, "LAB_PORT="+strconv.Itoa(p.port))
	return cmd, nil
}

// stdio are the pipes of a program being started. The lab keeps the read
// ends of stdout and stderr and the write end of stdin (when it gives the
// program bytes to read); the program gets the others.
type stdio struct {
	rOut, wOut, rErr, wErr *os.File
	rIn, wIn               *os.File // nil: stdin is /dev/null
}

// openStdio opens the pipes, closing those it opened when one fails.
func openStdio(withStdin bool) (*stdio, error) {
	s := &stdio{}
	var err error
	if s.rOut, s.wOut, err = os.Pipe(); err != nil {
		return nil, fmt.Errorf("start: stdout pipe: %w", err)
	}
	if s.rErr, s.wErr, err = os.Pipe(); err != nil {
		s.rOut.Close()
		s.wOut.Close()
		return nil, fmt.Errorf("start: stderr pipe: %w", err)
	}
	if withStdin {
		if s.rIn, s.wIn, err = os.Pipe(); err != nil {
			s.rOut.Close()
			s.wOut.Close()
			s.rErr.Close()
			s.wErr.Close()
			return nil, fmt.Errorf("start: stdin pipe: %w", err)
		}
	}
	return s, nil
}

// launch starts cmd in the program's group, closes the program's ends of
// the pipes and hands it stdin; if it cannot start, nothing is left open
// or running.
func (p *Program) launch(cmd *exec.Cmd, s *stdio, stdin []byte) error {
	p.grp.prepare(cmd)
	err := cmd.Start()
	s.wOut.Close()
	s.wErr.Close()
	if wIn := s.wIn; wIn != nil {
		if err != nil {
			wIn.Close()
		} else {
			// The program may never read it: the write ends with the
			// pipe's last reader (EPIPE), so it never blocks the lab.
			go func() { wIn.Write(stdin); wIn.Close() }()
		}
	}
	if err != nil {
		s.rOut.Close()
		s.rErr.Close()
		return fmt.Errorf("start %s: %w", p.args[0], err)
	}
	p.cmd, p.start = cmd, time.Now()
	if err := p.grp.started(cmd); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		s.rOut.Close()
		s.rErr.Close()
		p.grp.release()
		return fmt.Errorf("start %s: %w", p.args[0], err)
	}
	return nil
}

// watch copies the program's output into its tails, notes its exit when
// its first process ends, and stops it when ctx is cancelled.
func (p *Program) watch(ctx context.Context, cmd *exec.Cmd, rOut, rErr *os.File) {
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
