package lab

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

// testProxy is a proxy in a session that keeps its events, between the
// test's own client and a real upstream server.
type testProxy struct {
	addr  string
	sess  *Session
	stats *ProxyStats
	done  chan error
}

func startProxy(t *testing.T, o ProxyOptions) *testProxy {
	t.Helper()
	sess := NewSession(t.Context(), SessionOptions{Keep: true})
	side := sess.Side(Proxy, Params{})
	l, err := side.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &testProxy{addr: l.Addr().String(), sess: sess, stats: new(ProxyStats), done: make(chan error, 1)}
	go func() { p.done <- side.Proxy(l, o, p.stats) }()
	t.Cleanup(func() {
		sess.Close()
		if err := <-p.done; err != nil {
			t.Errorf("proxy: %v", err)
		}
	})
	return p
}

// upstream is a real TCP server outside the lab: serve runs for each
// connection in its own goroutine.
func upstream(t *testing.T, serve func(c *net.TCPConn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(c.(*net.TCPConn))
			}()
		}
	}()
	return l.Addr().String()
}

// echo copies everything back, then half-closes.
func echo(c *net.TCPConn) {
	io.Copy(c, c)
	c.CloseWrite()
}

func dialT(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second)) // a hang fails, it does not block the suite
	return c.(*net.TCPConn)
}

// lanes returns the proxy's accepted (client-facing) and dialled
// (server-facing) socket ids of the fork tagged who.
func lanes(t *testing.T, tr Trace, who string) (client, server int) {
	t.Helper()
	for _, e := range tr {
		if e.Side != Proxy || e.Who != who || e.Err != "" {
			continue
		}
		switch e.Op {
		case OpAccept:
			client = e.Conn
		case OpConnect:
			server = e.Conn
		}
	}
	if client == 0 || server == 0 {
		t.Fatalf("no accept and connect of [%s] in the trace:\n%s", who, dump(tr))
	}
	return client, server
}

func dump(tr Trace) string {
	var b bytes.Buffer
	for _, e := range tr {
		fmt.Fprintf(&b, "%d %s[%s] %s #%d %s n=%d %q %s %s\n", e.Seq, e.Side, e.Who, e.Op, e.Conn, e.Call, e.N, e.Data, e.Err, e.Text.En)
	}
	return b.String()
}

