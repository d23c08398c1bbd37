package wire_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"socketlab/demos/wire"
)

// pickleBomb is a plain-data pickle that Python loads in a moment: one
// bytes value of size bytes, then levels lists, each holding the previous
// one twice through the memo (BINGET). The last list refers to the bytes
// 2^levels times; a decoder that copies a shared value for every reference
// builds 2^levels copies. pickleBomb(189, 19) is 375 bytes and
// pickleBomb(60086, 19) 60,275, the two of the "Hardening" issue.
func pickleBomb(size, levels int) []byte {
	var body []byte
	if size < 256 {
		body = append(body, 'C', byte(size)) // SHORT_BINBYTES
	} else {
		body = binary.LittleEndian.AppendUint32(append(body, 'B'), uint32(size)) // BINBYTES
	}
	for range size {
		body = append(body, 'x')
	}
	body = append(body, 0x94, '0') // MEMOIZE (memo 0), POP
	for i := 1; i <= levels; i++ {
		// EMPTY_LIST, MARK, BINGET i-1, BINGET i-1, APPENDS, MEMOIZE (memo i)
		body = append(body, ']', '(', 'h', byte(i-1), 'h', byte(i-1), 'e', 0x94)
		if i < levels {
			body = append(body, '0') // POP: only the last list stays
		}
	}
	body = append(body, '.')
	b := []byte{0x80, 4, 0x95} // PROTO 4, FRAME
	b = binary.LittleEndian.AppendUint64(b, uint64(len(body)))
	return append(b, body...)
}

// pickleAllocBound is the most a decode of n pickle bytes may allocate, for
// the tests: linear in the input, whatever it says.
func pickleAllocBound(n int) uint64 { return uint64(512*n + 1<<20) }

func TestParsePickleBomb(t *testing.T) {
	if n := len(pickleBomb(189, 19)); n != 375 {
		t.Fatalf("the small bomb is %d bytes", n)
	}
	if n := len(pickleBomb(60086, 19)); n != 60275 {
		t.Fatalf("the large bomb is %d bytes", n)
	}
	// Smaller ones first: a decoder that expands them all fails here with
	// some megabytes, before the last one would take gigabytes.
	for _, c := range []struct{ size, levels int }{
		{1, 3}, {60086, 6}, {189, 12}, {60086, 8}, {189, 16}, {189, 19}, {60086, 19},
	} {
		b := pickleBomb(c.size, c.levels)
		var err error
		allocated := allocatedBy(func() { _, err = wire.ParsePickle(b, 0) })
		if c.levels == 3 || c.levels == 6 {
			// 8 copies of a byte, or 64 of 60,086 bytes (3.8 MB): within
			// the budget of its pickle, decoded.
			if err != nil {
				t.Errorf("bomb(%d, %d): %v", c.size, c.levels, err)
			}
			continue
		}
		if !errors.Is(err, wire.ErrTooLarge) {
			t.Errorf("bomb(%d, %d), %d bytes: err = %v, want one matching %q", c.size, c.levels, len(b), err, wire.ErrTooLarge)
		}
		if bound := pickleAllocBound(len(b)); allocated > bound {
			t.Fatalf("bomb(%d, %d), %d bytes: allocated %d bytes, want at most %d", c.size, c.levels, len(b), allocated, bound)
		}
		t.Logf("bomb(%d, %d), %d bytes: allocated %d bytes: %v", c.size, c.levels, len(b), allocated, err)
	}
}
