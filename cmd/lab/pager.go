package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"

	"socketlab/lab"
	"socketlab/lab/menu"
)

// pager is the pager the learner's environment asks for: $PAGER, else
// "less -R" when less is on the PATH, else the built-in one. Like git, it
// gives less the option R (colour codes shown as colour) when LESS is
// unset; and since the lab writes UTF-8 whatever the locale says, less is
// told so when LESSCHARSET is unset (a LANG=zh_CN.UTF-8 whose locale is not
// installed would otherwise show Chinese as <E4><BD><A0>).
func (e *env) pager() menu.Pager {
	p := menu.Pager{Command: e.getenv("PAGER"), Env: os.Environ(), Stderr: e.stderr}
	if p.Command == "" {
		if _, err := exec.LookPath("less"); err == nil {
			p.Command = "less -R"
		}
	}
	if e.getenv("LESS") == "" {
		p.Env = append(p.Env, "LESS=R")
	}
	if e.getenv("LESSCHARSET") == "" {
		p.Env = append(p.Env, "LESSCHARSET=utf-8")
	}
	return p
}

// showLesson writes a lesson for "lab lesson": through a pager when it is
// longer than the screen, stdin and stdout are a terminal and the learner
// did not say --no-pager; straight out otherwise (a pipe never pages).
func (e *env) showLesson(text string, s settings, noPager bool) error {
	in, ok := e.terminalIn()
	if noPager || !ok || !s.tty {
		_, err := io.WriteString(e.stdout, text)
		return err
	}
	t, err := menu.Open(e.ctx, in, e.stdout)
	if err != nil {
		return err
	}
	t.Lang, t.Color = s.lang, s.color
	_, err = t.Page(text, e.pager(), 1) // a row for the shell's prompt
	if errors.Is(err, menu.ErrQuit) {
		err = nil
	}
	return errors.Join(err, t.Close())
}

// maxKept is how many lines of a run the menu keeps to show again.
const maxKept = 20000

// transcript keeps what a run printed so the pager can show it again: the
// colours are kept, a line redrawn in place (a progress bar: "\r", then the
// line again) is kept as last drawn, and other terminal codes are dropped.
// When a run prints more than maxKept lines, the first ones are dropped.
type transcript struct {
	mu      sync.Mutex
	lines   []string
	cur     strings.Builder
	dropped int
	rest    []byte // an escape code cut off at the end of a write
	cr      bool   // a "\r" was the last byte: a "\n" may follow
}

func (tr *transcript) Write(p []byte) (int, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	b := append(tr.rest, p...)
	tr.rest = nil
	for i := 0; i < len(b); i++ {
		c := b[i]
		if tr.cr && c != '\n' {
			tr.cur.Reset() // the line is drawn again
		}
		tr.cr = false
		switch {
		case c == '\n':
			tr.newline()
		case c == '\r':
			tr.cr = true
		case c == 0x1b:
			n := escapeLen(b[i:])
			if n == 0 { // cut off: wait for the rest
				tr.rest = append([]byte(nil), b[i:]...)
				return len(p), nil
			}
			if code := string(b[i : i+n]); strings.HasPrefix(code, "\x1b[") && strings.HasSuffix(code, "m") {
				tr.cur.WriteString(code)
			}
			i += n - 1
		case c < 0x20 && c != '\t':
		default:
			tr.cur.WriteByte(c)
		}
	}
	return len(p), nil
}

func (tr *transcript) newline() {
	tr.lines = append(tr.lines, tr.cur.String())
	tr.cur.Reset()
	if len(tr.lines) > maxKept {
		n := len(tr.lines) - maxKept
		tr.lines = append([]string(nil), tr.lines[n:]...)
		tr.dropped += n
	}
}

// escapeLen is the length of the escape code b starts with, or 0 when b
// ends before it does.
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	if b[1] != '[' {
		return 2
	}
	for i := 2; i < len(b); i++ {
		if b[i] >= '@' && b[i] <= '~' {
			return i + 1
		}
	}
	return 0
}

// Text is what the run printed, in the learner's language where the
// transcript says something itself.
func (tr *transcript) Text(l lab.Lang) string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var b strings.Builder
	if tr.dropped > 0 {
		fmt.Fprintf(&b, "%s\n", lab.Tf("⋯ the first %d lines of this run were not kept",
			"⋯ 本次运行的前 %d 行没有保留", tr.dropped).In(l))
	}
	for _, l := range tr.lines {
		b.WriteString(l + "\n")
	}
	if tr.cur.Len() > 0 {
		b.WriteString(tr.cur.String() + "\n")
	}
	return b.String()
}
