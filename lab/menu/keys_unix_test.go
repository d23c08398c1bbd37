//go:build unix

package menu

import (
	"context"
	"errors"
	"testing"

	"github.com/creack/pty"
)

// TestKeysPause: while the pump is paused, what is typed stays in the
// terminal for another program to read (here the test, as a pager would),
// and after Resume the keys come to the lab again.
func TestKeysPause(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if errors.Is(err, pty.ErrUnsupported) {
		t.Skip("no pseudo-terminals here")
	}
	if err != nil {
		t.Fatal(err)
	}
	// The terminal side stays open: a Keys reads its terminal for as long
	// as the lab runs, and a closed descriptor's number would be reused by
	// the next test's terminal under this pump. Closing ptmx hangs it up,
	// which ends the pump.
	defer ptmx.Close()
	k := NewKeys(tty)
	r := k.Reader(context.Background())
	defer r.Close()
	ptmx.WriteString("a\n")
	if got := readN(t, r, 2); got != "a\n" {
		t.Fatalf("before Pause: read %q", got)
	}
	if !k.Pause() {
		t.Fatal("Pause cannot stop the pump on a terminal")
	}
	k.mu.Lock()
	reading := k.reading
	k.mu.Unlock()
	if reading {
		t.Fatal("Pause returned with the pump still reading the terminal")
	}
	ptmx.WriteString("for the pager\n")
	buf := make([]byte, 64)
	n, err := tty.Read(buf) // the pager's read
	if err != nil || string(buf[:n]) != "for the pager\n" {
		t.Fatalf("the pager read %q, %v", buf[:n], err)
	}
	k.Resume()
	ptmx.WriteString("b\n")
	if got := readN(t, r, 2); got != "b\n" {
		t.Errorf("after Resume: read %q, want %q", got, "b\n")
	}
}
