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
