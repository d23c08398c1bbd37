package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fatih/color"
	"golang.org/x/term"

	"socketlab/demos"
	"socketlab/lab"
	"socketlab/lab/render"
	"socketlab/lessons"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit codes of the command-line contract.
const (
	exitOK    = 0
	exitFail  = 1 // a run failed, or --check found a phenomenon missing
	exitUsage = 2 // unknown demo, command, flag or knob value
)

// usageError is bad input from the user: exit 2, with a hint naming what is valid.
type usageError struct {
	err  error
	hint string
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(hint, format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...), hint: hint}
}

// env is what every command gets: the streams and the user's choices.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// run is the whole program; main only adds the process around it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	err := e.dispatch(args)
	if err == nil {
		return exitOK
	}
	var ue *usageError
	var fe *failError
	switch {
	case errors.As(err, &fe) && fe.quiet:
		return exitFail
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "lab: error: %v\n", ue.err)
		if ue.hint != "" {
			fmt.Fprintf(stderr, "lab: hint: %s\n", ue.hint)
		}
		return exitUsage
	}
	fmt.Fprintf(stderr, "lab: error: %v\n", err)
	if errors.Is(err, lab.ErrTimeout) {
		fmt.Fprintf(stderr, "lab: hint: %s\n", "a side waited for something that never came; run with --step to watch it call by call")
	}
	return exitFail
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
	switch cmd {
	case "list":
		return e.list(rest)
	case "run":
		return e.runCmd(rest)
	case "lesson":
		return e.lesson(rest)
	case "serve":
		return e.serveCmd(rest)
	case "client":
		return e.clientCmd(rest)
	case "proxy":
		return e.proxyCmd(rest)
	case "version", "--version":
		fmt.Fprintf(e.stdout, "lab %s\n", version)
		return nil
	case "help", "-h", "--help", "-help":
		return e.help(rest)
	}
	return usagef("commands: list, run, lesson, serve, client, proxy, version, help (run \"lab help\")", "unknown command %q", cmd)
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
			return s, usagef("--lang en or --lang zh", "%v", err)
		}
		s.lang = l
	}
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
		return s, usagef("--color auto, always or never", "unknown --color %q", c.color)
	}
	color.NoColor = !s.color
	switch {
	case c.width < 0 || (c.width > 0 && c.width < 40):
		return s, usagef("--width 40 or more", "--width %d is too narrow", c.width)
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
// arguments ("lab run 3 --step" and "lab run --step 3" both work).
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("run \"lab help "+fs.Name()+"\" for its flags", "%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// sets collects repeated --set name=value flags.
type sets []string

func (s *sets) String() string     { return strings.Join(*s, " ") }
func (s *sets) Set(v string) error { *s = append(*s, v); return nil }

func lookup(arg string) (lab.Demo, error) {
	d, err := demos.Lookup(arg)
	if err != nil {
		return d, usagef("valid demos: "+demos.Valid()+" (or all)", "%v", err)
	}
	return d, nil
}

func (e *env) list(args []string) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	var c common
	c.register(fs)
	format := fs.String("format", "text", "text or json")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("lab list takes no arguments", "unexpected argument %q", pos[0])
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
	return usagef("--format text or json", "unknown --format %q", *format)
}

func (e *env) lesson(args []string) error {
	fs := flag.NewFlagSet("lesson", flag.ContinueOnError)
	var c common
	c.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("lab lesson <N|slug>, e.g. lab lesson 3", "lesson needs one demo")
	}
	d, err := lookup(pos[0])
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
	_, err = io.WriteString(e.stdout, styleMarkdown(text, s))
	return err
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
	timeout time.Duration
	typing  bool // a learner at a terminal can type into demos that ask (chat)
}

