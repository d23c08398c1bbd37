package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/creack/pty"
	"github.com/rivo/uniseg"
	"golang.org/x/term"

	"socketlab/demos"
	"socketlab/lab"
	"socketlab/lab/render"
)

// Keys as a terminal sends them in raw mode.
const (
	keyDown  = "\x1b[B"
	keyUp    = "\x1b[A"
	keyEnter = "\r"
	keyBack  = "\x7f"
	keyCtrlC = "\x03"
	keyCtrlD = "\x04"
)

// waitLimit bounds every wait for the screen; the tests never assert how
// fast anything is.
const waitLimit = 20 * time.Second

// screen is a small terminal emulator: enough of a VT100 to replay what the
// lab writes, see what a person would see, and count the lines that ran past
// the right edge (a terminal wraps them, and promptui then misdraws).
type screen struct {
	cols, rows int
	cells      [][]string // "" is the right half of a wide character
	r, c       int        // c == cols: the next character wraps
	wraps      []string   // the rows that wrapped, as they were
	cursorOn   bool
	rest       []byte // an unfinished escape code or character
}

func newScreen(cols, rows int) *screen {
	s := &screen{cols: cols, rows: rows, cursorOn: true}
	for range rows {
		s.cells = append(s.cells, s.blank())
	}
	return s
}

func (s *screen) blank() []string {
	row := make([]string, s.cols)
	for i := range row {
		row[i] = " "
	}
	return row
}

var csiCode = regexp.MustCompile(`^\x1b\[([?0-9;]*)([@-~])`)

// write feeds the screen what the program wrote.
func (s *screen) write(p []byte) {
	b := append(s.rest, p...)
	s.rest = nil
	for len(b) > 0 {
		n := s.step(b)
		if n == 0 { // unfinished: wait for more
			s.rest = append([]byte(nil), b...)
			return
		}
		b = b[n:]
	}
}

// step interprets the start of b and returns how many bytes it used.
func (s *screen) step(b []byte) int {
	switch c := b[0]; {
	case c == 0x1b:
		return s.escape(b)
	case c == '\r':
		s.c = 0
	case c == '\n':
		s.lineFeed()
	case c == '\b':
		s.c = max(0, min(s.c, s.cols-1)-1)
	case c == '\t':
		s.c = min(s.cols-1, (s.c/8+1)*8)
	case c < 0x20 || c == 0x7f:
	default:
		if !utf8.FullRune(b) {
			return 0
		}
		r, n := utf8.DecodeRune(b)
		s.put(string(r))
		return n
	}
	return 1
}

func (s *screen) escape(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '[':
		m := csiCode.FindSubmatch(b)
		if m == nil {
			if len(b) > 32 {
				return 1 // not a code we know: skip the ESC
			}
			return 0
		}
		s.csi(string(m[1]), m[2][0])
		return len(m[0])
	case ']': // OSC: up to BEL or ESC \
		for i := 2; i < len(b); i++ {
			if b[i] == 0x07 {
				return i + 1
			}
			if b[i] == 0x1b && i+1 < len(b) && b[i+1] == '\\' {
				return i + 2
			}
		}
		return 0
	}
	return 2
}

