package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
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
	return startIn(t, cols, rows, labCommand(t, args...), env...)
}

// startIn runs cmd in a pseudo-terminal cols×rows, with extra environment
// variables.
func startIn(t *testing.T, cols, rows int, cmd *exec.Cmd, env ...string) *labTerm {
	t.Helper()
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
	lt.checkRestored(cooked)
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if len(lt.scr.wraps) > 0 {
		lt.t.Errorf("%d lines wrapped at %d columns, the first: %q", len(lt.scr.wraps), lt.scr.cols, lt.scr.wraps[0])
	}
	if i := bytes.IndexByte(lt.raw, '\a'); i >= 0 {
		lt.t.Errorf("a bell rang: %q", lt.raw[max(0, i-40):i+1])
	}
}

// checkRestored checks the lab exited 0 and left the terminal as it found
// it: cooked mode, the cursor shown. (A lesson printed straight to the
// terminal may have lines that wrap: its code is not re-flowed.)
func (lt *labTerm) checkRestored(cooked *term.State) {
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
// it, read "What happened", go back to the demo's menu, then with q to the
// top, and quit with q.
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
			lt.waitFor(lab.T("What happened", "发生了什么").In(l), backPrompt.In(l))
			lt.send(keyEnter)
			lt.waitFor("▸ " + lab.T("Run", "运行").In(l))
			lt.send("q")
			lt.waitFor("▸  1  ")
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
	lt.waitFor("PING", "What happened", backPrompt.En)
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
	lt.waitFor("lab：已停止；套接字已关闭。", backPrompt.Zh)
	lt.send(keyEnter)
	lt.waitFor("▸ 单步运行")
	lt.send(keyCtrlC)
	lt.checkClean(cooked)
}

// backPrompt is said after a run or a lesson, whether or not it offers the
// pager.
var backPrompt = lab.T("to the menu", "返回菜单")

