package lab

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// TestSetIdle: a recv that gets nothing for the idle limit fails with a
// timeout, traced on that call; a peer that keeps sending keeps the
// connection alive past the limit.
func TestSetIdle(t *testing.T) {
	sess := NewSession(context.Background(), SessionOptions{Keep: true})
	defer sess.Close()
	srv, cli := sess.Side(Server, Params{}), sess.Side(Client, Params{})
	ln, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := cli.Dial(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	conn.SetIdle(100 * time.Millisecond)
	for range 4 { // 4 × 60 ms: longer than the limit in all, never idle for it
		time.Sleep(60 * time.Millisecond)
		if err := peer.SendAll([]byte("x")); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Recv(1); err != nil {
			t.Fatalf("a live peer timed out: %v", err)
		}
	}
	_, err = conn.Recv(1)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("recv from a silent peer: %v, want a deadline error", err)
	}
	last := sess.Events()[len(sess.Events())-1]
	if last.Op != OpRecv || last.Errno != ClassTimeout.Name() {
		t.Errorf("last event %+v, want a recv with errno %s", last, ClassTimeout.Name())
	}
	conn.SetIdle(0)
	go func() {
		time.Sleep(150 * time.Millisecond) // longer than the old limit
		peer.SendAll([]byte("y"))
	}()
	if _, err := conn.Recv(1); err != nil {
		t.Errorf("SetIdle(0) kept the limit: %v", err)
	}
}

// TestPace: a peer that trickles a byte at a time renews the idle limit,
// but not a Pace: the message must arrive within its Total, and the error
// says which limit it was. With a MinRate, a message still coming fast
// enough is not cut at Total.
func TestPace(t *testing.T) {
	sess := NewSession(context.Background(), SessionOptions{})
	defer sess.Close()
	srv, cli := sess.Side(Server, Params{}), sess.Side(Client, Params{})
	ln, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := cli.Dial(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	conn.SetIdle(time.Second)
	stop := make(chan struct{})
	defer close(stop)
	go func() { // a byte every 20 ms, for ever
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				if _, err := peer.Send([]byte("x")); err != nil {
					return
				}
			}
		}
	}()
	done := conn.Paced(Pace{Total: 150 * time.Millisecond, What: T("the header", "报头")})
	_, err = conn.RecvExactly(1000, 0, Text{})
	done()
	var le *LimitError
	if !errors.As(err, &le) || !le.Paced || le.Limit != 150*time.Millisecond || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a trickled message: %v, want the Pace's limit", err)
	}
	if !strings.Contains(le.Explain().En, "the header did not arrive whole within 150ms") {
		t.Errorf("explained as %q", le.Explain().En)
	}
	// The idle limit alone lets the trickle go on: 10 bytes in ~200 ms.
	if _, err := conn.RecvExactly(10, 0, Text{}); err != nil {
		t.Fatalf("without a Pace a live trickle timed out: %v", err)
	}
}

// TestPaceMinRate: a transfer that goes on past Total at more than MinRate
// is not cut; one below it is.
func TestPaceMinRate(t *testing.T) {
	sess := NewSession(context.Background(), SessionOptions{})
	defer sess.Close()
	srv, cli := sess.Side(Server, Params{}), sess.Side(Client, Params{})
	ln, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := cli.Dial(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	go func() { // 4 KiB every 30 ms: ~130 KiB/s, for 300 ms
		for range 10 {
			time.Sleep(30 * time.Millisecond)
			if err := peer.SendAll(chunk); err != nil {
				return
			}
		}
	}()
	done := conn.Paced(Pace{Total: 100 * time.Millisecond, MinRate: 1024})
	if _, err := conn.RecvExactly(10*len(chunk), 0, Text{}); err != nil {
		t.Fatalf("a transfer at ~130 KiB/s was cut: %v", err)
	}
	done()
	go func() { peer.SendAll([]byte("ab")) }()
	done = conn.Paced(Pace{Total: 100 * time.Millisecond, MinRate: 1 << 20})
	_, err = conn.RecvExactly(1<<20, 0, Text{})
	done()
	if le := (*LimitError)(nil); !errors.As(err, &le) || le.Rate != 1<<20 {
		t.Fatalf("2 bytes of a MiB at 1 MiB/s: %v, want the Pace's limit", err)
	}
}

// TestRecvFromDeadline: a recvfrom that times out is traced with its error
// and 0 bytes (the kernel's -1 is not a length).
func TestRecvFromDeadline(t *testing.T) {
	sess := NewSession(context.Background(), SessionOptions{Keep: true})
	defer sess.Close()
	pc, err := sess.Side(Server, Params{}).ListenPacket("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pc.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	data, _, _, err := pc.RecvFrom(16)
	if !errors.Is(err, os.ErrDeadlineExceeded) || len(data) != 0 {
		t.Fatalf("RecvFrom = %q, %v; want nothing and a deadline error", data, err)
	}
	if last := sess.Events()[len(sess.Events())-1]; last.N != 0 || last.Err == "" {
		t.Errorf("traced as %+v", last)
	}
}
