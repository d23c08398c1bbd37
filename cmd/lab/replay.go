package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"socketlab/demos"
	"socketlab/lab"
	"socketlab/lab/render"
)

// replayCmd is "lab replay FILE": it draws a trace saved with --format json
// through the same renderers as a live run, so an instructor can record the
// perfect run before class and a student can send a trace to a teacher.
// Step mode and --slow work as they do live, with the demo's step notes.
func (e *env) replayCmd(args []string) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	var c common
	c.register(fs)
	format := fs.String("format", "text", "text, json, md, svg or html")
	step := fs.Bool("step", false, "stop before each socket call")
	slow := fs.Duration("slow", 0, "pause before each socket call, e.g. 300ms")
	full := fs.Bool("full", false, "show every byte and every call instead of folding")
	showFlag := fs.String("show", "", "optional detail to show: barriers, setup, go (comma-separated)")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usage(lab.T("lab replay FILE, a trace saved with lab run N --format json > FILE (- reads stdin)",
			"lab replay 文件，即用 lab run N --format json > 文件 保存的跟踪（- 表示从标准输入读取）"),
			lab.T("replay needs one file", "replay 需要一个文件"))
	}
	if *slow < 0 {
		return usage(lab.T("durations look like 300ms or 2s", "时长的写法如 300ms 或 2s"),
			lab.Tf("--slow %v: must not be negative", "--slow %v：不能为负数", *slow))
	}
	show, err := parseShow(*showFlag)
	if err != nil {
		return err
	}
	s, err := e.resolve(c)
	if err != nil {
		return err
	}
	in, name, err := e.openTrace(pos[0])
	if err != nil {
		return err
	}
	defer in.Close()
	o, err := e.newOutput(e.stdout, *format, render.Options{Lang: s.lang, Width: s.width, Color: s.color, Full: *full, Live: s.tty, Show: show}, formatsRun)
	if err != nil {
		return err
	}
	sk, out := o.sink, o.out
	var pacer *lab.Stepper
	if *step || *slow > 0 {
		text, isText := textOf(sk)
		var promptOut io.Writer = out
		if !isText {
			promptOut = e.stderr
		}
		pacer = lab.NewStepper(e.stdin, promptOut, s.lang, *step, *slow)
		if isText {
			pacer.Show = text.Announce
		}
	}
	err = e.replay(render.NewTraceReader(in), sk, pacer, s.lang)
	sk.Finish()
	var te *render.TraceError
	switch {
	case errors.Is(err, lab.ErrQuit):
		return nil
	case errors.As(err, &te):
		return &usageError{msg: lab.T(name+": "+te.Error(), name+"："+te.In(lab.Zh)),
			hint: lab.T("a trace is what lab run N --format json > FILE writes, unchanged",
				"跟踪文件是 lab run N --format json > 文件 写出的内容，未经改动"), cause: err}
	case err != nil:
		return fmt.Errorf("replay %s: %w", name, err)
	}
	return nil
}

// openTrace opens the trace file, or stdin for "-".
func (e *env) openTrace(arg string) (io.ReadCloser, string, error) {
	if arg == "-" {
		return io.NopCloser(e.stdin), "stdin", nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, arg, &usageError{cause: err,
			msg:  lab.Tf("cannot open the trace %s", "无法打开跟踪文件 %s", arg),
			hint: lab.T("save one with: lab run 4 --format json > trace.jsonl", "这样保存一个：lab run 4 --format json > trace.jsonl")}
	}
	return f, arg, nil
}

// replay feeds the events of r to the sink, announcing each call first when
// stepping, with the demo's step notes.
func (e *env) replay(r *render.TraceReader, sk lab.Sink, pacer *lab.Stepper, l lab.Lang) error {
	var notes lab.NoteFunc
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if ev.Op == lab.OpRun && ev.Run != nil {
			notes = nil
			if d, err := demos.Lookup(ev.Run.Demo); err == nil && ev.Run.Command == "run" {
				notes = stepNotes(d, l)
			}
		}
		if pacer != nil && ev.Op.IsCall() && ev.Side != lab.System {
			note := lab.Text{}
			if notes != nil {
				note, _ = notes(ev.Side, ev.Step, ev.Op)
			}
			if note.IsZero() {
				note = lab.T(ev.Call, ev.Call)
			}
			if err := pacer.Before(e.ctx, lab.Announcement{Side: ev.Side, Who: ev.Who, Call: ev.Call, Note: note, Step: ev.Step}); err != nil {
				return err
			}
		}
		sk.Emit(ev)
	}
	if !r.Finished() {
		fmt.Fprintln(e.stderr, lab.T("lab: warning: the trace has no summary line: the run did not finish, or the file was cut short",
			"lab：警告：跟踪文件没有 summary 行：运行没有结束，或者文件被截断了").In(l))
	}
	return nil
}
