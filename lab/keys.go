package lab

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
)

// Key is a key the learner pressed to pace a run.
type Key int

// The keys of step mode and --slow, the same in the terminal and the page:
// Enter, →, n: one call; space: pause or resume (in step mode: one call);
// c: run on without stopping; q: quit.
const (
	KeyNext Key = iota + 1
	KeyPause
	KeyContinue
	KeyQuit
)

// Keys is where a stepper's keys and a demo's typed lines come from.
type Keys interface {
	// Key waits for the next key. It returns io.EOF when no more will come.
	Key(ctx context.Context) (Key, error)
	// Line waits for a line the learner types, without its line end.
	Line(ctx context.Context) (string, error)
	// Live reports whether keys can come at any time (a terminal), so a
	// paced run can watch for them; lines on a pipe are read on demand.
	Live() bool
}

// LineKeys reads keys as lines (a pipe, a test, a terminal in cooked
// mode): an empty line or "n" is one call, " " pauses, "c" runs on, "q"
// quits. It reads a byte at a time, never past the line it needs, so
// whoever reads the input next (the menu) loses nothing.
func LineKeys(in io.Reader) Keys { return &lineKeys{in: in} }

type lineKeys struct {
	in      io.Reader
	mu      sync.Mutex
	pending chan lineResult
}

type lineResult struct {
	line string
	err  error
}

// KeyOf is the key a line stands for; ok is false for a line that is no key.
func KeyOf(line string) (Key, bool) {
	switch strings.ToLower(strings.TrimRight(line, "\r")) {
	case "", "n":
		return KeyNext, true
	case " ", "p":
		return KeyPause, true
	case "c":
		return KeyContinue, true
	case "q":
		return KeyQuit, true
	}
	return 0, false
}

func (k *lineKeys) Live() bool { return false }

func (k *lineKeys) Key(ctx context.Context) (Key, error) {
	line, err := k.Line(ctx)
	if err != nil {
		return 0, err
	}
	if key, ok := KeyOf(line); ok {
		return key, nil
	}
	return KeyNext, nil // any other line goes on, as Enter does
}

// Line reads one line. A read still outstanding when ctx ends is picked
// up by the next call.
func (k *lineKeys) Line(ctx context.Context) (string, error) {
	k.mu.Lock()
	if k.pending == nil {
		ch := make(chan lineResult, 1)
		k.pending = ch
		go func() {
			var sb strings.Builder
			var b [1]byte
			for {
				n, err := k.in.Read(b[:])
				if n == 1 {
					if b[0] == '\n' {
						ch <- lineResult{line: sb.String()}
						return
					}
					sb.WriteByte(b[0])
				}
				if err != nil {
					if sb.Len() > 0 && errors.Is(err, io.EOF) {
						err = nil
					}
					ch <- lineResult{line: sb.String(), err: err}
					return
				}
			}
		}()
	}
	ch := k.pending
	k.mu.Unlock()
	select {
	case r := <-ch:
		k.mu.Lock()
		k.pending = nil
		k.mu.Unlock()
		return r.line, r.err
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
}
