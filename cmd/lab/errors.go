package main

import (
	"errors"
	"fmt"
	"io"
	"socketlab/lab"
)

// Exit codes of the command-line contract.
const (
	exitOK          = 0
	exitFail        = 1   // a run failed, or --check found a phenomenon missing
	exitUsage       = 2   // unknown demo, command, flag or knob value
	exitInterrupted = 130 // Ctrl-C or SIGTERM stopped a command asked for a verdict
)

// usageError is bad input from the user: exit 2, with a hint naming what is
// valid. Both are said in English and Chinese; run prints them in the
// user's language.
type usageError struct {
	msg   lab.Text
	hint  lab.Text
	cause error // what was refused, if an error said so, for errors.Is
}

func (e *usageError) Error() string { return e.msg.En }
func (e *usageError) Unwrap() error { return e.cause }

// usage returns a usage error: msg says what is wrong, hint what is valid
// (it may be empty).
func usage(hint, msg lab.Text) error {
	return &usageError{msg: msg, hint: hint}
}

// errText is err in both languages: a knob's error has its own Chinese;
// any other (from the flag or net packages) is the same in both.
func errText(err error) lab.Text {
	var ke *lab.KnobError
	if errors.As(err, &ke) {
		return ke.Text
	}
	return lab.T(err.Error(), err.Error())
}

// join puts texts together, language by language.
func join(ts ...lab.Text) lab.Text {
	var out lab.Text
	for _, t := range ts {
		out.En += t.En
		out.Zh += t.Zh
	}
	return out
}

// exitStatus is the exit code of the lab that ran in a namespace of its
// own: it said what it had to say.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// failure is a command that ran and failed (exit 1), said in the user's
// language, with a hint when one helps.
type failure struct {
	msg, hint lab.Text
	cause     error
}

func (e *failure) Error() string { return e.msg.En }
func (e *failure) Unwrap() error { return e.cause }

// interrupted is a command asked for a verdict (--check) that did not get
// to give one: stopped by a signal (exit 130) or by q (exit 1).
type interrupted struct {
	code int
	msg  lab.Text
}

func (e *interrupted) Error() string { return e.msg.En }

// stopped is what ending a run early means for its command: nothing (the
// learner chose to stop), unless --check asked for a verdict it never got.
func (e *env) stopped(check bool) error {
	switch {
	case !check:
		return nil
	case e.ctx.Err() != nil:
		return &interrupted{exitInterrupted, lab.T("interrupted: the check did not run to the end, so it has no verdict",
			"已中断：检查没有运行到结束，所以没有结论")}
	}
	return &interrupted{exitFail, lab.T("check not completed: stopped with q before the findings",
		"检查未完成：在得出结论之前用 q 停止了")}
}

// failError is a run that finished but failed --check: the trace already
// said why, so nothing more is printed.
type failError struct{ quiet bool }

func (e *failError) Error() string { return "a finding did not hold" }

// report prints err as the command line's contract says (lab: error: …,
// then perhaps lab: hint: …, in the user's language) and returns the exit
// code.
func report(err error, stderr io.Writer, l lab.Lang) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	var fe *failError
	var ie *interrupted
	var fl *failure
	var xs exitStatus
	switch {
	case errors.As(err, &xs):
		return int(xs)
	case errors.As(err, &fe) && fe.quiet:
		return exitFail
	case errors.As(err, &ie):
		fmt.Fprintf(stderr, "lab: %s\n", ie.msg.In(l))
		return ie.code
	case errors.As(err, &fl):
		printError(stderr, fl.msg, fl.hint, l)
		return exitFail
	case errors.As(err, &ue):
		printError(stderr, ue.msg, ue.hint, l)
		return exitUsage
	}
	var te *lab.TextError
	var h *hinted
	switch {
	case errors.As(err, &te):
		fmt.Fprintf(stderr, "lab: error: %s\n", te.In(l))
	case l == lab.Zh:
		// An error in the system's own words, behind a translated explanation.
		fmt.Fprintf(stderr, "lab: error: 运行失败，系统的原话是：%v\n", err)
	default:
		fmt.Fprintf(stderr, "lab: error: %v\n", err)
	}
	switch {
	case errors.As(err, &h):
		fmt.Fprintf(stderr, "lab: hint: %s\n", h.hint.In(l))
	case errors.Is(err, lab.ErrTimeout):
		fmt.Fprintf(stderr, "lab: hint: %s\n", lab.T(
			"a side waited for something that never came; run with --step to watch it call by call",
			"有一端在等一个始终没有到来的东西；用 --step 运行，逐个调用地观察它").In(l))
	}
	return exitFail
}

// printError prints an error line and, when there is one, a hint line.
func printError(w io.Writer, msg, hint lab.Text, l lab.Lang) {
	fmt.Fprintf(w, "lab: error: %s\n", msg.In(l))
	if !hint.IsZero() {
		fmt.Fprintf(w, "lab: hint: %s\n", hint.In(l))
	}
}

// hinted is any error with a hint for the learner: it is printed as the
// error would be, then "lab: hint: …" (a usage error and a failure carry
// their own hints; this gives one to any other error).
type hinted struct {
	err  error
	hint lab.Text
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

// withHint gives err a hint.
func withHint(err error, hint lab.Text) error { return &hinted{err: err, hint: hint} }