func (s *screen) csi(params string, final byte) {
	if params == "?25" && (final == 'h' || final == 'l') {
		s.cursorOn = final == 'h'
		return
	}
	if strings.HasPrefix(params, "?") {
		return
	}
	var ps []int
	for _, f := range strings.Split(params, ";") {
		n, _ := strconv.Atoi(f)
		ps = append(ps, n)
	}
	arg := func(i, def int) int {
		if i < len(ps) && ps[i] > 0 {
			return ps[i]
		}
		return def
	}
	col := min(s.c, s.cols-1)
	switch final {
	case 'A':
		s.r, s.c = max(0, s.r-arg(0, 1)), col
	case 'B':
		s.r, s.c = min(s.rows-1, s.r+arg(0, 1)), col
	case 'C':
		s.c = min(s.cols-1, col+arg(0, 1))
	case 'D':
		s.c = max(0, col-arg(0, 1))
	case 'G':
		s.c = min(s.cols-1, arg(0, 1)-1)
	case 'H', 'f':
		s.r, s.c = min(s.rows-1, arg(0, 1)-1), min(s.cols-1, arg(1, 1)-1)
	case 'K':
		s.clear(s.r, map[int][2]int{0: {col, s.cols}, 1: {0, col + 1}, 2: {0, s.cols}}[arg(0, 0)%3])
	case 'J':
		from := 0
		if ps[0] == 0 {
			from = s.r + 1
			s.clear(s.r, [2]int{col, s.cols})
		}
		for r := from; r < s.rows; r++ {
			s.clear(r, [2]int{0, s.cols})
		}
	}
}

func (s *screen) clear(r int, span [2]int) {
	for c := span[0]; c < span[1]; c++ {
		s.cells[r][c] = " "
	}
}

func (s *screen) lineFeed() {
	s.c = min(s.c, s.cols-1)
	if s.r < s.rows-1 {
		s.r++
		return
	}
	s.cells = append(s.cells[1:], s.blank())
}

func (s *screen) put(ch string) {
	w := uniseg.StringWidth(ch)
	if w == 0 {
		return
	}
	if s.c+w > s.cols {
		s.wraps = append(s.wraps, s.row(s.r)+ch)
		s.c = 0
		s.lineFeed()
	}
	s.cells[s.r][s.c] = ch
	if w == 2 {
		s.cells[s.r][s.c+1] = ""
	}
	s.c += w
}

func (s *screen) row(r int) string {
	return strings.TrimRight(strings.Join(s.cells[r], ""), " ")
}

// String is the screen as text, like "tmux capture-pane -p".
func (s *screen) String() string {
	rows := make([]string, s.rows)
	for r := range rows {
		rows[r] = s.row(r)
	}
	return strings.TrimRight(strings.Join(rows, "\n"), "\n")
}

func TestScreenCountsWraps(t *testing.T) {
	s := newScreen(10, 3)
	s.write([]byte("0123456789\r\n"))
	s.write([]byte("你好你好你\r\n"))
	if len(s.wraps) != 0 {
		t.Fatalf("lines of exactly 10 cells wrapped: %q", s.wraps)
	}
	s.write([]byte("\x1b[2K\r012345678你"))
	if len(s.wraps) != 1 {
		t.Errorf("an 11-cell line did not wrap: %q\n%s", s.wraps, s)
	}
	s = newScreen(10, 3)
	s.write([]byte("ab\x1b[36mc\x1b[0m\x1b[?25l\nxy\x1b[1A\x1b[2K\rz"))
	if got := s.String(); got != "z\n   xy" || s.cursorOn {
		t.Errorf("screen:\n%s\ncursor on: %v", got, s.cursorOn)
	}
}

// labTerm is the lab running in a pseudo-terminal, and what it has drawn.
type labTerm struct {
	t    *testing.T
	cmd  *exec.Cmd
	ptmx *os.File

	mu     sync.Mutex
	raw    []byte
	mark   int // waitFor looks at the output after this offset
	scr    *screen
	more   chan struct{} // a token when output arrives
	closed chan struct{} // the pseudo-terminal has no more output
}

// startLab runs the lab with args in a pseudo-terminal cols×rows, with
// extra environment variables.
func startLab(t *testing.T, cols, rows int, args []string, env ...string) *labTerm {
	t.Helper()
	cmd := labCommand(t, args...)
	cmd.Env = append(cmd.Env, "TERM=xterm-256color")
	cmd.Env = append(cmd.Env, env...)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if errors.Is(err, pty.ErrUnsupported) {
		t.Skip("no pseudo-terminals here")
	}
	if err != nil {
		t.Fatal(err)
	}
	lt := &labTerm{t: t, cmd: cmd, ptmx: ptmx, scr: newScreen(cols, rows),
		more: make(chan struct{}, 1), closed: make(chan struct{})}
	go lt.read()
	t.Cleanup(func() {
		if lt.cmd.ProcessState == nil {
			lt.cmd.Process.Kill()
			lt.cmd.Wait()
		}
		ptmx.Close()
	})
	return lt
}

