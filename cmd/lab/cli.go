package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"socketlab/demos"
	"socketlab/lab"
	"socketlab/lab/capture"
	"socketlab/lab/render"
	"socketlab/lessons"
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

// env is what every command gets: the streams and the user's choices.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	lang   lab.Lang // of errors: --lang once parsed, else the environment's
	args   []string // the command line, for running itself again
	// netns runs the lab again in a network namespace of its own (an
	// unprivileged user's --packets): its exit code, or ok false. Nil in
	// tests, which run in-process.
	netns func(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int, ok bool)
}

// run is the whole program; main only adds the process around it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runWith(ctx, args, stdin, stdout, stderr, nil)
}

// runWith is run with a way to run itself in a network namespace.
func runWith(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer,
	netns func([]string, io.Reader, io.Writer, io.Writer) (int, bool)) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, args: args, netns: netns}
	e.lang = lab.LangFromEnv(e.getenv)
	err := e.dispatch(args)
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
		fmt.Fprintf(stderr, "lab: %s\n", ie.msg.In(e.lang))
		return ie.code
	case errors.As(err, &fl):
		fmt.Fprintf(stderr, "lab: error: %s\n", fl.msg.In(e.lang))
		if !fl.hint.IsZero() {
			fmt.Fprintf(stderr, "lab: hint: %s\n", fl.hint.In(e.lang))
		}
		return exitFail
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "lab: error: %s\n", ue.msg.In(e.lang))
		if !ue.hint.IsZero() {
			fmt.Fprintf(stderr, "lab: hint: %s\n", ue.hint.In(e.lang))
		}
		return exitUsage
	}
	fmt.Fprintf(stderr, "lab: error: %v\n", err)
	if errors.Is(err, lab.ErrTimeout) {
		fmt.Fprintf(stderr, "lab: hint: %s\n", lab.T(
			"a side waited for something that never came; run with --step to watch it call by call",
			"有一端在等一个始终没有到来的东西；用 --step 运行，逐个调用地观察它").In(e.lang))
	}
	return exitFail
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

func (e *env) dispatch(args []string) error {
	if len(args) == 0 || isMenuFlag(args[0]) {
		return e.menu(args)
	}
	cmd, rest := args[0], args[1:]
	commands := map[string]func([]string) error{
		"list": e.list, "run": e.runCmd, "lesson": e.lesson,
		"serve": e.serveCmd, "client": e.clientCmd, "proxy": e.proxyCmd, "replay": e.replayCmd,
		"web": e.webCmd,
	}
	if f, ok := commands[cmd]; ok {
		err := f(rest)
		if errors.Is(err, flag.ErrHelp) { // lab run --help: the command's help, exit 0
			return e.help([]string{cmd})
		}
		return err
	}
	switch cmd {
	case "version", "--version":
		_, err := fmt.Fprintln(e.stdout, versionLine())
		return err
	case "help", "-h", "--help", "-help":
		return e.help(rest)
	}
	return usage(lab.T(`commands: list, run, lesson, serve, client, proxy, replay, web, version, help (run "lab help")`,
		`命令：list、run、lesson、serve、client、proxy、replay、web、version、help（运行 "lab help" 查看说明）`),
		lab.Tf("unknown command %q", "未知命令 %q", cmd))
}

// common are the flags every command takes.
type common struct {
	lang  string
	color string
	width int
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.lang, "lang", "", "language: en or zh (default from LANG)")
	fs.StringVar(&c.color, "color", "auto", "colour: auto, always or never")
	fs.IntVar(&c.width, "width", 0, "terminal width in columns (default: the terminal's)")
}

// settings resolves the common flags against the environment.
type settings struct {
	lang  lab.Lang
	color bool
	width int
	tty   bool // stdout is a terminal
}

