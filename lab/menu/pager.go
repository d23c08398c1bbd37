package menu

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/rivo/uniseg"

	"socketlab/lab"
	"socketlab/lab/render"
)

// Pager is how a text longer than the screen is shown.
type Pager struct {
	// Command is a shell command the text is piped to, as $PAGER is
	// ("less -R"); empty for the built-in pager. A command the shell cannot
	// find or run (exit 126 or 127) falls back to the built-in pager.
	Command string
	// Env is the command's environment; nil is the lab's own.
	Env []string
	// Stderr is the command's standard error; nil discards it.
	Stderr io.Writer
}

// Page shows text: straight out when it fits on the screen with reserve
// rows to spare (for what the caller prints after it), else through p. It
// reports whether a pager showed it. Colour codes in text are kept: less
// shows them with -R, the built-in pager as they are.
//
// The built-in pager reads keys in raw mode: space or f a page on, b a page
// back, Enter, j or ↓ a line on, k or ↑ a line back, g and G the start and
// the end, q (or Esc, Backspace, ←) leaves it; Ctrl-C and Ctrl-D return
// ErrQuit. Its last row says where the reader is and which keys do what, in
// t.Lang.
func (t *Terminal) Page(text string, p Pager, reserve int) (paged bool, err error) {
	cols, rows := t.size()
	if TextRows(text, cols) <= rows-reserve {
		if err := t.Cooked(); err != nil {
			return false, err
		}
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		_, err := io.WriteString(t.out, text)
		return false, err
	}
	if p.Command != "" {
		ran, err := t.runPager(text, p)
		if ran || err != nil {
			return true, err
		}
	}
	return true, t.builtinPager(text)
}

// TextRows is how many rows of a terminal cols wide text takes.
func TextRows(text string, cols int) int {
	n := 0
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		n += max(1, (render.Width(strings.ReplaceAll(l, "\t", "        "))+cols-1)/cols)
	}
	return n
}

// runPager pipes text to p.Command, run by the shell, in cooked mode, with
// the keys left to it: the lab stops reading the terminal until it ends,
// and makes it the terminal's foreground job meanwhile. It reports false
// when the shell could not find or run the command.
func (t *Terminal) runPager(text string, p Pager) (ran bool, err error) {
	if err := t.Cooked(); err != nil {
		return false, err
	}
	t.keys.Pause() // where it cannot, keys may go to either
	defer t.keys.Resume()
	cmd := shellCommand(p.Command)
	cmd.Env = p.Env
	cmd.Stdin = strings.NewReader(text)
	cmd.Stdout = t.out
	cmd.Stderr = p.Stderr
	takeBack := foreground(cmd, t.fd)
	err = cmd.Run()
	takeBack()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && (ee.ExitCode() == 126 || ee.ExitCode() == 127):
		return false, nil // sh: not found, or not executable
	case errors.As(err, &ee):
		return true, nil // the pager's own business, as with git
	case err != nil:
		return false, nil // no shell, or it would not start
	}
	return true, nil
}

// shellCommand runs command as a POSIX shell would, or, without a shell, as
// words.
func shellCommand(command string) *exec.Cmd {
	if sh, err := exec.LookPath("sh"); err == nil {
		return exec.Command(sh, "-c", command)
	}
	words := strings.Fields(command)
	return exec.Command(words[0], words[1:]...)
}

// Terminal codes of the built-in pager.
const (
	altScreen  = "\x1b[?1049h" // draw on a screen of its own, restored after
	mainScreen = "\x1b[?1049l"
	hideCursor = "\x1b[?25l"
	home       = "\x1b[H"
	clearAll   = "\x1b[2J"
	reverse    = "7"
)

// builtinPager shows text a screen at a time until the learner leaves it.
func (t *Terminal) builtinPager(text string) error {
	if err := t.rawMode(); err != nil {
		return err
	}
	t.keys.Discard()
	in := t.keys.reader(t.ctx)
	defer in.Close()
	io.WriteString(t.out, altScreen+hideCursor)
	defer io.WriteString(t.out, mainScreen+showCursor)
	src := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	var lines []string
	wrapped, top := 0, 0
	for {
		cols, rows := t.size()
		if cols != wrapped {
			lines = screenLines(src, cols)
			wrapped = cols
		}
		h := max(1, rows-1)
		last := max(0, len(lines)-h)
		top = min(top, last)
		if err := t.drawPage(lines, top, h, cols); err != nil {
			return err
		}
		k, err := in.key(-1)
		if err != nil {
			if t.ctx.Err() != nil {
				return ErrQuit
			}
			return err
		}
		switch {
		case k.is(' ') || k.is('f') || k.kind == keyPageDown:
			top = min(top+h, last)
		case k.is('b') || k.kind == keyPageUp:
			top = max(0, top-h)
		case k.kind == keyEnterKind || k.is('j') || k.kind == keyDown:
			top = min(top+1, last)
		case k.is('k') || k.kind == keyUp:
			top = max(0, top-1)
		case k.is('g'):
			top = 0
		case k.is('G'):
			top = last
		case k.is('q') || k.is('Q') || k.kind == keyBack:
			return nil
		case k.kind == keyQuit:
			return ErrQuit
		}
	}
}