// TestMenuLesson prints a lesson that fits on the screen (a tall one): no
// pager, even with PAGER set; then it quits with Ctrl-C.
func TestMenuLesson(t *testing.T) {
	cooked := cookedState(t)
	pager, paged := pagerScript(t)
	lt := startLab(t, 120, 200, nil, "PAGER="+pager)
	lt.checkMenu(lab.En, cooked)
	lt.send(keyEnter)
	lt.waitFor("▸ Run")
	lt.send(keyDown + keyDown + keyDown)
	lt.waitFor("▸ Read its lesson", "same as: lab lesson 1")
	lt.send(keyEnter)
	lt.waitFor("# 1 tcp-basic — A first TCP conversation", "## In Python", "Press Enter to return to the menu.")
	lt.send(keyCtrlC)
	lt.checkClean(cooked)
	if _, err := os.Stat(paged); err == nil {
		t.Errorf("a lesson that fits on the screen went to the pager")
	}
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if top := lt.scr.row(0); !strings.HasPrefix(top, "# 1 tcp-basic") {
		t.Errorf("the screen was not cleared for the lesson: its first row is %q", top)
	}
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

// pagerScript writes a pager under t.TempDir() for PAGER: it keeps what it
// is given in the file paged and says on the screen how many lines it got.
func pagerScript(t *testing.T) (pager, paged string) {
	t.Helper()
	dir := t.TempDir()
	pager, paged = filepath.Join(dir, "pager"), filepath.Join(dir, "paged")
	script := fmt.Sprintf("#!/bin/sh\ncat > '%s'\necho \"test pager: $(wc -l < '%s') lines\"\n", paged, paged)
	if err := os.WriteFile(pager, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return pager, paged
}

// TestMenuPagerCtrlC: Ctrl-C in the pager goes to the pager alone (less
// uses it to stop a search); the lab stays, and the menu comes back.
func TestMenuPagerCtrlC(t *testing.T) {
	cooked := cookedState(t)
	pager := filepath.Join(t.TempDir(), "pager")
	script := "#!/bin/sh\ncat > /dev/null\necho 'waiting pager'\nread line < /dev/tty\n"
	if err := os.WriteFile(pager, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	lt := startLab(t, 80, 24, nil, "PAGER="+pager)
	lt.checkMenu(lab.En, cooked)
	lt.send(keyEnter)
	lt.waitFor("▸ Run")
	lt.send(keyDown + keyDown + keyDown + keyEnter)
	lt.waitFor("waiting pager")
	lt.send(keyCtrlC) // the terminal sends SIGINT to its foreground job
	lt.waitFor("▸ Read its lesson")
	lt.send("q")
	lt.waitFor("▸  1  ")
	lt.send("q")
	lt.checkClean(cooked)
}

// noLess is a PATH with no less on it (and nothing else), so that with
// PAGER unset the lab uses its built-in pager.
func noLess(t *testing.T) string { return "PATH=" + t.TempDir() }

// TestMenuBack: Esc, Backspace, ← and q go back one level from every
// submenu; at the top the back keys do nothing and q quits.
func TestMenuBack(t *testing.T) {
	cooked := cookedState(t)
	top := "Socket Lab — choose a demo"
	for _, tc := range []struct {
		name string
		key  string
	}{
		{"esc", "\x1b"},
		{"backspace", keyBack},
		{"left", "\x1b[D"},
		{"q", "q"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lt := startLab(t, 80, 24, nil)
			lt.checkMenu(lab.En, cooked)
			lt.send(keyEnter)
			lt.waitFor("1 tcp-basic — ", "▸ Run", "Esc/←/q: back")
			lt.send(keyDown + keyDown)
			lt.waitFor("▸ Change its knobs")
			lt.send(keyEnter)
			lt.waitFor("Knobs of 1 tcp-basic", "▸ msg = ")
			lt.send(tc.key) // knobs → the demo's menu, its cursor where it was
			lt.waitFor("1 tcp-basic — ", "▸ Change its knobs")
			lt.send(tc.key) // the demo's menu → the top
			lt.waitFor(top, "▸  1  ")
			lt.send(keyDown)
			lt.waitFor("▸  2  ")
			if tc.key != "q" {
				// At the top a back key does nothing: the lab is still
				// there, and the next key moves the cursor.
				lt.send(tc.key)
				lt.send(keyDown)
				lt.waitFor("▸  3  ")
				lt.send("q")
			} else {
				lt.send(tc.key)
			}
			lt.checkClean(cooked)
		})
	}
}

// TestMenuNumbers: typing a demo's number in the demo list opens it: a
// number no longer one starts with at once, a two-digit one as typed, one
// that could go on with Enter or after a moment; a number with no demo
// does nothing.
func TestMenuNumbers(t *testing.T) {
	cooked := cookedState(t)
	all := demos.All()
	last := all[len(all)-1]
	if last.ID < 10 {
		t.Skip("no two-digit demo numbers")
	}
	lt := startLab(t, 120, 40, nil, "LANG=zh_CN.UTF-8")
	lt.checkMenu(lab.Zh, cooked)
	lt.waitFor(fmt.Sprintf("回车或 %d–%d：选择", all[0].ID, last.ID))
	title := func(d lab.Demo) string { return fmt.Sprintf("%d %s — %s", d.ID, d.Slug, d.Title.Zh) }
	for _, tc := range []struct {
		keys string
		want lab.Demo
	}{
		{"7", all[6]},
		{strconv.Itoa(last.ID), last},
		{"1" + keyEnter, all[0]},
		{"1", all[0]}, // waits a moment for a second digit, then opens 1
	} {
		lt.send(tc.keys)
		lt.waitFor(title(tc.want), "▸ 运行")
		lt.send("\x1b")
		lt.waitFor("Socket Lab — 选择一个演示", fmt.Sprintf("▸ %*d  %s", len(strconv.Itoa(last.ID)), tc.want.ID, tc.want.Title.Zh))
	}
	// No demo 0: the number and its Enter do nothing, and the lab is still
	// at the top.
	lt.send("0" + keyEnter)
	lt.send(keyDown)
	lt.waitFor(fmt.Sprintf("▸ %*d  ", len(strconv.Itoa(last.ID)), all[1].ID))
	lt.send("q")
	lt.checkClean(cooked)
}

// TestMenuKnobHelp: the knob editor shows a knob's whole help, wrapped to
// the terminal (which the knob list, with its few lines of detail, cannot),
// and erases all of it once a value is accepted. Then Ctrl-C in the editor
// (cooked mode, where it is a signal) quits the lab cleanly.
func TestMenuKnobHelp(t *testing.T) {
	cooked := cookedState(t)
	d, err := demos.Lookup("sticky")
	if err != nil {
		t.Fatal(err)
	}
	var mode lab.Knob
	for _, k := range d.Knobs {
		if k.Name == "mode" {
			mode = k
		}
	}
	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		t.Run(string(l), func(t *testing.T) {
			lt := startLab(t, 60, 24, []string{"--lang", string(l)})
			lt.checkMenu(l, cooked)
			lt.send(strconv.Itoa(d.ID))
			lt.waitFor("▸ " + lab.T("Run", "运行").In(l))
			lt.send(keyDown + keyDown)
			lt.waitFor("▸ " + lab.T("Change its knobs", "修改参数").In(l))
			lt.send(keyEnter)
			lt.waitFor("▸ mode = buffer")
			lt.send(keyEnter)
			lt.waitFor(lab.T("Enter alone keeps buffer", "直接回车保留 buffer").In(l), "  mode = ")
			lt.mu.Lock()
			shown := strings.Join(strings.Fields(lt.scr.String()), "")
			lt.mu.Unlock()
			if help := strings.Join(strings.Fields(mode.Help.In(l)), ""); !strings.Contains(shown, help) {
				lt.fail("the editor does not show the whole help %q", mode.Help.In(l))
			}
			lt.send("cork" + keyEnter)
			lt.waitFor("▸ mode = cork")
			lt.mu.Lock()
			screen := lt.scr.String()
			lt.mu.Unlock()
			if strings.Contains(screen, lab.T("Enter alone keeps", "直接回车保留").In(l)) || strings.Contains(screen, "  mode = \n") {
				lt.fail("the editor's lines were not all erased")
			}
			lt.send(keyEnter)
			lt.waitFor("  mode = ")
			lt.send(keyCtrlC)
			lt.checkClean(cooked)
		})
	}
}

// TestMenuRunPager: a run longer than the screen can be read again in the
// pager (p), as it was printed: colours kept, nothing else of the
// terminal's codes. The screen is cleared before a run, so the trace
// starts on the first row; a run that fits offers no pager.
func TestMenuRunPager(t *testing.T) {
	cooked := cookedState(t)
	pager, paged := pagerScript(t)
	lt := startLab(t, 80, 24, nil, "PAGER="+pager)
	lt.checkMenu(lab.En, cooked)
	lt.send(keyEnter)
	lt.waitFor("▸ Run")
	lt.send(keyEnter)
	lt.waitFor("What happened", "Enter: back to the menu · p: read the run again in the pager")
	lt.send("p")
	lt.waitFor("test pager: ", " lines", "Enter: back to the menu · p: read")
	b, err := os.ReadFile(paged)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if !strings.HasPrefix(render.StripANSI(text), "1 tcp-basic — A first TCP conversation\n") || !strings.Contains(text, "What happened") {
		t.Errorf("the pager was not given the run:\n%s", text)
	}
	if !strings.Contains(text, "\x1b[") {
		t.Errorf("the run's colours were not kept for the pager")
	}
	if codes := regexp.MustCompile(`\x1b\[[0-9;?]*[^0-9;?m]`).FindString(text); codes != "" {
		t.Errorf("the pager was given a terminal code %q", codes)
	}
	lt.send(keyEnter)
	lt.waitFor("▸ Run")
	lt.send("q")
	lt.waitFor("▸  1  ")
	lt.send("q")
	lt.checkClean(cooked)

	// In a tall terminal, with the lesson on the screen first: the run
	// starts on the first row, and does not offer the pager.
	lt = startLab(t, 120, 200, nil, "PAGER="+pager)
	lt.checkMenu(lab.En, cooked)
	lt.send(keyEnter)
	lt.waitFor("▸ Run")
	lt.send(keyDown + keyDown + keyDown)
	lt.waitFor("▸ Read its lesson")
	lt.send(keyEnter)
	lt.waitFor("## Common mistakes", "Press Enter to return to the menu.")
	lt.send(keyEnter)
	lt.waitFor("▸ Read its lesson")
	lt.send(keyUp + keyUp + keyUp)
	lt.waitFor("▸ Run")
	lt.send(keyEnter)
	lt.waitFor("What happened", "Press Enter to return to the menu.")
	lt.mu.Lock()
	first := lt.scr.row(0)
	lt.mu.Unlock()
	if first != "1 tcp-basic — A first TCP conversation" {
		lt.fail("the screen was not cleared before the run: its first row is %q", first)
	}
	lt.send("p") // nothing
	lt.send(keyEnter)
	lt.waitFor("▸ Run")
	lt.send(keyCtrlD)
	lt.checkClean(cooked)
	if _, err := os.ReadFile(paged); err != nil {
		t.Fatal(err) // from the first part: still there
	}
}

// TestMenuLessonPager: a lesson longer than the screen goes to $PAGER,
// colours and all, and leaving the pager goes back to the menu; with no
// PAGER and no less, to the built-in pager, whose keys and status line are
// in the learner's language.
func TestMenuLessonPager(t *testing.T) {
	cooked := cookedState(t)
	pager, paged := pagerScript(t)
	lt := startLab(t, 80, 24, nil, "PAGER="+pager)
	lt.checkMenu(lab.En, cooked)
	lt.send(keyEnter)
	lt.waitFor("▸ Run")
	lt.send(keyDown + keyDown + keyDown + keyEnter)
	lt.waitFor("test pager: ", "▸ Read its lesson")
	b, err := os.ReadFile(paged)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\x1b[1;36m# 1 tcp-basic — A first TCP conversation") {
		t.Errorf("the pager was not given the lesson in colour:\n%q", b[:min(len(b), 200)])
	}
	lt.send("q")
	lt.waitFor("▸  1  ")
	lt.send("q")
	lt.checkClean(cooked)

	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		t.Run("builtin-"+string(l), func(t *testing.T) {
			lt := startLab(t, 80, 24, []string{"--lang", string(l)}, noLess(t))
			lt.checkMenu(l, cooked)
			lt.send(keyEnter)
			lt.waitFor("▸ " + lab.T("Run", "运行").In(l))
			lt.send(keyDown + keyDown + keyDown)
			lt.waitFor("▸ " + lab.T("Read its lesson", "阅读讲解").In(l))
			lt.send(keyEnter)
			at := func(from, to int) string {
				return lab.Tf("lines %d–%d of ", "第 %d–%d 行，共 ", from, to).In(l)
			}
			lt.waitFor("# 1 tcp-basic", at(1, 23), lab.T("space/b: page down/up · Enter: one line · q: quit",
				"空格/b：下一页/上一页 · 回车：下一行 · q：退出").In(l))
			for _, step := range []struct {
				key      string
				from, to int
			}{{" ", 24, 46}, {"f", 47, 69}, {"b", 24, 46}, {keyEnter, 25, 47}, {"j", 26, 48}, {keyDown, 27, 49}, {"k", 26, 48}, {"g", 1, 23}} {
				lt.send(step.key)
				lt.waitFor(at(step.from, step.to))
			}
			lt.send("G")
			lt.waitFor(lab.T("(end)", "（完）").In(l))
			lt.send("q")
			lt.waitFor("▸ " + lab.T("Read its lesson", "阅读讲解").In(l))
			lt.send("q")
			lt.waitFor("▸  1  ")
			lt.send("q")
			lt.checkClean(cooked)
		})
	}
}

