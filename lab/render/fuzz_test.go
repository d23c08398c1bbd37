package render

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// The renderers of a peer's bytes, fuzzed: whatever the bytes, none
// panics, each allocates at most a bound linear in its input, and what
// they draw for a terminal holds no control character.

// checkAlloc runs f, which must give the same result every time, and fails
// if it allocates more than bound bytes on each of three runs (another
// goroutine may allocate during one).
func checkAlloc(t *testing.T, what string, bound uint64, f func()) {
	t.Helper()
	allocated := func() uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	least := allocated()
	for try := 0; try < 2 && least > bound; try++ {
		least = min(least, allocated())
	}
	if least > bound {
		t.Fatalf("%s allocated %d bytes, want at most %d", what, least, bound)
	}
}

// unPyBytes reads back a repr that PyBytes wrote.
func unPyBytes(t *testing.T, repr string) []byte {
	t.Helper()
	if len(repr) < 3 || repr[0] != 'b' || repr[1] != repr[len(repr)-1] || repr[1] != '\'' && repr[1] != '"' {
		t.Fatalf("repr %q", repr)
	}
	quote, body := repr[1], repr[2:len(repr)-1]
	var out []byte
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == quote:
			t.Fatalf("repr %q: an unescaped quote at %d", repr, i)
		case c != '\\':
			out = append(out, c)
			continue
		}
		if i++; i >= len(body) {
			t.Fatalf("repr %q ends in a backslash", repr)
		}
		switch body[i] {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case '\\', '\'', '"':
			out = append(out, body[i])
		case 'x':
			n, err := strconv.ParseUint(body[i+1:min(i+3, len(body))], 16, 8)
			if err != nil {
				t.Fatalf("repr %q: %v", repr, err)
			}
			out = append(out, byte(n))
			i += 2
		default:
			t.Fatalf("repr %q: escape \\%c", repr, body[i])
		}
	}
	return out
}

func FuzzPyBytes(f *testing.F) {
	for _, s := range []string{"", "hello", "a'b", `a'b"`, "\r\n\t\x00\x7f\\", "你", "\x1b[2J\u009b"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var repr string
		checkAlloc(t, fmt.Sprintf("PyBytes of %d bytes", len(b)), uint64(32*len(b)+1024), func() { repr = PyBytes(b) })
		for i := range len(repr) {
			if repr[i] < 0x20 || repr[i] >= 0x7f {
				t.Fatalf("PyBytes(%q) = %q: byte %d is not printable ASCII", b, repr, i)
			}
		}
		if len(repr) > 4*len(b)+3 || !bytes.Equal(unPyBytes(t, repr), b) {
			t.Fatalf("PyBytes(%q) = %q", b, repr)
		}
	})
}

// control is what a terminal may act on: C0, DEL and C1.
func control(r rune) bool { return unicode.IsControl(r) }

func FuzzDecoded(f *testing.F) {
	for _, s := range []string{"hello", "你好", "\xe4\xbd\xa0\xe5\xa5\xbd\xef", "\x8c", "\xe7\x05\x00\x00", "\xff\xfe", "你\u009b2J", "é\u0085"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var text, part string
		var ok, partOK bool
		checkAlloc(t, fmt.Sprintf("Decoded of %d bytes", len(b)), uint64(32*len(b)+1024), func() {
			text, ok = Decoded(b)
			if len(b) > 0 { // the text renderer shows a part only when it has bytes
				part, partOK = decodedPart(b, false)
			}
		})
		for _, c := range []struct {
			text string
			ok   bool
		}{{text, ok}, {part, partOK}} {
			if !c.ok {
				if c.text != "" {
					t.Fatalf("Decoded(%q) = %q, false", b, c.text)
				}
				continue
			}
			if strings.ContainsFunc(c.text, control) || !utf8.ValidString(c.text) {
				t.Fatalf("Decoded(%q) = %q: a control character reaches the terminal", b, c.text)
			}
			if utf8.RuneCountInString(c.text) > len(b) {
				t.Fatalf("Decoded(%q) = %q: more characters than bytes", b, c.text)
			}
		}
	})
}

