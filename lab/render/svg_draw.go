package render

// Drawing each kind of item the view hands the diagram: a run's heads, a
// banner, a call with its label.

import (
	"fmt"
	"strings"

	"socketlab/lab"
	"socketlab/lab/view"
)

// draw draws one item of the view, by its kind.
func (s *SVG) draw(it view.Item) {
	e := it.Event
	switch it.Kind {
	case view.NewRun:
		s.newRun(e.Run)
		return
	case view.Progress:
		return
	}
	switch {
	case e.Op == lab.OpFinding:
		r := s.lastRun()
		r.Findings = append(r.Findings, SVGFinding{ID: e.ID, OK: e.OK, Markers: Markers(it.Markers), Text: e.Text})
		return
	case e.Op == lab.OpSummary:
		ev := e
		s.lastRun().Summary = &ev
		return
	case e.Side == lab.Wire:
		s.drawWire(it)
		return
	case e.Side == lab.System && it.Kind == view.Draw:
		s.drawBanner(it)
		return
	}
	if s.serve {
		s.drawServe(it)
		return
	}
	s.drawCall(it)
}

// newRun starts a run: its title and brief, and the heads of its
// lifelines. Several runs (lab run all) follow each other in one diagram.
func (s *SVG) newRun(info *lab.RunInfo) {
	s.runInfo = info
	run := SVGRun{Info: info}
	if info != nil {
		run.Title = s.runTitle(info)
	}
	s.runs = append(s.runs, run)
	s.serve = info != nil && info.Command == "serve"
	s.wire, s.slots, s.peers = false, nil, map[string]*svgPeer{}
	s.socks, s.ends, s.dgrams = map[int]*svgSock{}, map[string]int{}, map[string][]svgAnchor{}
	r := s.newRow(0, "run")
	if s.y > 0 {
		r.extra = svgLine // space after the run before
	}
	i := 0
	if info != nil {
		for _, l := range Wrap(s.runTitle(info), s.wideCells()) {
			r.text(i, s.leftX(), "start", "label title", svgInk, l, true)
			i++
		}
		for _, l := range Wrap(s.tr(info.Brief), s.wideCells()) {
			r.text(i, s.leftX(), "start", "label brief", svgMuted, l, false)
			i++
		}
	}
	r.lines = i + 2
	boxY := r.top + r.extra + float64(i)*svgLine + 6
	if s.serve {
		head(&r.body, s.lifeL(), boxY, lab.Server.Name(s.o.Lang), svgServer)
	} else {
		// The lanes' names come from the view once it has seen an event:
		// a proxy's trace is told by its first one.
		left, right := lab.Client.Name(s.o.Lang), lab.Server.Name(s.o.Lang)
		lc, rc := svgClient, svgServer
		if info != nil && info.Command == "proxy" {
			left = lab.T("proxy ⇄ client", "代理 ⇄ 客户端").In(s.o.Lang)
			right = lab.T("proxy ⇄ server (upstream)", "代理 ⇄ 服务端（上游）").In(s.o.Lang)
			lc, rc = svgProxy, svgProxy
		}
		head(&r.body, s.lifeL(), boxY, left, lc)
		head(&r.body, s.lifeR(), boxY, right, rc)
	}
	fmt.Fprintf(&r.body, `<text class="label time-head" x="%s" y="%s" fill="%s" text-anchor="end">%s</text>`,
		num(s.timeX()), num(boxY+svgLine-5), svgMuted, esc(s.tr(lab.T("ms", "毫秒"))))
	r.finish()
}

// head draws the box that names a lifeline, centred on x, its top at y.
func head(b *strings.Builder, x, y float64, name, color string) {
	w := float64(Width(name)+2) * svgCell
	fmt.Fprintf(b, `<g class="head"><rect x="%s" y="%s" width="%s" height="%s" rx="4" fill="#fff" stroke="%s" stroke-width="2"/>`,
		num(x-w/2), num(y), num(w), num(svgLine+6), color)
	fmt.Fprintf(b, `<text class="label head-name" x="%s" y="%s" fill="%s" text-anchor="middle" font-weight="bold">%s</text></g>`,
		num(x), num(y+svgLine-2), color, esc(name))
}

// time writes the time column of a row.
func (r *svgRowBuf) time(t string) {
	fmt.Fprintf(&r.body, `<text class="label time" x="%s" y="%s" fill="%s" text-anchor="end">%s</text>`,
		num(r.s.timeX()), num(r.baseline(0)), svgMuted, esc(strings.TrimSpace(t)))
}

