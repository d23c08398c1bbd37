package render

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"socketlab/lab"
	"socketlab/lab/view"
)

// SVG draws a run as a sequence diagram: a lifeline for the client and one
// for the server, time flowing down, and an arrow from each send to the
// recv that got its bytes, so two sends merged into one recv show as two
// arrows meeting in one point (and a shaded wedge between them), a send read
// in pieces as arrows fanning out. It draws what a view.View hands it, as the
// text lanes do, so hiding, folding and markers (①) agree with them:
//
//	  ms   ┌ client ┐                      ┌ server ┐
//	1.245  #2 send() → 5/5 bytes ●╲             │
//	1.275  #2 send() → 5/5 bytes ●─╲──╮         │
//	                                ╲  ╲        │
//	1.386                  │          ▶▶● ② #3 recv(1024) → 10 bytes
//
// Segments the capture saw (side "wire") go in a wire lane between the
// lifelines. A `lab serve` trace gets a lifeline for every connected peer
// ([c1], [c2] …), each arrow between the server and that peer.
//
// Text is measured in terminal cells (Width: CJK two cells) and a cell is
// 0.6 em of a monospace font, so labels fit their columns without a
// browser measuring them. The diagram is built row by row, each drawn item
// one row (a <g> of its own, with its lifeline segments): a live page
// appends rows as they come (Rows) and a reconnecting one takes the whole
// Document, which is also what --format svg writes and the HTML export
// embeds. With maxRows set (NewSVG), only the last rows (a few more at
// times) are kept.
type SVG struct {
	w    io.Writer // where Finish writes the document; nil for a live diagram
	o    Options
	text *Text // lays out cells without colour
	v    *view.View
	max  int

	rows    []SVGRow
	next    int     // Index of the next row
	dropped int     // rows dropped from the front (maxRows)
	y       float64 // top of the next row
	serve   bool    // a lab serve trace: a lifeline per peer
	wire    bool    // the wire lane is drawn (a packet was seen)
	slots   []string
	peers   map[string]*svgPeer
	socks   map[int]*svgSock
	ends    map[string]int         // "local>peer" of a connected socket → its id
	dgrams  map[string][]svgAnchor // "from>to" → datagrams drawn and not yet received
	runInfo *lab.RunInfo
	runs    []SVGRun
	err     error
}

// SVGRun is what "What happened" says of one run of the diagram.
type SVGRun struct {
	Info     *lab.RunInfo
	Title    string // in the diagram's language
	Findings []SVGFinding
	Summary  *lab.Event // nil until the run ends
}

// SVGRow is one drawn item of the diagram: its markup (a <g> element) and
// where it sits.
type SVGRow struct {
	Index       int     // 0 for the first row of the diagram, then 1, 2 …
	Seq         int     // the event drawn (for a fold line its last call)
	Top, Height float64 // in the diagram's units
	Markup      string

	ev   *lab.Event // what the row drew, for its Detail; nil for a run's title
	fold *view.Fold
}

// svgSock is what the diagram knows of one socket.
type svgSock struct {
	local, peer string
	pair        int        // the socket at the other end, 0 if unknown
	sends       []svgSend  // drawn sends whose bytes are not all read yet
	open        *svgAnchor // its connect() or accept()
	closed      *svgAnchor // its close() or shutdown()
	left        bool       // in the left lane
}

// svgSend is a drawn send: its bytes in the stream and its anchor.
type svgSend struct {
	from, to int64
	at       svgAnchor
}

// svgAnchor is a point on a lifeline where a call was drawn.
type svgAnchor struct {
	x, y float64
	seq  int
	key  bool
}

// svgPeer is the lifeline of one peer of a lab serve trace.
type svgPeer struct {
	slot int
	x    float64
	conn int
}

// Diagram measures. The unit is a CSS pixel at the natural size.
const (
	svgFont  = 14.0
	svgCell  = svgFont * 0.6 // one terminal cell of a monospace font
	svgLine  = 20.0
	svgPad   = 12.0
	svgTimeW = 8  // cells of the time column
	svgLabel = 36 // cells of a lane's labels
	svgGap   = 22 // cells between the two lifelines
	svgSlot  = 5  // cells between two peer lifelines (lab serve)
	// svgMinSlots peer slots are always there: a serve diagram's title and
	// notes have room before its first peer comes.
	svgMinSlots = 8
)

