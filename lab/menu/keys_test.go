package menu

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// script is an input that returns each of its reads in turn, then blocks
// until the test ends: like a terminal, where Ctrl-D ends a read with
// io.EOF and the next read waits for more keys.
type script struct {
	reads chan read
}

type read struct {
	data string
	err  error
}

func newScript(t *testing.T) *script {
	s := &script{reads: make(chan read, 16)}
	t.Cleanup(func() { close(s.reads) })
	return s
}

func (s *script) Read(p []byte) (int, error) {
	r, ok := <-s.reads
	if !ok {
		return 0, errors.New("test over")
	}
	return copy(p, r.data), r.err
}

func (s *script) send(data string, err error) { s.reads <- read{data, err} }

// readN reads n bytes from r, failing unless each Read returns one byte.
func readN(t *testing.T, r io.Reader, n int) string {
	t.Helper()
	var out []byte
	buf := make([]byte, 16)
	for len(out) < n {
		m, err := r.Read(buf)
		if err != nil {
			t.Fatalf("Read after %q: %v", out, err)
		}
		if m != 1 {
			t.Fatalf("Read returned %d bytes, want 1 at a time", m)
		}
		out = append(out, buf[:m]...)
	}
	return string(out)
}

func TestKeysOneByteAtATime(t *testing.T) {
	in := newScript(t)
	k := NewKeys(in)
	in.send("\x1b[B\rq", nil)
	r := k.Reader(context.Background())
	defer r.Close()
	if got := readN(t, r, 5); got != "\x1b[B\rq" {
		t.Errorf("read %q", got)
	}
}

func TestKeysMenuQuitKeys(t *testing.T) {
	in := newScript(t)
	k := NewKeys(in)
	in.send("jQ\r", nil)
	r := k.menuReader(context.Background())
	if got := readN(t, r, 3); got != "jQ\r" || r.quit.Load() {
		t.Errorf("read %q, quit %v; want %q, false", got, r.quit.Load(), "jQ\r")
	}
	r.Close()
	for _, key := range []string{"q", "\x03", "\x04"} {
		in.send(key, nil)
		r := k.menuReader(context.Background())
		if got := readN(t, r, 1); got != "\r" || !r.quit.Load() {
			t.Errorf("key %q read as %q, quit %v; want Enter and quit", key, got, r.quit.Load())
		}
		r.Close()
	}
	in.send("q\x03", nil)
	plain := k.Reader(context.Background())
	defer plain.Close()
	if got := readN(t, plain, 2); got != "q\x03" {
		t.Errorf("a plain reader read %q, want the keys as typed", got)
	}
}

// TestKeysClosedReaderTakesNothing is the bug this type exists for: a
// prompt that has ended must not swallow the next key.
func TestKeysClosedReaderTakesNothing(t *testing.T) {
	in := newScript(t)
	k := NewKeys(in)
	old := k.Reader(context.Background())
	done := make(chan error, 1)
	go func() {
		var b [1]byte
		_, err := old.Read(b[:]) // waiting, like readline after its prompt ended
		done <- err
	}()
	old.Close()
	if err := <-done; err != io.EOF {
		t.Fatalf("Read on a closed reader = %v, want io.EOF", err)
	}
	in.send("x", nil)
	next := k.Reader(context.Background())
	defer next.Close()
	if got := readN(t, next, 1); got != "x" {
		t.Errorf("next reader got %q, want %q", got, "x")
	}
	var b [1]byte
	if n, err := old.Read(b[:]); n != 0 || err != io.EOF {
		t.Errorf("closed reader read %d, %v", n, err)
	}
}

// TestKeysEndOfInputOnce: Ctrl-D in cooked mode ends one reader's input,
// and the keys after it go to the next reader.
func TestKeysEndOfInputOnce(t *testing.T) {
	in := newScript(t)
	k := NewKeys(in)
	in.send("a", io.EOF)
	in.send("b", nil)
	r := k.Reader(context.Background())
	if got := readN(t, r, 1); got != "a" {
		t.Fatalf("read %q, want a", got)
	}
	var buf [1]byte
	if _, err := r.Read(buf[:]); err != io.EOF {
		t.Fatalf("after a: %v, want io.EOF", err)
	}
	r.Close()
	r2 := k.Reader(context.Background())
	defer r2.Close()
	if got := readN(t, r2, 1); got != "b" {
		t.Errorf("next reader read %q, want b", got)
	}
}

func TestKeysInputError(t *testing.T) {
	in := newScript(t)
	k := NewKeys(in)
	broken := errors.New("input/output error")
	in.send("", broken)
	r := k.Reader(context.Background())
	defer r.Close()
	var b [1]byte
	if _, err := r.Read(b[:]); !errors.Is(err, broken) {
		t.Errorf("Read = %v, want %v", err, broken)
	}
}

func TestKeysContextEnds(t *testing.T) {
	in := newScript(t)
	k := NewKeys(in)
	stop := errors.New("interrupt")
	ctx, cancel := context.WithCancelCause(context.Background())
	r := k.Reader(ctx)
	defer r.Close()
	done := make(chan error, 1)
	go func() {
		var b [1]byte
		_, err := r.Read(b[:])
		done <- err
	}()
	cancel(stop)
	select {
	case err := <-done:
		if !errors.Is(err, stop) {
			t.Errorf("Read = %v, want %v", err, stop)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Read did not end with its context")
	}
}

func TestKeysDiscard(t *testing.T) {
	in := newScript(t)
	k := NewKeys(in)
	r := k.Reader(context.Background())
	defer r.Close()
	in.send("typed ahead", nil)
	readN(t, r, 1) // the pump has queued the rest
	k.Discard()
	in.send("\n", nil)
	if got := readN(t, r, 1); got != "\n" {
		t.Errorf("after Discard read %q, want only the new key", got)
	}
}
