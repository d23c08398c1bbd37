package render

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"socketlab/lab"
)

// PyBytes writes b as Python's repr of a bytes object: b'hi\r\n\xe4'.
func PyBytes(b []byte) string {
	quote := byte('\'')
	if strings.IndexByte(string(b), '\'') >= 0 && strings.IndexByte(string(b), '"') < 0 {
		quote = '"'
	}
	out := make([]byte, 0, len(b)+3)
	out = append(out, 'b', quote)
	for _, c := range b {
		switch {
		case c == '\\':
			out = append(out, '\\', '\\')
		case c == quote:
			out = append(out, '\\', c)
		case c == '\n':
			out = append(out, '\\', 'n')
		case c == '\r':
			out = append(out, '\\', 'r')
		case c == '\t':
			out = append(out, '\\', 't')
		case c < 0x20 || c >= 0x7f:
			out = append(out, '\\', 'x', hexDigit[c>>4], hexDigit[c&15])
		default:
			out = append(out, c)
		}
	}
	return string(append(out, quote))
}

// decodedPart is Decoded for the bytes a view shows of one part: when they
// are only the part's first bytes, a character cut at their end is the
// view's cut, not the read's, so only the start is checked for one.
func decodedPart(b []byte, whole bool) (string, bool) {
	if whole || len(b) == 0 {
		return Decoded(b)
	}
	return decoded(b, b[0]&0xC0 == 0x80)
}

// Decoded returns b decoded as UTF-8 the way a learner's print would show
// it with errors='replace' (broken characters become U+FFFD) and control
// characters (C0, DEL and C1) as dots. ok is false when no non-ASCII character decodes.
func Decoded(b []byte) (text string, ok bool) {
	// Only worth a line when some real non-ASCII character decodes, or a
	// character was cut at an edge of the read: plain ASCII says nothing
	// new, and binary (a length header) is only noise.
	return decoded(b, cutChar(b))
}

func decoded(b []byte, cut bool) (text string, ok bool) {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return "", false // control bytes: binary, not text
		}
	}
	text = lab.PyDecode(b)
	if !strings.ContainsFunc(text, func(r rune) bool { return r >= 0x80 && r != '\uFFFD' }) && !cut {
		return "", false
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) { // C0, DEL and C1: U+009B starts a terminal sequence too
			return '·'
		}
		return r
	}, text), true
}

const hexDigit = "0123456789abcdef"

// HexRows dumps b as rows of perRow bytes: the stream offset of the row, the
// bytes in hex, and an ASCII gutter. The rows depend only on offset and b,
// never on how the bytes were chunked before.
func HexRows(b []byte, offset int64, perRow int) []string {
	return hexRows(b, offset, perRow, hexDigits(offset+int64(len(b))))
}

// hexRows is HexRows with the offsets' digits given: the rows a view
// shows of a longer dump keep the digits of the whole.
func hexRows(b []byte, offset int64, perRow, digits int) []string {
	if perRow <= 0 {
		perRow = 8
	}
	var rows []string
	for start := 0; start < len(b); {
		// Align rows to the stream, so the same byte always sits in the same column.
		end := start + perRow - int((offset+int64(start))%int64(perRow))
		end = min(end, len(b))
		col := int((offset + int64(start)) % int64(perRow))
		row := make([]byte, 0, digits+2+perRow*4+perRow/8+4)
		row = fmt.Appendf(row, "%0*x  ", digits, offset+int64(start)-int64(col))
		asc := make([]byte, 0, perRow)
		for i := 0; i < perRow; i++ {
			if i > 0 {
				row = append(row, ' ')
				if i%8 == 0 {
					row = append(row, ' ')
				}
			}
			j := start + i - col
			if i < col || j >= end {
				row = append(row, ' ', ' ')
				asc = append(asc, ' ')
				continue
			}
			c := b[j]
			row = append(row, hexDigit[c>>4], hexDigit[c&15])
			if isPrintableASCII(c) {
				asc = append(asc, c)
			} else {
				asc = append(asc, '.')
			}
		}
		row = append(row, ' ', ' ', '|')
		row = append(row, asc...)
		rows = append(rows, string(append(row, '|')))
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