// The colours: the lanes' hues of the text renderer, darkened for white.
const (
	svgInk    = "#222"
	svgMuted  = "#666"
	svgClient = "#b3261e"
	svgServer = "#1558a8"
	svgProxy  = "#8e24aa"
	svgLab    = "#00695c"
	svgKey    = "#6a1b9a"
	svgBad    = "#c62828"
	svgWarn   = "#b54700"
	svgFonts  = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, 'Noto Sans Mono CJK SC', monospace"
)

// NewSVG returns a sequence-diagram renderer. Finish writes the diagram to
// w; a live diagram (w nil) is read with Rows and Document instead.
// maxRows bounds the rows kept (0: all).
func NewSVG(w io.Writer, o Options, maxRows int) *SVG {
	o.Color, o.Live = false, false
	if o.Width <= 0 {
		o.Width = 120
	}
	return &SVG{w: w, o: o, text: NewText(io.Discard, o), v: view.New(view.Options{Show: o.Show, Full: o.Full}),
		max: maxRows, peers: map[string]*svgPeer{}, socks: map[int]*svgSock{}, ends: map[string]int{}, dgrams: map[string][]svgAnchor{}}
}

// Needs is what the diagram shows of each call: one line of its bytes,
// and in a row's Detail the first DetailBytes.
func (s *SVG) Needs() int {
	if n := s.text.Needs(); n < 0 {
		return n
	}
	return max(s.text.Needs(), DetailBytes)
}

// Err returns the error of writing the document, if any.
func (s *SVG) Err() error { return s.err }

func (s *SVG) tr(t lab.Text) string { return t.In(s.o.Lang) }

// Emit draws one event.
func (s *SVG) Emit(e lab.Event) {
	for _, it := range s.v.Push(e) {
		s.draw(it)
	}
}

// Finish draws what is still folded and writes the document to the writer
// given to NewSVG, if any.
func (s *SVG) Finish() {
	for _, it := range s.v.Flush() {
		s.draw(it)
	}
	if s.w != nil && s.err == nil {
		_, s.err = io.WriteString(s.w, s.Document(true))
	}
}

// Rows returns the rows whose Index is from or later. ok is false when some
// of them were dropped already (maxRows): take the whole Document instead.
func (s *SVG) Rows(from int) (rows []SVGRow, ok bool) {
	first := s.next - len(s.rows)
	if from < first {
		return nil, false
	}
	if from >= s.next {
		return nil, true
	}
	return append([]SVGRow(nil), s.rows[from-first:]...), true
}

// Next is the Index the next row will have.
func (s *SVG) Next() int { return s.next }

// Width is the diagram's width: it grows when a lab serve trace gets more
// peers at once than before.
func (s *SVG) Width() float64 {
	if s.serve {
		return s.peerX(max(len(s.slots), svgMinSlots)-1) + svgSlot*svgCell/2 + svgPad
	}
	return s.rightX() + svgLabel*svgCell + svgPad
}

// Top is where the first kept row begins, Height where the diagram ends.
func (s *SVG) Top() float64 {
	if len(s.rows) == 0 {
		return 0
	}
	if s.dropped > 0 {
		return s.rows[0].Top - svgLine
	}
	return s.rows[0].Top
}

// Height is where the diagram ends.
func (s *SVG) Height() float64 { return s.y + svgPad }

// Run is the run line of the run drawn, nil before it.
func (s *SVG) Run() *lab.RunInfo { return s.runInfo }

// SVGFinding is one line of "What happened", with the markers of the
// calls it is about.
type SVGFinding struct {
	ID      string
	OK      bool
	Markers string
	Text    lab.Text
}

// Runs are the runs drawn so far (several after lab run all), each with
// its findings and their markers.
func (s *SVG) Runs() []SVGRun {
	out := append([]SVGRun(nil), s.runs...)
	for i := range out {
		out[i].Findings = append([]SVGFinding(nil), out[i].Findings...)
	}
	return out
}

// lastRun is the run being drawn; a trace without a run line gets one.
func (s *SVG) lastRun() *SVGRun {
	if len(s.runs) == 0 {
		s.runs = append(s.runs, SVGRun{})
	}
	return &s.runs[len(s.runs)-1]
}

// Detail is the detail of the row with Index i, if the diagram still
// keeps it.
func (s *SVG) Detail(i int) (Detail, bool) {
	first := s.next - len(s.rows)
	if i < first || i >= s.next || s.rows[i-first].ev == nil {
		return Detail{}, false
	}
	r := s.rows[i-first]
	return detailOf(r.Index, *r.ev, r.fold), true
}

// Details are the details of every row kept that has one.
func (s *SVG) Details() []Detail {
	var out []Detail
	for _, r := range s.rows {
		if r.ev != nil {
			out = append(out, detailOf(r.Index, *r.ev, r.fold))
		}
	}
	return out
}