func (e *env) resolve(c common) (settings, error) {
	var s settings
	s.lang = lab.LangFromEnv(e.getenv)
	if c.lang != "" {
		l, err := lab.ParseLang(c.lang)
		if err != nil {
			return s, &usageError{hint: lab.T("--lang en or --lang zh", "--lang en 或 --lang zh"),
				msg: lab.Tf("unknown language %q (valid: en, zh)", "未知的语言 %q（有效值：en、zh）", c.lang), cause: err}
		}
		s.lang = l
	}
	e.lang = s.lang
	f, isFile := e.stdout.(*os.File)
	s.tty = isFile && term.IsTerminal(int(f.Fd()))
	switch c.color {
	case "auto":
		s.color = s.tty && e.getenv("NO_COLOR") == ""
	case "always":
		s.color = true
	case "never":
		s.color = false
	default:
		return s, usage(lab.T("--color auto, always or never", "--color auto、always 或 never"),
			lab.Tf("unknown --color %q", "未知的 --color 值 %q", c.color))
	}
	switch {
	case c.width < 0 || (c.width > 0 && c.width < 40):
		return s, usage(lab.T("--width 40 or more", "--width 至少为 40"),
			lab.Tf("--width %d is too narrow", "--width %d 太窄", c.width))
	case c.width > 0:
		s.width = c.width
	case s.tty:
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			s.width = w
		}
	}
	if s.width == 0 {
		if n, err := strconv.Atoi(e.getenv("COLUMNS")); err == nil && n >= 40 {
			s.width = n
		} else {
			s.width = 120
		}
	}
	return s, nil
}

// parse parses flags that may come before, between or after the positional
// arguments ("lab run 3 --step" and "lab run --step 3" both work). Once a
// valid --lang is parsed, errors are said in that language.
func (e *env) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	if parsing != nil {
		parsing(fs)
	}
	defer func() {
		if f := fs.Lookup("lang"); f != nil {
			if l, err := lab.ParseLang(f.Value.String()); err == nil {
				e.lang = l
			}
		}
	}()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			help := "lab help " + fs.Name()
			if fs.Name() == "lab" { // the menu's flags
				help = "lab help"
			}
			msg := flagError(fs, err) // --slow 300: add a unit: 300ms or 300s
			if msg.IsZero() {         // a sentence of the flag package flagError does not know
				msg = lab.Tf("%s: %v", "%s 的选项有误：%v", fs.Name(), err)
			}
			return nil, &usageError{
				hint:  lab.Tf("run %q for its flags", "运行 %q 查看它的选项", help),
				msg:   msg,
				cause: err,
			}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parsing, when set (by a test), sees each command's flags before they
// are parsed: the help texts must name every one.
var parsing func(*flag.FlagSet)

// sets collects repeated --set name=value flags.
type sets []string

func (s *sets) String() string     { return strings.Join(*s, " ") }
func (s *sets) Set(v string) error { *s = append(*s, v); return nil }

// lookup finds a demo for a command; orAll says the command also takes "all".
func lookup(arg string, orAll bool) (lab.Demo, error) {
	d, err := demos.Lookup(arg)
	if err != nil {
		hint := lab.Tf("valid demos: %s", "可用的演示：%s", demos.Valid())
		if orAll {
			hint = lab.Tf("valid demos: %s (or all)", "可用的演示：%s（或 all）", demos.Valid())
		}
		return d, &usageError{hint: hint, msg: lab.Tf("unknown demo %q", "没有演示 %q", arg), cause: err}
	}
	return d, nil
}

func (e *env) list(args []string) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	var c common
	c.register(fs)
	format := fs.String("format", "text", "text or json")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage(lab.T("lab list takes no arguments", "lab list 不接受参数"),
			lab.Tf("unexpected argument %q", "多余的参数 %q", pos[0]))
	}
	s, err := e.resolve(c)
	if err != nil {
		return err
	}
	switch *format {
	case "text":
		return writeList(e.stdout, s)
	case "json":
		return writeListJSON(e.stdout, s.lang)
	}
	return usage(lab.T("--format text or json", "--format text 或 json"),
		lab.Tf("unknown --format %q", "未知的 --format 值 %q", *format))
}

