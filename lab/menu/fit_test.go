package menu

import (
	"strings"
	"testing"

	"socketlab/lab"
	"socketlab/lab/render"
)

func TestFit(t *testing.T) {
	tests := []struct {
		s    string
		cols int
		want string
	}{
		{"Run", 10, "Run"},
		{"A first TCP conversation", 24, "A first TCP conversation"},
		{"A first TCP conversation", 23, "A first TCP conversati…"},
		{"A first TCP conversation", 1, "…"},
		{"A first TCP conversation", 0, ""},
		{"第一次 TCP 对话", 15, "第一次 TCP 对话"},
		{"第一次 TCP 对话", 14, "第一次 TCP 对…"}, // 对 ends at cell 13; 话 would end at 15
		{"第一次 TCP 对话", 8, "第一次 …"},
		{"一二三四五", 6, "一二…"}, // 三 would end at cell 6, leaving none for …
		{"一二三四五", 7, "一二三…"},
		{"\x1b[36mcyan\x1b[0m label", 20, "cyan label"},
		{"\x1b[36mcyan\x1b[0m label", 6, "cyan …"},
		{"two\nlines\tand\a", 20, "two lines and "},
	}
	for _, tt := range tests {
		got := Fit(tt.s, tt.cols)
		if got != tt.want {
			t.Errorf("Fit(%q, %d) = %q, want %q", tt.s, tt.cols, got, tt.want)
		}
		if w := render.Width(got); w > tt.cols && tt.cols >= 0 {
			t.Errorf("Fit(%q, %d) is %d cells wide", tt.s, tt.cols, w)
		}
	}
}

// TestItemLinesFit draws every item as promptui does (scroll mark, space,
// template) at 80 and 120 columns and checks no line reaches the last column.
func TestItemLinesFit(t *testing.T) {
	long := []string{
		"12  " + strings.Repeat("A very long demo title ", 8),
		"12  " + strings.Repeat("一个很长很长的演示标题，", 12),
		"3  UDP：数据报，而不是字节流",
		"msg = \"" + strings.Repeat("你好", 300) + "\"   (文字，最多 1024 字节)",
	}
	for _, c := range []bool{false, true} {
		term := &Terminal{Lang: lab.Zh, Color: c}
		for _, cols := range []int{40, 80, 120} {
			term.Size = func() (int, int) { return cols, 40 }
			fm := term.selectTemplates(term.keyHelp(false, map[int]int{1: 0, 16: 15})).FuncMap
			active := fm["active"].(func(string) string)
			inactive := fm["inactive"].(func(string) string)
			title := fm["title"].(func(string) string)
			help := fm["help"].(func() string)
			for _, s := range long {
				for _, line := range []string{"↑ " + active(s), "↓ " + inactive(s), title(s), help()} {
					if w := render.Width(line); w > cols-1 {
						t.Errorf("color=%v cols=%d: %q is %d cells", c, cols, line, w)
					}
					if !c && strings.Contains(line, "\x1b") {
						t.Errorf("color off but %q has an escape code", line)
					}
				}
			}
		}
	}
}

func TestDetailLinesFit(t *testing.T) {
	term := &Terminal{Lang: lab.En, Size: func() (int, int) { return 80, 24 }}
	detail := term.selectTemplates(term.keyHelp(true, nil)).FuncMap["detail"].(func(string) string)
	got := detail(strings.Repeat("socket → bind → listen → accept；connect；一次 send、一次 recv、close ", 6))
	lines := strings.Split(got, "\n")
	if len(lines) != maxDetail(24) {
		t.Errorf("detail has %d lines, want %d:\n%s", len(lines), maxDetail(24), got)
	}
	for _, l := range lines {
		if render.Width(l) > 79 {
			t.Errorf("detail line %q is %d cells", l, render.Width(l))
		}
	}
	if !strings.HasSuffix(lines[len(lines)-1], "…") {
		t.Errorf("cut detail %q does not end in …", lines[len(lines)-1])
	}
	if detail("") != "" {
		t.Errorf("empty detail = %q", detail(""))
	}
}

func TestVisible(t *testing.T) {
	items := make([]Item, 20)
	tests := []struct {
		n, rows, want int
	}{
		{20, 40, 20},
		{20, 24, 20},
		{20, 20, 16},
		{20, 5, 3},
		{2, 40, 2},
		{1, 2, 1},
	}
	for _, tt := range tests {
		if got := visible(items[:tt.n], 80, tt.rows); got != tt.want {
			t.Errorf("visible(%d items, %d rows) = %d, want %d", tt.n, tt.rows, got, tt.want)
		}
	}
}
