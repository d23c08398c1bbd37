package demos

import (
	"flag"
	"io"
	"testing"
	"time"

	"socketlab/lab"
	"socketlab/lab/labtest"
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

// uploadSize is the file size of BenchmarkUploadVsHashedCopy: demo 15
// sends it twice. The row is -upload-size 1GB.
var uploadSize = flag.String("upload-size", "32MiB", "BenchmarkUploadVsHashedCopy: the size of the file demo 15 uploads twice")

// BenchmarkUploadVsHashedCopy runs `lab run 15 --set size=32MiB` (the text
// lanes into io.Discard) and, in turn, the baseline the issue names: a raw
// loopback copy of the same 2 × 32 MiB in 64 KiB writes that SHA-256s what
// it sends and what it receives. x-hashed-copy is the demo's time over that
// baseline's. The demo's server also stores both uploads, in a folder under
// $TMPDIR, so a third run does what the hashing copy does and writes what
// it receives to a file there too: x-stored-copy is the demo's time over
// it, which leaves the disk out of the comparison.
func BenchmarkUploadVsHashedCopy(b *testing.B) {
	size, err := lab.ParseSize(*uploadSize)
	if err != nil {
		b.Fatal(err)
	}
	var demo, hashed, stored time.Duration
	b.SetBytes(2 * size)
	for b.Loop() {
		demo += benchRun(b, fileUpload(), render.NewText(io.Discard, render.Options{Lang: lab.En, Width: 120}),
			"size="+lab.FormatSize(size))
		hashed += hashedCopy(b, 2*size, false)
		stored += hashedCopy(b, 2*size, true)
	}
	b.ReportMetric(demo.Seconds()/float64(b.N), "demo-s")
	b.ReportMetric(hashed.Seconds()/float64(b.N), "hashed-copy-s")
	b.ReportMetric(demo.Seconds()/hashed.Seconds(), "x-hashed-copy")
	b.ReportMetric(demo.Seconds()/stored.Seconds(), "x-stored-copy")
}

// hashedCopy times labtest.HashedCopy of n bytes, storing them with store
// in a new folder under $TMPDIR, as demo 15's server does.
func hashedCopy(b *testing.B, n int64, store bool) time.Duration {
	dir := ""
	if store {
		dir = b.TempDir()
	}
	d, err := labtest.HashedCopy(n, dir)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkContentRead generates demo 15's made-up file into a 64 KiB
// buffer, as the client's send loop does.
func BenchmarkContentRead(b *testing.B) {
	buf := make([]byte, uploadChunk)
	b.SetBytes(int64(len(buf)))
	c := &content{size: 1 << 62}
	for b.Loop() {
		c.Read(buf)
	}
}