// TestLessonPager is "lab lesson N" in a terminal: a long lesson goes to the
// pager, unless --no-pager; one that fits is printed; piped, it never pages.
func TestLessonPager(t *testing.T) {
	cooked := cookedState(t)
	pager, paged := pagerScript(t)
	wasPaged := func() bool {
		_, err := os.Stat(paged)
		os.Remove(paged)
		return err == nil
	}

	lt := startLab(t, 80, 24, []string{"lesson", "1"}, "PAGER="+pager)
	lt.waitFor("test pager: ")
	lt.checkClean(cooked)
	if !wasPaged() {
		t.Errorf("lab lesson 1 in a terminal did not page")
	}

	for _, tc := range []struct {
		name       string
		rows       int
		args, want []string
	}{
		{"no-pager", 24, []string{"lesson", "1", "--no-pager"}, []string{"# 1 tcp-basic", "## Common mistakes"}},
		{"fits", 200, []string{"lesson", "1"}, []string{"# 1 tcp-basic", "## Common mistakes"}},
	} {
		lt := startLab(t, 80, tc.rows, tc.args, "PAGER="+pager)
		lt.waitFor(tc.want...)
		lt.checkRestored(cooked)
		if wasPaged() {
			t.Errorf("%s: lab %s paged", tc.name, strings.Join(tc.args, " "))
		}
	}

	// Piped: stdin and stderr are the terminal, stdout is not.
	cmd := exec.Command("sh", "-c", `"$0" lesson 1 --lang zh | cat`, os.Args[0])
	cmd.Env = labCommand(t).Env
	lt = startIn(t, 80, 24, cmd, "PAGER="+pager)
	lt.waitFor("# 1 tcp-basic", "## 常见错误")
	lt.checkRestored(cooked)
	if wasPaged() {
		t.Errorf("lab lesson 1 | cat paged")
	}
	if strings.Contains(string(lt.raw), "\x1b[") {
		t.Errorf("lab lesson 1 | cat wrote terminal codes: colour or a pager")
	}

	// The built-in pager, for lab lesson: the same keys, and the terminal
	// restored after.
	lt = startLab(t, 80, 24, []string{"lesson", "1", "--lang", "zh"}, noLess(t))
	lt.waitFor("第 1–23 行，共 ", "q：退出")
	lt.send(" ")
	lt.waitFor("第 24–46 行，共 ")
	lt.send("q")
	lt.checkClean(cooked)
}

