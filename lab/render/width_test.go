package render

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestWidth(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"你好", 4},
		{"→ ──▶ ◀── │", 11},
		{"\x1b[31mred\x1b[0m", 3},
		{"✓ ✗ ✂ …", 7},
	}
	for _, tt := range tests {
		if got := Width(tt.s); got != tt.want {
			t.Errorf("Width(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestFit(t *testing.T) {
	tests := []struct {
		s    string
		w    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello", 4, "hel…"},
		{"你好世界", 5, "你好…"},
		{"你好世界", 4, "你…"},
		{"你好世界", 8, "你好世界"},
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		got := Fit(tt.s, tt.w)
		if got != tt.want {
			t.Errorf("Fit(%q, %d) = %q, want %q", tt.s, tt.w, got, tt.want)
		}
		if Width(got) > tt.w {
			t.Errorf("Fit(%q, %d) is %d wide", tt.s, tt.w, Width(got))
		}
	}
}

func TestWrap(t *testing.T) {
	for _, s := range []string{
		"the quick brown fox jumps over the lazy dog",
		"服务端在监听；客户端这一端是 127.0.0.1:43806（端口由内核挑选），正是 accept() 返回的地址",
		strings.Repeat("x", 50),
		"",
	} {
		for w := 2; w <= 30; w++ { // a CJK character needs 2 cells
			lines := Wrap(s, w)
			joined := strings.ReplaceAll(strings.Join(lines, ""), " ", "")
			if joined != strings.ReplaceAll(s, " ", "") {
				t.Errorf("Wrap(%q, %d) lost text: %q", s, w, lines)
			}
			for _, l := range lines {
				if Width(l) > w {
					t.Errorf("Wrap(%q, %d): line %q is %d wide", s, w, l, Width(l))
				}
			}
		}
	}
	if got := Wrap("aaa bbb ccc", 7); len(got) != 2 || got[0] != "aaa bbb" {
		t.Errorf("Wrap breaks words badly: %q", got)
	}
}

func TestPyBytes(t *testing.T) {
	// Expected values are Python 3's repr(bytes).
	tests := []struct {
		in, want string
	}{
		{"", "b''"},
		{"hello", "b'hello'"},
		{"a'b", `b"a'b"`},
		{`a'b"`, `b'a\'b"'`},
		{"\r\n\t\x00\x7f\\", `b'\r\n\t\x00\x7f\\'`},
		{"你", `b'\xe4\xbd\xa0'`},
	}
	for _, tt := range tests {
		if got := PyBytes([]byte(tt.in)); got != tt.want {
			t.Errorf("PyBytes(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// hexCells maps each byte of HexRows output to its (row label, column).
func hexCells(t *testing.T, rows []string, per int) map[string]string {
	cells := map[string]string{}
	for _, row := range rows {
		var off int
		if _, err := fmt.Sscanf(row[:4], "%x", &off); err != nil {
			t.Fatalf("row %q: %v", row, err)
		}
		hx := row[6:strings.Index(row, "  |")]
		for col := 0; col < per; col++ {
			pos := col*3 + col/8
			if cell := hx[pos : pos+2]; cell != "  " {
				cells[fmt.Sprint(off+col)] = cell
			}
		}
	}
	return cells
}

// TestHexRowsChunking writes the same bytes at every stride: each byte must
// land at the same stream offset whatever the chunking.
func TestHexRowsChunking(t *testing.T) {
	data := []byte("The quick brown fox jumps over the lazy dog; 你好，世界!")
	for _, per := range []int{4, 8, 16} {
		whole := hexCells(t, HexRows(data, 0, per), per)
		if len(whole) != len(data) {
			t.Fatalf("per=%d: %d cells for %d bytes", per, len(whole), len(data))
		}
		for stride := 1; stride <= len(data); stride++ {
			got := map[string]string{}
			for off := 0; off < len(data); off += stride {
				chunk := data[off:min(off+stride, len(data))]
				for k, v := range hexCells(t, HexRows(chunk, int64(off), per), per) {
					got[k] = v
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(whole) {
				t.Fatalf("per=%d stride=%d: cells differ", per, stride)
			}
		}
	}
	if rows := HexRows(nil, 0, 8); len(rows) != 0 {
		t.Errorf("HexRows(nil) = %q", rows)
	}
	if !bytes.Contains([]byte(HexRows([]byte("A\x00"), 0, 8)[0]), []byte("|A.      |")) {
		t.Errorf("ASCII gutter: %q", HexRows([]byte("A\x00"), 0, 8)[0])
	}
}

func TestDecodedShowsOnlyText(t *testing.T) {
	tests := []struct {
		in   string
		show bool
	}{
		{"hello", false},
		{"你好", true},
		{"\xe4\xbd\xa0\xe5\xa5\xbd\xef", true}, // cut at the end
		{"\x8c", true},                         // the tail of a cut character
		{"\xe7\x05\x00\x00", false},            // a length header, not text
		{"\x00\x00\x05\xe7", false},
		{"\xff\xfe", false},
	}
	for _, tt := range tests {
		if _, ok := Decoded([]byte(tt.in)); ok != tt.show {
			t.Errorf("Decoded(%q) shown = %v, want %v", tt.in, ok, tt.show)
		}
	}
}

// TestHexRowsLongStream: offsets past 64 KiB widen every row of the dump
// alike, so the columns stay aligned.
func TestHexRowsLongStream(t *testing.T) {
	rows := HexRows(bytes.Repeat([]byte("x"), 20), 0xfff8, 8)
	for _, r := range rows {
		if !strings.HasPrefix(r, "00fff8  ") && !strings.HasPrefix(r, "010000  ") && !strings.HasPrefix(r, "010008  ") {
			t.Errorf("row %q: want 6-digit offsets", r)
		}
		if len(r) != len(rows[0]) {
			t.Errorf("rows differ in width: %q vs %q", r, rows[0])
		}
	}
}

// TestWrapKeepsFlagsWhole: a line never ends in a flag's dashes with its
// name on the next one; a hyphenated word may still break at its hyphen.
func TestWrapKeepsFlagsWhole(t *testing.T) {
	for _, c := range []struct {
		in   string
		w    int
		want []string
	}{
		{"its kernel sends FIN: --packets shows it", 24, []string{"its kernel sends FIN:", "--packets shows it"}},
		{"run it with -c ls", 13, []string{"run it with", "-c ls"}},
		{"a well-known port", 7, []string{"a well-", "known", "port"}},
	} {
		if got := Wrap(c.in, c.w); !slices.Equal(got, c.want) {
			t.Errorf("Wrap(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
	}
}