// Document is the whole diagram as one <svg> element; standalone adds the
// XML namespace a file of its own needs (inline in HTML it is implied).
func (s *SVG) Document(standalone bool) string {
	var b strings.Builder
	w, top := s.Width(), s.Top()
	h := s.Height() - top
	ns := ""
	if standalone {
		ns = ` xmlns="http://www.w3.org/2000/svg"`
	}
	fmt.Fprintf(&b, `<svg%s class="seq" viewBox="0 %s %s %s" width="%s" height="%s" font-family="%s" font-size="%s" xml:space="preserve" role="img">`,
		ns, num(top), num(w), num(h), num(w), num(h), svgFonts, num(svgFont))
	b.WriteString("\n")
	if title := s.title(); title != "" {
		fmt.Fprintf(&b, "<title>%s</title>\n", esc(title))
	}
	fmt.Fprintf(&b, `<rect class="bg" x="0" y="%s" width="%s" height="%s" fill="#fff"/>`+"\n", num(top), num(w), num(h))
	if s.dropped > 0 {
		fmt.Fprintf(&b, `<text class="label dropped" x="%s" y="%s" fill="%s">%s</text>`+"\n", num(s.leftX()), num(top+svgLine-6), svgMuted,
			esc(s.tr(lab.Tf("⋯ %s earlier rows are not shown here (the JSON trace has every event)",
				"⋯ 前面还有 %s 行没有显示在这里（JSON 跟踪里有每一个事件）", thousands(int64(s.dropped))))))
	}
	b.WriteString(`<g class="rows">` + "\n")
	for _, r := range s.rows {
		b.WriteString(r.Markup)
		b.WriteString("\n")
	}
	b.WriteString("</g>\n</svg>\n")
	return b.String()
}

// title names the diagram for a screen reader and a file viewer.
func (s *SVG) title() string {
	if s.runInfo == nil {
		return ""
	}
	return s.runTitle(s.runInfo)
}

func (s *SVG) runTitle(info *lab.RunInfo) string {
	name := info.Demo
	if info.ID > 0 {
		name = fmt.Sprintf("%d %s", info.ID, info.Demo)
	}
	if info.Command != "" && info.Command != "run" {
		name = "lab " + info.Command + " " + name
	}
	if t := s.tr(info.Title); t != "" {
		name += " — " + t
	}
	return name
}

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

// connect draws the call's dot on its lifeline and the arrows it ends: from
// the sends whose bytes a recv got, from the connect() an accept() took,
// from the close() an EOF reports; and remembers the call for the arrows
// that will end later.
func (s *SVG) connect(r *svgRowBuf, it view.Item, life float64) {
	e := it.Event
	k := s.sock(e.Conn, !it.Right)
	at := svgAnchor{x: life, y: r.mid(), seq: e.Seq, key: it.Marker > 0}
	color := s.sideColor(e)
	fmt.Fprintf(&r.over, `<circle class="dot" cx="%s" cy="%s" r="4" fill="%s"/>`, num(at.x), num(at.y), color)
	switch e.Op {
	case lab.OpConnect, lab.OpAccept:
		k.local, k.peer = e.Local, e.Peer
		k.open = &at
		if k.local != "" && k.peer != "" {
			s.ends[k.local+">"+k.peer] = e.Conn
			if id, ok := s.ends[k.peer+">"+k.local]; ok && id != e.Conn {
				k.pair = id
				p := s.socks[id]
				p.pair = e.Conn
				if p.open != nil {
					from, to := *p.open, at
					if e.Op == lab.OpConnect { // drawn after its accept: the arrow still goes client → server
						from, to = at, *p.open
					}
					s.arrow(&r.over, from, to, "arrow arrow-connect", svgMuted, true, p.open.seq, e.Seq)
				}
			}
		}
	case lab.OpBind, lab.OpListen:
		if e.Local != "" {
			k.local = e.Local
		}
	case lab.OpClose, lab.OpShutdown:
		k.closed = &at
	case lab.OpSend, lab.OpSendAll:
		if e.N > 0 {
			k.sends = append(k.sends, svgSend{from: e.Offset, to: e.Offset + int64(e.N), at: at})
		}
	case lab.OpSendTo:
		if k.local != "" && e.Peer != "" && e.Err == "" {
			key := k.local + ">" + e.Peer
			s.dgrams[key] = append(s.dgrams[key], at)
		}
	case lab.OpRecv:
		p := s.socks[k.pair]
		switch {
		case p == nil:
		case e.N > 0:
			s.received(r, p, e, at)
		case e.Err == "" && p.closed != nil:
			s.arrow(&r.over, *p.closed, at, "arrow arrow-eof", svgMuted, true, p.closed.seq, e.Seq)
		}
	case lab.OpRecvFrom:
		if k.local != "" && e.Peer != "" && e.Err == "" {
			key := e.Peer + ">" + k.local
			if q := s.dgrams[key]; len(q) > 0 {
				s.arrow(&r.over, q[0], at, "arrow arrow-data", s.arrowColor(q[0], at), false, q[0].seq, e.Seq)
				s.dgrams[key] = q[1:]
			}
		}
	}
}

