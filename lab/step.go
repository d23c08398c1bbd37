package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	// Paused says the announcement is shown because a paced run (--slow)
	// is paused, not because of step mode: its key help says so.
	Paused bool
}

// Stepper paces a run. In step mode it shows each call before it happens
// and waits for a key (Enter, →, n or space: go; c: run to the end; q:
// quit). With a slow delay it pauses before every call, and on a terminal
// the learner can pause it (space), step one call while paused (n, →),
// run on at full speed (c) or quit (q). Only the announcement is
// serialised: a side blocked inside a call does not hold the stepper, so a
// blocking recv cannot deadlock it.
type Stepper struct {
	// Show formats an announcement and the key help; nil means plain text.
	Show func(a Announcement, l Lang) string

	mu     sync.Mutex
	keys   Keys
	out    io.Writer
	lang   Lang
	step   bool
	slow   time.Duration
	cont   bool   // c: no more stops or pauses
	paused bool   // a paced run the learner paused
	noKeys bool   // the keys ended: a paced run goes on at its pace
	flush  func() // the run's sink: drained before each announcement

	watch    chan keyResult // keys pressed while a paced run goes on
	watchCtx context.Context
	stopWait context.CancelFunc
}

type keyResult struct {
	key Key
	err error
}

// NewStepper returns a stepper that reads keys from in (one line per key) and
// writes announcements to out. step turns on waiting for keys; slow pauses
// before every call.
func NewStepper(in io.Reader, out io.Writer, l Lang, step bool, slow time.Duration) *Stepper {
	return NewStepperKeys(LineKeys(in), out, l, step, slow)
}

// NewStepperKeys is NewStepper with keys from k (a terminal in cbreak
// mode: one key press each).
func NewStepperKeys(k Keys, out io.Writer, l Lang, step bool, slow time.Duration) *Stepper {
	return &Stepper{keys: k, out: out, lang: l, step: step, slow: slow}
}

// Before is called before each socket call. It returns ErrQuit when the
// learner quits, or the context's cause when the run ends while waiting.
func (s *Stepper) Before(ctx context.Context, a Announcement) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cont {
		return nil
	}
	if s.slow > 0 {
		if err := s.pace(ctx, a); err != nil || s.cont {
			return err
		}
	}
	if !s.step {
		return nil
	}
	s.announce(a)
	key, err := s.keys.Key(ctx)
	return s.obey(key, err)
}

// announce shows a, after everything the run has already drawn.
func (s *Stepper) announce(a Announcement) {
	if s.flush != nil {
		s.flush()
	}
	show := s.Show
	if show == nil {
		show = PlainAnnouncement
	}
	io.WriteString(s.out, show(a, s.lang))
}

// obey acts on a key of step mode (or of a paused paced run).
func (s *Stepper) obey(key Key, err error) error {
	switch {
	case errors.Is(err, io.EOF):
		s.cont = true
		fmt.Fprintln(s.out, T("(no more input: running to the end)", "（没有更多输入：运行到结束）").In(s.lang))
		return nil
	case err != nil:
		return err
	}
	switch key {
	case KeyContinue:
		s.cont, s.paused = true, false
	case KeyQuit:
		return ErrQuit
	}
	return nil
}

// pace waits the slow delay before a call, watching for keys on a
// terminal: space pauses (then n or → makes one call, space resumes), c
// runs on at full speed, q quits. The time it waits is not the sockets'
// time: the run's clock stands still (Side.before holds it).
func (s *Stepper) pace(ctx context.Context, a Announcement) error {
	keys := s.watchKeys(ctx)
	for {
		if s.paused {
			pa := a
			pa.Paused = true
			s.announce(pa)
			var r keyResult
			select {
			case r = <-keys:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
			switch {
			case r.err != nil:
				s.noKeys, s.paused = true, false
				return nil
			case r.key == KeyPause:
				s.paused = false
				continue
			case r.key == KeyNext:
				return nil // one call, still paused
			}
			return s.obey(r.key, nil)
		}
		t := time.NewTimer(s.slow)
		select {
		case <-t.C:
			return nil
		case r := <-keys:
			t.Stop()
			switch {
			case r.err != nil: // no more keys: go on at the pace
				s.noKeys = true
				return nil
			case r.key == KeyPause:
				s.paused = true
			case r.key == KeyNext:
				return nil // no need to wait
			default:
				return s.obey(r.key, nil)
			}
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		}
	}
}

// watchKeys returns the keys pressed during a paced run. On a terminal a
// goroutine reads them as they come, for as long as ctx lasts; elsewhere
// (a pipe), or in step mode where the prompt reads the keys, none come and
// a paced run just runs at its pace.
func (s *Stepper) watchKeys(ctx context.Context) <-chan keyResult {
	if !s.keys.Live() || s.step || s.noKeys {
		return nil
	}
	if s.watch != nil && s.watchCtx == ctx {
		return s.watch
	}
	wctx, cancel := context.WithCancel(ctx)
	ch := make(chan keyResult)
	s.watch, s.watchCtx, s.stopWait = ch, ctx, cancel
	go func() {
		for {
			k, err := s.keys.Key(wctx)
			if wctx.Err() != nil {
				return
			}
			select {
			case ch <- keyResult{k, err}:
			case <-wctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return ch
}

// readTyped reads a line the learner types (Side.ReadLine), with the key
// watcher of a paced run stopped meanwhile so the two never share a key.
func (s *Stepper) readTyped(ctx context.Context) (string, error) {
	if s.stopWait != nil {
		s.stopWait()
		s.watch, s.watchCtx, s.stopWait = nil, nil, nil
	}
	return s.keys.Line(ctx)
}

// PlainAnnouncement formats a without colour.
func PlainAnnouncement(a Announcement, l Lang) string {
	return fmt.Sprintf("  ▸ %s %s: %s\n    %s\n",
		a.Side.Name(l), a.Call, a.Note.In(l), KeyHelp(a).In(l))
}

// StepKeys is the key help shown with each announcement in step mode.
var StepKeys = T("[Enter] go · c: run to the end · q: quit",
	"[回车] 执行 · c：运行到结束 · q：退出")

// PausedKeys is the key help of a paused paced run.
var PausedKeys = T("paused · n or →: one call · space: resume · c: full speed · q: quit",
	"已暂停 · n 或 →：执行一次调用 · 空格：继续 · c：全速运行 · q：退出")

// KeyHelp is the key help that goes with an announcement.
func KeyHelp(a Announcement) Text {
	if a.Paused {
		return PausedKeys
	}
	return StepKeys
}
