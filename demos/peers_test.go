package demos

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"socketlab/demos/wire"
)

// The decoders of what a real peer sends (`lab serve N`, `lab client N`)
// and the renderers of what they decoded, tested with boundary inputs and
// fuzzed: none panics, none allocates more than a bound linear in its
// input, and what they write for a terminal holds no control characters.

// allocated returns how many bytes f allocates on the heap. Another
// goroutine's allocations count too, so checkAlloc measures again before
// it fails.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// checkAlloc runs f, which must give the same result every time, and fails
// if it allocates more than bound bytes on each of three runs.
func checkAlloc(t *testing.T, what string, bound uint64, f func()) {
	t.Helper()
	least := allocated(f)
	for try := 0; try < 2 && least > bound; try++ {
		least = min(least, allocated(f))
	}
	if least > bound {
		t.Fatalf("%s allocated %d bytes, want at most %d", what, least, bound)
	}
}

// controlChar reports a character a terminal may act on: C0, DEL or C1.
func controlChar(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 }

// TestObjectsReprBounded renders the value of a pickle bomb: one list that
// holds the previous one twice, 19 times over, down to 189 escape bytes,
// 2^19 references in all. The note must stay short and cost little.
func TestObjectsReprBounded(t *testing.T) {
	v := any(bytes.Repeat([]byte{0x1b}, 189))
	for levels := range 20 {
		v = []any{v, v}
		var repr string
		checkAlloc(t, fmt.Sprintf("pyRepr of %d references", 2<<levels), 64<<10, func() { repr = pyRepr(v) })
		if len(repr) > wire.MaxRepr || strings.ContainsFunc(repr, controlChar) {
			t.Fatalf("%d levels: %d bytes: %.80q…", levels+1, len(repr), repr)
		}
	}
	for _, s := range []string{"\x1b[2J", "\u009b2J", "\r\n"} {
		if repr := pyRepr([]any{s, []byte(s)}); strings.ContainsFunc(repr, controlChar) {
			t.Errorf("pyRepr(%q) = %q", s, repr)
		}
	}
}
