package lab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"

	"socketlab/lab/capture"
)

// Calls around the data: connecting with a timeout, the socket options that
// decide how a connection ends (SO_LINGER) and how much the kernel buffers
// (SO_SNDBUF, SO_RCVBUF), the error a reset leaves pending (SO_ERROR), and
// the accept queue of a listening socket. Each is a traced call, labelled the
// way Python writes it.

// NoteAcceptQueue is the Name of the note AcceptQueue records; its N is the
// number of connections waiting in the accept queue and its Req the backlog.
const NoteAcceptQueue = "accept-queue"

// DialTimeout connects like Dial but gives up after d, like Python's
// s.settimeout(d) before s.connect(addr) (or socket.create_connection(addr,
// timeout=d)). A connect that got no answer fails with an error of class
// ClassTimeout.
func (s *Side) DialTimeout(addr string, d time.Duration) (*Conn, error) {
	call := fmt.Sprintf("connect(%s)  # timeout %s s", pyAddr(addr), strconv.FormatFloat(d.Seconds(), 'f', -1, 64))
	return s.dial(addr, d, call, true)
}

// SetLinger sets SO_LINGER. SetLinger(0) is {on, 0 s}: close() then throws
// away anything unsent and resets the connection (RST) instead of the
// orderly FIN, so the peer's next recv fails with ECONNRESET. A negative sec
// restores the default (off).
func (c *Conn) SetLinger(sec int) error {
	s := c.side
	call := "setsockopt(SOL_SOCKET, SO_LINGER, struct.pack('ii', 0, 0))"
	if sec >= 0 {
		call = fmt.Sprintf("setsockopt(SOL_SOCKET, SO_LINGER, struct.pack('ii', 1, %d))", sec)
	}
	if err := s.before(OpSetOpt, call); err != nil {
		return err
	}
	nc := c.c
	if ic, wrapped := nc.(*idleConn); wrapped { // SetIdle wraps the socket
		nc = ic.Conn
	}
	tc, ok := nc.(*net.TCPConn)
	var err error
	if ok {
		err = tc.SetLinger(sec)
	} else {
		err = errors.New("not a TCP connection")
	}
	s.record(Event{Op: OpSetOpt, Conn: c.id, Call: call}, err)
	return err
}

// SetSendBuffer asks for an n-byte send buffer (SO_SNDBUF) and returns the
// size the kernel really uses, read back with getsockopt (Linux doubles the
// request for its bookkeeping and has a minimum), or 0 if unknown.
func (c *Conn) SetSendBuffer(n int) (int, error) {
	return bufOpt(c.side, c.c, c.id, "SO_SNDBUF", syscall.SO_SNDBUF, n)
}

// SetRecvBuffer asks for an n-byte receive buffer (SO_RCVBUF) and returns the
// size the kernel really uses, or 0 if unknown.
func (c *Conn) SetRecvBuffer(n int) (int, error) {
	return bufOpt(c.side, c.c, c.id, "SO_RCVBUF", syscall.SO_RCVBUF, n)
}

// SetRecvBuffer sets SO_RCVBUF on the listening socket: every connection it
// accepts afterwards starts with that receive buffer, so the window it
// offers in the handshake is already small. It returns the size the kernel
// really uses, or 0 if unknown.
func (l *Listener) SetRecvBuffer(n int) (int, error) {
	return bufOpt(l.side, l.l, l.id, "SO_RCVBUF", syscall.SO_RCVBUF, n)
}

func bufOpt(s *Side, sock any, id int, name string, opt, n int) (int, error) {
	call := fmt.Sprintf("setsockopt(SOL_SOCKET, %s, %d)", name, n)
	if err := s.before(OpSetOpt, call); err != nil {
		return 0, err
	}
	rc, err := rawConn(sock)
	got := 0
	if err == nil {
		err = sockSetInt(rc, syscall.SOL_SOCKET, opt, n)
	}
	if err == nil {
		got, _ = sockGetInt(rc, syscall.SOL_SOCKET, opt)
	}
	s.record(Event{Op: OpSetOpt, Conn: id, Call: call}, err)
	return got, err
}

func rawConn(sock any) (syscall.RawConn, error) {
	sc, ok := sock.(syscall.Conn)
	if !ok {
		return nil, errors.New("not a socket")
	}
	return sc.SyscallConn()
}

// errorPoll is how often WaitSocketError asks the kernel.
const errorPoll = 200 * time.Microsecond

// WaitSocketError waits until the kernel has an error pending on this
// socket, such as the ECONNRESET a peer's RST leaves, then takes it with
// getsockopt(SOL_SOCKET, SO_ERROR) (which clears it) and records that call
// with the error. It polls, so the order of events is forced without a
// sleep; it gives up after limit and returns nil if nothing came.
func (c *Conn) WaitSocketError(limit time.Duration) error {
	s := c.side
	const call = "getsockopt(SOL_SOCKET, SO_ERROR)"
	if err := s.before(OpSetOpt, call); err != nil {
		return err
	}
	rc, err := rawConn(c.c)
	if err != nil {
		s.record(Event{Op: OpSetOpt, Conn: c.id, Call: call}, err)
		return err
	}
	end := time.Now().Add(limit)
	for {
		v, err := sockGetInt(rc, syscall.SOL_SOCKET, soError)
		if err != nil {
			s.record(Event{Op: OpSetOpt, Conn: c.id, Call: call}, err)
			return err
		}
		if v != 0 {
			pending := fmt.Errorf("pending socket error: %w", syscall.Errno(v))
			s.record(Event{Op: OpSetOpt, Conn: c.id, Call: call}, pending)
			return pending
		}
		if time.Now().After(end) {
			s.record(Event{Op: OpSetOpt, Conn: c.id, Call: call,
				Text: T("no error pending", "没有待处理的错误")}, nil)
			return nil
		}
		select {
		case <-s.run.ctx.Done():
			return context.Cause(s.run.ctx)
		case <-time.After(errorPoll):
		}
	}
}

