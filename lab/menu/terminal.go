package menu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/manifoldco/promptui"
	"golang.org/x/term"

	"socketlab/lab"
	"socketlab/lab/render"
)

// ErrQuit is returned when the learner quits: the q key in a menu, Ctrl-C,
// Ctrl-D, or the end of the context.
var ErrQuit = errors.New("quit")

// Item is one choice of a menu.
type Item struct {
	Label  string // one line, cut to the terminal's width
	Detail string // shown under the menu while the item is active, wrapped
	// Number, when not 0, chooses the item when it is typed. A number that
	// a longer one starts with (1 of 12) waits a moment for the next
	// digit; Enter ends it at once.
	Number int
}

// Field is a value the learner types.
type Field struct {
	Intro []string           // lines shown above the prompt: what the value means, its range
	Label string             // the value's name, shown before what is typed
	Value string             // the current value, which Enter alone keeps
	Check func(string) error // a bad value shows the error and asks again
}

// Terminal is a terminal the menus are drawn on.
type Terminal struct {
	// Lang is the language of the key help.
	Lang lab.Lang
	// Color allows colour and text attributes; without it nothing is
	// written but text, cursor moves and line clears.
	Color bool
	// Size returns the terminal's columns and rows now; Open sets it to
	// ask the terminal.
	Size func() (cols, rows int)

	ctx   context.Context
	fd    int
	out   io.Writer
	keys  *Keys
	saved *term.State
	raw   bool
}

// Open takes over the terminal in (the keyboard) and out (the screen) until
// Close. When ctx ends, a waiting menu or prompt returns ErrQuit.
func Open(ctx context.Context, in *os.File, out io.Writer) (*Terminal, error) {
	fd := int(in.Fd())
	st, err := term.GetState(fd)
	if err != nil {
		return nil, fmt.Errorf("read terminal state: %w", err)
	}
	t := &Terminal{ctx: ctx, fd: fd, out: out, keys: NewKeys(in), saved: st}
	t.Size = func() (int, int) { return screenSize(out) }
	return t, nil
}

// screenSize asks the terminal out for its size, or guesses 80×24.
func screenSize(out io.Writer) (cols, rows int) {
	if f, ok := out.(*os.File); ok {
		if c, r, err := term.GetSize(int(f.Fd())); err == nil && c > 0 && r > 0 {
			return c, r
		}
	}
	return 80, 24
}

// Close restores the terminal as Open found it, with the cursor shown.
func (t *Terminal) Close() error {
	_, err := io.WriteString(t.out, showCursor)
	if rerr := term.Restore(t.fd, t.saved); rerr != nil {
		err = errors.Join(err, fmt.Errorf("restore terminal: %w", rerr))
	}
	t.raw = false
	return err
}

// Cooked puts the terminal back in cooked mode (lines, echo, Ctrl-C as a
// signal), for output and line-based input.
func (t *Terminal) Cooked() error {
	if !t.raw {
		return nil
	}
	t.raw = false
	if err := term.Restore(t.fd, t.saved); err != nil {
		return fmt.Errorf("leave raw mode: %w", err)
	}
	return nil
}

// rawMode keeps the terminal raw from one menu to the next, so a key typed
// between two of them is not echoed or held back as a line.
func (t *Terminal) rawMode() error {
	if t.raw {
		return nil
	}
	if _, err := term.MakeRaw(t.fd); err != nil {
		return fmt.Errorf("enter raw mode: %w", err)
	}
	t.raw = true
	return nil
}

// Lines returns the keyboard in cooked mode, one line per Enter, for step
// mode. Keys typed before it are dropped. Close it when done: a read still
// waiting then ends without taking the next key.
func (t *Terminal) Lines() (io.ReadCloser, error) {
	if err := t.Cooked(); err != nil {
		return nil, err
	}
	t.keys.Discard()
	return t.keys.Reader(t.ctx), nil
}

// readLine reads one line in cooked mode. The end of input (Ctrl-D) and the
// end of the context (Ctrl-C is a signal in cooked mode) are ErrQuit.
func (t *Terminal) readLine(in io.Reader) (string, error) {
	var line []byte
	var b [1]byte
	for {
		if _, err := in.Read(b[:]); err != nil {
			io.WriteString(t.out, "\n")
			return "", ErrQuit
		}
		if b[0] == '\n' {
			return strings.TrimSuffix(string(line), "\r"), nil
		}
		line = append(line, b[0])
	}
}

