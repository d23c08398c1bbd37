package main

import (
	"bytes"
	"context"
	"strings"
	"syscall"
	"testing"
)

// TestCommandTable: dispatch, lab help NAME and the unknown-command hint
// read the one table: every command runs, has a help of its own, and is
// named in the hint; a near miss is named as the likely meaning.
func TestCommandTable(t *testing.T) {
	englishEnv(t)
	_, _, hint := runLab(t, "", "frobnicate")
	for _, c := range commands() {
		if c.help.IsZero() || c.help.En == c.help.Zh {
			t.Errorf("lab %s: no help in both languages", c.name)
		}
		if !strings.Contains(hint, " "+c.name+",") && !strings.Contains(hint, " "+c.name+" (") {
			t.Errorf("the unknown-command hint does not name %s:\n%s", c.name, hint)
		}
		for _, a := range c.aliases {
			if f := findCommand(commands(), a); f == nil || f.name != c.name {
				t.Errorf("alias %s does not find %s", a, c.name)
			}
		}
	}
	for _, tt := range []struct{ typo, want string }{{"serv", "serve"}, {"lesosn", "lesson"}, {"RUN", "run"}, {"exercize", "exercise"}} {
		code, _, stderr := runLab(t, "", tt.typo)
		if code != exitUsage || !strings.Contains(stderr, `did you mean "lab `+tt.want+`"?`) {
			t.Errorf("lab %s: exit %d, want a hint naming lab %s:\n%s", tt.typo, code, tt.want, stderr)
		}
	}
	if _, _, stderr := runLab(t, "", "xy"); strings.Contains(stderr, "did you mean") {
		t.Errorf("lab xy: a guess from two letters:\n%s", stderr)
	}
	t.Setenv("LANG", "zh_CN.UTF-8")
	if _, _, stderr := runLab(t, "", "serv"); !strings.Contains(stderr, `是不是想用 "lab serve"？`) {
		t.Errorf("lab serv in Chinese:\n%s", stderr)
	}
}

// TestHelpTopics: lab help takes a command and its subcommand (ftp serve,
// exercise init), and version, help and their aliases are commands too.
func TestHelpTopics(t *testing.T) {
	englishEnv(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"help", "ftp", "serve"}, "lab ftp is the seeds' homework"},
		{[]string{"help", "ftp"}, "lab ftp is the seeds' homework"},
		{[]string{"ftp", "serve", "--help"}, "lab ftp is the seeds' homework"},
		{[]string{"ftp", "help"}, "lab ftp is the seeds' homework"},
		{[]string{"help", "exercise", "init"}, "lab exercise init <slug>"},
		{[]string{"help", "help"}, "lab help [command | trace | N]"},
		{[]string{"help", "version"}, "lab version prints"},
		{[]string{"--version"}, "lab dev (commit"},
		{[]string{"-h"}, "usage:"},
		{[]string{"help", "--lang", "zh"}, "用法："},
		{[]string{"help", "serve", "--lang", "zh"}, "lab serve <N|slug> 为真实的客户端"},
	} {
		code, out, stderr := runLab(t, "", tt.args...)
		if code != 0 || !strings.Contains(out, tt.want) {
			t.Errorf("lab %s: exit %d, want %q in:\n%s%s", strings.Join(tt.args, " "), code, tt.want, out, stderr)
		}
	}
	checkUsage(t, []string{"ftp"}, "ftp needs a subcommand", "lab ftp serve | client | adduser", true)
	checkUsage(t, []string{"ftp", "nosuch"}, `unknown ftp subcommand "nosuch"`, "lab ftp serve | client | adduser", true)
	checkUsage(t, []string{"help", "nosuch"}, `no help for "nosuch"`, "help topics: list, run, lesson, serve, client, proxy, replay, web, ftp, exercises, exercise, check, version, help, trace, or a demo", true)
}

// brokenPipe is a stdout whose reader went away after n bytes.
type brokenPipe struct{ n int }

func (b *brokenPipe) Write(p []byte) (int, error) {
	if len(p) <= b.n {
		b.n -= len(p)
		return len(p), nil
	}
	n := b.n
	b.n = 0
	return n, syscall.EPIPE
}

// TestClosedStdout: when stdout breaks (lab run 1 | head -1, a full disk),
// the command says so and exits 1, instead of ending in silence with 0.
func TestClosedStdout(t *testing.T) {
	englishEnv(t)
	for _, args := range [][]string{{"run", "1"}, {"run", "1", "--format", "json"}, {"list"}, {"help"}, {"help", "4"}, {"exercises"}, {"version"}} {
		for _, after := range []int{0, 100} {
			if args[0] == "version" && after > 0 {
				continue // a shorter line than that
			}
			var errOut bytes.Buffer
			code := run(context.Background(), args, strings.NewReader(""), &brokenPipe{n: after}, &errOut)
			stderr := errOut.String()
			if code != exitFail || !strings.Contains(stderr, "lab: error: the output could not be written: broken pipe") ||
				!strings.Contains(stderr, "lab: hint: the program reading the output went away") {
				t.Errorf("lab %s, stdout closed after %d bytes: exit %d, stderr:\n%s", strings.Join(args, " "), after, code, stderr)
			}
		}
	}
	var out, errOut bytes.Buffer // and a whole stdout changes nothing
	if code := run(context.Background(), []string{"run", "1"}, strings.NewReader(""), &out, &errOut); code != 0 || errOut.Len() > 0 {
		t.Errorf("lab run 1: exit %d: %s", code, errOut.String())
	}
}

// TestHelpQuotesDefaults: a knob default with a space or a line end is
// quoted, so it reads as one value on one line; a plain one is not.
func TestHelpQuotesDefaults(t *testing.T) {
	englishEnv(t)
	_, out, _ := runLab(t, "", "help", "1")
	for _, want := range []string{`default: "hello, 你好"`, "default: 0 "} {
		if !strings.Contains(out, want) {
			t.Errorf("lab help 1 lacks %q:\n%s", want, out)
		}
	}
	for in, want := range map[string]string{"hello\n": `"hello\n"`, "": `""`, "32KiB": "32KiB"} {
		if got := shownDefault(in); got != want {
			t.Errorf("shownDefault(%q) = %s, want %s", in, got, want)
		}
	}
}
