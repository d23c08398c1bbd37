package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// The proxy: `lab proxy` sits between a learner's client and server, both
// real programs the lab does not run, and forwards every byte both ways.
// Each connection is served by a Fork tagged c1, c2, …, and each of its
// sockets keeps to one lane of the trace: the socket the proxy accepted
// faces the client, the socket it dialled faces the server (upstream).
//
//	client ──▶ [accepted #3] recv ─┐        ┌─ send [dialled #4] ──▶ server
//	client ◀── [accepted #3] send ─┘◀──────┴─ recv [dialled #4] ◀── server
//
// It can also change how the bytes are cut, never what they are:
//
//   - Slice N: forward each chunk as N-byte send() calls (Nagle is off, so
//     each is its own TCP segment), to expose a receiver that assumes one
//     send is one recv;
//   - Delay D: wait D before each forwarded write, so the pieces arrive one
//     by one;
//   - Merge D: hold what arrives for D and forward it in one sendall(), to
//     glue separate sends together ("sticky packets") on purpose.
//
// A half-close is passed on (EOF from one side becomes shutdown(SHUT_WR)
// towards the other), and so is a reset (ECONNRESET from one side becomes a
// close with SO_LINGER 0, an RST, towards the other).

// DefaultProxyBuf is how many bytes a proxy asks for in each recv.
const DefaultProxyBuf = 64 << 10

// maxMerge bounds what Merge holds back: beyond it the bytes go at once.
const maxMerge = 1 << 20

// proxyDialTimeout bounds the connect to the upstream.
const proxyDialTimeout = 10 * time.Second

// ProxyOptions say where a proxy forwards and how it cuts the bytes.
type ProxyOptions struct {
	Upstream string        // host:port every connection is forwarded to
	Slice    int           // > 0: forward each chunk as Slice-byte send() calls
	Delay    time.Duration // > 0: wait this long before each forwarded write
	Merge    time.Duration // > 0: hold arriving bytes this long, then one sendall()
	Buf      int           // bytes asked per recv; 0 means DefaultProxyBuf
	Quiet    bool          // keep no bytes in the events (nobody reads them): for throughput
}

// ProxyStats count what a proxy did; the fields are safe to read while it runs.
type ProxyStats struct {
	Conns  atomic.Int64 // connections accepted
	Up     atomic.Int64 // bytes forwarded from clients to the upstream
	Down   atomic.Int64 // bytes forwarded from the upstream to clients
	Resets atomic.Int64 // connections that ended in a reset
	Failed atomic.Int64 // connections whose upstream could not be reached
	// Early counts the connections where the server answered while a
	// client's send was still being forwarded in pieces (--slice): it
	// answered a message that had not fully arrived. EarlyAnswers and
	// EarlySize describe the first: how many answers, to a send of how
	// many bytes.
	Early, EarlyAnswers, EarlySize atomic.Int64
}

