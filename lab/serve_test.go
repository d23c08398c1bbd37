package lab

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoHandler is a test server's handler: every recv answered with the same bytes.
func echoHandler(s *Side, c *Conn) error {
	for {
		b, err := c.Recv(1024)
		if err != nil {
			return err
		}
		if len(b) == 0 {
			return c.Close()
		}
		if err := c.SendAll(b); err != nil {
			return err
		}
	}
}

// serveEcho starts an echo server in a session and returns its address.
func serveEcho(t *testing.T, opt ServeOptions) (addr string, stats func() ServeStats) {
	t.Helper()
	sess := NewSession(context.Background(), SessionOptions{})
	side := sess.Side(Server, Params{})
	ln, err := side.ListenWith("127.0.0.1:0", ListenOptions{Backlog: SystemBacklog()})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan ServeStats, 1)
	go func() {
		st, _ := ln.Serve(opt, echoHandler)
		done <- st
	}()
	t.Cleanup(func() { sess.Close() })
	return ln.Addr().String(), func() ServeStats { sess.Close(); return <-done }
}

// TestServeBesideSlowAndSilent: 500 silent connections and 64 that trickle
// a byte every 200 ms hold no slot a good client needs: its round trip
// completes while every one of them is still open. (How long the round
// trip takes is a benchmark's business, not a test's.)
func TestServeBesideSlowAndSilent(t *testing.T) {
	addr, _ := serveEcho(t, ServeOptions{Idle: time.Minute})
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 500 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(stop); wg.Wait() }()
	slow := conns[:0:0]
	for range 64 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns, slow = append(conns, c), append(slow, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(200 * time.Millisecond):
					if _, err := c.Write([]byte("x")); err != nil {
						return
					}
				}
			}
		}()
	}
	good, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	good.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := good.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 5)
	if _, err := io.ReadFull(good, got); err != nil || string(got) != "hello" {
		t.Fatalf("the good client got %q, %v", got, err)
	}
	// Every other connection is still open: a short read times out, it is
	// neither closed nor reset.
	buf := make([]byte, 4096)
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(time.Millisecond))
		for {
			_, err := c.Read(buf) // the trickling ones have echoes waiting
			if err == nil {
				continue
			}
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("connection %d of %d was closed before the good client was served: %v", i+1, len(conns), err)
			}
			break
		}
	}
}

// TestServeRefusesBeyondMax: with Max connections open, the next one is
// accepted, told why in its lane and closed in order (EOF, not a reset),
// and counted; once one closes, a new client is served again.
func TestServeRefusesBeyondMax(t *testing.T) {
	sess := NewSession(context.Background(), SessionOptions{Keep: true})
	defer sess.Close()
	side := sess.Side(Server, Params{})
	ln, err := side.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan ServeStats, 1)
	go func() {
		st, _ := ln.Serve(ServeOptions{Max: 2}, echoHandler)
		done <- st
	}()
	addr := ln.Addr().String()
	roundTrip := func(c net.Conn) error {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write([]byte("hi")); err != nil {
			return err
		}
		b := make([]byte, 2)
		_, err := io.ReadFull(c, b)
		return err
	}
	var open []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := roundTrip(c); err != nil {
			t.Fatal(err)
		}
		open = append(open, c)
	}
	third, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if err := roundTrip(third); !errors.Is(err, io.EOF) {
		t.Errorf("the third client: %v, want EOF (an orderly close)", err)
	}
	open[0].Close()
	var fourth net.Conn
	for try := 0; try < 100; try++ { // until the server has seen the close
		if fourth, err = net.Dial("tcp", addr); err != nil {
			t.Fatal(err)
		}
		fourth.SetDeadline(time.Now().Add(5 * time.Second))
		if roundTrip(fourth) == nil {
			break
		}
		fourth.Close()
		fourth = nil
		time.Sleep(10 * time.Millisecond)
	}
	if fourth == nil {
		t.Fatal("no client was served after one of the two closed")
	}
	fourth.Close()
	open[1].Close()
	sess.Close()
	st := <-done
	if st.Refused < 1 || st.Conns < 4 {
		t.Errorf("stats %+v, want at least one refused of 4", st)
	}
	refused := false
	for _, e := range sess.Events() {
		refused = refused || e.Op == OpNote && strings.Contains(e.Text.En, "refused: 2 connections are open already")
	}
	if !refused {
		t.Error("no note in the refused connection's lane")
	}
}

// TestServeHandlerClosedThenFailed: a handler that closes its connection
// (a refusal) and then returns an error gets its error in the lane, and no
// second close(): that would fail with EBADF and show a false "✗ close".
func TestServeHandlerClosedThenFailed(t *testing.T) {
	sess := NewSession(context.Background(), SessionOptions{Keep: true})
	defer sess.Close()
	ln, err := sess.Side(Server, Params{}).Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := ln.Serve(ServeOptions{Count: 1}, func(s *Side, c *Conn) error {
			c.Close()
			return errors.New("refused: not a size")
		})
		done <- err
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, c)
	c.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var closes int
	for _, e := range sess.Events() {
		if e.Op == OpClose {
			closes++
			if e.Err != "" {
				t.Errorf("seq %d: close() failed: %s", e.Seq, e.Err)
			}
		}
	}
	if closes != 1 {
		t.Errorf("%d close() calls traced, want 1", closes)
	}
}

// TestIdleSaysWhatItWaitedFor: a recv cut off by the idle limit explains
// the limit and what the call waited for, in both languages.
func TestIdleSaysWhatItWaitedFor(t *testing.T) {
	sess := NewSession(context.Background(), SessionOptions{})
	defer sess.Close()
	ln, err := sess.Side(Server, Params{}).Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := sess.Side(Client, Params{}).Dial(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ln.Accept(); err != nil {
		t.Fatal(err)
	}
	conn.SetIdle(50 * time.Millisecond)
	_, err = conn.Recv(1)
	var le *LimitError
	if !errors.As(err, &le) {
		t.Fatalf("recv from a silent peer: %v, want a LimitError", err)
	}
	if x := le.Explain(); !strings.Contains(x.En, "no progress for 50ms") || !strings.Contains(x.En, "recv() waited") ||
		!strings.Contains(x.Zh, "recv() 等对端") {
		t.Errorf("the idle limit explained as %q / %q; want the limit and what recv() waited for", x.En, x.Zh)
	}
}