func (e *env) runCmd(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var f runFlags
	f.register(fs)
	fs.BoolVar(&f.step, "step", false, "stop before each socket call")
	fs.DurationVar(&f.slow, "slow", 0, "pause before each socket call, e.g. 300ms")
	fs.Var(&f.sets, "set", "knob value name=value (repeatable)")
	fs.StringVar(&f.format, "format", "text", "text, json or md")
	fs.BoolVar(&f.check, "check", false, "exit 1 when a finding does not hold")
	fs.BoolVar(&f.full, "full", false, "show every byte instead of folding long payloads")
	fs.DurationVar(&f.timeout, "timeout", lab.DefaultIdle, "give up when no socket call finishes for this long")
	if in, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(in.Fd())) {
		f.typing = true
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("lab run <N|slug|all>, e.g. lab run 1", "run needs one demo")
	}
	if f.slow < 0 || f.timeout <= 0 {
		return usagef("durations look like 300ms or 2s", "--slow and --timeout must be positive")
	}
	var list []lab.Demo
	if pos[0] == "all" {
		list = demos.All()
		if len(f.sets) > 0 {
			return usagef("set knobs when running one demo", "--set cannot be used with all")
		}
	} else {
		d, err := lookup(pos[0])
		if err != nil {
			return err
		}
		list = []lab.Demo{d}
	}
	params := make([]lab.Params, len(list))
	for i, d := range list {
		p, err := lab.ParseParams(d.Knobs, f.sets)
		if err != nil {
			return usagef(knobHint(d), "demo %s: %v", d.Name(), err)
		}
		params[i] = p
	}
	s, err := e.resolve(f.common)
	if err != nil {
		return err
	}
	if f.format != "text" && f.format != "json" && f.format != "md" {
		return usagef("--format text, json or md", "unknown --format %q", f.format)
	}
	failed := false
	for i, d := range list {
		ok, err := e.runOne(d, params[i], f, s)
		if errors.Is(err, lab.ErrQuit) {
			fmt.Fprintln(e.stderr, lab.T("lab: stopped; sockets closed.", "lab：已停止；套接字已关闭。").In(s.lang))
			return nil
		}
		if err != nil {
			return fmt.Errorf("demo %s: %w", d.Name(), err)
		}
		failed = failed || !ok
	}
	if f.check && failed {
		return &failError{quiet: true}
	}
	return nil
}

func knobHint(d lab.Demo) string {
	if len(d.Knobs) == 0 {
		return "this demo has no knobs"
	}
	var parts []string
	for _, k := range d.Knobs {
		parts = append(parts, fmt.Sprintf("%s (%s)", k.Name, k.Range()))
	}
	return "knobs of " + d.Name() + ": " + strings.Join(parts, ", ")
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

// runOne runs one demo with the chosen renderer and returns whether all its
// findings held.
func (e *env) runOne(d lab.Demo, p lab.Params, f runFlags, s settings) (bool, error) {
	out := &lockedWriter{w: e.stdout}
	var sink lab.Sink
	var text *render.Text
	opts := render.Options{Lang: s.lang, Width: s.width, Color: s.color, Full: f.full}
	switch f.format {
	case "json":
		sink = render.NewJSON(out, s.lang)
	case "md":
		sink = render.NewMarkdown(out, opts)
	default:
		text = render.NewText(out, opts)
		sink = text
		fmt.Fprintf(out, "%s\n", titleLine(d, s))
	}
	var step *lab.Stepper
	if f.step || f.slow > 0 {
		// Announcements go with the text trace; with JSON or Markdown on
		// stdout they go to stderr so the trace stays machine-readable.
		var promptOut io.Writer = out
		if text == nil {
			promptOut = e.stderr
		}
		step = lab.NewStepper(e.stdin, promptOut, s.lang, f.step, f.slow)
		if text != nil {
			step.Show = text.Announce
		}
	}
	res, err := lab.Run(e.ctx, d, lab.Options{
		Params: p, Sink: sink, Step: step, Notes: stepNotes(d, s.lang), Idle: f.timeout, Input: typed(e.stdin, f.typing),
	})
	if err != nil {
		return false, err
	}
	return res.OK, nil
}

// stepNotes looks up a demo's step notes: "side.op.N" first, then "side.op".
func stepNotes(d lab.Demo, l lab.Lang) lab.NoteFunc {
	notes, err := lessons.Steps(string(l), d.ID, d.Slug)
	if err != nil {
		return nil
	}
	return func(role lab.Role, op lab.Op, n int) (lab.Text, bool) {
		key := string(role) + "." + op.String()
		for _, k := range []string{fmt.Sprintf("%s.%d", key, n), key} {
			if t, ok := notes[k]; ok {
				return lab.T(t, t), true
			}
		}
		return lab.Text{}, false
	}
}

func titleLine(d lab.Demo, s settings) string {
	c := color.New(color.Bold)
	if !s.color {
		c.DisableColor()
	} else {
		c.EnableColor()
	}
	return c.Sprintf("%d %s — %s", d.ID, d.Slug, d.Title.In(s.lang)) + "\n" + d.Brief.In(s.lang) + "\n"
}

// typed is the input a demo may read the learner's lines from: stdin when
// a learner sits at a terminal, else nil (demos then use their scripts).
func typed(stdin io.Reader, typing bool) io.Reader {
	if !typing {
		return nil
	}
	return stdin
}
