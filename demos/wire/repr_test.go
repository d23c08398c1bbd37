package wire_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"

	"socketlab/demos/wire"
)

// reprCases are values with what Python's repr() writes for the same value.
// Each case's py is also the Python expression that builds it (bytes and
// big ints from their repr).
var reprCases = []struct {
	v  any
	py string
}{
	{nil, "None"},
	{true, "True"},
	{false, "False"},
	{int64(0), "0"},
	{int64(-42), "-42"},
	{int64(math.MinInt64), "-9223372036854775808"},
	{new(big.Int).Lsh(big.NewInt(1), 64), "18446744073709551616"},
	{0.0, "0.0"},
	{math.Copysign(0, -1), "-0.0"},
	{42.0, "42.0"},
	{87.5, "87.5"},
	{0.1, "0.1"},
	{1e15, "1000000000000000.0"},
	{1e16, "1e+16"},
	{1.5e16, "1.5e+16"},
	{123456789012345678.0, "1.2345678901234568e+17"},
	{0.0001, "0.0001"},
	{0.00001, "1e-05"},
	{1.5e-7, "1.5e-07"},
	{1e300, "1e+300"},
	{5e-324, "5e-324"},
	{math.MaxFloat64, "1.7976931348623157e+308"},
	{math.Inf(1), "inf"},
	{math.Inf(-1), "-inf"},
	{"", "''"},
	{"abc", "'abc'"},
	{"it's", `"it's"`},
	{`it's "x"`, `'it\'s "x"'`},
	{`say "hi"`, `'say "hi"'`},
	{`back\slash`, `'back\\slash'`},
	{"tab\tnew\nret\r", `'tab\tnew\nret\r'`},
	{"\x00\x1b[2J\x7f", `'\x00\x1b[2J\x7f'`},
	{"\u0085\u009b\u00a0\u00e9", `'\x85\x9b\xa0é'`},
	{"你好, server", "'你好, server'"},
	{"\u2028\u200b\ufeff", `'\u2028\u200b\ufeff'`},
	{"\U0001f600\U000e0001", `'😀\U000e0001'`},
	{[]byte{}, "b''"},
	{[]byte{0, 1, 0xfe, 0xff}, `b'\x00\x01\xfe\xff'`},
	{[]byte("it's"), `b"it's"`},
	{[]byte(`'"`), `b'\'"'`},
	{[]byte("a\tb\nc\rd\\"), `b'a\tb\nc\rd\\'`},
	{[]any{}, "[]"},
	{[]any{int64(1), "a", nil, []any{true}}, "[1, 'a', None, [True]]"},
	{map[string]any{}, "{}"},
	{map[string]any{"b": int64(2), "a": []byte("x")}, "{'a': b'x', 'b': 2}"},
	{map[any]any{"s": nil, int64(2): 1.5, nil: false, true: "t"}, "{None: False, True: 't', 2: 1.5, 's': None}"},
	{[]string{"a", "\x1b"}, `['a', '\x1b']`},
	{[]int{1, -2}, "[1, -2]"},
	{uint8(200), "200"},
	{float32(0.5), "0.5"},
	{complex(1, 2), "(1+2j)"},
	{complex(0, 2), "2j"},
	{complex(1.5, -2), "(1.5-2j)"},
}

func TestPyRepr(t *testing.T) {
	for _, c := range reprCases {
		if got := wire.PyRepr(c.v, 0); got != c.py {
			t.Errorf("PyRepr(%#v) = %s, want %s", c.v, got, c.py)
		}
	}
	if got := wire.PyRepr(demoValue(), 0); got != strings.Replace(demoValuePy, "1 << 40", "1099511627776", 1) {
		t.Errorf("PyRepr(demo 7's value) = %s", got)
	}
}

