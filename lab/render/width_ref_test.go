package render

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rivo/uniseg"
)

// TestFitWrapFastPathsAgree checks Fit and Wrap, which skip uniseg where
// the text is printable ASCII, against the plain uniseg versions they
// replaced (refFit, refWrap below), on random text mixing ASCII, CJK,
// combining marks, emoji, tabs and spaces, at every lane width.
func TestFitWrapFastPathsAgree(t *testing.T) {
	pieces := []string{"a", "b", "z", "0", " ", "  ", "-", "/", ".", ",", "(", ")", "'", "\t", "你", "好", "。", "→", "✓", "e\u0301", "\u0301", "👍", "👩\u200d💻", "\u200b", "x", "hello", "127.0.0.1:9000", "b'hi'"}
	// Mostly ASCII prose, for Wrap's plain-words path: every punctuation
	// mark it accepts, and marks it must not (a hyphen, a slash, brackets…).
	prose := []string{"a", "bc", "Zed", "12", "0", " ", " ", " ", "  ", ".", ",", ":", ";", "'", "\"", "-", "/", "(", ")", "[", "]", "{", "}", "!", "?", "%", "$", "#", "&", "*", "+", "=", "<", ">", "@", "_", "|", "~", "`", "^", "\\", "word", "127.0.0.1:46776", "b'hi'", "EOF", "it's"}
	plain := []string{"a", "bc", "Zed", "12", "0", " ", " ", "  ", "x. ", "y, ", "z: ", "w; ", "q.; ", "word ", "EOF", "connected ", "abcdefghijklmnopqrstuvwxyz0123456789", "127.0.0.1:46776 ", "a.b ", "1.2 ", "1:2", "x,y ", "c1.2 "}
	// Nearly plain: one mark more that the plain-words path must refuse.
	nearly := append([]string{"v( ", "u- ", "t/ ", "s! ", "r) ", "p' ", "a.1", "1.a", "9;z", ".", ",", ":", "1.2a", "x.y1", "a:b.c"}, plain...)
	r := rand.New(rand.NewPCG(1, 2))
	taken := 0
	for i := range 2400 {
		set := [][]string{pieces, prose, plain, nearly, plain, nearly}[i%6]
		var sb strings.Builder
		for range r.IntN(40) {
			sb.WriteString(set[r.IntN(len(set))])
		}
		s := sb.String()
		if len(s) > 10 && plainWords(s) {
			taken++
		}
		for w := 0; w <= 30; w++ {
			if got, want := Fit(s, w), refFit(s, w); got != want {
				t.Fatalf("Fit(%q, %d) = %q, want %q", s, w, got, want)
			}
			if got, want := strings.Join(Wrap(s, w), "\n"), strings.Join(refWrap(s, w), "\n"); got != want {
				t.Fatalf("Wrap(%q, %d) = %q, want %q", s, w, got, want)
			}
		}
	}
	t.Logf("%d texts took the plain-words path", taken)
	if taken < 150 {
		t.Errorf("only %d texts took Wrap's plain-words path", taken)
	}
}

// refFit is Fit without its fast paths.
func refFit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	cut, used := -1, 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		from, _ := g.Positions()
		cw := g.Width()
		if cut < 0 && used+cw > w-1 {
			cut = from
		}
		if used += cw; used > w {
			return s[:cut] + "…"
		}
	}
	return s
}

// refWrap is Wrap without its fast paths.
func refWrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		var line strings.Builder
		used := 0
		state := -1
		rest := para
		for len(rest) > 0 {
			var seg string
			seg, rest, state = lineSegment(rest, state)
			sw := uniseg.StringWidth(strings.TrimRight(seg, " "))
			if used > 0 && used+sw > w {
				lines = append(lines, strings.TrimRight(line.String(), " "))
				line.Reset()
				used = 0
			}
			if sw > w {
				pieces := cutAll(seg, w)
				for _, head := range pieces[:len(pieces)-1] {
					lines = append(lines, line.String()+head)
					line.Reset()
				}
				seg = pieces[len(pieces)-1]
			}
			line.WriteString(seg)
			used += uniseg.StringWidth(seg)
		}
		lines = append(lines, strings.TrimRight(line.String(), " "))
	}
	return lines
}
