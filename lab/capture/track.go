package capture

import (
	"fmt"
	"net/netip"
	"strings"
)

// End is one end of a connection.
type End uint8

// The two ends: the client sent the SYN, the server answered it.
const (
	Client End = iota
	Server
)

func (e End) String() string {
	if e == Client {
		return "client"
	}
	return "server"
}

func (e End) other() End { return 1 - e }

// Tuple names a connection (or a UDP conversation) by its protocol and its
// two ends' addresses, normalised (see Normalize).
type Tuple struct {
	Proto          Proto
	Client, Server netip.AddrPort
}

func (t Tuple) String() string { return fmt.Sprintf("%v %v ⇄ %v", t.Proto, t.Client, t.Server) }

// Seg is a packet placed in its connection by a Tracker. Its Seq and Ack
// are relative; the absolute ones are s.Packet.Seq and s.Packet.Ack.
type Seg struct {
	*Packet
	Conn Tuple
	From End    // the end that sent it
	Seq  uint32 // relative to the sender's ISN: the SYN is 0, the first data byte 1
	Ack  uint32 // relative to the receiver's ISN; 0 without the ACK flag
	Win  int    // the window in bytes: the header's, scaled once both SYNs were seen
	// Retrans: the segment carries sequence numbers its sender sent
	// before (a SYN, FIN or bytes sent again): a retransmission, as
	// Wireshark's [TCP Retransmission].
	Retrans bool
}

// To is the end the segment was sent to.
func (s Seg) To() End { return s.From.other() }

// Next is the relative sequence number after this segment: what the
// receiver acknowledges for it (SYN and FIN count one each).
func (s Seg) Next() uint32 {
	n := s.Seq + uint32(s.PayloadLen)
	if s.Flags&SYN != 0 {
		n++
	}
	if s.Flags&FIN != 0 {
		n++
	}
	return n
}

// String writes the segment as Wireshark's info column does, with
// relative numbers: "54321 → 8080 [SYN] Seq=0 Win=65495 Len=0 MSS=65495
// SACK_PERM TSval=1 TSecr=0 WS=128", or for UDP "54321 → 8080 Len=5".
func (s Seg) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d → %d ", s.Src.Port(), s.Dst.Port())
	if s.Proto != TCP {
		fmt.Fprintf(&b, "Len=%d", s.PayloadLen)
		return b.String()
	}
	fmt.Fprintf(&b, "[%v] Seq=%d", s.Flags, s.Seq)
	if s.Flags&ACK != 0 {
		fmt.Fprintf(&b, " Ack=%d", s.Ack)
	}
	fmt.Fprintf(&b, " Win=%d Len=%d", s.Win, s.PayloadLen)
	if o := s.Options.format(s.Packet.Ack - s.Ack); o != "" {
		b.WriteString(" " + o)
	}
	return b.String()
}

// Tracker follows connections by their 4-tuple and numbers each one's
// segments relative to the ISN of their sender, as Wireshark's relative
// sequence numbers do: a SYN is Seq=0, the first byte of data Seq=1, and
// each end's Ack counts the other end's bytes the same way. It is not
// safe for concurrent use.
//
// A connection's client is the end that sent the SYN (without ACK). A
// connection first seen in the middle (no SYN) takes the first sender as
// its client unless Expect named it, and its first sequence number seen
// as ISN+1, so it too starts at Seq=1.
type Tracker struct {
	flows map[flowKey]*flow
}

// NewTracker returns a tracker that knows no connection yet.
func NewTracker() *Tracker { return &Tracker{flows: make(map[flowKey]*flow)} }

type flowKey struct {
	proto Proto
	a, b  netip.AddrPort // a sorts before b
}

func keyOf(proto Proto, x, y netip.AddrPort) flowKey {
	if x.Compare(y) > 0 {
		x, y = y, x
	}
	return flowKey{proto, x, y}
}

type flow struct {
	t       Tuple
	base    [2]uint32 // ISN of each end
	hasBase [2]bool
	syn     [2]bool  // its SYN was seen
	ws      [2]uint8 // window scale announced in its SYN
	hasWS   [2]bool
	next    [2]uint32 // the relative seq after the furthest segment each end sent
	sent    [2]bool   // it sent a segment that takes sequence numbers
}

func (f *flow) end(ap netip.AddrPort) End {
	if ap == f.t.Client {
		return Client
	}
	return Server
}

// Expect tells the tracker the client and server of a connection before
// its first segment, as the lab knows them (bind before connect gives the
// client's port). It forgets what it knew of that 4-tuple.
func (t *Tracker) Expect(c Tuple) {
	c.Client, c.Server = Normalize(c.Client), Normalize(c.Server)
	t.flows[keyOf(c.Proto, c.Client, c.Server)] = &flow{t: c}
}

// Forget drops a connection, e.g. when the lab is done with it.
func (t *Tracker) Forget(c Tuple) {
	delete(t.flows, keyOf(c.Proto, Normalize(c.Client), Normalize(c.Server)))
}

// Track places p in its connection and numbers it. A SYN with a new ISN
// on a known 4-tuple starts a new connection there (the port was reused).
func (t *Tracker) Track(p *Packet) Seg {
	src, dst := Normalize(p.Src), Normalize(p.Dst)
	k := keyOf(p.Proto, src, dst)
	f := t.flows[k]
	isSYN := p.Proto == TCP && p.Flags&(SYN|ACK) == SYN
	if f == nil || (isSYN && f.hasBase[f.end(src)] && f.base[f.end(src)] != p.Seq) {
		c := Tuple{Proto: p.Proto, Client: src, Server: dst}
		if p.Proto == TCP && p.Flags.Has(SYN|ACK) {
			c.Client, c.Server = dst, src
		}
		f = &flow{t: c}
		t.flows[k] = f
	}
	from := f.end(src)
	s := Seg{Packet: p, Conn: f.t, From: from, Win: int(p.Window)}
	if p.Proto != TCP {
		return s
	}
	if p.Flags&SYN != 0 {
		f.syn[from] = true
		f.ws[from], f.hasWS[from] = p.Options.WScale, p.Options.HasWScale
		f.base[from], f.hasBase[from] = p.Seq, true
	}
	if !f.hasBase[from] {
		f.base[from], f.hasBase[from] = p.Seq-1, true
	}
	s.Seq = p.Seq - f.base[from]
	if p.Flags&ACK != 0 {
		to := from.other()
		if !f.hasBase[to] {
			f.base[to], f.hasBase[to] = p.Ack-1, true
		}
		s.Ack = p.Ack - f.base[to]
	}
	// RFC 7323: windows are scaled once both SYNs carried the option, and
	// never in a SYN itself.
	if p.Flags&SYN == 0 && f.syn[Client] && f.syn[Server] && f.hasWS[Client] && f.hasWS[Server] {
		s.Win = int(p.Window) << min(f.ws[from], 14)
	}
	if n := s.Next(); n != s.Seq { // it takes sequence numbers
		s.Retrans = f.sent[from] && int32(n-f.next[from]) <= 0
		if !f.sent[from] || int32(n-f.next[from]) > 0 {
			f.next[from], f.sent[from] = n, true
		}
	}
	return s
}