// Proxy accepts connections on l until the run ends, and forwards each one,
// in its own Fork tagged c1, c2, …, to o.Upstream. It returns nil when the
// run's context ends (the learner pressed Ctrl-C), or the error that
// stopped accepting. st may be nil.
func (s *Side) Proxy(l *Listener, o ProxyOptions, st *ProxyStats) error {
	if st == nil {
		st = new(ProxyStats)
	}
	if o.Buf <= 0 {
		o.Buf = DefaultProxyBuf
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for n := 1; ; n++ {
		c, err := l.l.Accept()
		if err != nil {
			if s.run.ctx.Err() != nil {
				return nil
			}
			s.record(Event{Op: OpAccept, Conn: l.id, Call: "accept()", Local: l.Addr().String()}, err)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("accept: %w", err)
			}
			// Out of file descriptors and the like: wait and try again.
			select {
			case <-s.run.ctx.Done():
				return nil
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		st.Conns.Add(1)
		f := s.Fork(fmt.Sprintf("c%d", n))
		cc := f.newConn(c)
		f.record(Event{Op: OpAccept, Conn: cc.id, Call: "accept()",
			Local: c.LocalAddr().String(), Peer: c.RemoteAddr().String()}, nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer f.Retire()
			newProxyConn(f, cc, o, st).serve()
		}()
	}
}

// dialPeer connects to a TCP address of a program the lab does not trace.
// Unlike Dial it does not make the run's accepts wait for it: nothing in
// the run is on the other end.
func (s *Side) dialPeer(addr string, timeout time.Duration) (*Conn, error) {
	return s.dial(addr, timeout, "connect("+pyAddr(addr)+")", false)
}

// proxyConn is one proxied connection: the client's socket, the upstream's,
// and how the two directions end.
type proxyConn struct {
	f      *Side
	client *Conn // accepted: faces the client (left lane)
	server *Conn // dialled: faces the upstream (right lane)
	o      ProxyOptions
	st     *ProxyStats

	mu      sync.Mutex
	aborted bool
	closed  map[*Conn]bool

	// While a client's send is forwarded to the server in pieces: its size
	// and how much of it has not been handed to the kernel yet; and the
	// answers that came then.
	chunk, left  atomic.Int64
	early, first atomic.Int64 // answers before a send was through; the size of the first such send
}

func newProxyConn(f *Side, client *Conn, o ProxyOptions, st *ProxyStats) *proxyConn {
	return &proxyConn{f: f, client: client, o: o, st: st, closed: map[*Conn]bool{}}
}

// note adds an explanation in the lane of socket c.
func (p *proxyConn) note(c *Conn, t Text) {
	p.f.record(Event{Op: OpNote, Conn: c.id, Text: t}, nil)
}

func (p *proxyConn) serve() {
	server, err := p.f.dialPeer(p.o.Upstream, proxyDialTimeout)
	if err != nil {
		if p.f.run.ctx.Err() == nil {
			p.st.Failed.Add(1)
			p.note(p.client, Tf("the server at %s cannot be reached: closing the client's connection",
				"无法连接服务端 %s：关闭客户端的连接", p.o.Upstream))
		}
		p.close(p.client)
		return
	}
	p.server = server
	// Go turns Nagle off on every TCP socket; say so explicitly, since
	// sliced writes rely on it to leave as separate segments.
	for _, c := range []*Conn{p.client, server} {
		if tc, ok := c.c.(*net.TCPConn); ok {
			tc.SetNoDelay(true)
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.pump(p.client, server, &p.st.Up) }()
	go func() { defer wg.Done(); p.pump(server, p.client, &p.st.Down) }()
	wg.Wait()
	p.close(p.client)
	p.close(server)
	if n := p.early.Load(); n > 0 {
		if p.st.Early.Add(1) == 1 {
			p.st.EarlyAnswers.Store(n)
			p.st.EarlySize.Store(p.first.Load())
		}
	}
}

// answered notes an answer of the server (n bytes read from it): one that
// came while a client's send was still on its way in pieces answered a
// message the server had not fully received.
func (p *proxyConn) answered(n int) {
	left := p.left.Load()
	if left <= 0 {
		return
	}
	size := p.chunk.Load()
	if p.early.Add(1) == 1 {
		p.first.Store(size)
		p.note(p.server, Tf("the server answered (%[1]d bytes) while %[2]d of the client's %[3]d-byte send were still to be forwarded: it answered a message it had not fully received",
			"服务端回答了（%[1]d 字节），而客户端那次 %[3]d 字节的发送还有 %[2]d 字节没有转发过去：它回答的是一条还没收完的消息", n, left, size))
	}
}

// close closes c once (a reset may already have closed it).
func (p *proxyConn) close(c *Conn) {
	p.mu.Lock()
	done := p.closed[c]
	p.closed[c] = true
	p.mu.Unlock()
	if !done {
		c.Close()
	}
}

// isAborted reports whether a reset already tore the connection down.
func (p *proxyConn) isAborted() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.aborted
}

// pump forwards src's bytes to dst until src ends, then passes the end on:
// EOF as a half-close, a reset as a reset. When dst fails instead, this
// direction just stops.
func (p *proxyConn) pump(src, dst *Conn, count *atomic.Int64) {
	var err error
	var werr error
	if p.o.Merge > 0 {
		err, werr = p.pumpMerged(src, dst, count)
	} else {
		buf := make([]byte, p.o.Buf)
		for {
			var n int
			n, err = src.Read(buf)
			if n > 0 && src == p.server {
				p.answered(n)
			}
			if n > 0 {
				if werr = p.forward(dst, buf[:n], count); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
	}
	switch {
	case p.isAborted() || p.f.run.ctx.Err() != nil:
		// The other direction, or the session, already ended it.
	case werr != nil:
		// dst's program is gone (it closed or reset). Stop forwarding this
		// way; the other direction still delivers what that program said
		// before it went, and ends on its own.
		who, whoZh := "server", "服务端"
		if dst == p.client {
			who, whoZh = "client", "客户端"
		}
		p.note(dst, Tf("the %[1]s takes no more bytes (%[3]v): the proxy stops forwarding to it; the other direction goes on",
			"%[2]s不再接收字节（%[3]v）：代理停止向它转发；另一个方向照常进行", who, whoZh, Classify(werr)))
	case errors.Is(err, io.EOF):
		if dst == p.server {
			p.note(dst, T("the client shut down its sending side (EOF): passing it on with shutdown(SHUT_WR)",
				"客户端关闭了发送方向（EOF）：用 shutdown(SHUT_WR) 转告服务端"))
		} else {
			p.note(dst, T("the server shut down its sending side (EOF): passing it on with shutdown(SHUT_WR)",
				"服务端关闭了发送方向（EOF）：用 shutdown(SHUT_WR) 转告客户端"))
		}
		dst.CloseWrite()
	default:
		p.abort(src, dst, err)
	}
}

// abort tears the connection down after a recv on socket from failed with
// err (typically ECONNRESET): the other socket is reset (SO_LINGER 0, then
// close), so the program behind it learns of the failure the way it would
// without the proxy.
func (p *proxyConn) abort(from, other *Conn, err error) {
	p.mu.Lock()
	if p.aborted {
		p.mu.Unlock()
		return
	}
	p.aborted = true
	p.mu.Unlock()
	class := Classify(err)
	who, whoZh, otherWho, otherZh := "client", "客户端", "server", "服务端"
	if from == p.server {
		who, whoZh, otherWho, otherZh = otherWho, otherZh, who, whoZh
	}
	if class == ClassReset {
		p.st.Resets.Add(1)
		p.note(from, Tf("the %[1]s reset the connection (ECONNRESET; Python: ConnectionResetError)",
			"%[2]s重置了连接（ECONNRESET；Python：ConnectionResetError）", who, whoZh))
	} else {
		p.note(from, Tf("the connection to the %[1]s failed (%[3]v)", "与%[2]s的连接出错（%[3]v）", who, whoZh, class))
	}
	p.note(other, Tf("passing it on: the proxy resets its connection to the %[1]s (SO_LINGER 0, then close)",
		"转告对方：代理重置与%[2]s的连接（SO_LINGER 设为 0，然后 close）", otherWho, otherZh))
	other.SetLinger(0)
	p.close(other)
	p.close(from)
}

// forward writes b to dst as the options say: in one sendall(), or in
// Slice-byte send() calls, each after Delay.
func (p *proxyConn) forward(dst *Conn, b []byte, count *atomic.Int64) error {
	if p.o.Slice <= 0 {
		if err := p.wait(); err != nil {
			return err
		}
		n, err := dst.Write(b)
		count.Add(int64(n))
		return err
	}
	if dst == p.server {
		p.chunk.Store(int64(len(b)))
		defer p.left.Store(0)
	}
	for len(b) > 0 {
		if err := p.wait(); err != nil {
			return err
		}
		piece := min(p.o.Slice, len(b))
		if dst == p.server {
			// Not yet handed to the kernel, even after this piece: an
			// answer that comes while some are left cannot be to the
			// whole message. (Set before the call: the call returns, and
			// the server may answer, before its record is made.)
			p.left.Store(int64(len(b) - piece))
		}
		n, err := dst.Send(b[:piece])
		count.Add(int64(n))
		b = b[n:]
		if dst == p.server && n < piece {
			p.left.Store(int64(len(b)))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// wait sleeps for Delay, or returns early when the session ends.
func (p *proxyConn) wait() error {
	if p.o.Delay <= 0 {
		return nil
	}
	t := time.NewTimer(p.o.Delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-p.f.run.ctx.Done():
		return context.Cause(p.f.run.ctx)
	}
}

// pumpMerged reads src in its own goroutine and forwards what arrived
// within Merge of the first byte in one write. It returns the read error
// that ended src and the write error that ended dst, if any. The reader
// hands over its bytes and its error on one channel: nothing else is
// shared with it, so a write that fails while it still reads races with
// nothing.
func (p *proxyConn) pumpMerged(src, dst *Conn, count *atomic.Int64) (rerr, werr error) {
	type chunk struct {
		b   []byte
		err error // the read error that ended src: the last chunk
	}
	chunks := make(chan chunk)
	quit := make(chan struct{})
	go func() {
		defer close(chunks)
		for {
			buf := make([]byte, p.o.Buf)
			n, err := src.Read(buf)
			if n > 0 || err != nil {
				select {
				case chunks <- chunk{buf[:n], err}:
				case <-quit:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	defer close(quit)
	var held []byte
	flush := func() error {
		if len(held) == 0 {
			return nil
		}
		b := held
		held = nil
		p.note(dst, Tf("merged: the %[1]d bytes that came within %[2]v go out in one write",
			"合并：%[2]v 内到达的 %[1]d 个字节一次写出", len(b), p.o.Merge))
		return p.forward(dst, b, count)
	}
	take := func(c chunk) {
		if src == p.server && len(c.b) > 0 {
			p.answered(len(c.b))
		}
		held = append(held, c.b...)
		if c.err != nil {
			rerr = c.err
		}
	}
	for rerr == nil {
		first, ok := <-chunks
		if !ok {
			break
		}
		take(first)
		timer := time.NewTimer(p.o.Merge)
	gather:
		for len(held) < maxMerge && rerr == nil {
			select {
			case c, ok := <-chunks:
				if !ok {
					break gather
				}
				take(c)
			case <-timer.C:
				break gather
			case <-p.f.run.ctx.Done():
				break gather
			}
		}
		timer.Stop()
		if werr = flush(); werr != nil {
			return nil, werr // quit stops the reader
		}
	}
	return rerr, nil
}