// TestPyReprMatchesPython checks the table against a real python3's repr.
func TestPyReprMatchesPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: PyRepr was not compared with Python's repr")
	}
	var script strings.Builder
	script.WriteString("inf = float('inf')\n")
	for _, c := range reprCases {
		switch c.v.(type) {
		case map[any]any, map[string]any:
			continue // Python keeps the keys in the order they came
		}
		// Python reads the expected repr back as the value, and writes it
		// again: the two must be the same text.
		h := hex.EncodeToString([]byte(c.py))
		fmt.Fprintf(&script, "e = bytes.fromhex('%s').decode()\nif repr(eval(e)) != e: print('python writes', repr(eval(e)), 'for', e)\n", h)
	}
	out, err := exec.Command(python, "-c", script.String()).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("python3: %v\n%s", err, out)
	}
}

func TestPyReprCut(t *testing.T) {
	long := strings.Repeat("ab", 100) // repr: 202 bytes
	for _, c := range []struct {
		v    any
		size int
		want string
	}{
		{long, 202, "'" + long + "'"},
		{long, 203, "'" + long + "'"},
		{long, 201, "'" + long[:197] + "…"},
		{long, 1, "…"},
		{long, 3, "…"},
		{long, 4, "'…"},
		{"你好", 8, "'你好'"},
		{"你好", 7, "'你…"}, // "你" is 3 bytes: 1 + 3 + 3
		{"你好", 6, "'…"},  // half a character is not written
		{[]any{"abc", "def"}, 13, "['abc', 'd…"},
		{[]any{"abc", "def"}, 14, "['abc', 'def']"},
		{[]byte{0x1b, 0x1b}, 9, `b'\x1b…`},
		{[]byte{0x1b, 0x1b}, 11, `b'\x1b\x1b'`},
		{[]byte{0x1b, 0x1b}, 10, `b'\x1b…`}, // an escape is never cut
	} {
		got := wire.PyRepr(c.v, c.size)
		if got != c.want {
			t.Errorf("PyRepr(%q, %d) = %q, want %q", c.v, c.size, got, c.want)
		}
		if len(got) > max(c.size, 3) || !utf8.ValidString(got) {
			t.Errorf("PyRepr(%q, %d) = %q: %d bytes", c.v, c.size, got, len(got))
		}
	}
}

// sharedTree returns a list that refers to the same list twice at each of
// levels levels, down to leaf: 2^levels references to it, with levels
// lists in memory. It is the Go value of pickleBomb.
func sharedTree(leaf any, levels int) any {
	v := leaf
	for range levels {
		v = []any{v, v}
	}
	return v
}

func TestPyReprBounded(t *testing.T) {
	leaf := bytes.Repeat([]byte{0x1b}, 189)
	for _, levels := range []int{0, 1, 10, 16, 19} {
		v := sharedTree(leaf, levels)
		var repr string
		bound := uint64(8*wire.MaxRepr + 4096)
		checkAlloc(t, fmt.Sprintf("PyRepr of %d references to %d bytes", 1<<levels, len(leaf)), bound, func() {
			repr = wire.PyRepr(v, 0)
		})
		if len(repr) > wire.MaxRepr || strings.ContainsFunc(repr, func(r rune) bool { return r < 0x20 }) {
			t.Fatalf("%d levels: %d bytes: %q", levels, len(repr), repr)
		}
	}
	// A list that holds itself (Go allows it; no decoder returns one).
	self := make([]any, 1)
	self[0] = self
	if got := wire.PyRepr(self, 20); got != "[[[[[[[[[[[[[[[[[…" {
		t.Errorf("PyRepr(a list in itself) = %q", got)
	}
}

func ExamplePyRepr() {
	// What a server's pickle.dumps({'msg': 'hi\x1b[2J', 'ok': True}) sends:
	// printed as it is, the text would clear the terminal.
	b, _ := wire.AppendPickle(nil, map[string]any{"msg": "hi\x1b[2J", "ok": true})
	v, _ := wire.ParsePickle(b, 0)
	fmt.Println(wire.PyRepr(v, 0))
	fmt.Println(wire.PyRepr([]any{87.5, 1e16, []byte("\r\n"), strings.Repeat("x", 100)}, 40))
	// Output:
	// {'msg': 'hi\x1b[2J', 'ok': True}
	// [87.5, 1e+16, b'\r\n', 'xxxxxxxxxxxxx…
}
