package lab

import (
	"strconv"
	"sync"
	"time"
)

// Blocking, timeouts and non-blocking sockets, as Python's socket object
// has them:
//
//	conn.settimeout(None)  = conn.setblocking(True)   every call waits as long as it takes (the default)
//	conn.settimeout(0.2)                              a call that waits longer than 0.2 s raises TimeoutError
//	conn.settimeout(0)     = conn.setblocking(False)  a call that would wait raises BlockingIOError at once
//
// SetTimeout and SetBlocking are traced calls (op setopt, labelled the way
// Python writes them) and change how every later recv, send and sendall on
// the connection behaves. Underneath, every socket Go makes is already
// non-blocking (O_NONBLOCK): a "blocking" call is the runtime parking the
// goroutine when the kernel says EAGAIN, until the socket is ready or a
// deadline passes. The lab makes the calls of a connection in one of these
// modes itself, with raw read and write system calls, so a non-blocking
// call really returns the kernel's EAGAIN (ClassWouldBlock, Python's
// BlockingIOError) and a timeout is a deadline on that one call.
//
// SignalWhenWaiting is the recipe that goes with it: the lab sees the
// moment the kernel says a call must wait (nothing to read, no room to
// write), records a note and signals a barrier, so the peer acts only once
// this side is really waiting.

// NoteWaiting is the Name of the note recorded when a call has to wait
// (SignalWhenWaiting); its Conn is the socket.
const NoteWaiting = "waiting"

// blocking is how the calls on a socket wait. A Conn is a net.Conn, used
// by several goroutines at once, so the mode is behind a lock; a Conn
// handed to another side (HandTo) shares it, as it shares the socket.
type blocking struct {
	mu       sync.Mutex
	timeout  time.Duration // > 0: settimeout(timeout)
	nonblock bool          // setblocking(False), settimeout(0)
	signal   string        // SignalWhenWaiting: the barrier the next call signals if it waits
}

// take returns the mode for the call about to be made, and takes the
// barrier it signals if it waits.
func (b *blocking) take() (timeout time.Duration, nonblock bool, signal string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	timeout, nonblock, signal = b.timeout, b.nonblock, b.signal
	b.signal = ""
	return timeout, nonblock, signal
}

// SetTimeout is Python's conn.settimeout(d): every later recv, send and
// sendall on the connection that cannot finish within d fails with a
// timeout (ClassTimeout, Python's TimeoutError, which socket.timeout names
// too). d == 0 makes the socket non-blocking, like settimeout(0) and
// setblocking(False); d < 0 makes it blocking again, like settimeout(None).
// The clock of each call starts after step mode's announcement.
func (c *Conn) SetTimeout(d time.Duration) error {
	call := "settimeout(None)"
	switch {
	case d > 0:
		call = "settimeout(" + strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + ")"
	case d == 0:
		call = "settimeout(0)"
	}
	return c.setBlocking(call, max(d, 0), d == 0)
}

// SetBlocking is Python's conn.setblocking(flag). SetBlocking(false) makes
// the socket non-blocking: a recv with nothing to read, or a send with no
// room in the send buffer, fails at once with EAGAIN (ClassWouldBlock,
// Python's BlockingIOError) instead of waiting. SetBlocking(true) makes it
// wait again, with no timeout, like settimeout(None).
func (c *Conn) SetBlocking(on bool) error {
	call := "setblocking(False)"
	if on {
		call = "setblocking(True)"
	}
	return c.setBlocking(call, 0, !on)
}

func (c *Conn) setBlocking(call string, timeout time.Duration, nonblock bool) error {
	s := c.side
	if err := s.before(OpSetOpt, call); err != nil {
		return err
	}
	c.blk.mu.Lock()
	c.blk.timeout, c.blk.nonblock = timeout, nonblock
	c.blk.mu.Unlock()
	s.record(Event{Op: OpSetOpt, Conn: c.id, Call: call}, nil)
	return nil
}

