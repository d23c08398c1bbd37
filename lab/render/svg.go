package render

import (
	"fmt"
	"io"
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
