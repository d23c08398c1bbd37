package lab

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

// Idle limits: a demo's run has a watchdog for the whole run, but a
// long-lived server (lab serve) must wait for ever for its next client and
// still give up on one client that stops talking. SetIdle gives every call
// on one connection its own deadline instead: a recv that gets no byte, or
// a send that the peer does not drain, for d fails with a timeout error
// (ClassTimeout), which the trace shows on that call.

// SetIdle makes every later call on the connection fail when it cannot make
// progress for d, like Python's conn.settimeout(d); d <= 0 turns the limit
// off. Call it before the connection is used by more than one goroutine.
func (c *Conn) SetIdle(d time.Duration) {
	c.limits().idle = max(d, 0)
}

// limits returns the connection's idleConn, wrapping it in one first.
func (c *Conn) limits() *idleConn {
	if ic, ok := c.c.(*idleConn); ok {
		return ic
	}
	ic := &idleConn{Conn: c.c}
	c.c = ic
	return ic
}

// Pace bounds the reads of one message (a frame's header, a body, an
// answer) as a whole, however the peer spreads them out: they must be done
// within Total, or, when MinRate is set, keep up at least MinRate bytes a
// second on average (a big transfer that is still coming is not cut). A
// peer that sends a byte a second renews the idle limit for ever; it does
// not get past a Pace. A person typing into a line protocol gets no Pace.
type Pace struct {
	Total   time.Duration
	MinRate int // bytes a second; 0 = Total alone
	What    Text
}

// Paced makes the reads until done is called keep to p, on top of the idle
// limit. Call it from the goroutine that reads.
func (c *Conn) Paced(p Pace) (done func()) {
	ic := c.limits()
	ic.pace, ic.start, ic.got = p, time.Now(), 0
	return func() { ic.pace = Pace{} }
}

// PaceAnswers holds every answer of a request-and-answer peer to p: each
// write (a request) starts a new answer, and the reads after it must keep
// to p (lab client --timeout: a server that never answers, or trickles an
// endless answer, is cut; a big answer still coming at MinRate is not).
// Call it before the connection is used by more than one goroutine.
func (c *Conn) PaceAnswers(p Pace) {
	ic := c.limits()
	ic.pace, ic.perAnswer, ic.start, ic.got = p, true, time.Now(), 0
}

// A LimitError is a read the lab cut off: the peer made no progress for the
// idle limit, or was too slow for a Pace. It matches os.ErrDeadlineExceeded.
type LimitError struct {
	Paced bool          // a Pace, not the idle limit
	Limit time.Duration // the idle limit or the Pace's Total
	Rate  int           // the Pace's MinRate
	What  Text          // what the Pace was for
	err   error
}

func (e *LimitError) Error() string { return e.err.Error() }
func (e *LimitError) Unwrap() error { return e.err }

// Explain says in words which limit the peer ran into.
func (e *LimitError) Explain() Text {
	switch {
	case !e.Paced:
		return Tf("no progress for %v: recv() waited that long for the peer's next bytes and none came; the lab hangs up on this peer (--idle)",
			"%v 内没有任何进展：recv() 等对端的下一批字节等了这么久，一个也没来；实验台挂断这个对端（--idle）", e.Limit)
	case e.Rate > 0:
		return Text{
			En: fmt.Sprintf("%s did not arrive within %v, nor at %d bytes a second: a peer that trickles cannot hold a connection", e.What.En, e.Limit, e.Rate),
			Zh: fmt.Sprintf("%s 没有在 %v 内到达，也没有达到每秒 %d 字节：一点一点地发的对端不能一直占着连接", e.What.Zh, e.Limit, e.Rate),
		}
	}
	return Text{
		En: fmt.Sprintf("%s did not arrive whole within %v: a peer that trickles cannot hold a connection", e.What.En, e.Limit),
		Zh: fmt.Sprintf("%s 没有在 %v 内完整到达：一点一点地发的对端不能一直占着连接", e.What.Zh, e.Limit),
	}
}

// idleConn moves its deadlines forward before every call: a peer that sends
// or reads a little at a time keeps the connection alive, one that stops
// for idle does not; and it holds the reads of a message to its Pace.
type idleConn struct {
	net.Conn
	idle      time.Duration
	pace      Pace
	start     time.Time // when the Pace began
	got       int64     // bytes read since
	paced     bool      // the deadline of the read in progress is the Pace's
	perAnswer bool      // each write starts the Pace again (PaceAnswers)
}

// newAnswer starts the Pace again when it paces each answer.
func (c *idleConn) newAnswer() {
	if c.perAnswer {
		c.start, c.got = time.Now(), 0
	}
}

// readDeadline is the earlier of the idle limit and the Pace's.
func (c *idleConn) readDeadline() time.Time {
	var t time.Time
	c.paced = false
	if c.idle > 0 {
		t = time.Now().Add(c.idle)
	}
	if p := c.pace; p.Total > 0 {
		allowed := p.Total
		if p.MinRate > 0 {
			allowed = max(allowed, time.Duration(c.got)*time.Second/time.Duration(p.MinRate))
		}
		if end := c.start.Add(allowed); t.IsZero() || end.Before(t) {
			t, c.paced = end, true
		}
	}
	return t
}

func (c *idleConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(c.readDeadline())
	n, err := c.Conn.Read(p)
	c.got += int64(n)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		le := &LimitError{Paced: c.paced, Limit: c.idle, err: err}
		if c.paced {
			le.Limit, le.Rate, le.What = c.pace.Total, c.pace.MinRate, c.pace.What
		}
		err = le
	}
	return n, err
}

func (c *idleConn) Write(p []byte) (int, error) {
	c.newAnswer()
	if c.idle > 0 {
		c.Conn.SetWriteDeadline(time.Now().Add(c.idle))
	}
	return c.Conn.Write(p)
}

// SyscallConn lets Send make its one write(2) call (and socket options
// work); the write deadline moves forward first, so that call is limited
// too.
func (c *idleConn) SyscallConn() (syscall.RawConn, error) {
	c.newAnswer() // Send writes through it
	if c.idle > 0 {
		c.Conn.SetWriteDeadline(time.Now().Add(c.idle))
	}
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, syscall.EINVAL
	}
	return sc.SyscallConn()
}

// CloseWrite shuts down the sending direction, when the connection can.
func (c *idleConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return syscall.EINVAL
}

// SetReadDeadline sets the deadline of the socket's next recvfrom calls, like
// Python's s.settimeout before s.recvfrom: a zero t means none.
func (p *PacketConn) SetReadDeadline(t time.Time) error { return p.c.SetReadDeadline(t) }
