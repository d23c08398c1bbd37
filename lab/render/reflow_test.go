package render_test

import (
	"io/fs"
	"strings"
	"testing"

	"socketlab/lab/render"
	"socketlab/lessons"
)

// TestReflowFitsAndKeepsText: every lesson, re-flowed for 80 columns, fits
// them outside code blocks and tables, and keeps every character.
func TestReflowFitsAndKeepsText(t *testing.T) {
	paths, err := fs.Glob(lessons.FS(), "*/*.md")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no lessons: %v", err)
	}
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	for _, p := range paths {
		md, err := fs.ReadFile(lessons.FS(), p)
		if err != nil {
			t.Fatal(err)
		}
		out := render.Reflow(string(md), 80)
		inFence := false
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "```") {
				inFence = !inFence
			}
			if !inFence && !strings.HasPrefix(strings.TrimSpace(line), "|") && render.Width(line) > 80 {
				t.Errorf("%s: line of %d cells: %q", p, render.Width(line), line)
			}
		}
		if squash(out) != squash(string(md)) {
			t.Errorf("%s: reflow changed the text", p)
		}
	}
}

func TestReflowParts(t *testing.T) {
	md := "# 标题\n\n第一行的中文\n接着第二行。\n\n- an item that\n  goes on\n- 第二\n  项\n\n```go\nx := 1   // kept\n```\n| a | b |\n"
	want := "# 标题\n\n第一行的中文接着第二行。\n\n- an item that goes on\n- 第二项\n\n```go\nx := 1   // kept\n```\n| a | b |\n"
	if got := render.Reflow(md, 80); got != want {
		t.Errorf("reflow:\n%s\nwant:\n%s", got, want)
	}
}