// drawPage draws h lines from top, and the status line under them.
func (t *Terminal) drawPage(lines []string, top, h, cols int) error {
	var b strings.Builder
	b.WriteString(home)
	for i := top; i < top+h; i++ {
		b.WriteString(clearLine)
		if i < len(lines) {
			b.WriteString(lines[i])
		}
		b.WriteString("\r\n")
	}
	b.WriteString(clearLine + t.paint(reverse, pagerStatus(t.Lang, top, h, len(lines), LineCols(cols))))
	_, err := io.WriteString(t.out, b.String())
	return err
}

// pagerStatus says which lines are shown, of how many, and the keys, in at
// most cols cells.
func pagerStatus(l lab.Lang, top, h, n, cols int) string {
	shown := min(top+h, n)
	where := lab.Tf("lines %d–%d of %d", "第 %d–%d 行，共 %d 行", top+1, shown, n).In(l)
	if shown == n {
		where += lab.T(" (end)", "（完）").In(l)
	}
	long := where + " · " + lab.T("space/b: page down/up · Enter: one line · q: quit",
		"空格/b：下一页/上一页 · 回车：下一行 · q：退出").In(l)
	if render.Width(long) <= cols {
		return long
	}
	return Fit(fmt.Sprintf("%d–%d/%d · space b Enter q", top+1, shown, n), cols)
}

// screenLines cuts each line of src into rows of at most cols cells, as
// the terminal shows them: colour codes take no cells and are carried on to
// the next row of the same line; a tab goes to the next multiple of 8.
func screenLines(src []string, cols int) []string {
	var out []string
	for _, l := range src {
		out = append(out, splitRow(l, max(1, cols))...)
	}
	return out
}

func splitRow(l string, cols int) []string {
	var rows []string
	var row strings.Builder
	used := 0
	sgr := "" // the colour codes in effect
	for len(l) > 0 {
		if l[0] == 0x1b {
			code := escapeCode(l)
			l = l[len(code):]
			if strings.HasSuffix(code, "m") && strings.HasPrefix(code, "\x1b[") {
				row.WriteString(code)
				if code == "\x1b[0m" || code == "\x1b[m" {
					sgr = ""
				} else {
					sgr += code
				}
			}
			continue
		}
		g, rest, w, _ := uniseg.FirstGraphemeClusterInString(l, -1)
		l = rest
		switch {
		case g == "\t":
			g, w = strings.Repeat(" ", 8-used%8), 8-used%8
		case g[0] < 0x20 || g[0] == 0x7f:
			continue
		}
		if used+w > cols && used > 0 {
			if sgr != "" {
				row.WriteString("\x1b[0m")
			}
			rows = append(rows, row.String())
			row.Reset()
			row.WriteString(sgr)
			used = 0
			if g[0] == ' ' && strings.TrimLeft(g, " ") == "" { // a tab's spaces
				g, w = g[:min(len(g), cols)], min(w, cols)
			}
		}
		row.WriteString(g)
		used += w
	}
	return append(rows, row.String())
}

// escapeCode returns the escape code s starts with: ESC [ … final, ESC ]
// … BEL or ESC \, or ESC and one byte.
func escapeCode(s string) string {
	if len(s) < 2 {
		return s
	}
	switch s[1] {
	case '[':
		for i := 2; i < len(s); i++ {
			if s[i] >= '@' && s[i] <= '~' {
				return s[:i+1]
			}
		}
		return s
	case ']':
		for i := 2; i < len(s); i++ {
			if s[i] == 0x07 {
				return s[:i+1]
			}
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
				return s[:i+2]
			}
		}
		return s
	}
	return s[:2]
}

// Clear clears the screen and puts the cursor at its top left.
func (t *Terminal) Clear() error {
	_, err := io.WriteString(t.out, home+clearAll)
	return err
}

// Ask shows msg on the current line and waits for one key in raw mode:
// Enter and the back keys (Esc, Backspace, ←, q) return 0, one of keys
// returns that key, Ctrl-C and Ctrl-D return ErrQuit; other keys do
// nothing. Keys typed before it are dropped. The line is cleared after, so
// that asking again draws over it.
func (t *Terminal) Ask(msg, keys string) (byte, error) {
	if err := t.rawMode(); err != nil {
		return 0, err
	}
	t.keys.Discard()
	in := t.keys.reader(t.ctx)
	defer in.Close()
	cols, _ := t.size()
	if _, err := io.WriteString(t.out, "\r"+clearLine+t.paint(bold, Fit(msg, LineCols(cols)-1))+" "); err != nil {
		return 0, err
	}
	defer io.WriteString(t.out, "\r"+clearLine)
	for {
		k, err := in.key(-1)
		switch {
		case err != nil:
			return 0, ErrQuit // the context ended, or the input did
		case k.kind == keyQuit:
			return 0, ErrQuit
		case k.kind == keyEnterKind || k.kind == keyBack || k.is('q'):
			return 0, nil
		case k.kind == keyOther && len(k.seq) == 1 && strings.IndexByte(keys, k.seq[0]) >= 0:
			return k.seq[0], nil
		}
	}
}
