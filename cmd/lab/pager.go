package main

import (
	"errors"
	"io"
	"os"
	"os/exec"

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
