package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// ErrQuit ends a run the learner stopped with q. It is not a failure.
var ErrQuit = errors.New("stopped by the learner")

// Announcement says which side is about to make which call, and why.
type Announcement struct {
	Side Role
	Who  string // a Fork's tag, "" for the side itself
	Call string
	Note Text
	Step string // the call's step name, "" if the demo gave it none
}

// Stepper paces a run: in step mode it shows each call before it happens and
// waits for a key (Enter = go, c = continue to the end, q = quit); with a slow
// delay it pauses before each call. Only the announcement is serialised: a
// side blocked inside a call does not hold the stepper, so a blocking recv
// cannot deadlock it.
type Stepper struct {
	// Show formats an announcement and the key help; nil means plain text.
	Show func(a Announcement, l Lang) string

	mu      sync.Mutex
	in      io.Reader
	out     io.Writer
	lang    Lang
	step    bool
	slow    time.Duration
	cont    bool
	pending chan lineResult
	flush   func() // the run's sink: drained before each announcement
}

type lineResult struct {
	line string
	err  error
}

// NewStepper returns a stepper that reads keys from in (one line per key) and
// writes announcements to out. step turns on waiting for keys; slow pauses
// before every call.
func NewStepper(in io.Reader, out io.Writer, l Lang, step bool, slow time.Duration) *Stepper {
	return &Stepper{in: in, out: out, lang: l, step: step, slow: slow}
}

// Before is called before each socket call. It returns ErrQuit when the
// learner quits, or the context's cause when the run ends while waiting.
func (s *Stepper) Before(ctx context.Context, a Announcement) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.slow > 0 {
		t := time.NewTimer(s.slow)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		}
	}
	if !s.step || s.cont {
		return nil
	}
	show := s.Show
	if show == nil {
		show = PlainAnnouncement
	}
	if s.flush != nil {
		s.flush()
	}
	io.WriteString(s.out, show(a, s.lang))
	line, err := s.readLine(ctx)
	switch {
	case errors.Is(err, io.EOF):
		s.cont = true
		fmt.Fprintln(s.out, T("(no more input: running to the end)", "（没有更多输入：运行到结束）").In(s.lang))
		return nil
	case err != nil:
		return err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "c":
		s.cont = true
	case "q":
		return ErrQuit
	}
	return nil
}

// PlainAnnouncement formats a without colour.
func PlainAnnouncement(a Announcement, l Lang) string {
	return fmt.Sprintf("  ▸ %s %s: %s\n    %s\n",
		a.Side.Name(l), a.Call, a.Note.In(l), StepKeys.In(l))
}

// StepKeys is the key help shown with each announcement.
var StepKeys = T("[Enter] go · c then Enter: run to the end · q then Enter: quit",
	"[回车] 执行 · c 加回车：运行到结束 · q 加回车：退出")

// readLine reads one line from the input without reading past it, so that
// whoever reads the input next (the menu) loses nothing. A read still
// outstanding when the run ends is picked up by the next call.
func (s *Stepper) readLine(ctx context.Context) (string, error) {
	if s.pending == nil {
		ch := make(chan lineResult, 1)
		s.pending = ch
		go func() {
			var sb strings.Builder
			var b [1]byte
			for {
				n, err := s.in.Read(b[:])
				if n == 1 {
					if b[0] == '\n' {
						ch <- lineResult{line: sb.String()}
						return
					}
					sb.WriteByte(b[0])
				}
				if err != nil {
					if sb.Len() > 0 && err == io.EOF {
						err = nil
					}
					ch <- lineResult{line: sb.String(), err: err}
					return
				}
			}
		}()
	}
	select {
	case r := <-s.pending:
		s.pending = nil
		return r.line, r.err
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
}
