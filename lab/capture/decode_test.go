package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

func TestDecode(t *testing.T) {
	sack := []byte{optNOP, optNOP, optSACK, 18, 0, 0, 0x10, 0, 0, 0, 0x20, 0, 0, 0, 0x30, 0, 0, 0, 0x40, 0}
	tests := []struct {
		name string
		seg  seg
		want Packet // fields compared: see below
	}{
		{"ipv4 syn", seg{src: "127.0.0.1:50000", dst: "127.0.0.1:8080", flags: SYN, seq: 1000, win: 65495, opts: optsSYN},
			Packet{Version: 4, Proto: TCP, Flags: SYN, Seq: 1000, Window: 65495,
				Options: Options{MSS: 65495, SACKPermitted: true, HasTS: true, TSVal: 1, HasWScale: true, WScale: 7}}},
		{"ipv6 syn-ack", seg{src: "[::1]:8080", dst: "[::1]:50000", flags: SYN | ACK, seq: 7, ack: 1001, win: 65464, opts: optsSYN},
			Packet{Version: 6, Proto: TCP, Flags: SYN | ACK, Seq: 7, Ack: 1001, Window: 65464,
				Options: Options{MSS: 65495, SACKPermitted: true, HasTS: true, TSVal: 1, HasWScale: true, WScale: 7}}},
		{"ipv4 data", seg{src: "127.0.0.1:50000", dst: "127.0.0.1:8080", flags: PSH | ACK, seq: 1001, ack: 8, win: 512, opts: optsTS, payload: []byte("hello")},
			Packet{Version: 4, Proto: TCP, Flags: PSH | ACK, Seq: 1001, Ack: 8, Window: 512, PayloadLen: 5,
				Options: Options{HasTS: true, TSVal: 2, TSEcr: 1}}},
		{"sack blocks", seg{src: "[::1]:80", dst: "[::1]:1", flags: ACK, seq: 1, ack: 2, opts: sack},
			Packet{Version: 6, Proto: TCP, Flags: ACK, Seq: 1, Ack: 2,
				Options: Options{NSACK: 2, SACK: [4]SACKBlock{{0x1000, 0x2000}, {0x3000, 0x4000}}}}},
		{"rst", seg{src: "127.0.0.1:8080", dst: "127.0.0.1:50000", flags: RST | ACK, ack: 1001},
			Packet{Version: 4, Proto: TCP, Flags: RST | ACK, Ack: 1001}},
		{"ipv4 options", seg{src: "127.0.0.1:1", dst: "127.0.0.1:2", flags: ACK, ipOpts: []byte{1, 1, 1, 0}},
			Packet{Version: 4, Proto: TCP, Flags: ACK}},
		{"udp ipv4", seg{src: "127.0.0.1:5353", dst: "127.0.0.1:9999", udp: true, payload: []byte("datagram")},
			Packet{Version: 4, Proto: UDP, UDPLen: 16, PayloadLen: 8}},
		{"udp ipv6 empty", seg{src: "[::1]:5353", dst: "[::1]:9999", udp: true},
			Packet{Version: 6, Proto: UDP, UDPLen: 8}},
		{"mapped", seg{src: "[::ffff:127.0.0.1]:1", dst: "[::ffff:127.0.0.1]:2", udp: true, payload: []byte{0}},
			Packet{Version: 6, Proto: UDP, UDPLen: 9, PayloadLen: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := build(tt.seg)
			p, err := Decode(frame)
			if err != nil {
				t.Fatal(err)
			}
			src := Normalize(netip.MustParseAddrPort(tt.seg.src))
			dst := Normalize(netip.MustParseAddrPort(tt.seg.dst))
			if p.Src != src || p.Dst != dst {
				t.Errorf("src %v dst %v, want %v %v", p.Src, p.Dst, src, dst)
			}
			if p.Src.Addr().Is4In6() {
				t.Errorf("source %v left mapped", p.Src)
			}
			w := tt.want
			if p.Version != w.Version || p.Proto != w.Proto || p.Flags != w.Flags || p.Seq != w.Seq || p.Ack != w.Ack ||
				p.Window != w.Window || p.PayloadLen != w.PayloadLen || p.UDPLen != w.UDPLen || p.HopLimit != 64 {
				t.Errorf("got v%d %v %v seq %d ack %d win %d len %d udplen %d hops %d\nwant v%d %v %v seq %d ack %d win %d len %d udplen %d hops 64",
					p.Version, p.Proto, p.Flags, p.Seq, p.Ack, p.Window, p.PayloadLen, p.UDPLen, p.HopLimit,
					w.Version, w.Proto, w.Flags, w.Seq, w.Ack, w.Window, w.PayloadLen, w.UDPLen)
			}
			o := p.Options
			o.Raw = nil
			if !reflect.DeepEqual(o, w.Options) {
				t.Errorf("options %+v, want %+v", o, w.Options)
			}
			if !bytes.Equal(p.Payload, tt.seg.payload) || p.Cut() {
				t.Errorf("payload %q (cut %v), want %q", p.Payload, p.Cut(), tt.seg.payload)
			}

			// The layers are the frame, in order, each header whole.
			ipLen := IPv4MinLen + len(tt.seg.ipOpts)
			if p.Version == 6 {
				ipLen = IPv6Len
			}
			l4Len := UDPLen
			if p.Proto == TCP {
				l4Len = TCPMinLen + (len(tt.seg.opts)+3)/4*4
			}
			if len(p.Link) != EthernetLen || len(p.Net) != ipLen || len(p.Transport) != l4Len {
				t.Errorf("layers %d, %d, %d bytes, want %d, %d, %d", len(p.Link), len(p.Net), len(p.Transport), EthernetLen, ipLen, l4Len)
			}
			joined := bytes.Join([][]byte{p.Link, p.Net, p.Transport, p.Payload}, nil)
			if !bytes.Equal(joined, frame) || !bytes.Equal(p.Frame, frame) || p.FrameLen != len(frame) {
				t.Errorf("layers joined are not the frame")
			}
		})
	}
}

