package lab

import (
	"fmt"
	"math"
	"runtime"
	"testing"
)

// FuzzSpanMarks labels the bytes of one recv with random spans around its
// stream offset: the marks cover the bytes in order, each one with the
// label of the first span that holds its first byte and that holds it
// whole, or with none when no span holds any of its bytes, and there are
// at most two marks a span, plus one.
func FuzzSpanMarks(f *testing.F) {
	f.Add(int64(0), 20, []byte{64, 74, 0, 0, 74, 0, 0, 7})         // header 0-10, body 10-: TestSpanMarks
	f.Add(int64(5), 3, []byte{64, 74, 0, 0})                       // a read inside the header
	f.Add(int64(1<<40), 4096, []byte{0, 255, 7, 7, 100, 90, 1, 2}) // far into the stream, an empty span
	f.Fuzz(func(t *testing.T, off int64, n int, raw []byte) {
		off = max(0, min(off, 1<<50))
		n = max(0, min(n, 1<<16))
		// Each 4 bytes are a span: From and To within 64 bytes before and
		// 192 after off (or far off), a label, and To = Rest sometimes.
		var spans []Span
		for i := 0; i+4 <= len(raw) && len(spans) < 16; i += 4 {
			b := raw[i : i+4]
			from := off - 64 + int64(b[0])*int64(1+b[2]&3)
			to := off - 64 + int64(b[1])*int64(1+b[2]>>2&3)
			if b[3]&7 == 7 {
				to = Rest
			}
			if b[3]&0x38 == 0x38 {
				from = math.MinInt64
			}
			spans = append(spans, Span{From: from, To: to, Label: T(fmt.Sprint("span ", len(spans)), "")})
		}
		var marks []Mark
		allocated := func() uint64 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			marks = spanMarks(off, n, spans)
			runtime.ReadMemStats(&after)
			return after.TotalAlloc - before.TotalAlloc
		}
		// The least of three runs: another goroutine may allocate during one.
		bound := uint64(256*(len(spans)+1) + 1024)
		a := allocated()
		for try := 0; try < 2 && a > bound; try++ {
			a = min(a, allocated())
		}
		if a > bound {
			t.Fatalf("spanMarks of %d spans allocated %d bytes, want at most %d", len(spans), a, bound)
		}
		if n == 0 || len(spans) == 0 {
			if marks != nil {
				t.Fatalf("marks %v for n = %d, %d spans", marks, n, len(spans))
			}
			return
		}
		if len(marks) > 2*len(spans)+1 {
			t.Fatalf("%d marks for %d spans", len(marks), len(spans))
		}
		pos := 0
		for _, m := range marks {
			if m.From != pos || m.To <= m.From || m.To > n {
				t.Fatalf("marks %v of %d bytes at %d, spans %v", marks, n, off, spans)
			}
			first, last := off+int64(m.From), off+int64(m.To)-1
			holds := func(sp Span, at int64) bool { return sp.From <= at && at < sp.To }
			var want Text
			for _, sp := range spans {
				if holds(sp, first) {
					want = sp.Label
					if !holds(sp, last) {
						t.Fatalf("mark %v goes past the end of %v", m, sp)
					}
					break
				}
			}
			if m.Label != want {
				t.Fatalf("mark %v, want the label %q (spans %v, offset %d)", m, want.En, spans, off)
			}
			if want.IsZero() {
				for _, sp := range spans {
					if sp.From <= last && first < sp.To {
						t.Fatalf("unlabelled mark %v, but %v holds some of it", m, sp)
					}
				}
			}
			pos = m.To
		}
		if pos != n {
			t.Fatalf("marks %v end at %d of %d", marks, pos, n)
		}
	})
}