// settle waits until the proxy has finished with every connection: each
// fork retires when its connection is done.
func (p *testProxy) settle(t *testing.T) Trace {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); ; {
		p.sess.run.mu.Lock()
		n := len(p.sess.run.sides)
		p.sess.run.mu.Unlock()
		if n == 1 { // the proxy's own side: every fork has retired
			return p.sess.Events()
		}
		if time.Now().After(end) {
			t.Fatalf("%d connection(s) still being served", n-1)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestProxySlice1: every byte is forwarded as its own send() in both
// directions, and both programs still get the bytes intact.
func TestProxySlice1(t *testing.T) {
	msg := []byte("hello, 世界: one send is not one recv")
	var mu sync.Mutex
	var seen []byte
	up := upstream(t, func(c *net.TCPConn) {
		b, _ := io.ReadAll(c)
		mu.Lock()
		seen = b
		mu.Unlock()
		c.Write(bytes.ToUpper(b))
		c.CloseWrite()
	})
	p := startProxy(t, ProxyOptions{Upstream: up, Slice: 1})
	c := dialT(t, p.addr)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	c.CloseWrite()
	back, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	tr := p.settle(t)
	mu.Lock()
	defer mu.Unlock()
	if !bytes.Equal(seen, msg) {
		t.Errorf("upstream got %q, want %q", seen, msg)
	}
	if want := bytes.ToUpper(msg); !bytes.Equal(back, want) {
		t.Errorf("client got %q, want %q", back, want)
	}
	cid, sid := lanes(t, tr, "c1")
	for _, tc := range []struct {
		conn int
		want []byte
	}{{sid, msg}, {cid, bytes.ToUpper(msg)}} {
		var got []byte
		sends := 0
		for _, e := range tr {
			if e.Side == Proxy && e.Conn == tc.conn && e.Op.IsData() && !e.Op.IsRecv() {
				if e.Op != OpSend || e.Req != 1 || e.N != 1 || len(e.Data) != 1 {
					t.Errorf("#%d: %s req=%d n=%d, want 1-byte send()s only", tc.conn, e.Call, e.Req, e.N)
				}
				got = append(got, e.Data...)
				sends++
			}
		}
		if sends != len(tc.want) || !bytes.Equal(got, tc.want) {
			t.Errorf("#%d: %d sends carried %q, want %d carrying %q", tc.conn, sends, got, len(tc.want), tc.want)
		}
	}
	// Every read boundary is in the trace: the recvs on each socket add
	// up to the bytes, then end with EOF.
	for _, tc := range []struct {
		conn int
		want []byte
	}{{cid, msg}, {sid, bytes.ToUpper(msg)}} {
		var got []byte
		var last Event
		for _, e := range tr {
			if e.Side == Proxy && e.Conn == tc.conn && e.Op == OpRecv {
				got = append(got, e.Data...)
				last = e
			}
		}
		if !bytes.Equal(got, tc.want) || last.N != 0 || last.Err != "" {
			t.Errorf("#%d: recvs got %q then n=%d err=%q, want %q then EOF", tc.conn, got, last.N, last.Err, tc.want)
		}
	}
}

// TestProxyDelayOneByteReads: with a delay before each 1-byte send, a
// receiver that reads as soon as bytes arrive gets them one recv at a time,
// the framing bug a learner's "one send = one recv" server falls into.
func TestProxyDelayOneByteReads(t *testing.T) {
	msg := []byte("PING")
	reads := make(chan []int, 1)
	up := upstream(t, func(c *net.TCPConn) {
		var sizes []int
		buf := make([]byte, 1024)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				sizes = append(sizes, n)
			}
			if err != nil {
				break
			}
		}
		reads <- sizes
	})
	// 200 ms between bytes: a receiver would have to stall that long for
	// two bytes to share a recv.
	p := startProxy(t, ProxyOptions{Upstream: up, Slice: 1, Delay: 200 * time.Millisecond})
	c := dialT(t, p.addr)
	c.Write(msg)
	c.CloseWrite()
	sizes := <-reads
	if len(sizes) != len(msg) {
		t.Errorf("upstream's recvs got %v bytes, want one recv per byte", sizes)
	}
}

// TestProxyMerge: three separate sends reach the upstream in one recv.
func TestProxyMerge(t *testing.T) {
	first := make(chan []byte, 1)
	up := upstream(t, func(c *net.TCPConn) {
		buf := make([]byte, 1024)
		n, _ := c.Read(buf)
		first <- buf[:n]
		io.Copy(io.Discard, c)
	})
	p := startProxy(t, ProxyOptions{Upstream: up, Merge: 500 * time.Millisecond})
	c := dialT(t, p.addr)
	for _, s := range []string{"one|", "two|", "three|"} {
		if _, err := c.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	// No half-close yet: the merge window, not EOF, ends the hold.
	if got := <-first; string(got) != "one|two|three|" {
		t.Errorf("upstream's first recv got %q, want the three sends merged", got)
	}
	c.Close()
	tr := p.settle(t)
	_, sid := lanes(t, tr, "c1")
	var writes []int
	merged := false
	for _, e := range tr {
		if e.Conn == sid && e.Op == OpSendAll {
			writes = append(writes, e.N)
		}
		if e.Conn == sid && e.Op == OpNote && bytes.Contains([]byte(e.Text.En), []byte("merged: the 14 bytes")) {
			merged = true
		}
	}
	if len(writes) != 1 || writes[0] != 14 || !merged {
		t.Errorf("writes to the upstream %v (merge note: %v), want one sendall of 14 bytes after a merge note\n%s", writes, merged, dump(tr))
	}
}

// TestProxyMergeWriteFails: with --merge, when the write to a side fails
// (the upstream reset the connection) while the reader of the other side
// is still reading, the proxy ends both without racing on the read error.
func TestProxyMergeWriteFails(t *testing.T) {
	up := upstream(t, func(c *net.TCPConn) {
		buf := make([]byte, 10)
		io.ReadFull(c, buf)
		c.SetLinger(0)
		c.Close()
	})
	p := startProxy(t, ProxyOptions{Upstream: up, Merge: time.Millisecond})
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", p.addr)
			if err != nil {
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			for range 200 {
				if _, err := c.Write(make([]byte, 512)); err != nil {
					return
				}
				time.Sleep(100 * time.Microsecond)
			}
		}()
	}
	wg.Wait()
	p.settle(t)
}

