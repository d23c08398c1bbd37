package wire_test

import (
	"errors"
	"io"
	"runtime"
	"testing"
	"testing/iotest"
)

// chunkings are the ways the tests feed bytes to a decoder: all at once, and
// in the pieces a socket may deliver them in.
var chunkings = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"OneByte", iotest.OneByteReader},
	{"Half", iotest.HalfReader},
	{"DataErr", iotest.DataErrReader},
	{"OneByteDataErr", func(r io.Reader) io.Reader { return iotest.DataErrReader(iotest.OneByteReader(r)) }},
}

// wantErr checks that err matches want with errors.Is, or is nil when want
// is nil, and that its text is msg when msg is not empty.
func wantErr(t *testing.T, err, want error, msg string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want one matching %q", err, want)
	}
	if msg != "" && err.Error() != msg {
		t.Fatalf("error text:\n got %q\nwant %q", err.Error(), msg)
	}
}

// pattern returns n bytes that are not all alike, so that a payload read
// from the wrong offset shows.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

// errText is err's text, or "" for nil, to compare two results.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// allocated returns how many bytes f allocates on the heap, without the
// garbage collection allocatedBy starts with: cheap enough for a fuzz
// target. Another goroutine's allocations count too, so checkAlloc
// measures again before it fails.
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
