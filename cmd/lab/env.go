package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"socketlab/demos"
	"socketlab/lab"
	"strconv"
	"strings"

	"golang.org/x/term"
)

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
	out := &outWriter{w: stdout}
	e := &env{ctx: ctx, stdin: stdin, stdout: out, stderr: stderr, getenv: os.Getenv, args: args, netns: netns}
	if _, isFile := stdout.(*os.File); isFile {
		e.stdout = stdout // a terminal (main wraps anything else): the menu and the pager need the file itself
	}
	e.lang = lab.LangFromEnv(e.getenv)
	err := e.dispatch(args)
	var xs exitStatus
	if werr := out.failed(); werr != nil && !errors.As(err, &xs) {
		err = writeFailure(werr) // whatever else went wrong followed from it
	}
	return report(err, stderr, e.lang)
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
// arguments ("lab run 3 --step" and "lab run --step 3" both work). Errors
// are said in the language of a valid --lang wherever it stands.
func (e *env) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	e.lang, _ = helpArgs(args, e.lang) // a --lang after the mistake counts too: lab run 1 --slow 300 --lang zh
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

// knobError is a usage error for a --set that d's knobs refused: the error
// names the demo, the hint lists its knobs with their ranges.
func knobError(d lab.Demo, err error) error {
	return &usageError{
		msg:   join(lab.Tf("demo %s: ", "演示 %s：", d.Name()), errText(err)),
		hint:  d.KnobHint(),
		cause: err,
	}
}
