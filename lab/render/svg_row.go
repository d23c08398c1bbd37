package render

// The diagram's columns, and one row of it being built: its text, its
// lifeline segments, the markup it becomes.

import (
	"fmt"
	"strings"

	"socketlab/lab"
	"socketlab/lab/view"
)

// The columns.
func (s *SVG) timeX() float64  { return svgPad + svgTimeW*svgCell }
func (s *SVG) leftX() float64  { return s.timeX() + svgPad }
func (s *SVG) lifeL() float64  { return s.leftX() + svgLabel*svgCell + svgPad }
func (s *SVG) lifeR() float64  { return s.lifeL() + svgGap*svgCell }
func (s *SVG) rightX() float64 { return s.lifeR() + svgPad }
func (s *SVG) wireX() float64  { return (s.lifeL() + s.lifeR()) / 2 }

// peerX is the lifeline of the peer in slot k (lab serve).
func (s *SVG) peerX(k int) float64 { return s.lifeL() + float64(k+1)*svgSlot*svgCell }

// wideCells is how many cells a line across the whole diagram has.
func (s *SVG) wideCells() int {
	return int((s.Width() - s.leftX() - svgPad) / svgCell)
}

// row is one row being built.
type svgRowBuf struct {
	s      *SVG
	ev     *lab.Event
	fold   *view.Fold
	top    float64
	lines  int     // text lines
	extra  float64 // height beyond the lines (a heading box)
	body   strings.Builder
	over   strings.Builder // drawn after the text: arrows
	seq    int
	kind   string
	marker int
	ends   []string // serve: peers whose lifeline ends in this row
	starts map[string]float64
}

func (s *SVG) newRow(seq int, kind string) *svgRowBuf {
	return &svgRowBuf{s: s, top: s.y, seq: seq, kind: kind, starts: map[string]float64{}}
}

// newItemRow is a row that draws a view item: it keeps what its Detail
// needs.
func (s *SVG) newItemRow(it view.Item, kind string) *svgRowBuf {
	r := s.newRow(it.Event.Seq, kind)
	e := detailEvent(it.Event)
	r.ev = &e
	if it.Kind == view.Folded {
		f := it.Fold
		r.fold = &f
	}
	return r
}

// baseline is the baseline of text line i of the row.
func (r *svgRowBuf) baseline(i int) float64 { return r.top + r.extra + float64(i+1)*svgLine - 6 }

// mid is the height of the middle of the row's first line: where its
// arrows start and end.
func (r *svgRowBuf) mid() float64 { return r.top + r.extra + svgLine/2 }

func (r *svgRowBuf) height() float64 {
	return r.extra + float64(max(r.lines, 1))*svgLine + 4
}

// text adds a line of text at x (anchor "start", "middle" or "end").
func (r *svgRowBuf) text(i int, x float64, anchor, class, fill, s string, bold bool) {
	// Leading spaces are an indent: an offset, so no viewer collapses them.
	trimmed := strings.TrimLeft(s, " ")
	x += float64(len(s)-len(trimmed)) * svgCell
	if trimmed == "" {
		return
	}
	weight := ""
	if bold {
		weight = ` font-weight="bold"`
	}
	a := ""
	if anchor != "start" {
		a = ` text-anchor="` + anchor + `"`
	}
	fmt.Fprintf(&r.body, `<text class="%s" x="%s" y="%s" fill="%s"%s%s>%s</text>`, class, num(x), num(r.baseline(i)), fill, a, weight, esc(trimmed))
}

// halo draws the last text added over a white outline, so the lifelines
// it crosses do not cut through it.
func (r *svgRowBuf) halo() {
	t := r.body.String()
	i := strings.LastIndex(t, "<text ")
	if i < 0 {
		return
	}
	r.body.Reset()
	r.body.WriteString(t[:i] + `<text stroke="#fff" stroke-width="4" paint-order="stroke" ` + t[i+len("<text "):])
}

