package capture

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzDecode: whatever the bytes, Decode does not panic, refuses with one
// of its errors, and what it accepts lies within the frame, layer after
// layer, and encodes back to the same packet.
func FuzzDecode(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, frame []byte) {
		p, err := Decode(frame)
		if err != nil {
			if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNotDecoded) {
				t.Fatalf("error %v is none of Decode's", err)
			}
			return
		}
		joined := bytes.Join([][]byte{p.Link, p.Net, p.Transport, p.Payload}, nil)
		if !bytes.HasPrefix(frame, joined) || len(p.Link) != EthernetLen {
			t.Fatalf("the layers are not the frame's start")
		}
		if p.Version != 4 && p.Version != 6 || p.Proto != TCP && p.Proto != UDP {
			t.Fatalf("v%d %v", p.Version, p.Proto)
		}
		if len(p.Payload) > p.PayloadLen || p.Options.NSACK > 4 {
			t.Fatalf("payload %d of %d bytes, %d SACK blocks", len(p.Payload), p.PayloadLen, p.Options.NSACK)
		}
		_ = p.Options.String()
		_ = NewTracker().Track(&p).String()

		if p.Cut() || p.Version == 6 && len(p.Net) != IPv6Len || p.HopLimit == 0 {
			return // build writes neither cut frames nor extension headers
		}
		s := seg{src: p.Src.String(), dst: p.Dst.String(), udp: p.Proto == UDP, v6: p.Version == 6,
			flags: p.Flags, seq: p.Seq, ack: p.Ack, win: p.Window, opts: p.Options.Raw,
			payload: p.Payload, ipOpts: p.Net[IPv4MinLen:], ttl: p.HopLimit}
		if p.Version == 6 {
			s.ipOpts = nil
		}
		q, err := Decode(build(s))
		if err != nil {
			t.Fatalf("encoded back: %v", err)
		}
		if q.Src != p.Src || q.Dst != p.Dst || q.Version != p.Version || q.Proto != p.Proto || q.Flags != p.Flags ||
			q.Seq != p.Seq || q.Ack != p.Ack || q.Window != p.Window || q.UDPLen != p.UDPLen ||
			q.PayloadLen != p.PayloadLen || !bytes.Equal(q.Payload, p.Payload) || !reflect.DeepEqual(q.Options, p.Options) {
			t.Fatalf("encoded back\n%+v\nwas\n%+v", q, p)
		}
	})
}
