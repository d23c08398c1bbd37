package grade

// What a running program printed and how much CPU it used (Mark, Since),
// and waiting for a client to end (Wait) or for a server to sit idle
// (CheckIdle).

import (
	"context"
	"time"
)

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