// textMarked is text whose first characters are a marker (①), drawn in
// the key colour.
func (r *svgRowBuf) textMarked(i int, x float64, class, fill, marker, s string, bold bool) {
	rest, ok := strings.CutPrefix(s, marker)
	if marker == "" || !ok {
		r.text(i, x, "start", class, fill, s, bold)
		return
	}
	weight := ""
	if bold {
		weight = ` font-weight="bold"`
	}
	fmt.Fprintf(&r.body, `<text class="%s" x="%s" y="%s" fill="%s"%s><tspan class="marker" fill="%s" font-weight="bold">%s</tspan>%s</text>`,
		class, num(x), num(r.baseline(i)), fill, weight, svgKey, esc(marker), esc(rest))
}

// finish turns the row into markup, with the lifeline segments it crosses
// under everything else, and adds it to the diagram.
func (r *svgRowBuf) finish() {
	s := r.s
	h := r.height()
	bottom := r.top + h
	var b strings.Builder
	fmt.Fprintf(&b, `<g class="row" data-i="%d" data-kind="%s"`, s.next, r.kind)
	if r.seq > 0 {
		fmt.Fprintf(&b, ` data-seq="%d"`, r.seq)
	}
	if r.marker > 0 {
		fmt.Fprintf(&b, ` data-marker="%d"`, r.marker)
	}
	b.WriteString(">")
	if r.ev != nil { // where a click selects the row
		fmt.Fprintf(&b, `<rect class="hit" x="0" y="%s" width="%s" height="%s" fill="#fff" fill-opacity="0"/>`, num(r.top), num(s.Width()), num(h))
	}
	if r.kind != "run" {
		b.WriteString(s.lifelines(r, bottom))
	}
	b.WriteString(r.body.String())
	b.WriteString(r.over.String())
	b.WriteString("</g>")
	s.rows = append(s.rows, SVGRow{Index: s.next, Seq: r.seq, Top: r.top, Height: h, Markup: b.String(), ev: r.ev, fold: r.fold})
	s.next++
	s.y = bottom
	for _, who := range r.ends {
		if p := s.peers[who]; p != nil {
			s.slots[p.slot] = ""
			delete(s.peers, who)
		}
	}
	// Past maxRows the oldest rows go, a quarter of them at a time, so
	// dropping costs no more than keeping.
	if s.max > 0 && len(s.rows) > s.max+s.max/4 {
		n := len(s.rows) - s.max
		s.rows = append([]SVGRow(nil), s.rows[n:]...)
		s.dropped += n
	}
}

// lifelines are the segments of every lifeline the row crosses.
func (s *SVG) lifelines(r *svgRowBuf, bottom float64) string {
	var b strings.Builder
	seg := func(class, color string, x, from, to float64, dash bool) {
		d := ""
		if dash {
			d = ` stroke-dasharray="4 4"`
		}
		fmt.Fprintf(&b, `<line class="%s" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"%s/>`,
			class, num(x), num(from), num(x), num(to), color, d)
	}
	if s.serve {
		seg("life life-server", svgServer, s.lifeL(), r.top, bottom, false)
		for k, who := range s.slots {
			if who == "" {
				continue
			}
			from, to := r.top, bottom
			if y, ok := r.starts[who]; ok {
				from = y
			}
			for _, end := range r.ends {
				if end == who {
					to = r.mid()
				}
			}
			seg("life life-peer", svgMuted, s.peerX(k), from, to, false)
		}
		return b.String()
	}
	left, right := svgClient, svgServer
	if s.v.Lanes().Proxy {
		left, right = svgProxy, svgProxy
	}
	seg("life life-left", left, s.lifeL(), r.top, bottom, false)
	seg("life life-right", right, s.lifeR(), r.top, bottom, false)
	if s.wire {
		seg("life life-wire", svgMuted, s.wireX(), r.top, bottom, true)
	}
	return b.String()
}

// sideColor is the colour of a side's calls.
func (s *SVG) sideColor(e lab.Event) string {
	switch e.Side {
	case lab.Client:
		return svgClient
	case lab.Server:
		return svgServer
	case lab.Proxy:
		return svgProxy
	}
	return svgLab
}
