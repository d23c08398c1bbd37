package render

import (
	"regexp"
	"strings"

	"github.com/rivo/uniseg"
)

var ansi = regexp.MustCompile("\x1b\\[[0-9;?]*[A-Za-z]")

// StripANSI removes terminal escape codes.
func StripANSI(s string) string { return ansi.ReplaceAllString(s, "") }

// Width is the number of terminal cells s takes: escape codes take none,
// CJK characters two, arrows and box-drawing lines one.
func Width(s string) int { return uniseg.StringWidth(StripANSI(s)) }

// Fit cuts plain text s to at most w cells, ending it with "…" when cut.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if uniseg.StringWidth(s) <= w {
		return s
	}
	var b strings.Builder
	used := 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		cw := g.Width()
		if used+cw > w-1 {
			break
		}
		b.WriteString(g.Str())
		used += cw
	}
	return b.String() + "…"
}

// Pad fills plain text s with spaces to w cells.
func Pad(s string, w int) string {
	if n := w - uniseg.StringWidth(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

// Wrap breaks plain text into lines of at most w cells, at spaces where it
// can and between CJK characters, cutting a word only when it is longer
// than a line.
func Wrap(s string, w int) []string {
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
			seg, rest, _, state = uniseg.FirstLineSegmentInString(rest, state)
			sw := uniseg.StringWidth(strings.TrimRight(seg, " "))
			if used > 0 && used+sw > w {
				lines = append(lines, strings.TrimRight(line.String(), " "))
				line.Reset()
				used = 0
			}
			for sw > w { // a single word longer than the line
				head := cut(seg, w)
				// The line may hold characters of no width (a tab, a
				// zero-width space): they go before the word, not after.
				lines = append(lines, line.String()+head)
				line.Reset()
				seg = seg[len(head):]
				sw = uniseg.StringWidth(strings.TrimRight(seg, " "))
			}
			line.WriteString(seg)
			used += uniseg.StringWidth(seg)
		}
		lines = append(lines, strings.TrimRight(line.String(), " "))
	}
	return lines
}

// cut returns the longest prefix of s that fits in w cells, but at least one
// character, so that wrapping always makes progress.
func cut(s string, w int) string {
	end, used := 0, 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		if used+g.Width() > w && end > 0 {
			break
		}
		_, end = g.Positions()
		used += g.Width()
	}
	return s[:end]
}
