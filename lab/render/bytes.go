package render

import (
	"fmt"
	"socketlab/lab"
	"strings"
	"unicode/utf8"
)

// PyBytes writes b as Python's repr of a bytes object: b'hi\r\n\xe4'.
func PyBytes(b []byte) string {
	quote := byte('\'')
	if strings.IndexByte(string(b), '\'') >= 0 && strings.IndexByte(string(b), '"') < 0 {
		quote = '"'
	}
	var sb strings.Builder
	sb.WriteString("b")
	sb.WriteByte(quote)
	for _, c := range b {
		switch {
		case c == '\\':
			sb.WriteString(`\\`)
		case c == quote:
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c == '\t':
			sb.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&sb, `\x%02x`, c)
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte(quote)
	return sb.String()
}

// Decoded returns b decoded as UTF-8 the way a learner's print would show
// it with errors='replace' (broken characters become U+FFFD) and control
// characters as dots. ok is false when no non-ASCII character decodes.
func Decoded(b []byte) (text string, ok bool) {
	// Only worth a line when some real non-ASCII character decodes, or a
	// character was cut at an edge of the read: plain ASCII says nothing
	// new, and binary (a length header) is only noise.
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return "", false // control bytes: binary, not text
		}
	}
	text = lab.PyDecode(b)
	if !strings.ContainsFunc(text, func(r rune) bool { return r >= 0x80 && r != '\uFFFD' }) && !cutChar(b) {
		return "", false
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '·'
		}
		return r
	}, text), true
}

// HexRows dumps b as rows of perRow bytes: the stream offset of the row, the
// bytes in hex, and an ASCII gutter. The rows depend only on offset and b,
// never on how the bytes were chunked before.
func HexRows(b []byte, offset int64, perRow int) []string {
	if perRow <= 0 {
		perRow = 8
	}
	var rows []string
	digits := hexDigits(offset + int64(len(b)))
	for start := 0; start < len(b); {
		// Align rows to the stream, so the same byte always sits in the same column.
		end := start + perRow - int((offset+int64(start))%int64(perRow))
		end = min(end, len(b))
		col := int((offset + int64(start)) % int64(perRow))
		var hx, asc strings.Builder
		for i := 0; i < perRow; i++ {
			if i > 0 {
				hx.WriteByte(' ')
				if i%8 == 0 {
					hx.WriteByte(' ')
				}
			}
			j := start + i - col
			if i < col || j >= end {
				hx.WriteString("  ")
				asc.WriteByte(' ')
				continue
			}
			fmt.Fprintf(&hx, "%02x", b[j])
			if c := b[j]; c >= 0x20 && c < 0x7f {
				asc.WriteByte(c)
			} else {
				asc.WriteByte('.')
			}
		}
		rows = append(rows, fmt.Sprintf("%0*x  %s  |%s|", digits, offset+int64(start)-int64(col), hx.String(), asc.String()))
		start = end
	}
	return rows
}

// hexDigits is how many hex digits the offsets of a dump ending at end
// take: 4, or more for a long stream, the same for every row of one dump.
func hexDigits(end int64) int {
	switch {
	case end <= 0x10000:
		return 4
	case end <= 0x1000000:
		return 6
	}
	return 8
}

// hexWidth is the width of one HexRows row with 4-digit offsets.
func hexWidth(perRow int) int {
	return 4 + 2 + perRow*3 - 1 + (perRow-1)/8 + 2 + perRow + 2
}

// rowBytes picks the most bytes per hex row (4, 8 or 16) that fit in w cells.
func rowBytes(w int) int {
	for _, n := range []int{16, 8} {
		if hexWidth(n) <= w {
			return n
		}
	}
	return 4
}

// cutChar reports whether b starts with the tail of a UTF-8 character or
// ends with the head of one: what a read that splits text looks like.
func cutChar(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if b[0]&0xC0 == 0x80 {
		return true
	}
	for i := max(0, len(b)-3); i < len(b); i++ {
		if b[i] >= 0xC2 && utf8.RuneStart(b[i]) && !utf8.FullRune(b[i:]) {
			return true
		}
	}
	return false
}
