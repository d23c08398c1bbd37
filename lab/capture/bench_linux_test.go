//go:build linux

package capture

import (
	"net"
	"testing"
	"time"
)

// BenchmarkDrainEmpty is what draining costs before a call that sent
// nothing: one look at the ring.
func BenchmarkDrainEmpty(b *testing.B) {
	c, err := Open(Config{Ports: []uint16{9}})
	if err != nil {
		b.Skip(err)
	}
	defer c.Close()
	for b.Loop() {
		c.Drain()
	}
}

// BenchmarkSendDrain sends one datagram and drains it: the capture's cost
// per packet, and how long after its stamp the packet was in hand.
func BenchmarkSendDrain(b *testing.B) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer pc.Close()
	c, err := Open(Config{Ports: []uint16{uint16(pc.LocalAddr().(*net.UDPAddr).Port)}})
	if err != nil {
		b.Skip(err)
	}
	defer c.Close()
	msg, buf := []byte("x"), make([]byte, 16)
	var lag, worst time.Duration
	for b.Loop() {
		if _, err := pc.WriteTo(msg, pc.LocalAddr()); err != nil {
			b.Fatal(err)
		}
		got := c.Drain()
		now := time.Now()
		if len(got) != 1 {
			b.Fatalf("%d packets", len(got))
		}
		d := now.Sub(got[0].Time)
		lag += d
		worst = max(worst, d)
		pc.ReadFrom(buf)
	}
	b.ReportMetric(float64(lag.Nanoseconds())/float64(b.N), "ns-stamp-to-drain")
	b.ReportMetric(float64(worst.Nanoseconds()), "ns-worst")
}
