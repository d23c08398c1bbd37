package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"socketlab/demos/exercise"
	"socketlab/lab"
	"socketlab/lab/render"
)

// lab check <slug> [flags] -- <command> [args...]: grade the learner's program.
func (e *env) checkCmd(args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	var c common
	c.register(fs)
	port := fs.Int("port", 0, "your program's port: where your server listens, or where the lab listens for your client (default: found / chosen)")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for your server to listen")
	timeout := fs.Duration("timeout", exercise.DefaultTimeout, "how long each case may take")
	format := fs.String("format", "text", "text or json")
	dir := fs.String("dir", "", "the folder your program runs in (default: the current one)")
	before, command, dashes := splitDashes(args)
	pos, err := e.parse(fs, before)
	if err != nil {
		return err
	}
	s, err := e.resolve(c)
	if err != nil {
		return err
	}
	hint := lab.T("lab check <slug> [--port N] [--wait DUR] [--timeout DUR] [--format text|json] [--dir DIR] -- <command> [args...], e.g. lab check echo-server -- python3 echo_server.py {port}",
		"lab check <slug> [--port N] [--wait 时长] [--timeout 时长] [--format text|json] [--dir 目录] -- <命令> [参数...]，例如 lab check echo-server -- python3 echo_server.py {port}")
	switch {
	case len(pos) != 1:
		return usage(hint, lab.T("check needs one exercise", "check 需要指定一个练习"))
	case !dashes || len(command) == 0:
		return usage(hint, lab.T("check needs your program's command after --", "check 需要在 -- 之后给出运行你程序的命令"))
	case *port < 0 || *port > 65535:
		return usage(lab.T("--port from 1 to 65535", "--port 在 1 到 65535 之间"), lab.Tf("--port %d is out of range", "--port %d 超出范围", *port))
	case *wait <= 0 || *timeout <= 0:
		return usage(lab.T("durations look like 300ms or 30s", "时长的写法如 300ms 或 30s"), lab.T("--wait and --timeout must be positive", "--wait 和 --timeout 必须为正数"))
	case checkFormat(*format) != nil:
		return checkFormat(*format)
	}
	ex, ok := exercise.Lookup(pos[0])
	if !ok {
		return unknownExercise(pos[0])
	}
	wd := *dir
	if wd == "" {
		if wd, err = os.Getwd(); err != nil {
			return err
		}
	} else if fi, err := os.Stat(wd); err != nil || !fi.IsDir() {
		return usage(lab.T("--dir must name a folder that exists", "--dir 必须是一个已经存在的文件夹"), lab.Tf("--dir %q is not a folder", "--dir %q 不是文件夹", wd))
	}
	if wd, err = filepath.Abs(wd); err != nil {
		return err
	}
	l := s.lang
	text := *format == "text"
	if text {
		fmt.Fprintf(e.stdout, "lab check %s: %s\n", ex.Slug, strings.Join(command, " "))
	}
	o := exercise.Options{Args: command, Dir: wd, Env: os.Environ(), Port: *port, Wait: *wait, Timeout: *timeout,
		OnNote: func(t lab.Text) { fmt.Fprintf(e.stderr, "lab: note: %s\n", t.In(l)) },
		OnWait: func() {
			fmt.Fprintln(e.stderr, lab.T("lab: waiting for your program to listen …", "lab：正在等你的程序开始监听……").In(l))
		}}
	n := 0
	if text {
		o.OnCase = func(r exercise.Result) { n++; writeResult(e.stdout, n, r, l) }
	}
	r := exercise.Check(e.ctx, ex, o)
	if e.ctx.Err() == nil {
		if err := exercise.Record(wd, r, time.Now()); err != nil {
			fmt.Fprintf(e.stderr, "lab: warning: %v\n", err)
		}
	}
	if text {
		writeSummary(e.stdout, r, l)
	} else if err := writeReportJSON(e.stdout, r, l); err != nil {
		return err
	}
	switch {
	case e.ctx.Err() != nil:
		return e.stopped(true)
	case r.Status != exercise.StatusPass:
		return &failError{quiet: true}
	}
	return nil
}

// splitDashes cuts the arguments at the first "--": the lab's, then the
// program's.
func splitDashes(args []string) (before, after []string, found bool) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:], true
		}
	}
	return args, nil, false
}

func unknownExercise(slug string) error {
	list := strings.Join(exercise.Slugs(), ", ")
	return usage(lab.Tf("exercises: %s (lab exercises lists them)", "练习：%s（lab exercises 列出它们）", list),
		lab.Tf("unknown exercise %q", "未知的练习 %q", slug))
}

