package render

import (
	"fmt"
	"strings"

	"socketlab/lab"
)

// Folding: a large transfer is thousands of data calls whose bytes were
// elided (lab.Conn.Elide). The text trace draws the first call of such a
// run in full, then folds the calls that follow on the same socket, by the
// same program and of the same kind into one line, printed when anything
// else happens:
//
//	sendall() → 65536/65536 bytes      the first call, its kept bytes
//	… and 65472 more bytes, moved but not kept in the trace
//	⋯ 3199 more sendall() calls, 209649664 bytes (65536 each): folded, …
//
// The line counts every folded call and byte; calls that were not elided
// but carry no marks (a short read in the middle of the file) fold too. The
// JSON trace folds nothing: it lists every call.

// foldKey says which calls belong to one run.
type foldKey struct {
	side lab.Role
	who  string
	conn int
	op   lab.Op
}

// foldRun is a run of elided data calls: the first is drawn, the rest counted.
type foldRun struct {
	key    foldKey
	calls  int   // calls folded after the first
	bytes  int64 // bytes those calls moved
	lo, hi int   // the smallest and largest count of one call
	last   lab.Event
}

// fold takes a data call that continues a run and reports true: it is
// counted, not drawn. A call continues a run when it has the run's key and
// no error, and its bytes were elided or carry no marks (a short read in
// the middle of a file continues it; a marked header does not). Any other
// event first prints the runs' lines; an elided call that starts a run is
// drawn as usual.
func (r *Text) fold(e lab.Event) bool {
	if !e.Op.IsData() || e.Err != "" || e.Elided == 0 && len(e.Marks) > 0 {
		r.flushFolds()
		return false
	}
	k := foldKey{e.Side, e.Who, e.Conn, e.Op}
	for _, f := range r.folds {
		if f.key != k {
			continue
		}
		if f.calls == 0 {
			f.lo, f.hi = e.N, e.N
		}
		f.calls++
		f.bytes += int64(e.N)
		f.lo, f.hi = min(f.lo, e.N), max(f.hi, e.N)
		f.last = e
		r.drawBar(e)
		return true
	}
	if e.Elided == 0 {
		r.flushFolds()
		return false
	}
	r.folds = append(r.folds, &foldRun{key: k})
	return false
}

// flushFolds prints one line per run that folded calls, at the time of its
// last call, and forgets the runs.
func (r *Text) flushFolds() {
	for _, f := range r.folds {
		if f.calls == 0 {
			continue
		}
		each := fmt.Sprintf("%d", f.lo)
		if f.lo != f.hi {
			each = fmt.Sprintf("%d..%d", f.lo, f.hi)
		}
		calls := "calls"
		if f.calls == 1 {
			calls = "call"
		}
		text := r.tr(lab.Tf("⋯ %d more %s() %s, %d bytes (%s each): folded, --format json lists every call",
			"⋯ 又 %d 次 %s() 调用%.0s，共 %d 字节（每次 %s）：已折叠，--format json 会列出每一次调用",
			f.calls, f.key.op, calls, f.bytes, each))
		prefix := ""
		if f.key.who != "" {
			prefix = "[" + f.key.who + "] "
		}
		var cell []line
		for i, l := range Wrap(text, r.laneW-Width(prefix)-2) {
			if i == 0 {
				l = prefix + l
			} else {
				l = strings.Repeat(" ", Width(prefix)) + "  " + l
			}
			cell = append(cell, line{l, r.dim})
		}
		last := f.last
		last.Who = ""
		r.rows(last, cell)
	}
	r.folds = r.folds[:0]
}

// drawBar draws, on a terminal, a progress bar for a folded call that is part
// of a transfer (lab.Conn.Progress), in place, redrawn when the percentage
// changes. The next line the trace prints erases it first.
func (r *Text) drawBar(e lab.Event) {
	if !r.o.Live || e.Total <= 0 || r.err != nil {
		return
	}
	pct := int(min(100, e.Done*100/e.Total))
	if pct == r.bar {
		return
	}
	r.bar = pct
	const cells = 30
	full := pct * cells / 100
	bar := strings.Repeat("█", full) + strings.Repeat("░", cells-full)
	text := fmt.Sprintf("%s %s %s [%s] %3d%%  %s / %s", strings.Repeat(" ", timeW), e.Side.Name(r.o.Lang), e.Call,
		bar, pct, FormatBytes(e.Done), FormatBytes(e.Total))
	_, r.err = fmt.Fprint(r.w, "\r\x1b[K"+Fit(text, r.o.Width-1))
}

// clearBar erases a progress bar before the trace prints a line.
func (r *Text) clearBar() {
	if r.bar < 0 || r.err != nil {
		return
	}
	r.bar = -1
	_, r.err = fmt.Fprint(r.w, "\r\x1b[K")
}

// FormatBytes writes n in the largest unit that keeps it readable: 512 B,
// 64.0 KiB, 190.7 MiB.
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
