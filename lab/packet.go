package lab

import (
	"fmt"
	"net"
	"sync"
	"syscall"
)

// PacketConn is a traced UDP socket.
type PacketConn struct {
	c    *net.UDPConn
	side *Side
	id   int

	mu   sync.Mutex
	from map[string]int // datagrams received from each sender
	peer net.Addr       // the connected peer (DialPacket), or nil
}

// ListenPacket opens a UDP socket bound to addr, like Python's
// socket(AF_INET, SOCK_DGRAM) then bind(addr). A client passes
// "127.0.0.1:0" and lets the kernel choose its port. On the server side
// it publishes the address.
func (s *Side) ListenPacket(addr string) (*PacketConn, error) {
	id := s.run.rec.NewID()
	sock := socketCall(isIPv6(addr), true)
	if err := s.beforePrep(OpSocket, sock); err != nil {
		return nil, err
	}
	// Go makes the socket and binds it in one call; its Control hook runs
	// in between, where socket() is recorded and bind() announced.
	call := "bind(" + pyAddr(addr) + ")"
	made := false
	lc := net.ListenConfig{Control: func(network, address string, c syscall.RawConn) error {
		made = true
		s.record(Event{Op: OpSocket, Conn: id, Call: sock}, nil)
		return s.before(OpBind, call)
	}}
	pc, err := lc.ListenPacket(s.run.ctx, "udp", addr)
	if err != nil {
		op, c := OpBind, call
		if !made {
			op, c = OpSocket, sock
		}
		s.record(Event{Op: op, Conn: id, Call: c}, err)
		return nil, fmt.Errorf("bind %s: %w", addr, err)
	}
	s.track(pc)
	s.run.causal.registerPacket(pc.LocalAddr())
	s.record(Event{Op: OpBind, Conn: id, Call: call, Local: pc.LocalAddr().String()}, nil)
	if s.Role == Server {
		s.SetServerAddr(pc.LocalAddr().String())
	}
	return &PacketConn{c: pc.(*net.UDPConn), side: s, id: id, from: map[string]int{}}, nil
}

// LocalAddr is the socket's own address.
func (p *PacketConn) LocalAddr() net.Addr { return p.c.LocalAddr() }

// RecvFrom reads one datagram into a buffer of n bytes, like Python's
// data, addr = s.recvfrom(n). A datagram longer than n is cut: the rest is
// lost, and trunc is true.
func (p *PacketConn) RecvFrom(n int) (data []byte, from net.Addr, trunc bool, err error) {
	s := p.side
	call := fmt.Sprintf("recvfrom(%d)", n)
	if err := s.before(OpRecvFrom, call); err != nil {
		return nil, nil, false, err
	}
	buf := make([]byte, n)
	got, _, flags, addr, err := p.c.ReadMsgUDP(buf, nil)
	got = max(got, 0) // a failed call (a deadline, a closed socket) may say -1
	trunc, err = truncated(flags, err)
	e := Event{Op: OpRecvFrom, Conn: p.id, Call: call, Req: n, N: got,
		Data: append([]byte(nil), buf[:got]...), Trunc: trunc}
	if addr != nil {
		e.Peer = addr.String()
		from = addr
		p.mu.Lock()
		p.from[addr.String()]++
		k := p.from[addr.String()]
		p.mu.Unlock()
		s.run.causal.awaitDatagram(s.run.ctx, addr, p.c.LocalAddr(), k)
	}
	s.record(e, err)
	return buf[:got], from, trunc, err
}

// SendTo sends b as one datagram to addr, like Python's s.sendto(data, addr).
func (p *PacketConn) SendTo(b []byte, addr net.Addr) (int, error) {
	s := p.side
	call := "sendto(" + pyAddr(addr.String()) + ")"
	if err := s.before(OpSendTo, call); err != nil {
		return 0, err
	}
	n, err := p.c.WriteTo(b, addr)
	s.record(Event{Op: OpSendTo, Conn: p.id, Call: call, Req: len(b), N: n,
		Data: append([]byte(nil), b[:n]...), Peer: addr.String()}, err)
	if err == nil {
		s.run.causal.datagramRecorded(p.c.LocalAddr(), addr)
	}
	return n, err
}

// Close closes the socket.
func (p *PacketConn) Close() error {
	s := p.side
	if err := s.before(OpClose, "close()"); err != nil {
		return err
	}
	err := p.c.Close()
	s.record(Event{Op: OpClose, Conn: p.id, Call: "close()"}, err)
	return err
}
