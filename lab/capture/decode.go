package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// Errors of Decode, wrapped with the layer they were found in.
var (
	ErrTruncated  = errors.New("truncated")
	ErrMalformed  = errors.New("malformed")
	ErrNotDecoded = errors.New("not decoded")
)

// Sizes of the headers Decode reads.
const (
	EthernetLen = 14
	IPv4MinLen  = 20
	IPv6Len     = 40
	TCPMinLen   = 20
	UDPLen      = 8
)

const (
	etherTypeIPv4 = 0x0800
	etherTypeIPv6 = 0x86dd
)

// TCP option kinds.
const (
	optEnd           = 0
	optNOP           = 1
	optMSS           = 2
	optWScale        = 3
	optSACKPermitted = 4
	optSACK          = 5
	optTimestamps    = 8
)

// Decode reads a frame as AF_PACKET delivers it on Linux loopback: an
// Ethernet header (addresses all zero), an IPv4 or IPv6 header, and a TCP
// or UDP header. The Packet's slices share frame's memory.
//
// A frame cut inside a header is an error that wraps ErrTruncated; a
// header whose lengths contradict each other wraps ErrMalformed; other
// protocols, IP fragments and ARP wrap ErrNotDecoded. The payload may be
// cut (by a snap length): PayloadLen says how long it was.
func Decode(frame []byte) (Packet, error) {
	p := Packet{Frame: frame, FrameLen: len(frame)}
	if len(frame) < EthernetLen {
		return Packet{}, fmt.Errorf("ethernet header: %d bytes: %w", len(frame), ErrTruncated)
	}
	p.Link = frame[:EthernetLen]
	rest := frame[EthernetLen:]

	src, dst, ipPayload, err := p.decodeIP(rest)
	if err != nil {
		return Packet{}, err
	}
	// What follows the IP header on the wire, as far as it was captured
	// (a frame longer than the IP packet says is padding: left out).
	rest = rest[len(p.Net):]
	if len(rest) > ipPayload {
		rest = rest[:ipPayload]
	}

	var hlen int
	switch p.Proto {
	case TCP:
		hlen, err = p.decodeTCP(rest, ipPayload)
	case UDP:
		hlen, err = p.decodeUDP(rest, ipPayload)
		if err == nil && len(rest) > int(p.UDPLen) {
			rest = rest[:p.UDPLen]
		}
	default:
		err = fmt.Errorf("ip protocol %d: %w", uint8(p.Proto), ErrNotDecoded)
	}
	if err != nil {
		return Packet{}, err
	}
	p.Src = netip.AddrPortFrom(src.Unmap(), binary.BigEndian.Uint16(rest[0:]))
	p.Dst = netip.AddrPortFrom(dst.Unmap(), binary.BigEndian.Uint16(rest[2:]))
	p.Transport = rest[:hlen]
	p.Payload = rest[hlen:]
	if len(p.Payload) > p.PayloadLen {
		p.Payload = p.Payload[:p.PayloadLen]
	}
	return p, nil
}

// decodeIP decodes the IPv4 or IPv6 header that starts rest, by the
// Ethernet type in p.Link: p.Net, p.Version, p.HopLimit and p.Proto, the
// addresses, and ipPayload, how many bytes follow the IP header(s) on the
// wire (the transport header and the payload).
func (p *Packet) decodeIP(rest []byte) (src, dst netip.Addr, ipPayload int, err error) {
	switch et := binary.BigEndian.Uint16(p.Link[12:]); et {
	case etherTypeIPv4:
		h, err := ipv4(rest)
		if err != nil {
			return src, dst, 0, fmt.Errorf("ipv4 header: %w", err)
		}
		p.Version, p.HopLimit, p.Proto = 4, h.ttl, Proto(h.proto)
		p.Net = rest[:h.hlen]
		return h.src, h.dst, h.total - h.hlen, nil
	case etherTypeIPv6:
		h, err := ipv6(rest)
		if err != nil {
			return src, dst, 0, fmt.Errorf("ipv6 header: %w", err)
		}
		p.Version, p.HopLimit, p.Proto = 6, h.hops, Proto(h.next)
		p.Net = rest[:h.hlen]
		return h.src, h.dst, h.payload - (h.hlen - IPv6Len), nil
	default:
		return src, dst, 0, fmt.Errorf("ethernet type %#04x: %w", et, ErrNotDecoded)
	}
}

