package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// Listener is a traced TCP listening socket.
type Listener struct {
	l    net.Listener
	side *Side
	id   int
}

// DefaultBacklog is the accept queue length Listen asks for, Python's
// default for listen() with no argument.
const DefaultBacklog = 128

// ListenOptions say how a listening socket is made.
type ListenOptions struct {
	Backlog int  // listen(backlog); 0 means DefaultBacklog (ListenBacklog can ask for 0)
	Reuse   bool // setsockopt(SO_REUSEADDR, 1) before bind
	// Setup says the lab sets Reuse for its own reasons (a server that
	// restarts on its port), not because the tutorial does: the call is
	// hidden unless --show setup.
	Setup bool

	exact bool // Backlog is the backlog, even 0
}

func (o ListenOptions) detail() string {
	if o.Setup {
		return DetailSetup
	}
	return ""
}

// Listen opens a TCP listening socket on addr, like the tutorial's
// socket(), bind(addr) and listen(). On the server side it publishes the
// address for the client.
func (s *Side) Listen(addr string) (*Listener, error) {
	return s.ListenWith(addr, ListenOptions{})
}

// ListenBacklog is Listen with the accept queue length of listen(backlog).
func (s *Side) ListenBacklog(addr string, backlog int) (*Listener, error) {
	return s.ListenWith(addr, ListenOptions{Backlog: backlog, exact: true})
}

// ListenWith is Listen with options.
func (s *Side) ListenWith(addr string, o ListenOptions) (*Listener, error) {
	if o.Backlog <= 0 && !o.exact {
		o.Backlog = DefaultBacklog
	}
	l, id, err := s.listenTCP(addr, o)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.track(l)
	if s.Role == Server {
		s.SetServerAddr(l.Addr().String())
	}
	return &Listener{l: l, side: s, id: id}, nil
}

// Addr is the listening address.
func (l *Listener) Addr() net.Addr { return l.l.Addr() }

// Accept waits for the next connection, like Python's conn, addr = s.accept().
func (l *Listener) Accept() (*Conn, error) {
	s := l.side
	if err := s.before(OpAccept, "accept()"); err != nil {
		return nil, err
	}
	c, err := l.l.Accept()
	if err != nil {
		s.record(Event{Op: OpAccept, Conn: l.id, Call: "accept()", Local: l.Addr().String()}, err)
		return nil, fmt.Errorf("accept: %w", err)
	}
	conn := s.newConn(c)
	s.run.causal.awaitConnect(s.run.ctx, c)
	s.record(Event{Op: OpAccept, Conn: conn.id, Call: "accept()",
		Local: c.LocalAddr().String(), Peer: c.RemoteAddr().String()}, nil)
	conn.afterCall(false)
	return conn, nil
}

// Close closes the listening socket.
func (l *Listener) Close() error {
	s := l.side
	if err := s.before(OpClose, "close()"); err != nil {
		return err
	}
	err := l.l.Close()
	s.record(Event{Op: OpClose, Conn: l.id, Call: "close()", Local: l.Addr().String()}, err)
	return err
}

// Conn is a traced TCP connection. It is a net.Conn, so io.ReadFull and
// friends work on it; Recv, Send and SendAll speak the tutorial's API.
type Conn struct {
	c    net.Conn
	side *Side
	id   int

	rx, tx       atomic.Int64 // bytes received and sent so far: stream offsets
	rxSum, txSum *streamSum   // the running digests of both directions (keep.go)
	transfer     atomic.Int64 // Progress: the size of the transfer in progress
	done         atomic.Int64 // Progress: bytes of it moved so far
	blk          *blocking    // settimeout / setblocking, and SignalWhenWaiting (blocking.go)
	closed       *atomic.Bool // close() was called: Serve does not close it again; the TCP state is read from the socket table (tcpstate.go)
	out, in      string       // the flows of both directions as the causal order names them: "local>remote", "remote>local"
}

var _ net.Conn = (*Conn)(nil)

func (s *Side) newConn(c net.Conn) *Conn { return s.newConnID(c, s.run.rec.NewID()) }