// Menu is a list of items to choose one from.
type Menu struct {
	Title  string
	Items  []Item
	Cursor int // the item the cursor starts on
	// Top is the top level: q quits, and the back keys do nothing. Below
	// it, Esc, Backspace, ← and q go back (Select returns ErrBack).
	Top bool
}

// ErrBack is returned by Select when the learner goes back one level.
var ErrBack = errors.New("back")

// numberWait is how long a typed number waits for its next digit.
const numberWait = 800 * time.Millisecond

// Select shows m and returns the index of the chosen item.
func (t *Terminal) Select(m Menu) (int, error) {
	if err := t.rawMode(); err != nil {
		return 0, err
	}
	keys := &menuKeys{top: m.Top, wait: numberWait}
	for i, it := range m.Items {
		if it.Number != 0 {
			if keys.numbers == nil {
				keys.numbers = map[int]int{}
			}
			keys.numbers[it.Number] = i
		}
	}
	in := t.keys.menuReader(t.ctx, keys)
	out := t.output()
	defer in.Close()
	defer out.Close()
	cols, rows := t.size()
	size := visible(m.Items, cols, rows)
	s := &promptui.Select{
		Label:        m.Title,
		Items:        m.Items,
		Size:         size,
		HideSelected: true,
		Templates:    t.selectTemplates(t.keyHelp(m.Top, keys.numbers)),
		Stdin:        in,
		Stdout:       out,
	}
	i, _, err := s.RunCursorAt(m.Cursor, max(0, m.Cursor-size+1))
	if err == nil {
		switch {
		case in.quit.Load():
			return 0, ErrQuit
		case in.back.Load():
			return 0, ErrBack
		case in.jump.Load() > 0:
			return int(in.jump.Load() - 1), nil
		}
	}
	return i, t.ended(err)
}

// Input asks for a value until f.Check accepts it. It reads a line in
// cooked mode, so the terminal does the editing (backspace, Ctrl-U) and
// shows what is typed; promptui's Prompt is not used because it draws from
// two goroutines at once on every Enter. The intro is wrapped to the
// terminal's width, not cut. A line that starts with Esc (Esc or ←, then
// Enter) keeps the value, as Enter alone does. The lines it printed are
// erased when a value is accepted.
func (t *Terminal) Input(f Field) (string, error) {
	in, err := t.Lines()
	if err != nil {
		return "", err
	}
	defer in.Close()
	cols, _ := t.size()
	rows := 0
	for i, l := range f.Intro {
		lines := wrap(l, LineCols(cols), 0)
		if len(lines) == 0 {
			lines = []string{""}
		}
		for _, w := range lines {
			if i == 0 {
				w = t.paint(bold, w)
			}
			io.WriteString(t.out, w+"\n")
			rows++
		}
	}
	ask := "  " + Fit(f.Label, LineCols(cols)/2) + " = "
	for {
		io.WriteString(t.out, t.paint(bold, ask))
		v, err := t.readLine(in)
		if err != nil {
			return "", err
		}
		rows += max(1, (render.Width(ask)+echoWidth(v)+cols-1)/cols)
		if v == "" || v[0] == keyEsc {
			v = f.Value
		}
		err = f.Check(v)
		if err == nil {
			io.WriteString(t.out, strings.Repeat(lineUp+clearLine, rows)+"\r")
			return v, nil
		}
		io.WriteString(t.out, "  "+t.paint(red, Fit("» "+err.Error(), LineCols(cols)-2))+"\n")
		rows++
	}
}

// echoWidth is how many cells a terminal in cooked mode takes to echo the
// line v: a control character shows as two (^[).
func echoWidth(v string) int {
	w := 0
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			w += 2
		} else {
			w += render.Width(string(r))
		}
	}
	return w
}

// output is promptui's screen for one prompt: no bells, and closed when the
// prompt ends, because readline's goroutines go on writing after it: when
// its input closes, one of them "cleans" the line (ESC [ J, ESC [ 2K), which
// would erase whatever was printed after the menu.
func (t *Terminal) output() io.WriteCloser { return &gate{w: NoBell(t.out)} }

// gate passes writes to w until it is closed, then drops them. Closing it
// does not close w.
type gate struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