// received draws the arrows from the sends of p whose bytes recv e got:
// one each, and when there are several, a shaded wedge between them, so a
// merged recv visibly spans the sends it merged.
func (s *SVG) received(r *svgRowBuf, p *svgSock, e lab.Event, at svgAnchor) {
	from, to := e.Offset, e.Offset+int64(e.N)
	var fed []svgSend
	keep := p.sends[:0]
	for _, snd := range p.sends {
		if snd.to > from && snd.from < to {
			fed = append(fed, snd)
		}
		if snd.to > to {
			keep = append(keep, snd)
		}
	}
	p.sends = keep
	if len(fed) > 1 {
		a, b := fed[0].at, fed[len(fed)-1].at
		fill := "#888"
		if at.key {
			fill = svgKey
		}
		fmt.Fprintf(&r.over, `<polygon class="merge" points="%s,%s %s,%s %s,%s" fill="%s" fill-opacity="0.12"/>`,
			num(a.x), num(a.y), num(b.x), num(b.y), num(at.x), num(at.y), fill)
	}
	for _, snd := range fed {
		s.arrow(&r.over, snd.at, at, "arrow arrow-data", s.arrowColor(snd.at, at), false, snd.at.seq, e.Seq)
	}
}

// arrowColor is the colour of an arrow: the key colour when either end is
// a key call, else ink.
func (s *SVG) arrowColor(a, b svgAnchor) string {
	if a.key || b.key {
		return svgKey
	}
	return svgInk
}

// sock is what the diagram knows of a socket, made on its first call.
func (s *SVG) sock(conn int, left bool) *svgSock {
	k := s.socks[conn]
	if k == nil {
		k = &svgSock{}
		s.socks[conn] = k
	}
	k.left = left
	return k
}

// arrow draws an arrow from a to b with its head at b.
func (s *SVG) arrow(b *strings.Builder, a, to svgAnchor, class, color string, dashed bool, fromSeq, toSeq int) {
	width := "1.5"
	if color == svgKey {
		width = "3"
	}
	dx, dy := to.x-a.x, to.y-a.y
	n := math.Hypot(dx, dy)
	if n < 1 {
		return
	}
	ux, uy := dx/n, dy/n
	// The line stops at the dot; the head's tip touches it.
	tipX, tipY := to.x-ux*4, to.y-uy*4
	baseX, baseY := tipX-ux*10, tipY-uy*10
	d := ""
	if dashed {
		d = ` stroke-dasharray="6 4"`
	}
	fmt.Fprintf(b, `<g class="%s" data-from="%d" data-to="%d"><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"%s/>`,
		class, fromSeq, toSeq, num(a.x), num(a.y), num(baseX), num(baseY), color, width, d)
	fmt.Fprintf(b, `<polygon points="%s,%s %s,%s %s,%s" fill="%s"/></g>`,
		num(tipX), num(tipY), num(baseX-uy*5), num(baseY+ux*5), num(baseX+uy*5), num(baseY-ux*5), color)
}

// drawWire draws a packet in the wire lane, between the lifelines: its
// flags and length, pointing the way it went.
func (s *SVG) drawWire(it view.Item) {
	e := it.Event
	s.wire = true
	r := s.newItemRow(it, "packet")
	cells := svgGap - 2
	text := wireLabel(e, s.o.Lang)
	toRight := true
	if p := e.Packet; p != nil {
		switch {
		case p.From == lab.Server || p.To == lab.Client:
			toRight = false
		case p.From == "" && p.To == "":
			if k := s.socks[e.Conn]; k != nil {
				toRight = k.left
			}
		}
	}
	if toRight {
		text += " ▶"
	} else {
		text = "◀ " + text
	}
	lines := Wrap(text, cells)
	for i, l := range lines {
		fmt.Fprintf(&r.body, `<text class="label wire" x="%s" y="%s" fill="%s" text-anchor="middle" stroke="#fff" stroke-width="4" paint-order="stroke">%s</text>`,
			num(s.wireX()), num(r.baseline(i)), svgLab, esc(l))
	}
	r.lines = len(lines)
	r.time(timeStamp(e.T))
	if s.serve {
		r.lines = max(r.lines, 1)
	}
	r.finish()
}