// drawBanner draws a note of the lab across the diagram: a section heading
// with a rule, or an explanation.
func (s *SVG) drawBanner(it view.Item) {
	e := it.Event
	text := s.tr(e.Text)
	if e.Op != lab.OpNote {
		text = e.Op.String()
	}
	r := s.newItemRow(it, "note")
	if e.Name == "section" {
		r.extra = svgLine / 2
		lines := Wrap(text, s.wideCells())
		for i, l := range lines {
			r.text(i, s.leftX(), "start", "label section", svgInk, l, true)
		}
		r.lines = len(lines)
		y := r.top + r.extra/2
		fmt.Fprintf(&r.body, `<line class="rule" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#999" stroke-width="1"/>`,
			num(s.leftX()), num(y), num(s.Width()-svgPad), num(y))
		r.finish()
		return
	}
	lines := Wrap("ℹ "+text, s.wideCells())
	for i, l := range lines {
		if i > 0 {
			l = "  " + l
		}
		r.text(i, s.leftX(), "start", "label banner", svgLab, l, false)
		r.halo()
	}
	r.lines = len(lines)
	r.time(timeStamp(e.T))
	r.finish()
}

// lines lays an item out as the lines of its label, at most w cells wide:
// the call line, one line of its bytes (and their UTF-8 reading when it is
// not plain ASCII), warnings and errors. The bytes in full and in hex are
// the detail a page shows on a click.
func (s *SVG) lines(it view.Item, w int) []line {
	if it.Kind == view.Folded {
		return foldLines(it.Fold, s.o.Lang, w)
	}
	e := it.Event
	if !e.Op.IsData() || e.N == 0 || len(e.Data) == 0 {
		return s.text.cell(it, w)
	}
	it.Compact = true
	out := s.text.cell(it, w)
	shown := e.Data[:min(len(e.Data), viewBytes(s.o.Width))]
	repr := PyBytes(shown)
	if len(shown) < e.N {
		repr = repr[:len(repr)-1] + "…"
	}
	tag := ""
	if e.Who != "" {
		tag = strings.Repeat(" ", Width("["+e.Who+"] "))
	}
	for i, l := range out {
		if i > 0 && l.text == tag+repr {
			if d, ok := decodedPart(shown, len(shown) == e.N); ok {
				u := line{tag + "utf-8: " + d, nil}
				out = append(out[:i+1], append([]line{u}, out[i+1:]...)...)
			}
			break
		}
	}
	return out
}

// styleOf is the class and colour of a line the text renderer styled.
func (s *SVG) styleOf(l line, first bool, e lab.Event) (class, fill string, bold bool) {
	p := s.text.pal
	switch l.c {
	case p.bad:
		return "label err", svgBad, true
	case p.warn:
		return "label warn", svgWarn, false
	case p.heading:
		return "label part", svgInk, true
	case p.key:
		return "label call key", s.sideColor(e), true
	}
	if first {
		return "label call", s.sideColor(e), false
	}
	return "label bytes", svgInk, false
}

// label writes an item's lines at x, each fitted to a lane.
func (s *SVG) label(r *svgRowBuf, x float64, ls []line, e lab.Event, marker string) {
	for i, l := range ls {
		class, fill, bold := s.styleOf(l, i == 0, e)
		if e.Op == lab.OpNote && l.c == nil {
			class, fill = "label note", s.sideColor(e)
		}
		text := Fit(l.text, svgLabel)
		if i == 0 {
			r.textMarked(i, x, class, fill, marker, text, bold)
		} else {
			r.text(i, x, "start", class, fill, text, bold)
		}
	}
	r.lines = len(ls)
}

// drawCall draws a call (or a fold line, or a side's note) in its lane,
// with the arrows it ends.
func (s *SVG) drawCall(it view.Item) {
	e := it.Event
	kind := e.Op.String()
	if it.Kind == view.Folded {
		kind = "fold"
	}
	r := s.newItemRow(it, kind)
	r.marker = it.Marker
	x, life := s.leftX(), s.lifeL()
	if it.Right {
		x, life = s.rightX(), s.lifeR()
	}
	ls := s.lines(it, svgLabel)
	marker := ""
	if it.Marker > 0 {
		marker = Marker(it.Marker)
	}
	s.label(r, x, ls, e, marker)
	t := e.T
	if it.Kind == view.Folded {
		t = it.Fold.T
	}
	r.time(timeStamp(t))
	if it.Kind == view.Draw && e.Conn > 0 && e.Op != lab.OpNote {
		s.connect(r, it, life)
	}
	r.finish()
}
