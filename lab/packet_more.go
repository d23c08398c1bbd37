package lab

import (
	"fmt"
	"net"
	"syscall"
	"time"
)

// DialPacket makes a UDP socket and connects it to addr, like Python's
// socket(AF_INET, SOCK_DGRAM) then connect(addr). No packet crosses the
// wire: a UDP connect only fixes the peer, so that send() and recv() need
// no address and the kernel hands this socket the errors ICMP reports
// (a closed port: ECONNREFUSED on a later call).
func (s *Side) DialPacket(addr string) (*PacketConn, error) {
	id := s.run.rec.NewID()
	sock := socketCall(isIPv6(addr), true)
	if err := s.beforePrep(OpSocket, sock); err != nil {
		return nil, err
	}
	call := "connect(" + pyAddr(addr) + ")"
	made := false
	d := net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
		made = true
		s.record(Event{Op: OpSocket, Conn: id, Call: sock, Peer: addr}, nil)
		return s.before(OpConnect, call)
	}}
	c, err := d.DialContext(s.run.ctx, "udp", addr)
	if err != nil {
		op, cl := OpConnect, call
		if !made {
			op, cl = OpSocket, sock
		}
		s.record(Event{Op: op, Conn: id, Call: cl, Peer: addr}, err)
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	s.track(c)
	s.record(Event{Op: OpConnect, Conn: id, Call: call,
		Local: c.LocalAddr().String(), Peer: c.RemoteAddr().String()}, nil)
	return &PacketConn{c: c.(*net.UDPConn), side: s, id: id, from: map[string]int{}, peer: c.RemoteAddr()}, nil
}

// Send sends b as one datagram to the connected peer, like Python's
// s.send(data) on a connected UDP socket.
func (p *PacketConn) Send(b []byte) (int, error) {
	s := p.side
	if err := s.before(OpSendTo, "send()"); err != nil {
		return 0, err
	}
	n, err := p.c.Write(b)
	e := Event{Op: OpSendTo, Conn: p.id, Call: "send()", Req: len(b), N: max(n, 0),
		Data: append([]byte(nil), b[:max(n, 0)]...)}
	if p.peer != nil {
		e.Peer = p.peer.String()
	}
	s.record(e, err)
	return n, err
}

// Recv reads one datagram from the connected peer into a buffer of n
// bytes, like Python's s.recv(n) on a connected UDP socket. An error ICMP
// reported for an earlier datagram (a closed port) comes back here.
func (p *PacketConn) Recv(n int) ([]byte, error) {
	s := p.side
	call := fmt.Sprintf("recv(%d)", n)
	if err := s.before(OpRecvFrom, call); err != nil {
		return nil, err
	}
	buf := make([]byte, n)
	got, err := p.c.Read(buf)
	got = max(got, 0)
	e := Event{Op: OpRecvFrom, Conn: p.id, Call: call, Req: n, N: got, Data: append([]byte(nil), buf[:got]...)}
	if err == nil && p.peer != nil {
		e.Peer = p.peer.String()
	}
	s.record(e, err)
	return buf[:got], err
}

// RecvBuffer reads the socket's receive buffer size, like Python's
// s.getsockopt(SOL_SOCKET, SO_RCVBUF), and records the call. On Linux this
// is the number of bytes of queued datagrams (with the kernel's bookkeeping
// for each) the socket may hold before the kernel drops what arrives.
func (p *PacketConn) RecvBuffer() (int, error) {
	s := p.side
	call := "getsockopt(SOL_SOCKET, SO_RCVBUF)"
	if err := s.before(OpSetOpt, call); err != nil {
		return 0, err
	}
	rc, err := p.c.SyscallConn()
	v := 0
	if err == nil {
		v, err = sockGetInt(rc, syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	}
	if err == nil {
		call = fmt.Sprintf("%s → %d", call, v)
	}
	s.record(Event{Op: OpSetOpt, Conn: p.id, Call: call}, err)
	return v, err
}

// Drops is how many datagrams the kernel has dropped on this socket because
// its receive buffer was full (Linux: the drops column of /proc/net/udp).
// It is not a socket call and is not recorded. Elsewhere it returns
// errors.ErrUnsupported.
func (p *PacketConn) Drops() (int, error) { return udpDrops(p.c.LocalAddr()) }

// SetReadTimeout makes the following reads give up after d without a
// datagram (0: wait for ever), like Python's s.settimeout(d) for the reads.
// The lab uses it as its own bound, so it is not recorded.
func (p *PacketConn) SetReadTimeout(d time.Duration) error {
	if d == 0 {
		return p.c.SetReadDeadline(time.Time{})
	}
	return p.c.SetReadDeadline(time.Now().Add(d))
}
