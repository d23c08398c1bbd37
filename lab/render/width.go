package render

import (
	"regexp"
	"strings"

	"github.com/rivo/uniseg"
)

var ansi = regexp.MustCompile("\x1b\\[[0-9;?]*[A-Za-z]")

// StripANSI removes terminal escape codes.
func StripANSI(s string) string {
	if strings.IndexByte(s, '\x1b') < 0 {
		return s // most lines: no regexp to run
	}
	return ansi.ReplaceAllString(s, "")
}

// Width is the number of terminal cells s takes: escape codes take none,
// CJK characters two, arrows and box-drawing lines one.
func Width(s string) int { return cells(StripANSI(s)) }

// printableASCII reports whether s is printable ASCII only: one cell a byte.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isPrintableASCII(s[i]) {
			return false
		}
	}
	return true
}

// Fit cuts plain text s to at most w cells, ending it with "…" when cut.
// It measures only as far as it keeps: a 1,000-character line cut to a
// 50-cell lane costs 50 characters, not 1,000.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if printableASCII(s[:min(len(s), w+1)]) {
		if len(s) <= w {
			return s
		}
		return s[:w-1] + "…"
	}
	// A printable ASCII character followed by another is a grapheme of one
	// cell: the measuring starts at the last of the leading run (a mark
	// after it would join its grapheme), with that run counted.
	start := 0
	for start+1 < len(s) && start < w && isPrintableASCII(s[start]) && isPrintableASCII(s[start+1]) {
		start++
	}
	cut, used := -1, start // where the text is cut if it does not fit: after w-1 cells
	if start > w-1 {
		cut = w - 1
	}
	g := uniseg.NewGraphemes(s[start:])
	for g.Next() {
		from, _ := g.Positions()
		cw := g.Width()
		if cut < 0 && used+cw > w-1 {
			cut = start + from
		}
		if used += cw; used > w {
			return s[:cut] + "…"
		}
	}
	return s
}

// isPrintableASCII reports whether c is a printable ASCII byte.
func isPrintableASCII(c byte) bool { return c >= 0x20 && c < 0x7f }

// cells is uniseg.StringWidth with a fast path for printable ASCII.
func cells(s string) int {
	if printableASCII(s) {
		return len(s)
	}
	return uniseg.StringWidth(s)
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
		if len(para) <= w && printableASCII(para) { // one line, no break needed: most notes in a lane
			lines = append(lines, strings.TrimRight(para, " "))
			continue
		}
		var line strings.Builder
		used := 0
		state := -1
		rest := para
		plain := plainWords(para)
		for len(rest) > 0 {
			var seg string
			if plain {
				seg, rest = firstPlainSegment(rest)
			} else {
				seg, rest, state = lineSegment(rest, state)
			}
			sw := cells(strings.TrimRight(seg, " "))
			if used > 0 && used+sw > w {
				lines = append(lines, strings.TrimRight(line.String(), " "))
				line.Reset()
				used = 0
			}
			if sw > w { // a single word longer than the line
				pieces := cutAll(seg, w)
				for _, head := range pieces[:len(pieces)-1] {
					// The line may hold characters of no width (a tab, a
					// zero-width space): they go before the word, not after.
					lines = append(lines, line.String()+head)
					line.Reset()
				}
				seg = pieces[len(pieces)-1]
			}
			line.WriteString(seg)
			used += cells(seg)
		}
		lines = append(lines, strings.TrimRight(line.String(), " "))
	}
	return lines
}

// lineSegment is the text up to the next place a line may break (UAX #14,
// as uniseg finds it), and the rest. UAX #14 may break after a hyphen; not
// inside a flag ("--packets", "-c"), whose dashes would end one line and
// its name start the next.
func lineSegment(s string, state int) (seg, rest string, next int) {
	seg, rest, _, next = uniseg.FirstLineSegmentInString(s, state)
	for len(rest) > 0 && strings.Trim(seg, "-") == "" {
		var more string
		more, rest, _, next = uniseg.FirstLineSegmentInString(rest, next)
		seg += more
	}
	return seg, rest, next
}

// plainWords reports whether para is words of letters and digits, each
// perhaps ending in . , : or ; (and with one of them between two letters
// or two digits), between runs of spaces: text whose only
// line-break opportunities (UAX #14, as uniseg finds them) are after each
// run of spaces. The prose of most notes is.
func plainWords(para string) bool {
	const (
		start = iota // before a word's first character
		alnum        // in its letters and digits
		punct        // in the marks that end it
	)
	at := start
	for i := 0; i < len(para); i++ {
		c := para[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9':
			// One mark between two letters (a.b) or two digits (127.0.0.1)
			// joins them; any other mark before a letter or digit may not.
			if at == punct && (i < 2 || isDigit(para[i-2]) != isDigit(c) || !isAlnum(para[i-2])) {
				return false
			}
			at = alnum
		case c == ' ':
			if i == 0 {
				return false
			}
			at = start
		case c == '.' || c == ',' || c == ':' || c == ';':
			if at == start {
				return false
			}
			at = punct
		default:
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlnum(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// firstPlainSegment is uniseg.FirstLineSegmentInString for plain words:
// the first word with the spaces after it, and the rest.
func firstPlainSegment(s string) (seg, rest string) {
	i := strings.IndexByte(s, ' ')
	if i < 0 {
		return s, ""
	}
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return s[:i], s[i:]
}

// cutAll cuts s into pieces of at most w cells (at least one character
// each), in one pass: a 1 MiB word wraps in linear time.
func cutAll(s string, w int) []string {
	var pieces []string
	start, used := 0, 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		from, _ := g.Positions()
		if used+g.Width() > w && from > start {
			pieces = append(pieces, s[start:from])
			start, used = from, 0
		}
		used += g.Width()
	}
	return append(pieces, s[start:])
}
