package capture

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// seg describes a frame for build: what a test wants on the wire.
type seg struct {
	src, dst string // "127.0.0.1:5000", "[::1]:80"
	udp      bool
	flags    Flags
	seq, ack uint32
	win      uint16
	opts     []byte // TCP options as given, padded with End to a multiple of 4 bytes
	payload  []byte
	ipOpts   []byte // IPv4 options (a multiple of 4 bytes)
	ttl      uint8
	v6       bool // IPv6 even for IPv4 addresses (mapped)
}

// build writes the frame AF_PACKET delivers on lo for s: a zero Ethernet
// header, IPv4 or IPv6, TCP or UDP, with correct checksums.
func build(s seg) []byte {
	src, dst := netip.MustParseAddrPort(s.src), netip.MustParseAddrPort(s.dst)
	ttl := s.ttl
	if ttl == 0 {
		ttl = 64
	}

	var l4 []byte
	proto := TCP
	if s.udp {
		proto = UDP
		l4 = binary.BigEndian.AppendUint16(l4, src.Port())
		l4 = binary.BigEndian.AppendUint16(l4, dst.Port())
		l4 = binary.BigEndian.AppendUint16(l4, uint16(UDPLen+len(s.payload)))
		l4 = binary.BigEndian.AppendUint16(l4, 0)
	} else {
		opts := append([]byte(nil), s.opts...)
		for len(opts)%4 != 0 {
			opts = append(opts, optEnd)
		}
		l4 = binary.BigEndian.AppendUint16(l4, src.Port())
		l4 = binary.BigEndian.AppendUint16(l4, dst.Port())
		l4 = binary.BigEndian.AppendUint32(l4, s.seq)
		l4 = binary.BigEndian.AppendUint32(l4, s.ack)
		l4 = append(l4, byte((TCPMinLen+len(opts))/4)<<4, byte(s.flags))
		l4 = binary.BigEndian.AppendUint16(l4, s.win)
		l4 = binary.BigEndian.AppendUint16(l4, 0) // checksum
		l4 = binary.BigEndian.AppendUint16(l4, 0) // urgent
		l4 = append(l4, opts...)
	}
	l4 = append(l4, s.payload...)

	frame := make([]byte, 12, 64)
	var pseudo []byte
	if s.v6 {
		src = netip.AddrPortFrom(netip.AddrFrom16(src.Addr().As16()), src.Port())
		dst = netip.AddrPortFrom(netip.AddrFrom16(dst.Addr().As16()), dst.Port())
	}
	if src.Addr().Is4() {
		frame = binary.BigEndian.AppendUint16(frame, etherTypeIPv4)
		ip := []byte{byte(0x40 | (IPv4MinLen+len(s.ipOpts))/4), 0}
		ip = binary.BigEndian.AppendUint16(ip, uint16(IPv4MinLen+len(s.ipOpts)+len(l4)))
		ip = append(ip, 0x12, 0x34, 0x40, 0x00, ttl, byte(proto), 0, 0) // id, DF, ttl, proto, checksum
		ip = append(ip, src.Addr().AsSlice()...)
		ip = append(ip, dst.Addr().AsSlice()...)
		ip = append(ip, s.ipOpts...)
		binary.BigEndian.PutUint16(ip[10:], checksum(0, ip))
		frame = append(frame, ip...)
		pseudo = append(append(pseudo, ip[12:20]...), 0, byte(proto))
	} else {
		frame = binary.BigEndian.AppendUint16(frame, etherTypeIPv6)
		ip := []byte{0x60, 0, 0, 0}
		ip = binary.BigEndian.AppendUint16(ip, uint16(len(l4)))
		ip = append(ip, byte(proto), ttl)
		ip = append(ip, src.Addr().AsSlice()...)
		ip = append(ip, dst.Addr().AsSlice()...)
		frame = append(frame, ip...)
		pseudo = append(append(pseudo, ip[8:40]...), 0, 0, 0, byte(proto))
	}
	pseudo = binary.BigEndian.AppendUint16(pseudo, uint16(len(l4)))
	off := 16
	if s.udp {
		off = 6
	}
	sum := checksum(checksumAdd(0, pseudo), l4)
	if s.udp && sum == 0 {
		sum = 0xffff
	}
	binary.BigEndian.PutUint16(l4[off:], sum)
	return append(frame, l4...)
}

func checksumAdd(acc uint32, b []byte) uint32 {
	for i := 0; i+1 < len(b); i += 2 {
		acc += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		acc += uint32(b[len(b)-1]) << 8
	}
	return acc
}

func checksum(acc uint32, b []byte) uint16 {
	acc = checksumAdd(acc, b)
	for acc > 0xffff {
		acc = acc>>16 + acc&0xffff
	}
	return ^uint16(acc)
}

// Options as Linux writes them in a SYN on lo.
var (
	optsSYN = []byte{
		optMSS, 4, 0xff, 0xd7, // MSS 65495
		optSACKPermitted, 2,
		optTimestamps, 10, 0, 0, 0, 1, 0, 0, 0, 0, // TSval 1, TSecr 0
		optNOP,
		optWScale, 3, 7, // ×128
	}
	optsTS = []byte{optNOP, optNOP, optTimestamps, 10, 0, 0, 0, 2, 0, 0, 0, 1}
)

// fuzzSeeds adds frames of every kind Decode reads.
func fuzzSeeds(f *testing.F) {
	for _, s := range []seg{
		{src: "127.0.0.1:50000", dst: "127.0.0.1:8080", flags: SYN, seq: 1000, win: 65495, opts: optsSYN},
		{src: "[::1]:8080", dst: "[::1]:50000", flags: SYN | ACK, seq: 7, ack: 1001, opts: optsSYN},
		{src: "127.0.0.1:1", dst: "127.0.0.1:2", flags: PSH | ACK, opts: optsTS, payload: []byte("hello")},
		{src: "[::1]:80", dst: "[::1]:1", flags: ACK, opts: []byte{optNOP, optNOP, optSACK, 10, 0, 0, 0, 1, 0, 0, 0, 2}},
		{src: "127.0.0.1:1", dst: "127.0.0.1:2", flags: ACK, ipOpts: []byte{1, 1, 1, 0}},
		{src: "127.0.0.1:5353", dst: "127.0.0.1:9999", udp: true, payload: []byte("datagram")},
		{src: "[::1]:5353", dst: "[::1]:9999", udp: true},
	} {
		f.Add(build(s))
	}
}
