package menu

import (
	"strings"
	"testing"

	"socketlab/lab"
	"socketlab/lab/render"
)

func TestSplitRow(t *testing.T) {
	tests := []struct {
		line string
		cols int
		want []string
	}{
		{"", 10, []string{""}},
		{"0123456789", 10, []string{"0123456789"}},
		{"0123456789a", 10, []string{"0123456789", "a"}},
		{"一二三四五六", 5, []string{"一二", "三四", "五六"}}, // a wide character never straddles rows
		{"\x1b[1;36m# heading here\x1b[0m", 5, []string{"\x1b[1;36m# hea\x1b[0m", "\x1b[1;36mding \x1b[0m", "\x1b[1;36mhere\x1b[0m"}},
		{"a\tb", 20, []string{"a       b"}},
		{"x\x07y\x1b[2Kz", 10, []string{"xyz"}}, // other control and terminal codes dropped
	}
	for _, tt := range tests {
		got := splitRow(tt.line, tt.cols)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("splitRow(%q, %d) = %q, want %q", tt.line, tt.cols, got, tt.want)
		}
		for _, r := range got {
			if w := render.Width(r); w > tt.cols {
				t.Errorf("splitRow(%q, %d): row %q is %d cells", tt.line, tt.cols, r, w)
			}
		}
	}
}

func TestTextRows(t *testing.T) {
	for _, tt := range []struct {
		text string
		want int
	}{
		{"", 1}, {"a\n", 1}, {"a\nb\n", 2}, {strings.Repeat("x", 80) + "\n", 1},
		{strings.Repeat("x", 81) + "\n", 2}, {strings.Repeat("你", 41), 2}, {"\x1b[1m" + strings.Repeat("x", 80) + "\x1b[0m", 1},
	} {
		if got := TextRows(tt.text, 80); got != tt.want {
			t.Errorf("TextRows(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
}

func TestPagerStatus(t *testing.T) {
	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		for _, cols := range []int{20, 39, 79, 119} {
			for _, top := range []int{0, 100, 977} {
				s := pagerStatus(l, top, 23, 1000, cols)
				if w := render.Width(s); w > cols {
					t.Errorf("%s, %d cols: %q is %d cells", l, cols, s, w)
				}
			}
		}
	}
	if got, want := pagerStatus(lab.En, 0, 23, 145, 79), "lines 1–23 of 145 · space/b: page down/up · Enter: one line · q: quit"; got != want {
		t.Errorf("status = %q, want %q", got, want)
	}
	if got, want := pagerStatus(lab.Zh, 122, 23, 145, 79), "第 123–145 行，共 145 行（完） · 空格/b：下一页/上一页 · 回车：下一行 · q：退出"; got != want {
		t.Errorf("status = %q, want %q", got, want)
	}
	if got, want := pagerStatus(lab.En, 0, 23, 145, 39), "1–23/145 · space b Enter q"; got != want {
		t.Errorf("narrow status = %q, want %q", got, want)
	}
}