func (g *gate) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return len(p), nil
	}
	return g.w.Write(p)
}

func (g *gate) Close() error {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	return nil
}

// ended turns promptui's ways of stopping into ErrQuit.
func (t *Terminal) ended(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, promptui.ErrInterrupt), errors.Is(err, promptui.ErrEOF), t.ctx.Err() != nil:
		return ErrQuit
	}
	return fmt.Errorf("menu: %w", err)
}

func (t *Terminal) size() (cols, rows int) {
	cols, rows = 80, 24
	if t.Size != nil {
		if c, r := t.Size(); c > 0 && r > 0 {
			cols, rows = c, r
		}
	}
	return cols, rows
}

// Lines of a Select besides its items: the key help and the title above,
// at most maxDetail(rows) lines of detail below, and one to spare.
const selectRest = 3

// maxDetail is how many lines an item's detail may take on a terminal rows
// high: 3, and up to 6 on a tall one, so that a long knob help is seen
// whole.
func maxDetail(rows int) int { return max(3, min(6, rows/6)) }

// visible is how many items a Select shows at once: all of them if the
// terminal has the rows, else as many as fit (at least 3).
func visible(items []Item, cols, rows int) int {
	detail := 1
	for _, it := range items {
		detail = max(detail, len(wrap(it.Detail, LineCols(cols)-2, maxDetail(rows))))
	}
	return max(1, min(len(items), max(3, rows-selectRest-detail)))
}

// Terminal codes.
const (
	showCursor = "\x1b[?25h"
	clearLine  = "\x1b[2K"
	lineUp     = "\x1b[1A"
	bold       = "1"
	faint      = "2"
	red        = "31"
	cyan       = "36"
)

// paint gives s the attribute code, when colour is on.
func (t *Terminal) paint(code, s string) string {
	if !t.Color || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// keyHelp is the line of key help above a menu: how to move, how to choose
// (Enter, or the numbers), and how to go back or quit (top). short leaves
// out how to move, for a narrow terminal.
func (t *Terminal) keyHelp(top bool, numbers map[int]int) (help, short string) {
	choose := lab.T("Enter: choose", "回车：选择")
	if len(numbers) > 0 {
		lo, hi := math.MaxInt, math.MinInt
		for n := range numbers {
			lo, hi = min(lo, n), max(hi, n)
		}
		nums := strconv.Itoa(lo)
		if hi > lo {
			nums += "–" + strconv.Itoa(hi)
		}
		choose = lab.Tf("Enter or %s: choose", "回车或 %s：选择", nums)
	}
	leave := lab.T("Esc/←/q: back", "Esc/←/q：返回")
	if top {
		leave = lab.T("q: quit", "q：退出")
	}
	short = choose.In(t.Lang) + " · " + leave.In(t.Lang)
	return lab.T("↑/↓ move", "↑/↓ 移动").In(t.Lang) + " · " + short, short
}

// selectTemplates draws every line of a Select through funcs that cut it to
// the terminal's width now and add colour only when it is on; help and
// short are the key help, and a shorter one for when it does not fit.
func (t *Terminal) selectTemplates(help, short string) *promptui.SelectTemplates {
	line := func() int { c, _ := t.size(); return LineCols(c) }
	label := func() int { c, _ := t.size(); return LabelCols(c) }
	return &promptui.SelectTemplates{
		Label:    `{{ title . }}`,
		Active:   `{{ active .Label }}`,
		Inactive: `{{ inactive .Label }}`,
		Selected: `{{ inactive .Label }}`,
		Details:  `{{ detail .Detail }}`,
		Help:     `{{ help }}`,
		FuncMap: template.FuncMap{
			"title":    func(s string) string { return t.paint(bold, Fit(s, line())) },
			"active":   func(s string) string { return t.paint(cyan, "▸ "+Fit(s, label())) },
			"inactive": func(s string) string { return "  " + Fit(s, label()) },
			"help": func() string {
				if render.Width(help) > line() {
					return t.paint(faint, Fit(short, line()))
				}
				return t.paint(faint, help)
			},
			"detail": func(s string) string {
				_, rows := t.size()
				lines := wrap(s, line()-2, maxDetail(rows))
				for i, l := range lines {
					lines[i] = "  " + t.paint(faint, l)
				}
				return strings.Join(lines, "\n")
			},
		},
	}
}