// A frame cut inside a header is ErrTruncated; cut inside the payload it
// decodes, with Cut reporting so.
func TestDecodeCut(t *testing.T) {
	for _, s := range []seg{
		{src: "127.0.0.1:1", dst: "127.0.0.1:2", flags: PSH | ACK, opts: optsTS, payload: []byte("hello")},
		{src: "[::1]:1", dst: "[::1]:2", flags: SYN, opts: optsSYN, payload: []byte("fast open")},
		{src: "127.0.0.1:1", dst: "127.0.0.1:2", udp: true, payload: []byte("hello")},
		{src: "[::1]:1", dst: "[::1]:2", udp: true, payload: []byte("hello")},
	} {
		frame := build(s)
		headers := len(frame) - len(s.payload)
		for n := range len(frame) + 1 {
			p, err := Decode(frame[:n])
			switch {
			case n < headers:
				if !errors.Is(err, ErrTruncated) {
					t.Errorf("%v cut to %d of %d bytes (headers %d): %v, want ErrTruncated", s.flags, n, len(frame), headers, err)
				}
			case err != nil:
				t.Errorf("%v cut to %d bytes (headers %d): %v", s.flags, n, headers, err)
			default:
				if p.PayloadLen != len(s.payload) || len(p.Payload) != n-headers || p.Cut() != (n < len(frame)) {
					t.Errorf("cut to %d: payload %d of %d bytes, cut %v", n, len(p.Payload), p.PayloadLen, p.Cut())
				}
			}
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	v4 := func(edit func(f []byte)) []byte {
		f := build(seg{src: "127.0.0.1:1", dst: "127.0.0.1:2", flags: ACK, opts: optsTS, payload: []byte("abc")})
		edit(f)
		return f
	}
	v6 := func(edit func(f []byte)) []byte {
		f := build(seg{src: "[::1]:1", dst: "[::1]:2", udp: true, payload: []byte("abc")})
		edit(f)
		return f
	}
	withOpts := func(opts []byte) []byte {
		return build(seg{src: "127.0.0.1:1", dst: "127.0.0.1:2", flags: SYN, opts: opts})
	}
	tcpAt := EthernetLen + IPv4MinLen
	tests := []struct {
		name  string
		frame []byte
		want  error
	}{
		{"empty", nil, ErrTruncated},
		{"arp", v4(func(f []byte) { f[12], f[13] = 0x08, 0x06 }), ErrNotDecoded},
		{"ipv4 version 5", v4(func(f []byte) { f[14] = 0x55 }), ErrMalformed},
		{"ipv4 ihl 4", v4(func(f []byte) { f[14] = 0x44 }), ErrMalformed},
		{"ipv4 ihl 15", v4(func(f []byte) { f[14] = 0x4f }), ErrMalformed}, // 60 bytes > total length
		{"ipv4 total < header", v4(func(f []byte) { binary.BigEndian.PutUint16(f[16:], 19) }), ErrMalformed},
		{"ipv4 total 0", v4(func(f []byte) { binary.BigEndian.PutUint16(f[16:], 0) }), ErrMalformed},
		{"ipv4 fragment", v4(func(f []byte) { binary.BigEndian.PutUint16(f[20:], 0x0001) }), ErrNotDecoded},
		{"ipv4 more fragments", v4(func(f []byte) { binary.BigEndian.PutUint16(f[20:], 0x2000) }), ErrNotDecoded},
		{"icmp", v4(func(f []byte) { f[23] = 1 }), ErrNotDecoded},
		{"tcp in 19 bytes", v4(func(f []byte) { binary.BigEndian.PutUint16(f[16:], 20+19) }), ErrMalformed},
		{"tcp offset 4", v4(func(f []byte) { f[tcpAt+12] = 0x40 }), ErrMalformed},
		{"tcp offset past ip", v4(func(f []byte) { f[tcpAt+12] = 0xf0 }), ErrMalformed},
		{"ipv6 version 4", v6(func(f []byte) { f[14] = 0x40 }), ErrMalformed},
		{"ipv6 fragment", v6(func(f []byte) { f[20] = extFragment }), ErrNotDecoded},
		{"ipv6 hop-by-hop past payload", v6(func(f []byte) { f[20] = extHopByHop; f[55] = 1 }), ErrMalformed},
		{"udp length 7", v6(func(f []byte) { binary.BigEndian.PutUint16(f[58:], 7) }), ErrMalformed},
		{"udp length past ip", v6(func(f []byte) { binary.BigEndian.PutUint16(f[58:], 12) }), ErrMalformed},
		{"udp in 7 bytes", v6(func(f []byte) { binary.BigEndian.PutUint16(f[18:], 7) }), ErrMalformed},
		{"mss length 3", withOpts([]byte{optMSS, 3, 1, optNOP}), ErrMalformed},
		{"option length 1", withOpts([]byte{30, 1, 0, 0}), ErrMalformed},
		{"option past header", withOpts([]byte{30, 5, 0, 0}), ErrMalformed},
		{"option without length", withOpts([]byte{optNOP, optNOP, optNOP, optMSS}), ErrMalformed},
		{"sack of 4 bytes", withOpts([]byte{optSACK, 6, 0, 0, 0, 0, 0, 0}), ErrMalformed},
		{"ws length 4", withOpts([]byte{optWScale, 4, 0, 0}), ErrMalformed},
		{"sack-perm length 3", withOpts([]byte{optSACKPermitted, 3, 0, 0}), ErrMalformed},
		{"timestamps length 8", withOpts([]byte{optTimestamps, 8, 0, 0, 0, 0, 0, 0}), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Decode(tt.frame); !errors.Is(err, tt.want) {
				t.Fatalf("%v, want %v", err, tt.want)
			}
		})
	}
}

// Options the lab does not decode are kept in Raw and skipped; an IPv6
// destination options header is stepped over; Ethernet padding after the
// IP packet is not payload.
func TestDecodeSkips(t *testing.T) {
	p, err := Decode(build(seg{src: "127.0.0.1:1", dst: "127.0.0.1:2", flags: SYN,
		opts: []byte{30, 4, 0x81, 0, optMSS, 4, 0x05, 0xb4, optEnd, 99}}))
	if err != nil || p.Options.MSS != 1460 || len(p.Options.Raw) != 12 {
		t.Fatalf("MPTCP then MSS then End: %+v, %v", p.Options, err)
	}
	if got := p.Options.String(); got != "Opt(30) MSS=1460" {
		t.Errorf("options %q", got)
	}

	f := build(seg{src: "[::1]:1", dst: "[::1]:2", udp: true, payload: []byte("ab")})
	ext := []byte{byte(UDP), 0, 1, 4, 0, 0, 0, 0} // next UDP, 8 bytes, a PadN option
	f = append(f[:EthernetLen+IPv6Len], append(ext, f[EthernetLen+IPv6Len:]...)...)
	f[EthernetLen+6] = extDestOpts
	binary.BigEndian.PutUint16(f[EthernetLen+4:], uint16(8+UDPLen+2))
	if p, err := Decode(f); err != nil || len(p.Net) != IPv6Len+8 || string(p.Payload) != "ab" {
		t.Fatalf("destination options: net %d bytes, payload %q, %v", len(p.Net), p.Payload, err)
	}

	f = append(build(seg{src: "127.0.0.1:1", dst: "127.0.0.1:2", udp: true, payload: []byte("ab")}), 0, 0, 0, 0)
	if p, err := Decode(f); err != nil || string(p.Payload) != "ab" || p.PayloadLen != 2 {
		t.Fatalf("padded: payload %q of %d, %v", p.Payload, p.PayloadLen, err)
	}
}

// Decode allocates nothing for a packet it accepts: no length in a
// header can make it allocate.
func TestDecodeAllocs(t *testing.T) {
	frames := [][]byte{
		build(seg{src: "127.0.0.1:1", dst: "127.0.0.1:2", flags: SYN, opts: optsSYN}),
		build(seg{src: "[::1]:1", dst: "[::1]:2", flags: ACK, payload: bytes.Repeat([]byte("x"), 1000)}),
		build(seg{src: "[::1]:1", dst: "[::1]:2", udp: true, payload: []byte("x")}),
	}
	for _, f := range frames {
		if n := testing.AllocsPerRun(100, func() {
			if _, err := Decode(f); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("Decode allocates %v times", n)
		}
	}
}

func TestFlagsString(t *testing.T) {
	for f, want := range map[Flags]string{
		SYN:             "SYN",
		SYN | ACK:       "SYN, ACK",
		ACK:             "ACK",
		PSH | ACK:       "PSH, ACK",
		FIN | ACK:       "FIN, ACK",
		FIN | PSH | ACK: "FIN, PSH, ACK",
		RST:             "RST",
		RST | ACK:       "RST, ACK",
		SYN | ECE | CWR: "SYN, ECE, CWR",
		URG | ACK:       "ACK, URG",
		0:               "<None>",
	} {
		if got := f.String(); got != want {
			t.Errorf("%08b: %q, want %q", uint8(f), got, want)
		}
	}
}
