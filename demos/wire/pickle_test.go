package wire_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"socketlab/demos/wire"
)

// pickleCases are values with the Python literal that builds the same value.
var pickleCases = []struct {
	v  any
	py string
}{
	{nil, "None"},
	{true, "True"},
	{false, "False"},
	{int64(0), "0"},
	{int64(255), "255"},
	{int64(256), "256"},
	{int64(65535), "65535"},
	{int64(65536), "65536"},
	{int64(-1), "-1"},
	{int64(math.MaxInt32), "2147483647"},
	{int64(math.MinInt32), "-2147483648"},
	{int64(math.MaxInt32) + 1, "2147483648"},
	{int64(math.MinInt32) - 1, "-2147483649"},
	{int64(-128), "-128"},
	{int64(1) << 40, "1 << 40"},
	{int64(-1) << 40, "-(1 << 40)"},
	{int64(math.MaxInt64), "9223372036854775807"},
	{int64(math.MinInt64), "-9223372036854775808"},
	{-255 * int64(1<<32), "-255 * (1 << 32)"},
	{0.0, "0.0"},
	{87.5, "87.5"},
	{-1e300, "-1e300"},
	{"", "''"},
	{"abc", "'abc'"},
	{"你好, server", "'你好, server'"},
	{strings.Repeat("x", 255), "'x' * 255"},
	{strings.Repeat("y", 256), "'y' * 256"},
	{[]byte{}, "b''"},
	{[]byte{0, 1, 0xfe, 0xff}, `b'\x00\x01\xfe\xff'`},
	{bytes.Repeat([]byte{7}, 300), `b'\x07' * 300`},
	{[]any{}, "[]"},
	{[]any{int64(1)}, "[1]"},
	{[]any{int64(1), "a", nil}, "[1, 'a', None]"},
	{map[string]any{}, "{}"},
	{map[string]any{"a": int64(1)}, "{'a': 1}"},
	{map[string]any{"b": []any{"x", "x"}, "a": "x"}, "{'a': 'x', 'b': ['x', 'x']}"},
	{map[string]any{"k": []byte("v"), "j": []byte("v")}, "{'j': b'v', 'k': b'v'}"},
	{demoValue(), demoValuePy},
}

// demoValue is the value demo 7 sends.
func demoValue() any {
	return map[string]any{
		"big": int64(1) << 40, "id": int64(42), "msg": "你好, server",
		"nested": map[string]any{"hosts": []any{"127.0.0.1", "::1"}, "port": int64(8080)},
		"none":   nil, "ok": true, "raw": []byte{0, 1, 0xfe, 0xff},
		"scores": []any{int64(95), 87.5, int64(-3)}, "tags": []any{"tcp", "pickle"},
	}
}

const demoValuePy = `{'big': 1 << 40, 'id': 42, 'msg': '你好, server', 'nested': {'hosts': ['127.0.0.1', '::1'], 'port': 8080}, 'none': None, 'ok': True, 'raw': b'\x00\x01\xfe\xff', 'scores': [95, 87.5, -3], 'tags': ['tcp', 'pickle']}`

func TestPickleRoundTrip(t *testing.T) {
	for _, c := range pickleCases {
		b, err := wire.AppendPickle(nil, c.v)
		if err != nil {
			t.Errorf("AppendPickle(%s): %v", c.py, err)
			continue
		}
		got, err := wire.ParsePickle(b, 0)
		if err != nil {
			t.Errorf("ParsePickle(pickle of %s): %v", c.py, err)
			continue
		}
		if !reflect.DeepEqual(got, c.v) {
			t.Errorf("%s: decoded %#v", c.py, got)
		}
		if _, err := wire.PickleOps(b, 0); err != nil {
			t.Errorf("PickleOps(%s): %v", c.py, err)
		}
	}
}

// TestPickleMatchesPython checks, with a real python3, that AppendPickle
// writes exactly the bytes of pickle.dumps and that pickle.loads reads them
// back as the same value.
func TestPickleMatchesPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: the pickle bytes were not compared with Python's")
	}
	var script strings.Builder
	script.WriteString("import pickle, sys\n")
	for _, c := range pickleCases {
		b, err := wire.AppendPickle(nil, c.v)
		if err != nil {
			t.Fatal(err)
		}
		h := hex.EncodeToString(b)
		script.WriteString("v = " + c.py + "\n")
		script.WriteString("b = bytes.fromhex('" + h + "')\n")
		script.WriteString("if pickle.dumps(v, protocol=4) != b: print('dumps differs for', " + quotePy(c.py) + ", pickle.dumps(v, protocol=4), b)\n")
		script.WriteString("if pickle.loads(b) != v: print('loads differs for', " + quotePy(c.py) + ")\n")
	}
	out, err := exec.Command(python, "-c", script.String()).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("python3: %v\n%s", err, out)
	}
}

