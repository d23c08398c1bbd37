// Command lab is Socket Lab: it runs real client and server code over the
// loopback network and shows, side by side, every socket call and every byte.
//
//	lab                 the menu (in a terminal)
//	lab list            the demos
//	lab run 3           run demo 3 and show its trace
//	lab lesson 3        read its lesson
//
// Run "lab help" for the whole command line.
package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"golang.org/x/term"
)

// main stops the commands the same way on Ctrl-C, SIGTERM, and a closed
// output pipe (lab run 15 | head -3): the context ends, sockets close and
// temporary folders are removed, instead of the process dying mid-write.
func main() {
	if inNetns() { // the lab runs itself in a network namespace of its own (netns_linux.go)
		if err := setupNetns(); err != nil {
			os.Exit(netnsUnusable)
		}
	}
	softMemoryLimit()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(ctx)
	// A write to a closed stdout fails with EPIPE instead of killing the
	// process, and ends the command. (Notify on SIGPIPE would do that too,
	// but for every socket as well: demo 9's write to a departed client.)
	signal.Ignore(syscall.SIGPIPE)
	var stdout io.Writer = os.Stdout
	if !term.IsTerminal(int(os.Stdout.Fd())) {
		stdout = &pipeWatch{w: os.Stdout, closed: cancel}
	}
	code := runWith(ctx, os.Args[1:], os.Stdin, stdout, os.Stderr, reexecInNetns)
	cancel()
	stop()
	os.Exit(code)
}

// memoryLimit is the lab's soft memory limit (docs/performance.md).
const memoryLimit = 40 << 20

// softMemoryLimit asks the garbage collector to keep the heap near what is
// live rather than at twice that: what the lab keeps is bounded by design
// (the trace keeps what findings need, the renderer's queue is bounded),
// but a big transfer makes garbage fast, and with the collector's default
// headroom a 1 GB upload would peak at twice the memory it uses. It is a
// soft limit: a run that needs more (--full) gets more, the collector just
// works harder. GOMEMLIMIT, if set, decides instead.
func softMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// pipeWatch passes writes on to w and calls closed once a write finds the
// reader gone.
type pipeWatch struct {
	w      io.Writer
	closed func()
}

func (p *pipeWatch) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	if errors.Is(err, syscall.EPIPE) {
		p.closed()
	}
	return n, err
}
