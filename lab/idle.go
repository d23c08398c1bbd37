package lab

import (
	"net"
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
	inner := c.c
	if ic, ok := inner.(*idleConn); ok {
		inner = ic.Conn
	}
	if d <= 0 {
		c.c = inner
		return
	}
	c.c = &idleConn{Conn: inner, idle: d}
}

// idleConn moves its deadlines forward before every call: a peer that sends
// or reads a little at a time keeps the connection alive, one that stops
// for idle does not.
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c *idleConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	return c.Conn.Read(p)
}

func (c *idleConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.idle))
	return c.Conn.Write(p)
}

// SyscallConn lets Send make its one write(2) call (and socket options
// work); the write deadline moves forward first, so that call is limited
// too.
func (c *idleConn) SyscallConn() (syscall.RawConn, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.idle))
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
