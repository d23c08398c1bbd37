package lab

import (
	"context"
	"errors"
	"io"
	"strings"
)

// ErrNoInput is returned by ReadLine when the run has no learner typing
// (stdin is not a terminal): the demo should use its scripted input.
var ErrNoInput = errors.New("no learner input")

// inputOf picks where a run's typed lines come from: the stepper when there
// is one (so step keys and typed lines never race for the same input), else
// a line reader of its own over opt.Input.
func inputOf(opt Options) *Stepper {
	switch {
	case opt.Input == nil:
		return nil
	case opt.Step != nil:
		return opt.Step
	}
	return NewStepper(opt.Input, io.Discard, En, false, 0)
}

// HasInput reports whether a learner can type lines into this run.
func (s *Side) HasInput() bool { return s.run.input != nil }

// ReadLine shows prompt in this side's lane and waits for the learner to
// type one line, which it returns without the line end (and without a
// trailing "\r"). The idle watchdog and the trace's clock stand still while
// it waits: a learner thinking is not a hang. It returns ErrNoInput when the
// run has no input, io.EOF at the end of the input (Ctrl-D), and the run's
// cause when the run ends while waiting.
func (s *Side) ReadLine(prompt Text) (string, error) {
	in := s.run.input
	if in == nil {
		return "", ErrNoInput
	}
	s.setBusy("typing")
	defer s.setBusy("")
	defer s.run.learnerWaits()()
	in.mu.Lock() // take turns with step announcements
	defer in.mu.Unlock()
	s.Note(prompt)
	s.run.rec.Flush()
	line, err := in.readTyped(s.run.ctx)
	if err != nil && !errors.Is(err, io.EOF) && s.run.ctx.Err() != nil {
		err = context.Cause(s.run.ctx)
	}
	return strings.TrimSuffix(line, "\r"), err
}