// Timeout is the connection's timeout (SetTimeout) and whether it is
// non-blocking.
func (c *Conn) Timeout() (d time.Duration, nonblocking bool) {
	c.blk.mu.Lock()
	defer c.blk.mu.Unlock()
	return c.blk.timeout, c.blk.nonblock
}

// SignalWhenWaiting arranges for the next recv, send or sendall on the
// connection: if the kernel says it must wait (the receive buffer is empty,
// or the send buffer is full), the lab records a note saying so (Name
// NoteWaiting) and signals the barrier called name, then the call waits as
// it would have. A peer that Waits on that barrier acts only once this side
// is really waiting. If the call does not have to wait, nothing is signalled:
// the recipe must make it wait. Where the lab cannot see the wait (Windows),
// it signals just before the call and the note says so.
func (c *Conn) SignalWhenWaiting(name string) {
	c.blk.mu.Lock()
	c.blk.signal = name
	c.blk.mu.Unlock()
}

// waiting records that a call of kind op waits (sure: the kernel said
// EAGAIN; not sure: this system cannot tell) and signals the barrier.
func (c *Conn) waiting(op Op, barrier string, sure bool) {
	s := c.side
	t := T("the receive buffer is empty: recv waits here (blocks); the kernel wakes it when bytes or the peer's FIN arrive",
		"接收缓冲区是空的：recv 在这里等待（阻塞），直到数据或对方的 FIN 到来，内核才把它唤醒")
	if op != OpRecv {
		t = T("the send buffer is full: send waits here (blocks) until the peer reads and makes room",
			"发送缓冲区满了：send 在这里等待（阻塞），直到对方读走数据、腾出空间")
	}
	if !sure {
		t = T("this system does not let the lab see whether the call waits: it lets the peer go on just before the call",
			"这个系统不让实验台看到调用是否在等待：实验台在调用之前就让对方继续")
	}
	s.run.rec.Record(Event{Side: s.Role, Who: s.who, Op: OpNote, Name: NoteWaiting, Conn: c.id, Text: t})
	s.Signal(barrier)
}

// recvCall makes the one system call of a recv in the connection's mode.
func (c *Conn) recvCall(p []byte) (int, error) {
	timeout, nonblock, name := c.blk.take()
	if timeout <= 0 && !nonblock && name == "" {
		return c.c.Read(p)
	}
	var waiting func(sure bool)
	if name != "" {
		waiting = func(sure bool) { c.waiting(OpRecv, name, sure) }
	}
	if timeout > 0 && !nonblock {
		if err := c.c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
			return 0, err
		}
		defer c.c.SetReadDeadline(time.Time{})
	}
	return rawRead(c.c, p, nonblock, waiting)
}

// sendCall makes a send (all: a sendall) in the connection's mode; blocked
// is told when it waits for room, as for the causal order.
func (c *Conn) sendCall(b []byte, all bool, blocked func(bool)) (int, error) {
	timeout, nonblock, name := c.blk.take()
	if nonblock { // a non-blocking call never waits, nor signals
		return sendNoWait(c.c, b, all)
	}
	if name != "" {
		blocked = c.signalOnBlock(name, blocked)
	}
	if timeout > 0 {
		if err := c.c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
			return 0, err
		}
		defer c.c.SetWriteDeadline(time.Time{})
	}
	if all {
		return sendAll(c.c, b, blocked)
	}
	return sendOnce(c.c, b, blocked)
}

// signalOnBlock wraps blocked: the first time the send has to wait, the
// lab notes it and signals the barrier.
func (c *Conn) signalOnBlock(name string, blocked func(bool)) func(bool) {
	told := false
	if !sendWaitVisible {
		c.waiting(OpSend, name, false)
		told = true
	}
	return func(b bool) {
		if b && !told {
			told = true
			c.waiting(OpSend, name, true)
		}
		blocked(b)
	}
}