// TestPagerTranscript: what a run printed is kept as a pager shows it: a
// line redrawn in place (the progress bar) as last drawn, colours kept,
// other codes dropped, whatever the chunks.
func TestPagerTranscript(t *testing.T) {
	out := "a \x1b[36mcyan\x1b[0m line\n\r\x1b[K[#   ] 10%\r\x1b[K[### ] 90%\r\x1b[Kdone\nlast"
	want := "a \x1b[36mcyan\x1b[0m line\ndone\nlast\n"
	for _, stride := range []int{1, 2, 3, 7, len(out)} {
		var tr transcript
		for i := 0; i < len(out); i += stride {
			tr.Write([]byte(out[i:min(len(out), i+stride)]))
		}
		if got := tr.Text(lab.En); got != want {
			t.Errorf("stride %d: kept %q, want %q", stride, got, want)
		}
	}
	var tr transcript
	for i := range maxKept + 5 {
		fmt.Fprintf(&tr, "%d\n", i)
	}
	got := tr.Text(lab.Zh)
	if !strings.HasPrefix(got, "⋯ 本次运行的前 5 行没有保留\n5\n") || !strings.HasSuffix(got, fmt.Sprintf("\n%d\n", maxKept+4)) {
		t.Errorf("a long run kept %q … %q", got[:40], got[len(got)-20:])
	}
}