// newConnID wraps c as the socket numbered id.
func (s *Side) newConnID(c net.Conn, id int) *Conn {
	s.track(c)
	s.run.causal.register(c)
	return &Conn{c: c, side: s, id: id, rxSum: &streamSum{}, txSum: &streamSum{}, blk: &blocking{}, closed: &atomic.Bool{},
		out: flowKey(c.LocalAddr(), c.RemoteAddr()), in: flowKey(c.RemoteAddr(), c.LocalAddr())}
}

// Dial connects to a TCP address, like Python's s.connect((host, port)).
func (s *Side) Dial(addr string) (*Conn, error) {
	return s.dial(addr, 0, "connect("+pyAddr(addr)+")", true)
}

// dial makes a traced socket() and connect with an optional timeout. A
// traced peer is one this run also traces: while the connect is in flight,
// the run's accepts wait for it to be recorded first (see causal.go); a
// connect to a program the lab does not trace must not make them wait.
//
// Go's Dialer makes the socket and connects in one call; its Control hook
// runs in between, so socket() is recorded there and connect() announced
// there, and the timeout starts only once the learner has pressed Enter.
func (s *Side) dial(addr string, timeout time.Duration, call string, tracedPeer bool) (*Conn, error) {
	id := s.run.rec.NewID()
	sock := socketCall(isIPv6(addr), false)
	if err := s.beforePrep(OpSocket, sock); err != nil {
		return nil, err
	}
	if tracedPeer {
		dialed := s.run.causal.dialStarted()
		defer dialed()
	}
	ctx, cancel := context.WithCancelCause(s.run.ctx)
	defer cancel(nil)
	var (
		made  bool // socket() was recorded
		timer *time.Timer
	)
	d := net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
		if !made {
			made = true
			var bound uint16
			if s.run.rec.capturing() {
				var err error
				if bound, err = bindForWire(network, address, c); err != nil {
					return err
				}
			}
			// Peer: the address this socket is about to connect to.
			s.record(Event{Op: OpSocket, Conn: id, Call: sock, Peer: addr, bound: bound}, nil)
		}
		if err := s.before(OpConnect, call); err != nil {
			return err
		}
		if timeout > 0 {
			timer = time.AfterFunc(timeout, func() { cancel(errConnectTimeout) })
		}
		return nil
	}}
	c, err := d.DialContext(ctx, "tcp", addr)
	if timer != nil {
		timer.Stop()
	}
	if err != nil {
		if errors.Is(context.Cause(ctx), errConnectTimeout) {
			err = &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}
		}
		if !made {
			s.record(Event{Op: OpSocket, Conn: id, Call: sock, Peer: addr}, err)
		} else {
			s.record(Event{Op: OpConnect, Conn: id, Call: call, Peer: addr}, err)
		}
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	conn := s.newConnID(c, id)
	s.record(Event{Op: OpConnect, Conn: conn.id, Call: call,
		Local: c.LocalAddr().String(), Peer: c.RemoteAddr().String()}, nil)
	s.run.causal.connectRecorded(c)
	conn.afterCall(false)
	return conn, nil
}

// errConnectTimeout ends a connect that took longer than its timeout.
var errConnectTimeout = errors.New("connect timed out")

// socketCall is socket() as Python writes it for a TCP or UDP socket.
func socketCall(ipv6, udp bool) string {
	family, kind := "AF_INET", "SOCK_STREAM"
	if ipv6 {
		family = "AF_INET6"
	}
	if udp {
		kind = "SOCK_DGRAM"
	}
	return "socket(" + family + ", " + kind + ")"
}

// isIPv6 reports whether host:port names an IPv6 address.
func isIPv6(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.To4() == nil
}

// ID is the socket's number in the trace.
func (c *Conn) ID() int { return c.id }

// NetConn returns the underlying connection, for socket options.
func (c *Conn) NetConn() net.Conn { return c.c }

// Recv reads at most n bytes, like Python's conn.recv(n): it returns as soon
// as some bytes are there, and an empty slice with a nil error when the peer
// has closed its side (EOF).
func (c *Conn) Recv(n int) ([]byte, error) {
	buf := make([]byte, n)
	got, err := c.read(buf, fmt.Sprintf("recv(%d)", n))
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return buf[:got], err
}

