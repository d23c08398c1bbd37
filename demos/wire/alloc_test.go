package wire_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"

	"socketlab/demos/wire"
)

// TestNoAllocationFromLength sends headers that announce 60 MiB, within the
// default limit, followed by 3 bytes and EOF. Each decoder must fail with the
// count of missing bytes having allocated far less than what was announced.
func TestNoAllocationFromLength(t *testing.T) {
	const claimed = 60 << 20
	const budget = 1 << 20
	structHeader, _ := wire.AppendHeader(nil, wire.Little, claimed)
	jsonHeader, _ := wire.AppendJSON(nil, wire.JSONHeader{DataSize: claimed})
	textHeader, _ := wire.AppendText(nil, claimed)
	short := fmt.Sprintf("read body: unexpected EOF: got 3 of %d bytes, %d missing", claimed, claimed-3)
	tests := []struct {
		name   string
		input  []byte
		decode func(io.Reader) error
	}{
		{"ReadFrame", structHeader, func(r io.Reader) error {
			_, err := wire.ReadFrame(r, wire.Little, wire.DefaultMax)
			return err
		}},
		{"ReadJSON", jsonHeader, func(r io.Reader) error {
			_, _, err := wire.ReadJSON(r, wire.DefaultMax)
			return err
		}},
		{"ReadText", textHeader, func(r io.Reader) error {
			_, err := wire.ReadText(r, wire.DefaultMax)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bytes.NewReader(slices.Concat(tt.input, []byte("abc")))
			var err error
			allocated := allocatedBy(func() { err = tt.decode(r) })
			wantErr(t, err, io.ErrUnexpectedEOF, short)
			if allocated > budget {
				t.Errorf("allocated %d bytes for a frame announcing %d that sent 3; want at most %d", allocated, claimed, budget)
			}
		})
	}

	t.Run("ReadLine", func(t *testing.T) {
		r := bufio.NewReader(io.MultiReader(strings.NewReader("abc"), endless('a')))
		var err error
		allocated := allocatedBy(func() { _, err = wire.ReadLine(r, 100) })
		wantErr(t, err, wire.ErrTooLarge, "read line: line exceeds limit of 100 bytes")
		if allocated > budget {
			t.Errorf("allocated %d bytes for a line limited to 100; want at most %d", allocated, budget)
		}
	})
}

// allocatedBy returns how many bytes f allocates on the heap. The tests of
// this package do not run in parallel, so no other test allocates meanwhile.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestAllocationGrowsWithData reads an honest 10 MiB frame and checks that
// growing the buffer as bytes arrive costs a few times the frame (doubling
// costs about 2.5 times; growing by fixed steps would cost hundreds).
func TestAllocationGrowsWithData(t *testing.T) {
	const size = 10 << 20
	input := slices.Concat(header(wire.Little, size), pattern(size))
	var (
		got []byte
		err error
	)
	allocated := allocatedBy(func() { got, err = wire.ReadFrame(bytes.NewReader(input), wire.Little, 0) })
	if err != nil || len(got) != size {
		t.Fatalf("ReadFrame = %d bytes, %v", len(got), err)
	}
	if allocated > 4*size {
		t.Errorf("allocated %d bytes to read %d", allocated, size)
	}
}
