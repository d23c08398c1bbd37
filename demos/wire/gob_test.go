package wire_test

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"socketlab/demos/wire"
)

func init() {
	// As demo 7 does: gob sends the concrete type of every value held in
	// an interface.
	gob.Register([]any{})
	gob.Register(map[string]any{})
}

func gobOf(t testing.TB, v map[string]any) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gobValues are values gob writes and CheckGob must pass.
func gobValues() []map[string]any {
	return []map[string]any{
		{},
		{"a": int64(1)},
		demoValue().(map[string]any),
		{"n": map[string]any{"x": []int{1, -2}, "y": []any{"s", 1.5, nil, []byte{0}}, "z": map[string]any{}}},
		{"basics": []any{int8(-1), int16(2), int32(3), uint(4), uint8(5), uint16(6), uint32(7), uint64(8), uintptr(9),
			float32(1.5), complex64(1 + 2i), complex128(3 - 4i), false, "", []string{"a", ""}, []bool{true}, []float64{2.5},
			[]complex128{1i}, []uint8{1, 2}, []int64{1 << 40}, []uint{1}, []int8{-8}}},
		{"nil": nil, "empty": []any{}, "bytes": []byte{}, strings.Repeat("k", 300): strings.Repeat("v", 70000)},
	}
}

// randomGobValue builds a value of the types demo 7's gob can hold.
func randomGobValue(r *rand.Rand, depth int) any {
	switch n := r.IntN(10); {
	case n == 0 && depth < 4:
		m := map[string]any{}
		for i := range r.IntN(4) {
			m[fmt.Sprint("k", i)] = randomGobValue(r, depth+1)
		}
		return m
	case n == 1 && depth < 4:
		s := make([]any, r.IntN(4))
		for i := range s {
			s[i] = randomGobValue(r, depth+1)
		}
		return s
	case n == 2:
		return r.Int64() >> r.IntN(64)
	case n == 3:
		return r.Float64() * 1e10
	case n == 4:
		return strings.Repeat("é", r.IntN(200))
	case n == 5:
		return bytes.Repeat([]byte{7}, r.IntN(300))
	case n == 6:
		return []int{r.Int(), -1}
	case n == 7:
		return r.IntN(2) == 0
	}
	return nil
}

func TestCheckGobPassesWhatGobWrites(t *testing.T) {
	for _, v := range gobValues() {
		if err := wire.CheckGob(gobOf(t, v), 0); err != nil {
			t.Errorf("CheckGob(gob of %v): %v", wire.PyRepr(v, 80), err)
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	for range 2000 {
		v := map[string]any{"v": randomGobValue(r, 0), "w": randomGobValue(r, 0)}
		if err := wire.CheckGob(gobOf(t, v), 0); err != nil {
			t.Fatalf("CheckGob(gob of %v): %v", wire.PyRepr(v, 200), err)
		}
	}
}

// gobCount writes n as gob's unsigned integer.
func gobCount(n uint64) []byte {
	if n < 128 {
		return []byte{byte(n)}
	}
	var be []byte
	for x := n; x > 0; x >>= 8 {
		be = append([]byte{byte(x)}, be...)
	}
	return append([]byte{byte(-len(be))}, be...)
}

// gobWithCount is the gob of {"a": 1} with its map's count of entries set
// to n: 34 bytes for n = 1,000,000.
func gobWithCount(t testing.TB, n uint64) []byte {
	b := gobOf(t, map[string]any{"a": int64(1)})
	// The last message: its length, ff 80 (the type id), 00 (no field
	// delta), 01 (the count), then the entry.
	i := bytes.LastIndex(b, []byte{0xff, 0x80, 0x00, 0x01})
	msg := append(append([]byte{0xff, 0x80, 0x00}, gobCount(n)...), b[i+4:]...)
	return append(append(b[:i-1:i-1], byte(len(msg))), msg...)
}

func TestCheckGobBombs(t *testing.T) {
	if got := gobWithCount(t, 1); !bytes.Equal(got, gobOf(t, map[string]any{"a": int64(1)})) {
		t.Fatalf("gobWithCount(1) = % x", got)
	}
	// {"n": []int{5}} with the slice's count set to a million. Its last
	// message is 06 (its length), ff 82 (the type id of []int, which
	// depends on the types gob met before), 03 (the byte count), 00 (no
	// field delta), 01 (the count), 0a (5).
	slice := gobOf(t, map[string]any{"n": []int{5}})
	last := len(slice) - 7
	if slice[last] != 6 || !bytes.Equal(slice[last+3:], []byte{0x03, 0x00, 0x01, 0x0a}) {
		t.Fatalf("gob of a []int: % x", slice)
	}
	count := gobCount(1_000_000)
	slice = slices.Concat(slice[:last], []byte{byte(5 + len(count))}, slice[last+1:last+5], count, []byte{0x0a})
	for _, c := range []struct {
		name string
		b    []byte
		want error
	}{
		{"a map of a million entries", gobWithCount(t, 1_000_000), wire.ErrGobCount},
		{"a map of 2^40 entries", gobWithCount(t, 1<<40), wire.ErrGobCount},
		{"a message of 3 MB", []byte("\xfd000"), wire.ErrGobCount},
		{"a message of 8 GB", []byte("\xf8\x00\x00\x00\x02\x00\x00\x00\x00"), wire.ErrGobCount},
		{"a slice of a million ints", slice, wire.ErrGobCount},
		{"a type of a million fields", []byte("\x0c\x7f\x03\x01\x02\xff\x80\x00\x01\xfd\x0f\x42\x40"), wire.ErrGobCount},
		{"a stream cut short", gobOf(t, map[string]any{"a": int64(1)})[:20], nil},
	} {
		err := wire.CheckGob(c.b, 0)
		if c.want != nil && !errors.Is(err, c.want) || err == nil {
			t.Errorf("%s: CheckGob = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestGobBombAllocates(t *testing.T) {
	// What gob itself does with the bomb that CheckGob refuses: a test
	// that shows why CheckGob is there, and fails if gob stops doing it.
	b := gobWithCount(t, 1_000_000)
	var v map[string]any
	n := allocatedBy(func() { gob.NewDecoder(bytes.NewReader(b)).Decode(&v) })
	t.Logf("gob decoding %d bytes allocated %d", len(b), n)
	if n < 10<<20 {
		t.Skipf("gob allocated only %d bytes for a map count of a million: it may not need CheckGob any more", n)
	}
}

func FuzzCheckGob(f *testing.F) {
	for _, v := range gobValues() {
		f.Add(gobOf(f, v))
	}
	f.Add(gobWithCount(f, 1_000_000))
	f.Add([]byte("\xfd000"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if wire.CheckGob(data, 1<<16) != nil {
			return
		}
		// What CheckGob passes, gob decodes in memory linear in its length.
		checkAlloc(t, fmt.Sprintf("gob decoding %d bytes", len(data)), uint64(256*len(data)+1<<20), func() {
			var v map[string]any
			gob.NewDecoder(bytes.NewReader(data)).Decode(&v)
		})
	})
}
