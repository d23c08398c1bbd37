package demos

import (
	"crypto/sha256"
	"io"
	"net"
	"testing"
	"time"

	"socketlab/lab"
	"socketlab/lab/render"
)

// benchRun runs demo d once with the knob settings sets into sink and
// returns how long it took, the sink's last events drawn included.
func benchRun(b *testing.B, d lab.Demo, sink lab.Sink, sets ...string) time.Duration {
	b.Helper()
	p, err := lab.ParseParams(d.Knobs, sets)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	res, err := lab.Run(b.Context(), d, lab.Options{Params: p, Sink: sink, Idle: time.Minute})
	if err != nil {
		b.Fatalf("demo %s: %v", d.Name(), err)
	}
	for _, f := range res.Findings {
		if !f.OK {
			b.Fatalf("demo %s: finding %s does not hold: %s", d.Name(), f.ID, f.Text.En)
		}
	}
	return time.Since(start)
}

// BenchmarkDemo5TextVsJSON runs `lab run 5 --set size=10MB` with the text
// lanes and with the JSON trace, in turn, both rendering into io.Discard.
// x-json is the text run's time over the JSON run's.
func BenchmarkDemo5TextVsJSON(b *testing.B) {
	var text, js time.Duration
	for b.Loop() {
		text += benchRun(b, structHeader(), render.NewText(io.Discard, render.Options{Lang: lab.En, Width: 120}), "size=10MB")
		js += benchRun(b, structHeader(), render.NewJSON(io.Discard, lab.En), "size=10MB")
	}
	b.ReportMetric(text.Seconds()/float64(b.N), "text-s")
	b.ReportMetric(js.Seconds()/float64(b.N), "json-s")
	b.ReportMetric(text.Seconds()/js.Seconds(), "x-json")
}

// BenchmarkRenderDemo5 renders the events of one `lab run 5 --set
// size=10MB` (recorded once, every byte kept) with the text lanes and as
// JSON, in turn: the renderers alone, without sockets.
func BenchmarkRenderDemo5(b *testing.B) {
	var events []lab.Event
	benchRun(b, structHeader(), lab.SinkFunc(func(e lab.Event) { events = append(events, e) }), "size=10MB")
	var text, js time.Duration
	for b.Loop() {
		start := time.Now()
		t := render.NewText(io.Discard, render.Options{Lang: lab.En, Width: 120})
		for _, e := range events {
			t.Emit(e)
		}
		t.Finish()
		text += time.Since(start)
		start = time.Now()
		j := render.NewJSON(io.Discard, lab.En)
		for _, e := range events {
			j.Emit(e)
		}
		j.Finish()
		js += time.Since(start)
	}
	b.ReportMetric(text.Seconds()/float64(b.N)*1000, "text-ms")
	b.ReportMetric(js.Seconds()/float64(b.N)*1000, "json-ms")
	b.ReportMetric(text.Seconds()/js.Seconds(), "x-json")
}

// uploadBench is the file size of the upload benchmarks: demo 15 sends it
// twice.
const uploadBench = 32 << 20

// BenchmarkUploadVsHashedCopy runs `lab run 15 --set size=32MiB` (the text
// lanes into io.Discard) and, in turn, the baseline the issue names: a raw
// loopback copy of the same 2 × 32 MiB in 64 KiB writes that SHA-256s what
// it sends and what it receives. x-hashed-copy is the demo's time over the
// baseline's.
func BenchmarkUploadVsHashedCopy(b *testing.B) {
	var demo, base time.Duration
	b.SetBytes(2 * uploadBench)
	for b.Loop() {
		demo += benchRun(b, fileUpload(), render.NewText(io.Discard, render.Options{Lang: lab.En, Width: 120}),
			"size="+lab.FormatSize(uploadBench))
		base += hashedCopy(b, 2*uploadBench)
	}
	b.ReportMetric(demo.Seconds()/float64(b.N), "demo-s")
	b.ReportMetric(base.Seconds()/float64(b.N), "hashed-copy-s")
	b.ReportMetric(demo.Seconds()/base.Seconds(), "x-hashed-copy")
}

// hashedCopy copies n bytes over loopback TCP, hashing them on both ends.
func hashedCopy(b *testing.B, n int64) time.Duration {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	start := time.Now()
	got := make(chan [32]byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- [32]byte{}
			return
		}
		defer c.Close()
		h := sha256.New()
		buf := make([]byte, 64<<10)
		for {
			m, err := c.Read(buf)
			h.Write(buf[:m])
			if err != nil {
				break
			}
		}
		var sum [32]byte
		h.Sum(sum[:0])
		got <- sum
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	h := sha256.New()
	buf := make([]byte, 64<<10)
	for i := range buf {
		buf[i] = byte('a' + i%26)
	}
	for sent := int64(0); sent < n; sent += int64(len(buf)) {
		h.Write(buf)
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	c.Close()
	var sum [32]byte
	if h.Sum(sum[:0]); <-got != sum {
		b.Fatal("the copy's digests differ")
	}
	return time.Since(start)
}