func (e *env) lesson(args []string) error {
	fs := flag.NewFlagSet("lesson", flag.ContinueOnError)
	var c common
	c.register(fs)
	noPager := fs.Bool("no-pager", false, "print the lesson without a pager")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usage(lab.T("lab lesson <N|slug>, e.g. lab lesson 3", "lab lesson <N|slug>，例如 lab lesson 3"),
			lab.T("lesson needs one demo", "lesson 需要指定一个演示"))
	}
	d, err := lookup(pos[0], false)
	if err != nil {
		return err
	}
	s, err := e.resolve(c)
	if err != nil {
		return err
	}
	text, err := lessons.Lesson(string(s.lang), d.ID, d.Slug)
	if err != nil {
		return err
	}
	return e.showLesson(styleMarkdown(reflow(text, s.width), s), s, *noPager)
}

// runFlags are the flags of "lab run".
type runFlags struct {
	common
	step    bool
	slow    time.Duration
	sets    sets
	format  string
	check   bool
	full    bool
	show    string
	save    string
	packets bool
	pcap    string
	timeout time.Duration
	typing  bool     // a learner at a terminal can type into demos that ask (chat)
	keys    lab.Keys // where step and --slow keys come from; nil: lines from stdin
	web     webFlag  // --web[=ADDR]: the run on a page too (web.go)
	page    *page
}

func (e *env) runCmd(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var f runFlags
	f.register(fs)
	fs.BoolVar(&f.step, "step", false, "stop before each socket call")
	fs.DurationVar(&f.slow, "slow", 0, "pause before each socket call, e.g. 300ms")
	fs.Var(&f.sets, "set", "knob value name=value (repeatable)")
	fs.StringVar(&f.format, "format", "text", "text, json, md, svg or html")
	fs.BoolVar(&f.check, "check", false, "exit 1 when a finding does not hold")
	fs.BoolVar(&f.full, "full", false, "show every byte and every call instead of folding")
	fs.StringVar(&f.show, "show", "", "optional detail to show: barriers, setup, go (comma-separated)")
	fs.StringVar(&f.save, "save", "", "also save the JSON trace to this file, for lab replay")
	fs.BoolVar(&f.packets, "packets", false, "show the segments on the wire beside the calls (capture on lo)")
	fs.StringVar(&f.pcap, "pcap", "", "also write the captured packets to this pcapng file (Wireshark, tshark)")
	fs.DurationVar(&f.timeout, "timeout", lab.DefaultIdle, "give up when no socket call finishes for this long")
	fs.Var(&f.web, "web", "also show the run in a browser: --web, or --web=ADDR")
	if in, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(in.Fd())) {
		f.typing = true
	}
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usage(lab.T("lab run <N|slug|all>, e.g. lab run 1", "lab run <N|slug|all>，例如 lab run 1"),
			lab.T("run needs one demo", "run 需要指定一个演示"))
	}
	if f.slow < 0 {
		return usage(lab.T("durations look like 300ms or 2s", "时长的写法如 300ms 或 2s"),
			lab.Tf("--slow %v: must not be negative", "--slow %v：不能为负数", f.slow))
	}
	if f.timeout <= 0 {
		return usage(lab.T("durations look like 300ms or 2s", "时长的写法如 300ms 或 2s"),
			lab.Tf("--timeout %v: must be positive", "--timeout %v：必须为正数", f.timeout))
	}
	show, err := parseShow(f.show)
	if err != nil {
		return err
	}
	var list []lab.Demo
	if pos[0] == "all" {
		list = demos.All()
		if len(f.sets) > 0 {
			return usage(lab.T("set knobs when running one demo", "只有运行单个演示时才能设置参数"),
				lab.T("--set cannot be used with all", "--set 不能和 all 一起使用"))
		}
	} else {
		d, err := lookup(pos[0], true)
		if err != nil {
			return err
		}
		list = []lab.Demo{d}
	}
	params := make([]lab.Params, len(list))
	for i, d := range list {
		p, err := lab.ParseParams(d.Knobs, f.sets)
		if err != nil {
			return knobError(d, err)
		}
		params[i] = p
	}
	s, err := e.resolve(f.common)
	if err != nil {
		return err
	}
	if (f.packets || f.pcap != "") && e.netns != nil && !inNetns() && !capture.Probe().OK {
		if code, ok := e.netns(e.args, e.stdin, e.stdout, e.stderr); ok {
			return exitStatus(code)
		}
	}
	out := &lockedWriter{w: e.stdout}
	sink, err := newSink(out, f.format, render.Options{Lang: s.lang, Width: s.width, Color: s.color, Full: f.full, Live: s.tty, Show: show}, formatsRun)
	if err != nil {
		return err
	}
	if f.save != "" {
		if sink, err = saving(sink, f.save, s.lang); err != nil {
			return err
		}
	}
	if f.web.on {
		var info io.Writer = out // the address goes where it does not mix into a machine's output
		if f.format != "text" {
			info = e.stderr
		}
		if f.page, err = e.startPage("run", f.web, false, s, info); err != nil {
			return err
		}
		defer f.page.close()
		sink = f.page.wrap(sink)
	}
	if in, ok := e.stdin.(*os.File); ok && f.typing && (f.step || f.slow > 0) {
		// One key press each, not a line: cbreak mode until the runs end.
		keys, restore := lab.TermKeys(in, out)
		defer restore()
		f.keys = keys
	}
	pcap, closePcap, err := openPcap(f.pcap)
	if err != nil {
		return err
	}
	defer closePcap()
	failed := false
	for i, d := range list {
		ok, err := e.runOne(d, params[i], f, s, out, sink, pcap)
		if errors.Is(err, lab.ErrQuit) {
			sink.Finish()
			fmt.Fprintln(e.stderr, lab.T("lab: stopped; sockets closed.", "lab：已停止；套接字已关闭。").In(s.lang))
			return e.stopped(f.check)
		}
		if err != nil {
			sink.Finish()
			if pf := pcapRefused(err); pf != nil {
				return pf
			}
			return fmt.Errorf("demo %s: %w", d.Name(), err)
		}
		failed = failed || !ok
	}
	sink.Finish()
	f.page.wait(e.ctx, e.stderr, s.lang)
	if f.check && failed {
		return &failError{quiet: true}
	}
	return nil
}

