package lab

import (
	"context"
	"errors"
	"os"
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
	if _, ok := conn.c.(*idleConn); ok {
		t.Error("SetIdle(0) kept the limit")
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