// TestProxyHalfClose: the client's shutdown(SHUT_WR) reaches the upstream
// as EOF, and the upstream can still answer.
func TestProxyHalfClose(t *testing.T) {
	up := upstream(t, func(c *net.TCPConn) {
		b, err := io.ReadAll(c) // returns at EOF: the half-close came through
		if err != nil {
			return
		}
		c.Write(append([]byte("got "), bytes.ToUpper(b)...))
		c.CloseWrite()
		io.Copy(io.Discard, c)
	})
	p := startProxy(t, ProxyOptions{Upstream: up})
	c := dialT(t, p.addr)
	c.Write([]byte("hello"))
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	back, err := io.ReadAll(c)
	if err != nil || string(back) != "got HELLO" {
		t.Fatalf("client got %q, %v; want \"got HELLO\" then EOF", back, err)
	}
	tr := p.settle(t)
	cid, sid := lanes(t, tr, "c1")
	var shut []int
	for _, e := range tr {
		if e.Side == Proxy && e.Op == OpShutdown && e.Err == "" {
			shut = append(shut, e.Conn)
		}
	}
	// Both directions were half-closed once each. Their order in the trace is
	// not checked: the two are recorded by the proxy's two goroutines, and
	// the upstream between them is a program the lab does not trace, so
	// nothing orders the records (the reply above proves the real order).
	slices.Sort(shut)
	if want := []int{min(cid, sid), max(cid, sid)}; !slices.Equal(shut, want) {
		t.Errorf("shutdowns on %v, want one on the server's #%d and one on the client's #%d\n%s", shut, sid, cid, dump(tr))
	}
}

// TestProxyReset: a client that resets its connection is reported, and the
// upstream is reset in turn.
func TestProxyReset(t *testing.T) {
	upErr := make(chan error, 1)
	up := upstream(t, func(c *net.TCPConn) {
		buf := make([]byte, 4)
		if _, err := io.ReadFull(c, buf); err != nil {
			upErr <- err
			return
		}
		c.Write([]byte("pong"))
		_, err := c.Read(buf) // blocks until the reset arrives
		upErr <- err
	})
	p := startProxy(t, ProxyOptions{Upstream: up})
	c := dialT(t, p.addr)
	c.Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	c.SetLinger(0)
	c.Close() // RST
	if err := <-upErr; Classify(err) != ClassReset {
		t.Errorf("upstream's recv: %v (%v), want a reset passed on", err, Classify(err))
	}
	tr := p.settle(t)
	cid, sid := lanes(t, tr, "c1")
	var reported, lingered bool
	for _, e := range tr {
		if e.Conn == cid && e.Op == OpRecv && e.Errno == "ECONNRESET" {
			reported = true
		}
		if e.Conn == sid && e.Op == OpSetOpt && e.Err == "" {
			lingered = true
		}
	}
	if !reported || !lingered || p.stats.Resets.Load() != 1 {
		t.Errorf("reset reported %v, passed on with SO_LINGER 0 %v, resets counted %d\n%s", reported, lingered, p.stats.Resets.Load(), dump(tr))
	}
}