// writeResult prints one case: ✓ or ✗, and for a failure what the lab
// sent, expected and got, the trace's end, the program's output, the hint.
func writeResult(w io.Writer, n int, r exercise.Result, l lab.Lang) {
	mark := "✓"
	if r.Status != exercise.StatusPass {
		mark = "✗"
	}
	fmt.Fprintf(w, "  %s %2d %-12s %s\n", mark, n, r.ID, r.Name.In(l))
	if r.Status == exercise.StatusPass {
		return
	}
	ind := "        "
	fmt.Fprintf(w, "%s%s\n", ind, r.Message.In(l))
	show := func(label lab.Text, b []byte) {
		if b != nil {
			fmt.Fprintf(w, "%s%-10s %s\n", ind, label.In(l), clipBytes(b))
		}
	}
	show(lab.T("sent:", "发送："), r.Sent)
	show(lab.T("expected:", "期望："), r.Want)
	show(lab.T("got:", "收到："), r.Got)
	if len(r.Trace) > 0 {
		fmt.Fprintf(w, "%s%s\n", ind, lab.T("trace (the end):", "调用跟踪（末尾）：").In(l))
		for _, t := range r.Trace {
			fmt.Fprintf(w, "%s  %s\n", ind, t)
		}
	}
	if r.Output != "" {
		fmt.Fprintf(w, "%s%s\n", ind, lab.T("your program printed:", "你的程序输出：").In(l))
		for _, line := range strings.Split(r.Output, "\n") {
			fmt.Fprintf(w, "%s  | %s\n", ind, line)
		}
	}
	if !r.Hint.IsZero() {
		fmt.Fprintf(w, "%s%s %s\n", ind, lab.T("hint:", "提示：").In(l), r.Hint.In(l))
	}
}

// clipBytes shows bytes as Python writes them, the middle of a long run left out.
func clipBytes(b []byte) string {
	if len(b) > 120 {
		return fmt.Sprintf("%s … (%d bytes) … %s", render.PyBytes(b[:80]), len(b), render.PyBytes(b[len(b)-20:]))
	}
	return render.PyBytes(b)
}

func writeSummary(w io.Writer, r exercise.Report, l lab.Lang) {
	if r.Status == exercise.StatusError && len(r.Tests) == 0 {
		fmt.Fprintf(w, "  ✗ %s\n", r.Message.In(l))
		if r.Output != "" {
			fmt.Fprintln(w, "    "+lab.T("your program printed:", "你的程序输出：").In(l))
			for _, line := range strings.Split(r.Output, "\n") {
				fmt.Fprintf(w, "      | %s\n", line)
			}
		}
		return
	}
	mark := "✓"
	if r.Status != exercise.StatusPass {
		mark = "✗"
	}
	fmt.Fprintf(w, "%s %s\n", mark, r.Message.In(l))
}

// reportJSON is `lab check --format json`: the shape of exercism's
// results.json, with the lab's details beside it.
type reportJSON struct {
	Version int        `json:"version"`
	Slug    string     `json:"slug"`
	Status  string     `json:"status"`
	Message string     `json:"message"`
	Output  string     `json:"output,omitempty"`
	Tests   []testJSON `json:"tests"`
}

type testJSON struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Status   string   `json:"status"`
	Message  string   `json:"message,omitempty"`
	Hint     string   `json:"hint,omitempty"`
	Sent     string   `json:"sent,omitempty"`
	Expected string   `json:"expected,omitempty"`
	Got      *string  `json:"got,omitempty"`
	Trace    []string `json:"trace,omitempty"`
	Output   string   `json:"output,omitempty"`
}

func writeReportJSON(w io.Writer, r exercise.Report, l lab.Lang) error {
	out := reportJSON{Version: 1, Slug: r.Slug, Status: r.Status, Message: r.Message.In(l), Output: r.Output, Tests: []testJSON{}}
	for _, t := range r.Tests {
		tj := testJSON{ID: t.ID, Name: t.Name.In(l), Status: t.Status, Message: t.Message.In(l), Hint: t.Hint.In(l),
			Trace: t.Trace, Output: t.Output}
		if t.Status == exercise.StatusPass {
			tj.Hint = ""
		}
		if t.Sent != nil {
			tj.Sent = clipBytes(t.Sent)
		}
		if t.Want != nil {
			tj.Expected = clipBytes(t.Want)
		}
		if t.Got != nil {
			g := clipBytes(t.Got)
			tj.Got = &g
		}
		out.Tests = append(out.Tests, tj)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
