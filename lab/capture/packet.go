package capture

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Proto is a packet's transport protocol, numbered as in the IP header.
type Proto uint8

// The transport protocols the lab decodes.
const (
	TCP Proto = 6
	UDP Proto = 17
)

func (p Proto) String() string {
	switch p {
	case TCP:
		return "TCP"
	case UDP:
		return "UDP"
	}
	return fmt.Sprintf("proto(%d)", uint8(p))
}

// Flags are the flag bits of a TCP header.
type Flags uint8

// The TCP flags, in the order of their bits (FIN is bit 0).
const (
	FIN Flags = 1 << iota
	SYN
	RST
	PSH
	ACK
	URG
	ECE
	CWR
)

var flagNames = [...]string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"}

// String writes the flags as Wireshark's info column does, lowest bit
// first: "SYN", "SYN, ACK", "PSH, ACK", "FIN, ACK", "RST, ACK"; no flag
// at all is "<None>".
func (f Flags) String() string {
	if f == 0 {
		return "<None>"
	}
	var b strings.Builder
	for i, name := range flagNames {
		if f&(1<<i) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(name)
	}
	return b.String()
}

// Has reports whether all the flags of g are set in f.
func (f Flags) Has(g Flags) bool { return f&g == g }

// PacketType is the link layer's packet type that AF_PACKET reports
// (sll_pkttype): on lo every segment is seen once as Host when outgoing
// copies are ignored, and twice (Outgoing, then Host) when they are not.
type PacketType uint8

// The packet types of linux/if_packet.h.
const (
	Host      PacketType = 0
	Broadcast PacketType = 1
	Multicast PacketType = 2
	OtherHost PacketType = 3
	Outgoing  PacketType = 4
)

func (t PacketType) String() string {
	switch t {
	case Host:
		return "host"
	case Broadcast:
		return "broadcast"
	case Multicast:
		return "multicast"
	case OtherHost:
		return "otherhost"
	case Outgoing:
		return "outgoing"
	}
	return fmt.Sprintf("pkttype(%d)", uint8(t))
}

// Packet is one decoded TCP segment or UDP datagram.
//
// The byte slices are views of Frame, the bytes as captured, which were
// cut to the capture's snap length: the headers are always whole (a frame
// cut inside a header does not decode), the payload may be shorter than
// PayloadLen.
//
//	Frame:  | Link (14) | Net (20 / 40) | Transport (20–60 / 8) | Payload … |
type Packet struct {
	Time     time.Time  // when the kernel handed it to the capture (zero if decoded from bytes)
	Type     PacketType // the link layer's packet type (Host on lo)
	Ifindex  int        // the interface it was captured on
	FrameLen int        // the frame's length before the snap length cut it

	Version  int            // IP version: 4 or 6
	HopLimit uint8          // IPv4 TTL or IPv6 hop limit
	Proto    Proto          // TCP or UDP
	Src, Dst netip.AddrPort // addresses as the kernel wrote them, ::ffff:a.b.c.d unmapped to a.b.c.d

	// TCP only.
	Flags    Flags
	Seq, Ack uint32 // absolute; Ack means something only with the ACK flag
	Window   uint16 // as in the header, not scaled
	Urgent   uint16
	Options  Options

	UDPLen uint16 // UDP only: the length field (header and payload)

	PayloadLen int // bytes of payload the segment carried, cut or not

	Frame     []byte // the captured bytes: the layers below, in order
	Link      []byte // the Ethernet header (all zeros but the type on lo)
	Net       []byte // the IP header, with any IPv6 extension headers
	Transport []byte // the TCP header with its options, or the UDP header
	Payload   []byte // the payload as far as it was captured
}

// Cut reports whether the snap length cut part of the payload away.
func (p *Packet) Cut() bool { return len(p.Payload) < p.PayloadLen }

// Options are the TCP options of a segment that the lab explains. Raw
// holds them all as they came (including kinds not decoded here, such as
// MPTCP's 30 or Fast Open's 34), in the order the sender wrote them.
type Options struct {
	MSS           uint16 // maximum segment size, 0 if absent (SYN only)
	WScale        uint8  // window scale shift count, if HasWScale (SYN only)
	HasWScale     bool
	SACKPermitted bool
	SACK          [4]SACKBlock // the first NSACK are set
	NSACK         uint8
	TSVal, TSEcr  uint32 // timestamps, if HasTS
	HasTS         bool
	Raw           []byte // the option bytes of the header
}

// SACKBlock is one block of a SACK option: bytes Left up to Right
// (exclusive) arrived beyond a gap.
type SACKBlock struct{ Left, Right uint32 }

// Blocks returns the SACK blocks.
func (o *Options) Blocks() []SACKBlock { return o.SACK[:o.NSACK] }

// String lists the options as Wireshark's info column does, in header
// order: "MSS=65495 SACK_PERM TSval=1 TSecr=0 WS=128". WS is the
// multiplier (2 to the shift count); unknown kinds are "Opt(30)". SACK
// edges are absolute here (a Tracker knows the base to make them relative).
func (o *Options) String() string { return o.format(0) }

// format writes the options as String does, SACK edges made relative to
// base (the ISN of the end whose bytes they name).
func (o *Options) format(base uint32) string {
	var parts []string
	for b := o.Raw; len(b) > 0; {
		kind := b[0]
		if kind == optEnd {
			break
		}
		if kind == optNOP {
			b = b[1:]
			continue
		}
		if len(b) < 2 || int(b[1]) < 2 || int(b[1]) > len(b) {
			break // Decode refuses such options; a hand-made value may have them
		}
		switch kind {
		case optMSS:
			parts = append(parts, fmt.Sprintf("MSS=%d", o.MSS))
		case optWScale:
			parts = append(parts, fmt.Sprintf("WS=%d", 1<<min(o.WScale, 14)))
		case optSACKPermitted:
			parts = append(parts, "SACK_PERM")
		case optSACK:
			for _, s := range o.Blocks() {
				parts = append(parts, fmt.Sprintf("SLE=%d SRE=%d", s.Left-base, s.Right-base))
			}
		case optTimestamps:
			parts = append(parts, fmt.Sprintf("TSval=%d TSecr=%d", o.TSVal, o.TSEcr))
		default:
			parts = append(parts, fmt.Sprintf("Opt(%d)", kind))
		}
		b = b[b[1]:]
	}
	return strings.Join(parts, " ")
}

// Normalize unmaps an IPv4-mapped IPv6 address (::ffff:127.0.0.1, what a
// dual-stack socket reports) to the IPv4 address the packets carry, and
// drops an IPv6 zone, so that addresses from sockets and from packets
// compare equal.
func Normalize(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port())
}

// AddrOf returns a socket's address (the *net.TCPAddr or *net.UDPAddr
// that LocalAddr and RemoteAddr give) normalised as packets carry it.
func AddrOf(a net.Addr) (netip.AddrPort, bool) {
	switch a := a.(type) {
	case *net.TCPAddr:
		return Normalize(a.AddrPort()), true
	case *net.UDPAddr:
		return Normalize(a.AddrPort()), true
	}
	return netip.AddrPort{}, false
}