func (lt *labTerm) read() {
	defer close(lt.closed)
	buf := make([]byte, 4096)
	for {
		n, err := lt.ptmx.Read(buf)
		lt.mu.Lock()
		lt.raw = append(lt.raw, buf[:n]...)
		lt.scr.write(buf[:n])
		lt.mu.Unlock()
		select {
		case lt.more <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

// since is the output after the mark, without escape codes.
func (lt *labTerm) since() string {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	return render.StripANSI(string(lt.raw[lt.mark:]))
}

// waitFor waits until every text has appeared since the last key sent.
func (lt *labTerm) waitFor(texts ...string) {
	lt.t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		out := lt.since()
		missing := ""
		for _, s := range texts {
			if !strings.Contains(out, s) {
				missing = s
				break
			}
		}
		if missing == "" {
			return
		}
		select {
		case <-lt.more:
		case <-lt.closed:
			lt.fail("the lab ended before showing %q", missing)
		case <-deadline.C:
			lt.fail("%q did not appear within %v", missing, waitLimit)
		}
	}
}

func (lt *labTerm) fail(format string, args ...any) {
	lt.t.Helper()
	lt.mu.Lock()
	defer lt.mu.Unlock()
	lt.t.Fatalf(format+"\nscreen:\n%s\noutput since the last key:\n%q", append(args, lt.scr, lt.raw[lt.mark:])...)
}

// send types keys; waitFor then looks only at what comes after them.
func (lt *labTerm) send(keys string) {
	lt.t.Helper()
	lt.mu.Lock()
	lt.mark = len(lt.raw)
	lt.mu.Unlock()
	if _, err := io.WriteString(lt.ptmx, keys); err != nil {
		lt.t.Fatalf("send %q: %v", keys, err)
	}
}

// exit waits for the lab to end and returns its exit code.
func (lt *labTerm) exit() int {
	lt.t.Helper()
	done := make(chan error, 1)
	go func() { done <- lt.cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			lt.t.Fatal(err)
		}
		return lt.cmd.ProcessState.ExitCode()
	case <-time.After(waitLimit):
		lt.fail("the lab did not exit within %v", waitLimit)
	}
	return -1
}

// state is the terminal's mode as the lab sees it.
func (lt *labTerm) state() *term.State {
	st, err := term.GetState(int(lt.ptmx.Fd()))
	if err != nil {
		lt.t.Fatal(err)
	}
	return st
}

// cookedState is how a fresh terminal starts: the state the lab must leave.
func cookedState(t *testing.T) *term.State {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skip("no pseudo-terminals here:", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	st, err := term.GetState(int(ptmx.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// checkClean checks what a learner would see as a clean exit, and that no
// line wrapped and no bell rang on the way.
func (lt *labTerm) checkClean(cooked *term.State) {
	lt.t.Helper()
	if code := lt.exit(); code != 0 {
		lt.fail("exit code %d, want 0", code)
	}
	if st := lt.state(); !reflect.DeepEqual(st, cooked) {
		lt.fail("the terminal was left in another mode (raw?)")
	}
	<-lt.closed
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if !lt.scr.cursorOn {
		lt.t.Errorf("the cursor was left hidden")
	}
	if len(lt.scr.wraps) > 0 {
		lt.t.Errorf("%d lines wrapped at %d columns, the first: %q", len(lt.scr.wraps), lt.scr.cols, lt.scr.wraps[0])
	}
	if i := bytes.IndexByte(lt.raw, '\a'); i >= 0 {
		lt.t.Errorf("a bell rang: %q", lt.raw[max(0, i-40):i+1])
	}
}

// checkMenu checks the top menu lists every demo that fits on the screen
// (a terminal shorter than the catalogue scrolls: TestMenuNarrow), and
// that the terminal is in raw mode (which also proves checkClean can see a
// mode left behind).
func (lt *labTerm) checkMenu(l lab.Lang, cooked *term.State) {
	lt.t.Helper()
	var titles []string
	for _, d := range demos.All() {
		titles = append(titles, fmt.Sprintf("%d  %s", d.ID, d.Title.In(l)))
	}
	titles = append(titles, lab.T("Quit", "退出").In(l))
	// The list gets the rows left by the title, the hint and up to three
	// lines of an item's detail (lab/menu: visible).
	lt.waitFor(titles[:min(len(titles), max(3, lt.scr.rows-6))]...)
	if reflect.DeepEqual(lt.state(), cooked) {
		lt.fail("the menu is up but the terminal is not in raw mode")
	}
}

// TestMenuRun is the walk: open the menu, move, choose demo 1, run
// it, read "What happened", go back, quit with q.
func TestMenuRun(t *testing.T) {
	cooked := cookedState(t)
	for _, tc := range []struct {
		name       string
		cols, rows int
		args, env  []string
		lang       lab.Lang
	}{
		{"en-120", 120, 40, nil, nil, lab.En},
		{"en-80", 80, 24, nil, nil, lab.En},
		{"zh-120", 120, 40, nil, []string{"LANG=zh_CN.UTF-8"}, lab.Zh},
		{"zh-80-lang-flag", 80, 30, []string{"--lang", "zh"}, nil, lab.Zh},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lt := startLab(t, tc.cols, tc.rows, tc.args, tc.env...)
			l := tc.lang
			lt.checkMenu(l, cooked)
			lt.send(keyDown)
			lt.waitFor("▸ ")
			lt.send(keyUp)
			lt.waitFor("▸  1  ")
			lt.send(keyEnter)
			lt.waitFor("1 tcp-basic — ", "▸ "+lab.T("Run", "运行").In(l), lab.T("same as: lab run 1", "等同于：lab run 1").In(l))
			lt.send(keyEnter)
			lt.waitFor(lab.T("What happened", "发生了什么").In(l), lab.T("Press Enter to return to the menu.", "按回车键返回菜单。").In(l))
			lt.send(keyEnter)
			lt.waitFor("▸ " + lab.T("Run", "运行").In(l))
			lt.send("q")
			lt.checkClean(cooked)
		})
	}
}

// TestMenuNarrow opens the menu in a terminal narrower and shorter than the
// menu, walks down every item (the list scrolls, details wrap) and chooses
// Quit.
func TestMenuNarrow(t *testing.T) {
	cooked := cookedState(t)
	lt := startLab(t, 40, 10, nil)
	lt.waitFor("▸  1  ")
	for range demos.All() {
		lt.send(keyDown)
		lt.waitFor("▸ ")
	}
	lt.waitFor("▸ Quit")
	lt.send(keyEnter)
	lt.checkClean(cooked)
}

// TestMenuKnobs changes knobs (a bad value is refused and asked again), runs
// the demo with them, and quits with Ctrl-D, all without colour.
func TestMenuKnobs(t *testing.T) {
	cooked := cookedState(t)
	lt := startLab(t, 80, 24, nil, "NO_COLOR=1")
	lt.checkMenu(lab.En, cooked)
	lt.send(keyEnter)
	lt.waitFor("▸ Run")
	lt.send(keyDown + keyDown)
	lt.waitFor("▸ Change its knobs")
	lt.send(keyEnter)
	lt.waitFor(`▸ msg = "hello, 你好"   (text, at most 1024 bytes)`, "port = 0   (0..65535)", "the text the client sends")
	lt.send(keyDown)
	lt.waitFor("▸ port = 0")
	lt.send(keyEnter)
	lt.waitFor("port — the server's port", "valid: 0..65535 · Enter alone keeps 0", "  port = ")
	lt.send("x" + keyEnter)
	lt.waitFor(`» port="x" is not a whole number (valid: 0..65535)`)
	lt.send("70000" + keyEnter)
	lt.waitFor(`» port=70000 is out of range (valid: 0..65535)`, "  port = ")
	lt.send(keyEnter) // keep the value
	lt.waitFor("▸ port = 0")
	lt.send(keyUp)
	lt.waitFor("▸ msg = ")
	lt.send(keyEnter)
	lt.waitFor("  msg = ")
	lt.send("ping" + keyEnter)
	lt.waitFor(`▸ msg = "ping"`)
	lt.send(keyDown + keyDown + keyDown)
	lt.waitFor("▸ Back")
	lt.send(keyEnter)
	lt.waitFor("▸ Change its knobs", `msg="ping"  port=0`)
	lt.send(keyUp + keyUp)
	lt.waitFor("▸ Run", "same as: lab run 1 --set msg=ping")
	lt.send(keyEnter)
	lt.waitFor("PING", "What happened", "Press Enter to return to the menu.")
	lt.send(keyEnter)
	lt.waitFor("▸ Run")
	lt.send(keyCtrlD)
	lt.checkClean(cooked)
	if sgr := regexp.MustCompile(`\x1b\[[0-9;]*m`).Find(lt.raw); sgr != nil {
		t.Errorf("NO_COLOR is set but the lab wrote %q", sgr)
	}
}

// TestMenuStep runs step by step in Chinese: Enter goes on, q stops the run
// and returns to the menu (not out of the lab), Ctrl-C quits.
func TestMenuStep(t *testing.T) {
	cooked := cookedState(t)
	lt := startLab(t, 120, 40, nil, "LANG=zh_CN.UTF-8")
	lt.checkMenu(lab.Zh, cooked)
	lt.send(keyEnter)
	lt.waitFor("▸ 运行")
	lt.send(keyDown)
	lt.waitFor("▸ 单步运行", "等同于：lab run 1 --step")
	lt.send(keyEnter)
	lt.waitFor(lab.StepKeys.Zh)
	lt.send(keyEnter)
	lt.waitFor(lab.StepKeys.Zh)
	lt.send("q" + keyEnter)
	lt.waitFor("lab：已停止；套接字已关闭。", "按回车键返回菜单。")
	lt.send(keyEnter)
	lt.waitFor("▸ 单步运行")
	lt.send(keyCtrlC)
	lt.checkClean(cooked)
}

// TestMenuLesson prints a lesson, then quits with Ctrl-C while the lab waits
// for Enter in cooked mode (where Ctrl-C is a signal).
func TestMenuLesson(t *testing.T) {
	cooked := cookedState(t)
	lt := startLab(t, 120, 40, nil)
	lt.checkMenu(lab.En, cooked)
	lt.send(keyEnter)
	lt.waitFor("▸ Run")
	lt.send(keyDown + keyDown + keyDown)
	lt.waitFor("▸ Read its lesson", "same as: lab lesson 1")
	lt.send(keyEnter)
	lt.waitFor("# 1 tcp-basic — A first TCP conversation", "Press Enter to return to the menu.")
	lt.send(keyCtrlC)
	lt.checkClean(cooked)
}

// TestMenuWithoutTerminal: bare "lab" with a pipe on stdin prints the list
// and a hint, and exits 0.
func TestMenuWithoutTerminal(t *testing.T) {
	cmd := labCommand(t)
	cmd.Stdin = strings.NewReader("\r\n")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("lab with a pipe: %v\nstderr: %s", err, errOut.String())
	}
	for _, d := range demos.All() {
		if !strings.Contains(out.String(), d.Slug) || !strings.Contains(out.String(), d.Title.En) {
			t.Errorf("the list does not show demo %s:\n%s", d.Name(), out.String())
		}
	}
	if want := "lab: hint: the menu needs a terminal; use the commands above\n"; errOut.String() != want {
		t.Errorf("stderr = %q, want %q", errOut.String(), want)
	}

	code, stdout, stderr := runLab(t, "", "--lang", "zh")
	if code != exitOK || !strings.Contains(stdout, demos.All()[0].Title.Zh) || !strings.Contains(stderr, "菜单需要在终端中运行") {
		t.Errorf("lab --lang zh without a terminal: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

func TestMenuUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--lang", "xx"}, "unknown language"},
		{[]string{"--color=sometimes"}, "unknown --color"},
		{[]string{"--width=10"}, "too narrow"},
		{[]string{"--lang", "zh", "run", "1"}, `多余的参数 "run"`}, // --lang zh: said in Chinese
		{[]string{"--nope"}, `unknown command "--nope"`},
	}
	for _, tt := range tests {
		code, _, stderr := runLab(t, "", tt.args...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("lab %s: exit %d, stderr %q; want %d and %q", strings.Join(tt.args, " "), code, stderr, exitUsage, tt.want)
		}
	}
}

func TestIsMenuFlag(t *testing.T) {
	for arg, want := range map[string]bool{
		"--lang": true, "-lang": true, "--lang=zh": true, "--color=never": true, "--width": true,
		"--step": false, "run": false, "lang": false, "--help": false, "--version": false, "-": false,
	} {
		if got := isMenuFlag(arg); got != want {
			t.Errorf("isMenuFlag(%q) = %v, want %v", arg, got, want)
		}
	}
}

func TestRunCommand(t *testing.T) {
	d := demos.All()[0]
	tests := []struct {
		sets []string
		want string
	}{
		{nil, "lab run 1"},
		{[]string{"msg=ping"}, "lab run 1 --set msg=ping"},
		{[]string{"msg=hi there", "port=7000"}, "lab run 1 --set 'msg=hi there' --set port=7000"},
		{[]string{"msg=it's"}, `lab run 1 --set 'msg=it'\''s'`},
		{[]string{"msg=你好"}, "lab run 1 --set 'msg=你好'"},
	}
	for _, tt := range tests {
		p, err := lab.ParseParams(d.Knobs, tt.sets)
		if err != nil {
			t.Fatal(err)
		}
		if got := runCommand(d, p); got != tt.want {
			t.Errorf("runCommand(%q) = %s, want %s", tt.sets, got, tt.want)
		}
	}
}

// TestMenuCheck: a value the menu refuses is explained, specifically, in
// the learner's language.
func TestMenuCheck(t *testing.T) {
	d := demos.All()[0]
	p, err := lab.ParseParams(d.Knobs, nil)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := p.Knob("port")
	tests := []struct {
		lang lab.Lang
		v    string
		want string
	}{
		{lab.En, "x", `port="x" is not a whole number (valid: 0..65535)`},
		{lab.Zh, "x", `port="x" 不是整数（有效值：0..65535）`},
		{lab.En, "70000", "port=70000 is out of range (valid: 0..65535)"},
		{lab.Zh, "70000", "port=70000 超出范围（有效值：0..65535）"},
	}
	for _, tt := range tests {
		m := &session{s: settings{lang: tt.lang}}
		if err := m.check(d, p, port, tt.v); err == nil || err.Error() != tt.want {
			t.Errorf("%s: check(port=%q) = %v, want %q", tt.lang, tt.v, err, tt.want)
		}
		if err := m.check(d, p, port, "8080"); err != nil {
			t.Errorf("%s: check(port=8080) = %v", tt.lang, err)
		}
	}
}
