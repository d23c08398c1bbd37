package lab

import (
	"context"
	"errors"
	"fmt"
	"time"

	"socketlab/lab/capture"
)

// A connection's TCP state, as the kernel holds it: ESTABLISHED after the
// handshake, FIN_WAIT1/FIN_WAIT2 and TIME_WAIT on the end that closes
// first, CLOSE_WAIT and LAST_ACK on the other. The lab reads it the way a
// program can: TCP_INFO while the socket is open (Python:
// conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)[0]), and after
// close() as `ss -tan` reads it (sock_diag, else /proc/net/tcp), because a closed
// socket has no TCP_INFO while the kernel still keeps its connection
// (DECISIONS 22). Each reading is an event of op tcpinfo in the socket's
// own lane, with the state in Packet.State; with --packets it comes after
// the packets of its connection captured by then, which made it so.

// The Call of a TCP state reading says where the state came from.
const (
	CallTCPInfo  = "getsockopt(IPPROTO_TCP, TCP_INFO)"
	CallSockDiag = "ss (sock_diag)"
	CallProcTCP  = "/proc/net/tcp"
	StateUnknown = "" // the state could not be read here
)

// statePoll is how often WaitTCPState asks the kernel.
const statePoll = time.Millisecond

// TCPState records and returns this connection's TCP state: "ESTABLISHED",
// "FIN_WAIT2", "CLOSE_WAIT", "TIME_WAIT" … (capture.State's names), and
// "CLOSE" once the kernel has forgotten a closed socket's connection.
// Where the state cannot be read (not Linux) it notes so and returns an
// error matching errors.ErrUnsupported.
func (c *Conn) TCPState() (string, error) {
	st, src, err := c.readState()
	if err != nil {
		return c.stateFailed(err)
	}
	c.recordState(st, src)
	return st.String(), nil
}

// WaitTCPState polls the state until it is want or limit passed, then
// records it as TCPState does and returns it (the last state read, if it
// never became want).
func (c *Conn) WaitTCPState(want string, limit time.Duration) (string, error) {
	s := c.side
	s.setBusy(fmt.Sprintf("wait for TCP state %s", want))
	defer s.setBusy("")
	end := time.Now().Add(limit)
	for {
		st, src, err := c.readState()
		if err != nil {
			return c.stateFailed(err)
		}
		if st.String() == want || time.Now().After(end) {
			c.recordState(st, src)
			return st.String(), nil
		}
		select {
		case <-s.run.ctx.Done():
			return "", context.Cause(s.run.ctx)
		case <-time.After(statePoll):
		}
	}
}

// readState reads the state: TCP_INFO while the socket is open, else
// the kernel's socket table as ss reads it (sock_diag: one lookup, at one
// instant; /proc/net/tcp where that fails), where a connection that is
// not listed any more is Closed.
func (c *Conn) readState() (capture.State, string, error) {
	if !c.closed.Load() {
		tc := tcpConnOf(c.c)
		if tc == nil {
			return 0, "", errors.New("TCP state: not a TCP connection")
		}
		info, err := capture.Snapshot(tc)
		if err == nil || errors.Is(err, errors.ErrUnsupported) || !c.closed.Load() {
			return info.State, CallTCPInfo, err
		}
		// closed meanwhile (by another goroutine): read /proc
	}
	la, lok := capture.AddrOf(c.c.LocalAddr())
	ra, rok := capture.AddrOf(c.c.RemoteAddr())
	if !lok || !rok {
		return 0, "", errors.New("TCP state: no address")
	}
	src := CallSockDiag
	for range goneLookups {
		sock, viaProc, err := capture.Lookup(la, ra)
		if viaProc {
			src = CallProcTCP
		}
		if !errors.Is(err, capture.ErrNoSocket) {
			return sock.State, src, err
		}
		time.Sleep(statePoll)
	}
	return capture.Closed, src, nil
}

// goneLookups is how many lookups in a row must miss a connection before
// it counts as gone. One is not enough: when an orphaned socket's FIN is
// ACKed, the kernel swaps the full socket for a small TIME_WAIT one (state
// FIN_WAIT2), and a lookup at that instant can find neither
// (TestHandshake100 read CLOSED between FIN_WAIT1 and TIME_WAIT about once
// in a few hundred runs under load).
const goneLookups = 3

// recordState records a reading in the socket's lane.
func (c *Conn) recordState(st capture.State, src string) {
	s := c.side
	t := Tf("TCP_INFO: this socket is %s", "TCP_INFO：这个套接字处于 %s", st)
	switch {
	case src != CallTCPInfo && st == capture.Closed:
		t = Tf("%s: the connection is gone (CLOSED): the kernel has forgotten it",
			"%s：这个连接已经没有了（CLOSED）：内核已经把它忘掉", src)
	case src != CallTCPInfo:
		t = Tf("%s: the socket is closed, its connection is in %s", "%s：套接字已关闭，它的连接处于 %s", src, st)
	}
	// Recorded straight, not through Side.record: a reading is no call,
	// takes no step name, and its time (began) is when it was read, so
	// the packets captured before it go above it.
	s.run.rec.Record(Event{Side: s.Role, Who: s.who, Op: OpTCPInfo, Conn: c.id, Call: src, Text: t,
		Packet: &PacketInfo{Proto: "tcp", From: s.Role, State: st.String()}, began: time.Now()})
}

// stateFailed notes, once per side, that the state cannot be read here.
func (c *Conn) stateFailed(err error) (string, error) {
	if errors.Is(err, errors.ErrUnsupported) {
		s := c.side
		s.mu.Lock()
		told := s.noState
		s.noState = true
		s.mu.Unlock()
		if !told {
			s.Note(T("this system cannot show a socket's TCP state (TCP_INFO and /proc/net/tcp are Linux's): the states are not shown",
				"这个系统无法显示套接字的 TCP 状态（TCP_INFO 和 /proc/net/tcp 是 Linux 的）：这里看不到状态"))
		}
	}
	return StateUnknown, err
}