// TestProxyConcurrent: 50 connections at once, each with its own bytes and
// its own fork.
func TestProxyConcurrent(t *testing.T) {
	for _, o := range []ProxyOptions{{}, {Merge: 2 * time.Millisecond}, {Merge: time.Millisecond, Slice: 700}} {
		t.Run(fmt.Sprintf("merge=%v,slice=%d", o.Merge, o.Slice), func(t *testing.T) { proxyConcurrent(t, o) })
	}
}

// proxyConcurrent sends 50 connections' worth of bytes through the proxy
// at once, both ways, and checks every byte came back (and, under -race,
// that the proxy's goroutines share nothing unguarded).
func proxyConcurrent(t *testing.T, o ProxyOptions) {
	const conns, size = 50, 20000
	up := upstream(t, echo)
	o.Upstream = up
	p := startProxy(t, o)
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", p.addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(30 * time.Second))
			msg := bytes.Repeat([]byte{byte('A' + i%26), byte(i)}, size/2)
			go func() {
				c.Write(msg)
				c.(*net.TCPConn).CloseWrite()
			}()
			back, err := io.ReadAll(c)
			if err == nil && !bytes.Equal(back, msg) {
				err = fmt.Errorf("connection %d: %d bytes came back, not the %d sent", i, len(back), len(msg))
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	tr := p.settle(t)
	tags := map[string]bool{}
	for _, e := range tr {
		if e.Op == OpAccept && e.Err == "" {
			tags[e.Who] = true
		}
	}
	if len(tags) != conns || p.stats.Conns.Load() != conns {
		t.Errorf("%d tagged accepts, %d counted; want %d", len(tags), p.stats.Conns.Load(), conns)
	}
	if up, down := p.stats.Up.Load(), p.stats.Down.Load(); up != conns*size || down != conns*size {
		t.Errorf("forwarded %d up and %d down, want %d each way", up, down, conns*size)
	}
}

// TestProxyUpstreamDown: nobody listens upstream: the client's connection
// is closed, and the proxy keeps serving.
func TestProxyUpstreamDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	p := startProxy(t, ProxyOptions{Upstream: dead})
	for range 2 {
		c := dialT(t, p.addr)
		if b, err := io.ReadAll(c); len(b) != 0 || err != nil && !errors.Is(err, io.EOF) && Classify(err) != ClassReset {
			t.Errorf("client read %q, %v; want the connection closed", b, err)
		}
	}
	tr := p.settle(t)
	refused := 0
	for _, e := range tr {
		if e.Op == OpConnect && e.Errno == "ECONNREFUSED" {
			refused++
		}
	}
	if refused != 2 || p.stats.Failed.Load() != 2 {
		t.Errorf("%d refused connects, %d failures counted; want 2\n%s", refused, p.stats.Failed.Load(), dump(tr))
	}
}

// TestSessionForgets: a session that does not keep events still numbers
// them, hands them to its sink, and holds none.
func TestSessionForgets(t *testing.T) {
	var seqs []int
	sess := NewSession(t.Context(), SessionOptions{Sink: SinkFunc(func(e Event) { seqs = append(seqs, e.Seq) })})
	side := sess.Side(Proxy, Params{})
	side.Note(T("a", "甲"))
	side.Note(T("b", "乙"))
	sess.Flush()
	if len(seqs) != 2 || seqs[0] != 1 || seqs[1] != 2 || len(sess.Events()) != 0 {
		t.Errorf("seqs %v, %d kept; want [1 2] and none kept", seqs, len(sess.Events()))
	}
	sess.Close()
	if sess.Context().Err() == nil {
		t.Error("Close did not end the session")
	}
}

// BenchmarkProxyQuiet measures the proxy's throughput with nothing kept in
// the trace (lab proxy --format none): 64 KiB per op, one connection.
func BenchmarkProxyQuiet(b *testing.B) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	sess := NewSession(b.Context(), SessionOptions{})
	defer sess.Close()
	side := sess.Side(Proxy, Params{})
	pl, err := side.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go side.Proxy(pl, ProxyOptions{Upstream: l.Addr().String(), Quiet: true}, nil)
	c, err := net.Dial("tcp", pl.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
}
