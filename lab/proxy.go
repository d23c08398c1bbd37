package lab

import (
	"errors"
	"fmt"
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
