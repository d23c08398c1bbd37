package menu

import (
	"context"
	"errors"
	"io"
	"strings"
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
	top := &menuKeys{top: true}
	r := k.menuReader(context.Background(), top)
	if got := readN(t, r, 3); got != "jQ\r" || r.quit.Load() {
		t.Errorf("read %q, quit %v; want %q, false", got, r.quit.Load(), "jQ\r")
	}
	r.Close()
	for _, key := range []string{"q", "\x03", "\x04"} {
		in.send(key, nil)
		r := k.menuReader(context.Background(), top)
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

// menuRead sends keys to a menu reader of m and returns what promptui
// reads up to the first Enter, and the flags set.
func menuRead(t *testing.T, m *menuKeys, keys ...string) (got string, quit, back bool, jump int) {
	t.Helper()
	in := newScript(t)
	k := NewKeys(in)
	for _, s := range keys {
		in.send(s, nil)
	}
	r := k.menuReader(context.Background(), m)
	defer r.Close()
	for !strings.HasSuffix(got, "\r") {
		got += readN(t, r, 1)
	}
	return got, r.quit.Load(), r.back.Load(), int(r.jump.Load()) - 1
}

func TestKeysMenuBack(t *testing.T) {
	sub := &menuKeys{}
	for _, keys := range [][]string{{"\x1b"}, {"\x7f"}, {"\x08"}, {"\x1b[D"}, {"\x1bOD"}, {"q"}, {"\x1b[", "D"}} {
		got, quit, back, _ := menuRead(t, sub, keys...)
		if got != "\r" || quit || !back {
			t.Errorf("submenu, keys %q: promptui read %q, quit %v, back %v; want Enter and back", keys, got, quit, back)
		}
	}
	// Arrows and other sequences pass through, whole.
	got, _, back, _ := menuRead(t, sub, "\x1b[B\x1b[A\x1b[C\x1b[5~j\r")
	if got != "\x1b[B\x1b[A\x1b[C\x1b[5~j\r" || back {
		t.Errorf("submenu read %q, back %v; want the keys as typed", got, back)
	}
	// At the top, back keys do nothing and q quits.
	got, quit, back, _ := menuRead(t, &menuKeys{top: true}, "\x1b", "\x7f\x1b[D\x1b[B", "\x1bq")
	if got != "\x1b[B\r" || !quit || back {
		t.Errorf("top: read %q, quit %v, back %v; want ↓, then Enter and quit", got, quit, back)
	}
	// Esc and then a key, too fast for a person: Esc, then the key.
	got, quit, back, _ = menuRead(t, sub, "\x1bq")
	if got != "\r" || quit || !back {
		t.Errorf("submenu, Esc q: read %q, quit %v, back %v; want Enter and back", got, quit, back)
	}
}

func TestKeysMenuNumbers(t *testing.T) {
	// Items 1..16 at indexes 0..15, and item 30 at 16.
	nums := map[int]int{30: 16}
	for i := range 16 {
		nums[i+1] = i
	}
	m := &menuKeys{top: true, numbers: nums, wait: time.Hour}
	tests := []struct {
		keys []string
		want int    // the index chosen, -1 none
		read string // what promptui read
	}{
		{[]string{"7"}, 6, "\r"},                         // no longer number starts with 7
		{[]string{"1", "2"}, 11, "\r"},                   // 12
		{[]string{"1", "\r"}, 0, "\r"},                   // Enter ends it
		{[]string{"16"}, 15, "\r"},                       // no 160..169
		{[]string{"3", "0"}, 16, "\r"},                   // 30
		{[]string{"3", "\r"}, 2, "\r"},                   // 3, though 30 starts with it
		{[]string{"1", "9", "\r", "\r"}, -1, "\r"},       // no 19: dropped with its Enter
		{[]string{"1", "9", "\x1b[B\r"}, -1, "\x1b[B\r"}, // no 19: the next key counts
		{[]string{"1", "\x1b[B\r"}, -1, "\x1b[B\r"},      // another key cancels, and counts
		{[]string{"0", "5"}, 4, "\r"},                    // 05
	}
	for _, tt := range tests {
		got, quit, _, jump := menuRead(t, m, tt.keys...)
		if jump != tt.want || got != tt.read || quit {
			t.Errorf("keys %q: chose %d, promptui read %q, quit %v; want %d and %q", tt.keys, jump, got, quit, tt.want, tt.read)
		}
	}
	// Without a key to end it, a number that could go on is chosen after
	// the wait.
	short := &menuKeys{top: true, numbers: nums, wait: time.Millisecond}
	if _, _, _, jump := menuRead(t, short, "1"); jump != 0 {
		t.Errorf("1 alone chose %d, want 0", jump)
	}
}