func FuzzHexRows(f *testing.F) {
	f.Add([]byte("The quick brown fox jumps over the lazy dog; 你好，世界!"), int64(0), 16)
	f.Add([]byte("x\x00\xff"), int64(0xfffe), 8)
	f.Add([]byte("abcdefgh"), int64(3), 4)
	f.Add([]byte{}, int64(0), 0)
	f.Fuzz(func(t *testing.T, b []byte, offset int64, perRow int) {
		// Offsets of streams up to 4 GiB (beyond, the offset column takes
		// more than the 8 digits HexRows plans for), rows of up to 64 bytes.
		offset = max(0, min(offset, 1<<32-1-int64(len(b))))
		perRow = max(-1, min(perRow, 64))
		var rows []string
		checkAlloc(t, fmt.Sprintf("HexRows of %d bytes, %d a row", len(b), perRow), uint64(256*len(b)+4096), func() { rows = HexRows(b, offset, perRow) })
		per := perRow
		if per <= 0 {
			per = 8
		}
		// Every row is as wide as the others, ASCII, and its cells put each
		// byte at its stream offset.
		digits := hexDigits(offset + int64(len(b)))
		got := map[int64]byte{}
		for _, row := range rows {
			if len(row) != len(rows[0]) || len(row) != hexWidth(per)+digits-4 {
				t.Fatalf("row %q: %d wide, the first %d, want %d", row, len(row), len(rows[0]), hexWidth(per)+digits-4)
			}
			start, err := strconv.ParseInt(row[:digits], 16, 64)
			if err != nil || start%int64(per) != 0 {
				t.Fatalf("row %q: offset %v", row, err)
			}
			hex := row[digits+2:]
			gutter := row[len(row)-per-1 : len(row)-1]
			for col := range per {
				pos := col*3 + col/8
				cell := hex[pos : pos+2]
				if cell == "  " {
					continue
				}
				v, err := strconv.ParseUint(cell, 16, 8)
				if err != nil {
					t.Fatalf("row %q: cell %q", row, cell)
				}
				want := byte('.')
				if v >= 0x20 && v < 0x7f {
					want = byte(v)
				}
				if gutter[col] != want {
					t.Fatalf("row %q: gutter %q at %d, want %q", row, gutter[col], col, want)
				}
				got[start+int64(col)] = byte(v)
			}
		}
		if len(got) != len(b) {
			t.Fatalf("%d cells for %d bytes", len(got), len(b))
		}
		for i, c := range b {
			if got[offset+int64(i)] != c {
				t.Fatalf("byte %d (%#x) at offset %d: cell %#x", i, c, offset+int64(i), got[offset+int64(i)])
			}
		}
	})
}

func FuzzFit(f *testing.F) {
	for _, s := range []string{"", "hello world", "你好世界", "e\u0301e\u0301", "👍🏽 ok", "\x00\xff"} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, w int) {
		w = max(-2, min(w, 200))
		var out string
		checkAlloc(t, fmt.Sprintf("Fit of %d bytes to %d", len(s), w), uint64(8*len(s)+4096), func() { out = Fit(s, w) })
		switch {
		case w <= 0:
			if out != "" {
				t.Fatalf("Fit(%q, %d) = %q", s, w, out)
			}
		case uniseg.StringWidth(s) <= w:
			if out != s {
				t.Fatalf("Fit(%q, %d) = %q, want it whole", s, w, out)
			}
		default:
			head, ok := strings.CutSuffix(out, "…")
			if !ok || !strings.HasPrefix(s, head) || uniseg.StringWidth(out) > w {
				t.Fatalf("Fit(%q, %d) = %q (%d wide)", s, w, out, uniseg.StringWidth(out))
			}
		}
	})
}

func FuzzWrap(f *testing.F) {
	for _, s := range []string{"", "hello world", "a\nb", "你好世界你好世界", "word  with   spaces ", strings.Repeat("x", 50), "b'\\x00\\x01' 你好"} {
		f.Add(s, 7)
	}
	f.Fuzz(func(t *testing.T, s string, w int) {
		w = max(0, min(w, 120))
		var lines []string
		checkAlloc(t, fmt.Sprintf("Wrap of %d bytes to %d", len(s), w), uint64(64*len(s)+4096), func() { lines = Wrap(s, w) })
		if w == 0 {
			if lines != nil {
				t.Fatalf("Wrap(%q, 0) = %q", s, lines)
			}
			return
		}
		if len(lines) < strings.Count(s, "\n")+1 {
			t.Fatalf("Wrap(%q, %d) = %q: fewer lines than paragraphs", s, w, lines)
		}
		for _, l := range lines {
			if strings.Contains(l, "\n") {
				t.Fatalf("Wrap(%q, %d): line %q", s, w, l)
			}
			// Wider than w only when it is one character that is.
			if uniseg.StringWidth(l) > w && uniseg.GraphemeClusterCount(l) > 1 {
				t.Fatalf("Wrap(%q, %d): line %q is %d wide", s, w, l, uniseg.StringWidth(l))
			}
		}
		// Nothing but spaces at the breaks is lost, nothing is added.
		squeeze := strings.NewReplacer(" ", "", "\n", "")
		if squeeze.Replace(strings.Join(lines, "")) != squeeze.Replace(s) {
			t.Fatalf("Wrap(%q, %d) = %q", s, w, lines)
		}
	})
}

func TestDecodedHidesControls(t *testing.T) {
	for in, want := range map[string]string{
		"你\u009b2J":     "你·2J", // CSI in C1: clear the screen
		"é\u0085":       "é·",
		"你\x7f\t":       "你··",
		"你好\r\n":        "你好··",
		"\u00a0你\u00ad": "\u00a0你\u00ad", // not controls
	} {
		if got, ok := Decoded([]byte(in)); !ok || got != want {
			t.Errorf("Decoded(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestWrapKeepsOrder(t *testing.T) {
	for _, c := range []struct {
		s    string
		w    int
		want []string
	}{
		{"\t00000000", 7, []string{"\t0000000", "0"}},
		{"ab \u200b" + "xxxxxxxxxx", 4, []string{"ab \u200b", "xxxx", "xxxx", "xx"}},
		{"xxxxxxxxxx", 4, []string{"xxxx", "xxxx", "xx"}},
	} {
		if got := Wrap(c.s, c.w); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("Wrap(%q, %d) = %q, want %q", c.s, c.w, got, c.want)
		}
	}
}
