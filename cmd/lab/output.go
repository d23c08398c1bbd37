package main

import (
	"errors"
	"io"
	"os"
	"socketlab/lab"
	"socketlab/lab/render"
	"sync"
	"syscall"
)

// sink is a renderer of the command line: it is told when the output ends.
type sink interface {
	lab.Sink
	Finish()
}

// textSink is the text renderer, which also draws step announcements.
type textSink = *render.Text

// textOf is the text renderer a sink draws with, if it is one.
func textOf(sk sink) (*render.Text, bool) {
	if ps, ok := sk.(*pageSink); ok {
		sk = ps.sink
	}
	if sv, ok := sk.(*saved); ok {
		sk = sv.sink
	}
	t, ok := sk.(textSink)
	return t, ok
}

// saved is a sink that also writes the JSON trace to a file (--save): the
// run is shown as asked and recorded for lab replay at once.
type saved struct {
	sink
	tee  lab.Tee
	json *render.JSON
	f    *os.File
}

func saving(sk sink, path string, l lab.Lang) (sink, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, &usageError{cause: err, msg: lab.Tf("--save %s: %v", "--save %s：%v", path, err),
			hint: lab.T("--save names a file to write, in a folder that exists", "--save 后面是要写入的文件，所在的文件夹必须存在")}
	}
	j := render.NewJSON(f, l)
	var shown lab.Sink = sk
	if _, none := sk.(noSink); none {
		shown = nil
	}
	tee := lab.Tee{j}
	if shown != nil {
		tee = lab.Tee{shown, j}
	}
	return &saved{sink: sk, tee: tee, json: j, f: f}, nil
}

func (s *saved) Emit(e lab.Event) { s.tee.Emit(e) }
func (s *saved) Needs() int       { return s.tee.Needs() }
func (s *saved) Flush()           { s.tee.Flush() }
func (s *saved) Finish() {
	s.sink.Finish()
	s.json.Finish()
	s.f.Close()
}

// The --format values of the commands.
var (
	formatsRun   = lab.T("text, json, md, svg or html", "text、json、md、svg 或 html")
	formatsQuiet = lab.T("text, json, md or none", "text、json、md 或 none")
)

// output is where a command's trace goes, as --format asks: the sink, the
// stream it draws on, and where the lines meant for a person go (the
// address to connect to, totals, hints): with the text trace, or on stderr
// when stdout carries json, md, svg or html, so that stays machine-readable.
type output struct {
	out  *lockedWriter
	info io.Writer
	sink sink
}

// newOutput makes the output of a command that draws a trace on w in the
// given format, one of valid (formatsRun or formatsQuiet).
func (e *env) newOutput(w io.Writer, format string, o render.Options, valid lab.Text) (*output, error) {
	out := &lockedWriter{w: w}
	sk, err := newSink(out, format, o, valid)
	if err != nil {
		return nil, err
	}
	op := &output{out: out, info: out, sink: sk}
	if format != "text" && format != "none" {
		op.info = e.stderr
	}
	return op, nil
}

// traced is the sink as the engine takes it: nil for --format none, so
// nothing is even recorded.
func (o *output) traced() lab.Sink {
	if _, none := o.sink.(noSink); none {
		return nil
	}
	return o.sink
}

// formatError is an unknown --format: the hint lists the valid ones.
func formatError(format string, valid lab.Text) error {
	return usage(lab.Text{En: "--format " + valid.En, Zh: "--format " + valid.Zh},
		lab.Tf("unknown --format %q", "未知的 --format 值 %q", format))
}

// checkFormat checks the --format of a command that writes text or JSON
// itself (list, exercises, check).
func checkFormat(format string) error {
	if format == "text" || format == "json" {
		return nil
	}
	return formatError(format, lab.T("text or json", "text 或 json"))
}

// newSink makes the renderer --format names: text, json, md, svg or html (or none,
// where valid says so).
func newSink(w io.Writer, format string, o render.Options, valid lab.Text) (sink, error) {
	switch format {
	case "text":
		return render.NewText(w, o), nil
	case "json":
		return render.NewJSON(w, o.Lang), nil
	case "md":
		return render.NewMarkdown(w, o), nil
	case "svg", "html":
		if valid == formatsRun {
			return newExport(w, format, o), nil // web.go
		}
	case "none":
		if valid == formatsQuiet {
			return noSink{}, nil
		}
	}
	return nil, formatError(format, valid)
}

// noSink is --format none: nothing is drawn.
type noSink struct{}

func (noSink) Emit(lab.Event) {}
func (noSink) Finish()        {}

// lockedWriter serialises whole writes from the trace and the stepper.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// outWriter is stdout, remembering the first write that failed: a closed
// pipe or a full disk ends the command with an error (exit 1), not with
// silence and exit 0.
type outWriter struct {
	w   io.Writer
	mu  sync.Mutex
	err error
}

func (o *outWriter) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	if err != nil {
		o.mu.Lock()
		if o.err == nil {
			o.err = err
		}
		o.mu.Unlock()
	}
	return n, err
}

// failed is the first write error, or nil.
func (o *outWriter) failed() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// writeFailure is the error of a command whose output could not be written.
func writeFailure(err error) error {
	f := &failure{cause: err, msg: lab.Tf("the output could not be written: %v", "无法写出输出：%v", err)}
	if errors.Is(err, syscall.EPIPE) {
		f.hint = lab.T("the program reading the output went away (e.g. | head): the rest could not be shown",
			"读取输出的程序已经退出（例如 | head）：后面的内容无法显示")
	}
	return f
}
