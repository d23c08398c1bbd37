package render

import (
	"strings"
	"testing"
	"time"

	"github.com/rivo/uniseg"
)

// BenchmarkWrapLongWord wraps a 256 KiB word (the b'…' line of a big
// binary recv under --full) and reports its time as a ratio to measuring
// the word's width once: wrapping must stay linear, a small multiple of
// one pass over the graphemes.
func BenchmarkWrapLongWord(b *testing.B) {
	s := strings.Repeat("x", 256<<10)
	var base, wrap time.Duration
	for b.Loop() {
		t := time.Now()
		uniseg.StringWidth(s)
		base += time.Since(t)
		t = time.Now()
		Wrap(s, 50)
		wrap += time.Since(t)
	}
	b.ReportMetric(float64(wrap)/float64(base), "x-one-width-pass")
}