// decodeTCP decodes the TCP header that starts rest, in an IP payload of
// ipPayload bytes, and returns its length.
func (p *Packet) decodeTCP(rest []byte, ipPayload int) (int, error) {
	if ipPayload < TCPMinLen {
		return 0, fmt.Errorf("tcp header: the IP header leaves %d bytes: %w", ipPayload, ErrMalformed)
	}
	if len(rest) < TCPMinLen {
		return 0, fmt.Errorf("tcp header: %d bytes: %w", len(rest), ErrTruncated)
	}
	hlen := int(rest[12]>>4) * 4
	if hlen < TCPMinLen || hlen > ipPayload {
		return 0, fmt.Errorf("tcp header: data offset %d bytes in a segment of %d: %w", hlen, ipPayload, ErrMalformed)
	}
	if len(rest) < hlen {
		return 0, fmt.Errorf("tcp header: %d of %d bytes: %w", len(rest), hlen, ErrTruncated)
	}
	p.Seq = binary.BigEndian.Uint32(rest[4:])
	p.Ack = binary.BigEndian.Uint32(rest[8:])
	p.Flags = Flags(rest[13])
	p.Window = binary.BigEndian.Uint16(rest[14:])
	p.Urgent = binary.BigEndian.Uint16(rest[18:])
	if err := p.Options.decode(rest[TCPMinLen:hlen]); err != nil {
		return 0, fmt.Errorf("tcp options: %w", err)
	}
	p.PayloadLen = ipPayload - hlen
	return hlen, nil
}

// decodeUDP decodes the UDP header that starts rest, in an IP payload of
// ipPayload bytes, and returns its length.
func (p *Packet) decodeUDP(rest []byte, ipPayload int) (int, error) {
	if ipPayload < UDPLen {
		return 0, fmt.Errorf("udp header: the IP header leaves %d bytes: %w", ipPayload, ErrMalformed)
	}
	if len(rest) < UDPLen {
		return 0, fmt.Errorf("udp header: %d bytes: %w", len(rest), ErrTruncated)
	}
	p.UDPLen = binary.BigEndian.Uint16(rest[4:])
	if int(p.UDPLen) < UDPLen || int(p.UDPLen) > ipPayload {
		return 0, fmt.Errorf("udp header: length %d in an IP payload of %d: %w", p.UDPLen, ipPayload, ErrMalformed)
	}
	p.PayloadLen = int(p.UDPLen) - UDPLen
	return UDPLen, nil
}

type ipv4Header struct {
	hlen, total int
	ttl, proto  uint8
	src, dst    netip.Addr
}

// ipv4 reads an IPv4 header (RFC 791). Options are kept in the header
// bytes, not decoded.
func ipv4(b []byte) (ipv4Header, error) {
	if len(b) < IPv4MinLen {
		return ipv4Header{}, fmt.Errorf("%d bytes: %w", len(b), ErrTruncated)
	}
	if v := b[0] >> 4; v != 4 {
		return ipv4Header{}, fmt.Errorf("version %d: %w", v, ErrMalformed)
	}
	h := ipv4Header{
		hlen:  int(b[0]&0x0f) * 4,
		total: int(binary.BigEndian.Uint16(b[2:])),
		ttl:   b[8],
		proto: b[9],
		src:   netip.AddrFrom4([4]byte(b[12:16])),
		dst:   netip.AddrFrom4([4]byte(b[16:20])),
	}
	if h.hlen < IPv4MinLen {
		return ipv4Header{}, fmt.Errorf("header length %d: %w", h.hlen, ErrMalformed)
	}
	if h.total < h.hlen {
		// A total length of 0 is also what BIG TCP writes for packets
		// over 64 KiB; lo does not use it unless configured to.
		return ipv4Header{}, fmt.Errorf("total length %d, header %d: %w", h.total, h.hlen, ErrMalformed)
	}
	if len(b) < h.hlen {
		return ipv4Header{}, fmt.Errorf("%d of %d bytes: %w", len(b), h.hlen, ErrTruncated)
	}
	if frag := binary.BigEndian.Uint16(b[6:]); frag&0x3fff != 0 {
		return ipv4Header{}, fmt.Errorf("a fragment (flags and offset %#04x): %w", frag, ErrNotDecoded)
	}
	return h, nil
}

