package main

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestLineBudgets: a class can read a big transfer because it folds. At
// 120 columns, demo 5 and demo 13 moving 1 MiB stay under 175 lines (6,160
// before folding; demo 13 has three parts, each with its notes, and how
// many calls stand before a fold depends on how the reads interleave), and
// 10 KB through lab proxy --slice 1 (ten thousand one-byte sends) under 100.
func TestLineBudgets(t *testing.T) {
	englishEnv(t)
	for _, demo := range []string{"5", "13"} {
		code, out, stderr := runLab(t, "", "run", demo, "--set", "size=1MiB", "--width", "120")
		if code != 0 {
			t.Fatalf("demo %s: exit %d: %s", demo, code, stderr)
		}
		if n := strings.Count(out, "\n"); n >= 175 {
			t.Errorf("demo %s with 1 MiB: %d lines, want under 175:\n%s", demo, n, out)
		}
		if !strings.Contains(out, "⋯") {
			t.Errorf("demo %s with 1 MiB folded nothing", demo)
		}
	}

	// An upstream that reads all the client sends, then answers once.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(io.Discard, c)
		c.Write([]byte("got it"))
	}()
	p := startLabProxy(t, "--upstream", l.Addr().String(), "--slice", "1", "--width", "120")
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := c.Write(make([]byte, 10000)); err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).CloseWrite()
	if b, err := io.ReadAll(c); err != nil || string(b) != "got it" {
		t.Fatalf("the client got %q, %v", b, err)
	}
	c.Close()
	if code := p.stop(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.stderr.String())
	}
	p.mu.Lock()
	out := p.stdout.String()
	p.mu.Unlock()
	if n := strings.Count(out, "\n"); n >= 100 || !strings.Contains(out, "more send()") {
		t.Errorf("10 KB through --slice 1: %d lines, want under 100, folded:\n%s", n, out)
	}
}
