package menu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/manifoldco/promptui"
	"golang.org/x/term"

	"socketlab/lab"
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
