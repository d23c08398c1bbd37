package grade

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"
)

// Kinds of failure, tested with errors.Is; the details are in a [*Failure].
var (
	// ErrExited: the program ended while it was meant to be serving (or
	// before it listened).
	ErrExited = errors.New("program exited")
	// ErrNeverListened: the wait for the program to listen ran out.
	ErrNeverListened = errors.New("program never listened")
	// ErrStillRunning: the program did not end within the time given to it
	// (a client that hangs).
	ErrStillRunning = errors.New("program still running")
	// ErrSpinning: the program used a core's worth of CPU while it had
	// nothing to do (a loop on recv() == b'').
	ErrSpinning = errors.New("program spinning")
	// ErrNeedPort: the platform cannot tell which port a program listens
	// on (no /proc): give the port (--port).
	ErrNeedPort = errors.New("port needed")
)

// SpinShare is the share of one core, over a span of wall time, from which
// a program counts as spinning. A program waiting in accept() or recv()
// uses next to nothing; a loop on an empty recv() uses a whole core when it
// can get one, and about half of one on a 2-core machine with a load of 6
// (measured here): a quarter leaves room for both.
const SpinShare = 0.25

// Exit is how the program (the process the lab started) ended.
type Exit struct {
	Code   int            // exit status; -1 if a signal ended it
	Signal syscall.Signal // the signal that ended it, 0 if none
	Killed bool           // the lab stopped it (Stop, a cancelled context)
}

// String says it as a person would: "exit status 3", "killed by SIGSEGV
// (segmentation fault)".
func (e Exit) String() string {
	if e.Signal != 0 {
		return fmt.Sprintf("killed by %s", signalName(e.Signal))
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

// Failure is what went wrong with the program, with what the lab saw of
// it, so the caller can say it in its own words and language.
type Failure struct {
	Err      error         // ErrExited, ErrNeverListened, ErrStillRunning or ErrSpinning
	Exit     Exit          // how it ended (ErrExited)
	Waited   time.Duration // how long the lab waited or watched
	CPU      time.Duration // CPU time of the group meanwhile
	CPUKnown bool          // false where the platform cannot tell
	// Samples is how often the lab looked at the program's state while it
	// waited, Runnable how often a process of it was running or ready to
	// run: a spinning program nearly always is, however busy the machine.
	Samples, Runnable int
	Port              int      // the port it was looked for on, 0 if any
	Proto             string   // the protocol looked for, "" if any
	Sockets           []Socket // what the group did listen on or bind (ErrNeverListened: elsewhere)
	Stdout            []byte   // the tail of its output
	Stderr            []byte
	Output            []byte // both streams as the lab read them, interleaved
}

// Error says what happened in lower-case English, for logs and tests.
func (f *Failure) Error() string {
	var b strings.Builder
	switch {
	case errors.Is(f.Err, ErrExited):
		fmt.Fprintf(&b, "program exited (%v)", f.Exit)
	case errors.Is(f.Err, ErrNeverListened):
		what := "listen"
		if f.Proto == "udp" {
			what = "bind a UDP socket"
		}
		if f.Port != 0 {
			fmt.Fprintf(&b, "program did not %s on port %d within %v", what, f.Port, f.Waited)
		} else {
			fmt.Fprintf(&b, "program did not %s within %v", what, f.Waited)
		}
		for i, s := range f.Sockets {
			if i == 0 {
				b.WriteString("; it has ")
			} else {
				b.WriteString(", ")
			}
			b.WriteString(s.String())
		}
	case errors.Is(f.Err, ErrStillRunning):
		fmt.Fprintf(&b, "program still running after %v", f.Waited)
	default:
		b.WriteString(f.Err.Error())
	}
	if f.CPUKnown && f.Waited > 0 && !errors.Is(f.Err, ErrExited) {
		fmt.Fprintf(&b, " (CPU %v", f.CPU.Round(time.Millisecond))
		if f.Spinning() {
			b.WriteString(": spinning")
		}
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap gives the kind.
func (f *Failure) Unwrap() error { return f.Err }

// Spinning tells whether the program used at least SpinShare of a core
// while the lab watched.
func (f *Failure) Spinning() bool {
	if spinning(f.CPU, f.Waited, f.CPUKnown) {
		return true
	}
	// Runnable at most looks, and some CPU time to show for it: a Go
	// program's runtime threads may be caught runnable on a busy machine
	// while they use next to nothing.
	busy := !f.CPUKnown || float64(f.CPU) >= MinSpinShare*float64(f.Waited)
	return busy && f.Samples >= 5 && float64(f.Runnable) >= RunnableShare*float64(f.Samples)
}

// MinSpinShare is the least share of a core a program found runnable at
// most looks must have used to count as spinning.
const MinSpinShare = 0.08

// RunnableShare is the share of looks at a program's processes that found
// one running or ready to run (state R), from which it counts as spinning.
// On a 2-core machine with a load of 11 a spinning program got 18% of a
// core (measured here), too little for SpinShare; its state was R at
// nearly every look, while a program waiting in recv() is asleep (S).
const RunnableShare = 0.6

func spinning(cpu, wall time.Duration, known bool) bool {
	return known && wall >= 100*time.Millisecond && float64(cpu) >= SpinShare*float64(wall)
}