type ipv6Header struct {
	hlen       int // fixed header and extension headers
	payload    int // the payload length field: extension headers and what follows
	hops, next uint8
	src, dst   netip.Addr
}

// IPv6 extension headers that Decode steps over (RFC 8200): each is
// next header, length in 8-byte units not counting the first 8, data.
const (
	extHopByHop = 0
	extRouting  = 43
	extFragment = 44
	extDestOpts = 60
)

// ipv6 reads an IPv6 header and steps over hop-by-hop, routing and
// destination options headers to the transport protocol.
func ipv6(b []byte) (ipv6Header, error) {
	if len(b) < IPv6Len {
		return ipv6Header{}, fmt.Errorf("%d bytes: %w", len(b), ErrTruncated)
	}
	if v := b[0] >> 4; v != 6 {
		return ipv6Header{}, fmt.Errorf("version %d: %w", v, ErrMalformed)
	}
	h := ipv6Header{
		hlen:    IPv6Len,
		payload: int(binary.BigEndian.Uint16(b[4:])),
		next:    b[6],
		hops:    b[7],
		src:     netip.AddrFrom16([16]byte(b[8:24])),
		dst:     netip.AddrFrom16([16]byte(b[24:40])),
	}
	for {
		switch h.next {
		case extHopByHop, extRouting, extDestOpts:
		case extFragment:
			return ipv6Header{}, fmt.Errorf("a fragment: %w", ErrNotDecoded)
		default:
			return h, nil
		}
		if len(b) < h.hlen+2 {
			return ipv6Header{}, fmt.Errorf("extension header %d: %w", h.next, ErrTruncated)
		}
		n := (int(b[h.hlen+1]) + 1) * 8
		if h.hlen-IPv6Len+n > h.payload {
			return ipv6Header{}, fmt.Errorf("extension header %d of %d bytes in a payload of %d: %w", h.next, n, h.payload, ErrMalformed)
		}
		if len(b) < h.hlen+n {
			return ipv6Header{}, fmt.Errorf("extension header %d: %w", h.next, ErrTruncated)
		}
		h.next = b[h.hlen]
		h.hlen += n
	}
}

// decode reads the options part of a TCP header (RFC 9293, 7323, 2018).
func (o *Options) decode(b []byte) error {
	*o = Options{Raw: b}
	for len(b) > 0 {
		kind := b[0]
		if kind == optEnd {
			return nil
		}
		if kind == optNOP {
			b = b[1:]
			continue
		}
		if len(b) < 2 {
			return fmt.Errorf("option %d without its length: %w", kind, ErrMalformed)
		}
		n := int(b[1])
		if n < 2 || n > len(b) {
			return fmt.Errorf("option %d of length %d in %d bytes: %w", kind, n, len(b), ErrMalformed)
		}
		v := b[2:n]
		bad := false
		switch kind {
		case optMSS:
			bad = len(v) != 2
			if !bad {
				o.MSS = binary.BigEndian.Uint16(v)
			}
		case optWScale:
			bad = len(v) != 1
			if !bad {
				o.WScale, o.HasWScale = v[0], true
			}
		case optSACKPermitted:
			bad = len(v) != 0
			o.SACKPermitted = !bad
		case optSACK:
			bad = len(v) == 0 || len(v)%8 != 0 || len(v) > 8*len(o.SACK)
			for i := 0; !bad && i < len(v); i += 8 {
				o.SACK[o.NSACK] = SACKBlock{binary.BigEndian.Uint32(v[i:]), binary.BigEndian.Uint32(v[i+4:])}
				o.NSACK++
			}
		case optTimestamps:
			bad = len(v) != 8
			if !bad {
				o.TSVal, o.TSEcr, o.HasTS = binary.BigEndian.Uint32(v), binary.BigEndian.Uint32(v[4:]), true
			}
		}
		if bad {
			return fmt.Errorf("option %d of length %d: %w", kind, n, ErrMalformed)
		}
		b = b[n:]
	}
	return nil
}