// openPcap creates the --pcap file, if one was asked for; close closes it.
func openPcap(path string) (w io.Writer, close func(), err error) {
	if path == "" {
		return nil, func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, &usageError{cause: err, msg: lab.Tf("--pcap %s: %v", "--pcap %s：%v", path, err),
			hint: lab.T("--pcap names a file to write, in a folder that exists", "--pcap 后面是要写入的文件，所在的文件夹必须存在")}
	}
	return f, func() { f.Close() }, nil
}

// pcapRefused is the failure of --pcap without the privilege to capture
// (exit 1, with the setcap command that fixes it), or nil for another error.
func pcapRefused(err error) error {
	pe := (*capture.PrivilegeError)(nil)
	if !errors.As(err, &pe) {
		return nil
	}
	return &failure{cause: err, msg: lab.T("--pcap: this user may not capture packets", "--pcap：这个用户没有抓包的权限"),
		hint: lab.Tf("run as root, or give the binary the right once: %s (go run never has it)",
			"以 root 运行，或者给程序一次授权：%s（go run 永远没有这个权限）", pe.Command())}
}

// parseShow checks a --show list: barriers, setup, go.
func parseShow(v string) ([]string, error) {
	if v == "" {
		return nil, nil
	}
	valid := []string{lab.DetailBarriers, lab.DetailSetup, lab.DetailGo}
	var out []string
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(valid, s) {
			return nil, usage(lab.T("--show barriers, setup or go, or several: --show barriers,setup",
				"--show barriers、setup 或 go，也可以几个一起：--show barriers,setup"),
				lab.Tf("unknown --show %q", "未知的 --show 值 %q", s))
		}
		out = append(out, s)
	}
	return out, nil
}

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
	return nil, usage(lab.Text{En: "--format " + valid.En, Zh: "--format " + valid.Zh},
		lab.Tf("unknown --format %q", "未知的 --format 值 %q", format))
}