// AcceptQueue records a note with how many connections wait in the
// listening socket's accept queue (handshake done, not accept()ed yet) and
// the backlog, read from TCP_INFO (Linux: tcpi_unacked and tcpi_sacked of a
// listening socket). Elsewhere it returns an error matching
// errors.ErrUnsupported and notes what it cannot show.
func (l *Listener) AcceptQueue() (queued, backlog int, err error) {
	s := l.side
	rc, err := rawConn(l.l)
	if err == nil {
		queued, backlog, err = acceptQueue(rc)
	}
	if errors.Is(err, errors.ErrUnsupported) {
		s.Note(T("this system cannot show the length of the accept queue (TCP_INFO on a listening socket is Linux-only)",
			"这个系统无法显示 accept 队列的长度（监听套接字上的 TCP_INFO 只有 Linux 有）"))
		return 0, 0, err
	}
	if err != nil {
		return 0, 0, err
	}
	s.record(Event{Op: OpNote, Name: NoteAcceptQueue, Conn: l.id, N: queued, Req: backlog,
		Text: Tf("TCP_INFO of the listening socket: %d connection(s) wait in the accept queue (backlog %d)",
			"监听套接字的 TCP_INFO：accept 队列里有 %d 个连接在等待（backlog 为 %d）", queued, backlog)}, nil)
	return queued, backlog, nil
}

// WaitAcceptQueue polls the listening socket's accept queue (TCP_INFO, see
// AcceptQueue) until at least n connections wait in it, then records the
// AcceptQueue note. It gives up after limit and records what it saw. Where
// the queue cannot be read it notes so at once and returns an error
// matching errors.ErrUnsupported.
func (l *Listener) WaitAcceptQueue(n int, limit time.Duration) (queued, backlog int, err error) {
	s := l.side
	rc, err := rawConn(l.l)
	if err != nil {
		return 0, 0, err
	}
	s.setBusy(fmt.Sprintf("wait for %d in the accept queue", n))
	defer s.setBusy("")
	end := time.Now().Add(limit)
	for {
		q, _, err := acceptQueue(rc)
		if err != nil || q >= n || time.Now().After(end) {
			return l.AcceptQueue()
		}
		select {
		case <-s.run.ctx.Done():
			return 0, 0, context.Cause(s.run.ctx)
		case <-time.After(errorPoll):
		}
	}
}

// NoteSynSent is the Name of the note WaitSynSent records; its N is the
// number of sockets connecting to the listener that have no answer yet.
const NoteSynSent = "syn-sent"

// WaitSynSent polls /proc/net/tcp until at least n sockets are in
// SYN_SENT towards this listener's address (their SYN went out and got
// no SYN-ACK: a full accept queue dropped it), or limit passed, and
// records a note with how many it saw. Where /proc/net/tcp does not exist
// it returns an error matching errors.ErrUnsupported and records nothing.
func (l *Listener) WaitSynSent(n int, limit time.Duration) (int, error) {
	s := l.side
	addr, ok := capture.AddrOf(l.l.Addr())
	if !ok {
		return 0, errors.New("SYN_SENT: the listener has no TCP address")
	}
	s.setBusy(fmt.Sprintf("wait for %d connect(s) in SYN_SENT", n))
	defer s.setBusy("")
	end := time.Now().Add(limit)
	for {
		all, err := capture.ProcSockets()
		if err != nil {
			return 0, err
		}
		got := 0
		for _, p := range all {
			if p.Remote == addr && p.State == capture.SynSent {
				got++
			}
		}
		if got >= n || time.Now().After(end) {
			s.record(Event{Op: OpNote, Name: NoteSynSent, Conn: l.id, N: got,
				Text: Tf("/proc/net/tcp: %d socket(s) connecting to this port in SYN_SENT: their SYN got no answer, the full queue dropped it",
					"/proc/net/tcp：有 %d 个套接字正在连接这个端口，处于 SYN_SENT：它们的 SYN 没有得到回答，满了的队列把它丢掉了", got)}, nil)
			return got, nil
		}
		select {
		case <-s.run.ctx.Done():
			return 0, context.Cause(s.run.ctx)
		case <-time.After(errorPoll):
		}
	}
}

// WriteTimeout writes all of p like Write (recorded as sendall()), but gives
// up after d, like Python's s.settimeout(d) before s.sendall(p). Unlike
// Python it returns how many bytes the kernel took before the timeout. The
// clock starts after step mode's announcement, so pausing there does not
// use up the time.
func (c *Conn) WriteTimeout(p []byte, d time.Duration) (int, error) {
	s := c.side
	call := fmt.Sprintf("sendall()  # timeout %s s", strconv.FormatFloat(d.Seconds(), 'f', -1, 64))
	if err := s.before(OpSendAll, call); err != nil {
		return 0, err
	}
	if err := c.c.SetWriteDeadline(time.Now().Add(d)); err != nil {
		s.record(Event{Op: OpSendAll, Conn: c.id, Call: call, Req: len(p)}, err)
		return 0, err
	}
	snd := s.run.causal.sendStarted(c.out)
	n, err := sendAll(c.c, p, snd.blocked)
	if derr := c.c.SetWriteDeadline(time.Time{}); err == nil {
		err = derr
	}
	e := c.kept(Event{Op: OpSendAll, Conn: c.id, Call: call, Req: len(p), N: n,
		Data: p[:n], Offset: c.tx.Add(int64(n)) - int64(n), Waited: snd.waited})
	s.record(e, err)
	snd.recorded(n)
	c.release(e)
	return n, err
}
