//go:build linux

package capture

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"
)

// TestDiagState follows one connection closed by the client first and
// compares each state sock_diag reports with /proc/net/tcp's.
func TestDiagState(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	la, _ := AddrOf(c.LocalAddr())
	ra, _ := AddrOf(c.RemoteAddr())
	both := func(want State) {
		t.Helper()
		// The state may still be moving (a delayed ACK): wait for it.
		end := time.Now().Add(3 * time.Second)
		for {
			d, derr := DiagState(la, ra)
			p, perr := ProcState(la, ra)
			if derr == nil && perr == nil && d == want && p == want {
				return
			}
			if time.Now().After(end) {
				t.Fatalf("sock_diag %v (%v), /proc/net/tcp %v (%v), want %v", d, derr, p, perr, want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	both(Established)
	c.Close()
	both(FinWait2)
	if d, err := DiagState(ra, la); err != nil || d != CloseWait {
		t.Errorf("the server's end: %v %v, want CLOSE_WAIT", d, err)
	}
	s.Close()
	both(TimeWait)
	// The server's end is gone, though its listener is still open (the
	// kernel's lookup would answer with the listener).
	end := time.Now().Add(3 * time.Second)
	for {
		_, err := DiagState(ra, la)
		if errors.Is(err, ErrNoSocket) {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the server's closed end: %v, want ErrNoSocket", err)
		}
		time.Sleep(time.Millisecond)
	}
	// No socket connects to a port nobody listens on: the kernel says so.
	gone, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nobody, _ := AddrOf(gone.Addr())
	gone.Close()
	if _, err := DiagState(la, nobody); !errors.Is(err, ErrNoSocket) {
		t.Errorf("a tuple nobody has: %v, want ErrNoSocket", err)
	}
}

// FuzzParseDiagReply: any bytes from the kernel give a state or an error,
// never a panic.
func FuzzParseDiagReply(f *testing.F) {
	f.Add(make([]byte, 20))
	f.Add([]byte{36, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 254, 255, 255, 255})
	ap := netip.MustParseAddrPort("127.0.0.1:1")
	f.Fuzz(func(t *testing.T, b []byte) { parseDiagReply(b, ap, ap) })
}

// TestDiagLookupQueue: sock_diag counts the bytes a socket received and
// its program has not read yet, as /proc/net/tcp does.
func TestDiagLookupQueue(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	la, _ := AddrOf(s.LocalAddr())
	ra, _ := AddrOf(s.RemoteAddr())
	unread := func(want uint32) {
		t.Helper()
		end := time.Now().Add(3 * time.Second)
		for {
			d, derr := DiagLookup(la, ra)
			p, perr := ProcLookup(la, ra)
			if derr == nil && perr == nil && d.RxQueue == want && p.RxQueue == want && d.State == Established {
				return
			}
			if time.Now().After(end) {
				t.Fatalf("unread: sock_diag %d %v (%v), /proc/net/tcp %d (%v), want %d ESTABLISHED", d.RxQueue, d.State, derr, p.RxQueue, perr, want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	unread(5)
	buf := make([]byte, 3)
	if _, err := io.ReadFull(s, buf); err != nil {
		t.Fatal(err)
	}
	unread(2)
}
