package render

import (
	"fmt"
	"strings"

	"socketlab/lab"
	"socketlab/lab/view"
)

// A fold line stands for a run of like calls the view folded (view.Fold),
// in the lane of those calls, at the time of the last:
//
//	⋯ 1,021 more recv(1024) calls, 1,045,504 bytes, 1..1024 each (seq 12–2054)
//
// The JSON trace folds nothing: it lists every call.
func (r *Text) foldCell(f view.Fold) []line {
	return foldLines(f, r.o.Lang, r.laneW)
}

// foldLines lays a fold out in lines at most w cells wide, tagged with the
// program's fork when it has one.
func foldLines(f view.Fold, l lab.Lang, w int) []line {
	prefix := ""
	if f.Who != "" {
		prefix = "[" + f.Who + "] "
	}
	text := FoldText(f, l)
	if Width(text) > w-Width(prefix)-2 {
		text = foldShort(f, l) // without the sizes of each, it may fit one line
	}
	var cell []line
	for i, s := range Wrap(text, w-Width(prefix)-2) {
		if i == 0 {
			s = prefix + s
		} else {
			s = strings.Repeat(" ", Width(prefix)) + "  " + s
		}
		cell = append(cell, line{s, nil})
	}
	return cell
}

// FoldText says what a fold stands for, in language l.
func FoldText(f view.Fold, l lab.Lang) string {
	each := thousands(int64(f.Lo))
	if f.Lo != f.Hi {
		each = fmt.Sprintf("%s..%s", thousands(int64(f.Lo)), thousands(int64(f.Hi)))
	}
	seqs := fmt.Sprintf("seq %d", f.First)
	if f.Last != f.First {
		seqs = fmt.Sprintf("seq %d–%d", f.First, f.Last)
	}
	if l == lab.Zh {
		return fmt.Sprintf("⋯ 又 %s 次 %s 调用，共 %s 字节，每次 %s（%s）",
			thousands(int64(f.Calls)), f.Call, thousands(f.Bytes), each, seqs)
	}
	calls := "calls"
	if f.Calls == 1 {
		calls = "call"
	}
	return fmt.Sprintf("⋯ %s more %s %s, %s bytes, %s each (%s)",
		thousands(int64(f.Calls)), f.Call, calls, thousands(f.Bytes), each, seqs)
}

// foldShort is FoldText without how many bytes each call moved.
func foldShort(f view.Fold, l lab.Lang) string {
	seqs := fmt.Sprintf("seq %d", f.First)
	if f.Last != f.First {
		seqs = fmt.Sprintf("seq %d–%d", f.First, f.Last)
	}
	if l == lab.Zh {
		return fmt.Sprintf("⋯ 又 %s 次 %s，%s 字节，%s", thousands(int64(f.Calls)), f.Call, thousands(f.Bytes), seqs)
	}
	return fmt.Sprintf("⋯ %s more %s, %s B, %s", thousands(int64(f.Calls)), f.Call, thousands(f.Bytes), seqs)
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
