package capture

import "testing"

func BenchmarkDecode(b *testing.B) {
	frame := build(seg{src: "127.0.0.1:50000", dst: "127.0.0.1:8080", flags: SYN, seq: 1, opts: optsSYN})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(frame); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTrack(b *testing.B) {
	p, err := Decode(build(seg{src: "127.0.0.1:50000", dst: "127.0.0.1:8080", flags: ACK, seq: 1, ack: 1}))
	if err != nil {
		b.Fatal(err)
	}
	tr := NewTracker()
	b.ReportAllocs()
	for b.Loop() {
		tr.Track(&p)
	}
}