// noSink is --format none: nothing is drawn.
type noSink struct{}

func (noSink) Emit(lab.Event) {}
func (noSink) Finish()        {}

// knobError is a usage error for a --set that d's knobs refused: the error
// names the demo, the hint lists its knobs with their ranges.
func knobError(d lab.Demo, err error) error {
	return &usageError{
		msg:   join(lab.Tf("demo %s: ", "演示 %s：", d.Name()), errText(err)),
		hint:  knobHint(d),
		cause: err,
	}
}

func knobHint(d lab.Demo) lab.Text {
	if len(d.Knobs) == 0 {
		return lab.T("this demo has no knobs", "这个演示没有参数")
	}
	var en, zh []string
	for _, k := range d.Knobs {
		en = append(en, fmt.Sprintf("%s (%s)", k.Name, k.RangeIn(lab.En)))
		zh = append(zh, fmt.Sprintf("%s（%s）", k.Name, k.RangeIn(lab.Zh)))
	}
	return lab.Text{
		En: "knobs of " + d.Name() + ": " + strings.Join(en, ", "),
		Zh: "演示 " + d.Name() + " 的参数：" + strings.Join(zh, "、"),
	}
}

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

// runOne runs one demo into the sink and returns whether all its findings
// held.
func (e *env) runOne(d lab.Demo, p lab.Params, f runFlags, s settings, out io.Writer, sk sink, pcap io.Writer) (bool, error) {
	var step *lab.Stepper
	if f.step || f.slow > 0 {
		// Announcements go with the text trace; with JSON or Markdown on
		// stdout they go to stderr so the trace stays machine-readable.
		text, isText := textOf(sk)
		var promptOut io.Writer = out
		if !isText {
			promptOut = e.stderr
		}
		keys := f.keys
		if keys == nil {
			keys = lab.LineKeys(e.stdin)
		}
		step = lab.NewStepperKeys(f.page.keys(keys), promptOut, s.lang, f.step, f.slow)
		if isText {
			step.Show = text.Announce
		}
		step.Show = f.page.show(step.Show)
	}
	ctx, end := f.page.runContext(e.ctx, f.step)
	defer end()
	var ls lab.Sink = sk
	if _, none := sk.(noSink); none {
		ls = nil
	}
	res, err := lab.Run(ctx, d, lab.Options{
		Params: p, Sink: ls, Step: step, Notes: stepNotes(d, s.lang), Idle: f.timeout, Input: typed(e.stdin, f.typing),
		Keep: lab.Keep{All: f.full}, Lab: version, Packets: f.packets, Pcap: pcap, InNetns: inNetns(),
	})
	if err != nil {
		return false, err
	}
	return res.OK, nil
}

// stepNotes looks up a demo's step notes: "side.step" for a call the demo
// named, then "side.op". A note is found in language l and given in both
// languages where both have it (the web page may show the other).
func stepNotes(d lab.Demo, l lab.Lang) lab.NoteFunc {
	notes, err := lessons.Steps(string(l), d.ID, d.Slug)
	if err != nil {
		return nil
	}
	other := lab.En
	if l == lab.En {
		other = lab.Zh
	}
	theirs, _ := lessons.Steps(string(other), d.ID, d.Slug)
	return func(role lab.Role, step string, op lab.Op) (lab.Text, bool) {
		keys := []string{string(role) + "." + op.String()}
		if step != "" {
			keys = append([]string{string(role) + "." + step}, keys...)
		}
		for _, k := range keys {
			if t, ok := notes[k]; ok {
				o, ok := theirs[k]
				if !ok {
					o = t
				}
				if l == lab.En {
					return lab.T(t, o), true
				}
				return lab.T(o, t), true
			}
		}
		return lab.Text{}, false
	}
}

// typed is the input a demo may read the learner's lines from: stdin when
// a learner sits at a terminal, else nil (demos then use their scripts).
func typed(stdin io.Reader, typing bool) io.Reader {
	if !typing {
		return nil
	}
	return stdin
}
