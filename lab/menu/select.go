package menu

// Menus and prompts: Select shows a list to choose one item from, Input
// asks for a value until it is accepted.

import (
	"errors"
	"io"
	"strings"
	"time"

	"github.com/manifoldco/promptui"

	"socketlab/lab/render"
)

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