func quotePy(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// evilPickle is Python's pickle.dumps of an object whose __reduce__
// returns (os.system, ('echo pwned',)): loading it runs the command.
var evilPickle, _ = hex.DecodeString("80049525000000000000008c05706f736978948c0673797374656d9493948c0a6563686f2070776e656494859452942e")

func TestParsePickleRefusesCallables(t *testing.T) {
	for _, c := range []struct {
		name     string
		data     []byte
		callable string
		op       string
	}{
		{"stack global", evilPickle, "posix.system", "STACK_GLOBAL"},
		{"protocol 0 global", []byte("cos\nsystem\n(S'echo pwned'\ntR."), "os.system", "GLOBAL"},
		{"reduce alone", []byte("\x80\x04N)R."), "", "REDUCE"},
		{"build", []byte("\x80\x04}}b."), "", "BUILD"},
		{"inst", []byte("(ibuiltins\nlist\n."), "builtins.list", "INST"},
		{"newobj", []byte("\x80\x04NN\x81."), "", "NEWOBJ"},
		{"ext1", []byte("\x80\x04\x82\x01."), "", "EXT1"},
		{"persid", []byte("Pfoo\n."), "", "PERSID"},
		{"escapes in the name", []byte("c\x1b[2J\x1b]0;pwned\x07\nsystem\n(S'x'\ntR."), "\x1b[2J\x1b]0;pwned\x07.system", "GLOBAL"},
		{"a long name", []byte("c" + strings.Repeat("m", 300) + "\nsystem\n."), strings.Repeat("m", 300) + ".system", "GLOBAL"},
	} {
		_, err := wire.ParsePickle(c.data, 0)
		var ue *wire.UnsafePickleError
		if !errors.Is(err, wire.ErrUnsafePickle) || !errors.As(err, &ue) {
			t.Errorf("%s: err = %v, want an unsafe pickle error", c.name, err)
			continue
		}
		if ue.Callable != c.callable || ue.Op != c.op {
			t.Errorf("%s: %+v, want op %s callable %q", c.name, ue, c.op, c.callable)
		}
		// The message goes to a terminal: no escape from the peer, no
		// name longer than a line.
		if msg := err.Error(); strings.ContainsFunc(msg, unicode.IsControl) || len(msg) > 250 {
			t.Errorf("%s: %d bytes: %q", c.name, len(msg), msg)
		}
	}
	if _, err := wire.ParsePickle(evilPickle, 0); !strings.Contains(err.Error(), "posix.system") {
		t.Errorf("the error does not name the callable: %v", err)
	}
}

// TestEvilPickleIsPythons checks the constant against python3.
func TestEvilPickleIsPythons(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	script := "import pickle, os, sys\nclass E:\n    def __reduce__(self): return (os.system, ('echo pwned',))\nsys.stdout.write(pickle.dumps(E(), protocol=4).hex())\n"
	out, err := exec.Command(python, "-c", script).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != hex.EncodeToString(evilPickle) {
		t.Errorf("python writes %s", out)
	}
}

func TestParsePickleMalformed(t *testing.T) {
	for _, data := range []string{
		"", ".", "\x80\x04", "\x80\x04N", "\x80\x04NN.", "\x80\x06N.", "\x80\x04e.", "\x80\x04(N.",
		"\x80\x04h\x00.", "\x80\x04Na.", "\x80\x04]\x94h\x00a.", // a list that contains itself
		"\x80\x04}]N\x8c\x01as.", "\x80\x04}]Ns.", "\x80\x04\x8c\x05ab.", "\x80\x04\x95\xff\x00\x00\x00\x00\x00\x00\x00N.",
		"\x80\x04X\xff\xff\xff\xffab.", "\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\xffab.",
		"\x80\x04\x8c\x02\xff\xfe.", "\x80\x04\xff.", "\x80\x04(1.", "\x80\x04N2.",
	} {
		v, err := wire.ParsePickle([]byte(data), 0)
		if err == nil {
			t.Errorf("ParsePickle(%q) = %#v, want an error", data, v)
		}
	}
	if _, err := wire.ParsePickle([]byte("\x80\x04N."), 3); !errors.Is(err, wire.ErrTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
}

func TestParsePickleOthers(t *testing.T) {
	for _, c := range []struct {
		data string
		want any
	}{
		{"\x80\x02(K\x01K\x02t.", []any{int64(1), int64(2)}},                                           // a tuple is a list
		{"\x80\x02K\x01K\x02\x86.", []any{int64(1), int64(2)}},                                         // TUPLE2
		{"\x80\x02(K\x01K\x02d.", map[any]any{int64(1): int64(2)}},                                     // int keys
		{"\x80\x02(K\x01l.", []any{int64(1)}},                                                          // LIST
		{"\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.", new(big.Int).Lsh(big.NewInt(1), 64)}, // 2**64
		{"\x80\x05\x96\x02\x00\x00\x00\x00\x00\x00\x00hi.", []byte("hi")},                              // bytearray
		{"\x80\x04K\x05q\x07h\x07\x86.", []any{int64(5), int64(5)}},                                    // BINPUT, BINGET
	} {
		got, err := wire.ParsePickle([]byte(c.data), 0)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParsePickle(%q) = %#v, %v; want %#v", c.data, got, err, c.want)
		}
	}
}

func TestAppendPickleRefuses(t *testing.T) {
	deep := any(nil)
	for range 200 {
		deep = []any{deep}
	}
	for _, v := range []any{int32(1), "\xff", struct{}{}, map[int]any{}, bytes.Repeat([]byte("x"), 70000), deep} {
		if b, err := wire.AppendPickle(nil, v); err == nil {
			t.Errorf("AppendPickle(%T) = %d bytes, want an error", v, len(b))
		}
	}
}

func TestPickleOps(t *testing.T) {
	b, _ := wire.AppendPickle(nil, map[string]any{"a": []byte{1}})
	ops, err := wire.PickleOps(b, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range ops {
		names = append(names, o.String())
	}
	want := `PROTO 4|FRAME 12|EMPTY_DICT|MEMOIZE|SHORT_BINUNICODE "a"|MEMOIZE|SHORT_BINBYTES b'\x01'|MEMOIZE|SETITEM|STOP`
	if got := strings.Join(names, "|"); got != want {
		t.Errorf("ops\n got %s\nwant %s", got, want)
	}
	ops, err = wire.PickleOps(evilPickle, 0)
	if err != nil || ops[len(ops)-1].Name != "STOP" {
		t.Errorf("listing the evil pickle: %v, %v", ops, err)
	}
}

func FuzzParsePickle(f *testing.F) {
	for _, c := range pickleCases {
		b, _ := wire.AppendPickle(nil, c.v)
		f.Add(b)
	}
	f.Add(evilPickle)
	f.Add([]byte("\x80\x04]\x94(h\x00h\x00h\x00e."))
	f.Add([]byte("\x80\x04G\x7f\xf8\x00\x00\x00\x00\x00\x01."))
	f.Add(pickleBomb(189, 19))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Whatever the pickle says, decoding it and listing its opcodes
		// costs memory linear in its length.
		var (
			v           any
			err, opsErr error
			ops         []wire.PickleOp
		)
		var repr string
		checkAlloc(t, fmt.Sprintf("decoding a pickle of %d bytes", len(data)), pickleAllocBound(len(data)), func() {
			v, err = wire.ParsePickle(data, 4096)
			ops, opsErr = wire.PickleOps(data, 4096)
			repr = wire.PyRepr(v, 0)
		})
		if len(repr) > wire.MaxRepr || strings.ContainsFunc(repr, unicode.IsControl) {
			t.Fatalf("PyRepr(%#v) = %q", v, repr)
		}
		if err != nil && strings.ContainsFunc(err.Error(), unicode.IsControl) {
			t.Fatalf("error %q", err)
		}
		if err == nil {
			if opsErr != nil || len(ops) == 0 {
				t.Fatalf("decoded %#v but cannot list the ops: %v", v, opsErr)
			}
			// What it accepts, it can write again when the types allow.
			if b, err := wire.AppendPickle(nil, v); err == nil {
				// Compare encodings: NaN is not DeepEqual to itself.
				again, err := wire.ParsePickle(b, 0)
				if err != nil {
					t.Fatalf("round trip of %#v: %v", v, err)
				}
				if b2, err := wire.AppendPickle(nil, again); err != nil || !bytes.Equal(b, b2) {
					t.Fatalf("round trip of %#v: %#v, %v", v, again, err)
				}
			}
		}
	})
}