// wireLabel is what the wire lane says of a packet: "SYN, ACK", "PSH, ACK
// 5 B", "UDP 12 B", or for a TCP_INFO line its text.
func wireLabel(e lab.Event, l lab.Lang) string {
	p := e.Packet
	switch {
	case p == nil || e.Op != lab.OpPacket:
		if t := e.Text.In(l); t != "" {
			return t
		}
		if e.Call != "" {
			return e.Call
		}
		return e.Op.String()
	case p.Flags == "":
		return fmt.Sprintf("%s %d B", strings.ToUpper(p.Proto), p.Len)
	case p.Len > 0:
		return fmt.Sprintf("%s %d B", p.Flags, p.Len)
	}
	return p.Flags
}

// drawServe draws an event of a lab serve trace: the label in the server's
// lane, and for a peer's connection an arrow between the server's lifeline
// and that peer's, which begins at its accept() and ends at its close().
func (s *SVG) drawServe(it view.Item) {
	e := it.Event
	kind := e.Op.String()
	if it.Kind == view.Folded {
		kind = "fold"
	}
	r := s.newItemRow(it, kind)
	r.marker = it.Marker
	who := e.Who
	if it.Kind == view.Folded {
		who = it.Fold.Who
	}
	var peer *svgPeer
	if who != "" && e.Side == lab.Server {
		peer = s.peers[who]
		if peer == nil && it.Kind == view.Draw {
			peer = s.newPeer(who, e.Conn)
			r.extra = svgLine + 10
			r.starts[who] = r.top + svgLine + 6
			head(&r.body, peer.x, r.top+2, who, svgMuted)
		}
	}
	ls := s.lines(it, svgLabel)
	marker := ""
	if it.Marker > 0 {
		marker = Marker(it.Marker)
	}
	s.label(r, s.leftX(), ls, e, marker)
	t := e.T
	if it.Kind == view.Folded {
		t = it.Fold.T
	}
	r.time(timeStamp(t))
	if peer != nil && it.Kind == view.Draw {
		srv := svgAnchor{x: s.lifeL(), y: r.mid(), seq: e.Seq, key: it.Marker > 0}
		far := svgAnchor{x: peer.x, y: r.mid(), seq: e.Seq}
		fmt.Fprintf(&r.over, `<circle class="dot" cx="%s" cy="%s" r="4" fill="%s"/>`, num(srv.x), num(srv.y), svgServer)
		color := s.arrowColor(srv, far)
		switch {
		case e.Op == lab.OpAccept:
			s.arrow(&r.over, far, srv, "arrow arrow-connect", svgMuted, true, e.Seq, e.Seq)
		case e.Op.IsRecv() && e.N > 0:
			s.arrow(&r.over, far, srv, "arrow arrow-data", color, false, e.Seq, e.Seq)
		case e.Op.IsRecv() && e.Err == "":
			s.arrow(&r.over, far, srv, "arrow arrow-eof", svgMuted, true, e.Seq, e.Seq)
		case e.Op.IsData() && e.N > 0:
			s.arrow(&r.over, srv, far, "arrow arrow-data", color, false, e.Seq, e.Seq)
		case e.Op == lab.OpClose && e.Conn == peer.conn:
			s.arrow(&r.over, srv, far, "arrow arrow-close", svgMuted, true, e.Seq, e.Seq)
			fmt.Fprintf(&r.over, `<text class="label end" x="%s" y="%s" fill="%s" text-anchor="middle">×</text>`,
				num(peer.x+svgCell), num(r.baseline(0)), svgMuted)
			r.ends = append(r.ends, who)
		}
	}
	r.finish()
}

// newPeer gives a peer the first free lifeline slot.
func (s *SVG) newPeer(who string, conn int) *svgPeer {
	k := 0
	for k < len(s.slots) && s.slots[k] != "" {
		k++
	}
	if k == len(s.slots) {
		s.slots = append(s.slots, "")
	}
	s.slots[k] = who
	p := &svgPeer{slot: k, x: s.peerX(k), conn: conn}
	s.peers[who] = p
	return p
}

// num writes a coordinate with one decimal at most.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// esc escapes text for XML: peer bytes are text, never markup.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