// Read reads into p, recorded as recv(len(p)). It returns io.EOF at the end.
func (c *Conn) Read(p []byte) (int, error) {
	return c.read(p, fmt.Sprintf("recv(%d)", len(p)))
}

func (c *Conn) read(p []byte, call string) (int, error) {
	return c.readSpans(p, call, nil)
}

// Send makes one send() system call: it may send fewer bytes than asked and
// returns how many it sent, like Python's conn.send(data).
func (c *Conn) Send(b []byte) (int, error) {
	s := c.side
	if err := s.before(OpSend, "send()"); err != nil {
		return 0, err
	}
	snd := s.run.causal.sendStarted(c.out)
	n, err := c.sendCall(b, false, snd.blocked)
	e := c.kept(Event{Op: OpSend, Conn: c.id, Call: "send()", Req: len(b), N: n,
		Data: b[:n], Offset: c.tx.Add(int64(n)) - int64(n), Waited: snd.waited})
	s.record(e, err)
	snd.recorded(n)
	c.release(e)
	c.afterCall(false)
	return n, err
}

// SendAll sends every byte of b, looping over short writes, like Python's
// conn.sendall(data). (Go's Write already does this.)
func (c *Conn) SendAll(b []byte) error {
	_, err := c.write(b, "sendall()", nil)
	return err
}

// SendParts sends b with sendall(), labelling byte ranges (a header apart
// from its payload) so the trace can draw them apart.
func (c *Conn) SendParts(b []byte, marks ...Mark) error {
	_, err := c.write(b, "sendall()", marks)
	return err
}

// Write writes all of p, recorded as sendall().
func (c *Conn) Write(p []byte) (int, error) { return c.write(p, "sendall()", nil) }

func (c *Conn) write(p []byte, call string, marks []Mark) (int, error) {
	s := c.side
	if err := s.before(OpSendAll, call); err != nil {
		return 0, err
	}
	snd := s.run.causal.sendStarted(c.out)
	n, err := c.sendCall(p, true, snd.blocked)
	e := c.kept(Event{Op: OpSendAll, Conn: c.id, Call: call, Req: len(p), N: n,
		Data: p[:n], Offset: c.tx.Add(int64(n)) - int64(n), Marks: marks, Waited: snd.waited})
	s.record(e, err)
	snd.recorded(n)
	c.release(e)
	c.afterCall(false)
	return n, err
}

// Close closes the connection: the peer's recv then returns empty.
func (c *Conn) Close() error {
	s := c.side
	if err := s.before(OpClose, "close()"); err != nil {
		return err
	}
	recorded := s.run.causal.closeStarted(c.out)
	c.closed.Store(true)
	err := c.c.Close()
	s.record(Event{Op: OpClose, Conn: c.id, Call: "close()"}, err)
	recorded()
	c.afterCall(true)
	return err
}

// CloseWrite shuts down the sending side only (shutdown(SHUT_WR)): the peer
// reads EOF, and this side can still receive.
func (c *Conn) CloseWrite() error {
	s := c.side
	const call = "shutdown(SHUT_WR)"
	if err := s.before(OpShutdown, call); err != nil {
		return err
	}
	cw, ok := c.c.(interface{ CloseWrite() error })
	recorded := s.run.causal.closeStarted(c.out)
	var err error
	if ok {
		err = cw.CloseWrite()
	} else {
		err = errors.New("this connection cannot shut down one direction")
	}
	s.record(Event{Op: OpShutdown, Conn: c.id, Call: call}, err)
	recorded()
	c.afterCall(false)
	return err
}

// LocalAddr is this end's address.
func (c *Conn) LocalAddr() net.Addr { return c.c.LocalAddr() }

// RemoteAddr is the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.c.RemoteAddr() }

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error { return c.c.SetDeadline(t) }

// SetReadDeadline sets the read deadline.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.c.SetReadDeadline(t) }

// SetWriteDeadline sets the write deadline.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.c.SetWriteDeadline(t) }
