// Package render turns a run's events into what a person or a program reads:
// side-by-side lanes for a terminal ([Text]), JSON lines ([JSON]) and
// Markdown ([Markdown]). Each renderer is a lab.Sink, so it prints every
// event as it happens. What people read goes through a view.View first,
// which hides the lab's scaffolding, folds runs of like calls and marks the
// key calls, so every view of a run agrees; rendering depends only on the
// events, never on the sockets, so it is tested with golden files, and a
// saved JSON trace replays to the same text.
package render

import (
	"fmt"
	"io"
	"strings"
	"time"

	"socketlab/lab"
	"socketlab/lab/view"
)

// Options shape the text and Markdown output.
type Options struct {
	Lang  lab.Lang
	Width int      // terminal columns; below TwoLaneMin one interleaved lane
	Color bool     // ANSI colours
	Full  bool     // show every byte and every call instead of folding
	Live  bool     // a terminal: draw a progress bar that redraws in place
	Show  []string // --show categories to reveal (lab.DetailBarriers, …)
}

// TwoLaneMin is the narrowest width that gets client and server side by side.
const TwoLaneMin = 100

const (
	timeW   = 9 // "   12.345"
	gutterW = 5 // " ──▶ "
	tagW    = 8 // one-lane side tag
	foldAt  = 4 // hex rows shown before folding
)

// Text renders events as lanes: time flows down, the client on the left and
// the server on the right, or one interleaved lane with side tags when the
// terminal is narrow.
type Text struct {
	w       io.Writer
	o       Options
	v       *view.View
	pal     palette
	lanes   int
	laneW   int
	started bool // the lanes' header of this run is printed
	err     error
	bar     int // the percentage the progress bar shows, -1 when none is drawn

	run      *lab.RunInfo // the run being drawn, nil before its run line
	findings []view.Item  // this run's findings, printed with its summary
	results  []runResult  // every run's summary, for the table of lab run all
}

// NewText returns a text renderer writing to w.
func NewText(w io.Writer, o Options) *Text {
	if o.Width <= 0 {
		o.Width = 120
	}
	o.Width = max(o.Width, 40)
	r := &Text{w: w, o: o, bar: -1, v: view.New(view.Options{Show: o.Show, Full: o.Full}), pal: newPalette(o.Color)}
	if o.Width >= TwoLaneMin {
		r.lanes = 2
		r.laneW = (o.Width - timeW - gutterW - 1) / 2
	} else {
		r.lanes = 1
		r.laneW = o.Width - timeW - tagW - 1
	}
	return r
}

// Needs is how many bytes of each part of a call the text view shows: it
// never looks further, so a renderer given more draws the same.
func (r *Text) Needs() int {
	if r.o.Full {
		return -1
	}
	return viewBytes(r.o.Width)
}

// viewBytes is how many bytes of each part of a call a view at width w
// reads: enough for the hex rows it shows and a b'…' line wider than any
// lane.
func viewBytes(w int) int { return max(256, w) }

// Err returns the first write error, if any.
func (r *Text) Err() error { return r.err }

func (r *Text) tr(t lab.Text) string { return t.In(r.o.Lang) }

func (r *Text) printf(format string, args ...any) {
	r.clearBar()
	if r.err == nil {
		_, r.err = fmt.Fprintf(r.w, format, args...)
	}
}

// line is one line of an event's cell, with its style.
type line struct {
	text string
	c    style // nil: the lane's own colour
}

// Emit renders one event.
func (r *Text) Emit(e lab.Event) {
	for _, it := range r.v.Push(e) {
		r.draw(it)
	}
}

// Finish ends the output: what is still folded, and after several runs
// (lab run all) the table of every run.
func (r *Text) Finish() {
	for _, it := range r.v.Flush() {
		r.draw(it)
	}
	r.clearBar()
	if len(r.results) > 1 {
		r.printf("\n%s\n", r.pal.heading.Sprint(r.tr(lab.T("All demos", "全部演示"))))
		r.printf("%s", summaryTable(r.results, r.o.Lang, r.o.Width))
	}
}

func (r *Text) draw(it view.Item) {
	e := it.Event
	switch it.Kind {
	case view.NewRun:
		r.newRun(e.Run)
		return
	case view.Progress:
		r.drawBar(e)
		return
	}
	if !r.started && e.Op != lab.OpSummary && e.Op != lab.OpFinding {
		r.started = true
		r.writeHeader()
	}
	switch {
	case it.Kind == view.Folded && e.Op == lab.OpPacket:
		r.wireRow(it, foldPacketText(it.Fold, r.o.Lang))
	case e.Op == lab.OpPacket:
		r.wireRow(it, PacketText(e.Packet, r.o.Lang))
	case it.Kind == view.Folded:
		r.rows(it, r.foldCell(it.Fold))
	case e.Op == lab.OpFinding:
		r.findings = append(r.findings, it)
	case e.Op == lab.OpSummary:
		r.summary(e)
	case e.Side == lab.System:
		r.banner(e)
	default:
		r.rows(it, r.cell(it, r.laneW))
	}
}

// newRun starts drawing a run: a demo's title and brief, and with several
// runs (lab run all) a rule between them.
func (r *Text) newRun(info *lab.RunInfo) {
	if r.run != nil || len(r.results) > 0 {
		r.printf("\n%s\n", r.pal.heading.Sprint(strings.Repeat("═", r.o.Width)))
	}
	r.run, r.started, r.findings = info, false, nil
	if info == nil || info.Command != "run" || info.ID == 0 {
		return
	}
	r.printf("%s\n", r.pal.heading.Sprint(Fit(fmt.Sprintf("%d %s — %s", info.ID, info.Demo, r.tr(info.Title)), r.o.Width)))
	for _, l := range Wrap(r.tr(info.Brief), r.o.Width) {
		r.printf("%s\n", l)
	}
	r.printf("\n")
}

func (r *Text) writeHeader() {
	if r.lanes == 1 {
		r.printf("%s\n", Pad(r.tr(lab.T("     ms  side", "   毫秒  角色")), timeW+tagW)+r.tr(lab.T("call and bytes", "调用与字节")))
		return
	}
	left, server := r.v.Lanes().Names(r.o.Lang)
	client := Pad(left, r.laneW)
	r.printf("%s%s%s%s\n", Pad(r.tr(lab.T("     ms", "   毫秒")), timeW+1),
		r.pal.side(lab.Client).Sprint(client), strings.Repeat(" ", gutterW), r.pal.side(lab.Server).Sprint(server))
	rule := strings.Repeat("─", r.laneW)
	r.printf("%s\n", strings.Repeat(" ", timeW+1)+rule+strings.Repeat(" ", gutterW)+rule)
}

// rows prints an item's cell in its lane.
func (r *Text) rows(it view.Item, cell []line) {
	e := it.Event
	stamp := timeStamp(e.T)
	if it.Kind == view.Folded {
		stamp = timeStamp(it.Fold.T)
	}
	sc := r.pal.side(e.Side)
	for i, l := range cell {
		t := stamp
		if i > 0 {
			t = ""
		}
		c := l.c
		if c == nil {
			c = sc
		}
		fitted := Fit(l.text, r.laneW)
		text := c.Sprint(fitted) + strings.Repeat(" ", r.laneW-Width(fitted))
		if r.lanes == 1 {
			tag := ""
			if i == 0 {
				tag = view.Tag(e, it.Right, r.o.Lang)
			}
			row := Pad(t, timeW-1) + " " + sc.Sprint(tag) + strings.Repeat(" ", tagW-Width(tag)) + text
			r.printf("%s\n", strings.TrimRight(row, " "))
			continue
		}
		gutter := strings.Repeat(" ", gutterW)
		if i == 0 && it.Kind == view.Draw {
			gutter = arrow(e, it.FacesServer)
			if it.Marker > 0 {
				gutter = strings.ReplaceAll(gutter, "─", "═")
				gutter = r.pal.key.Sprint(gutter)
			}
		}
		left, rightText := text, ""
		if it.Right {
			left, rightText = strings.Repeat(" ", r.laneW), text
		}
		row := Pad(t, timeW-1) + " " + left + gutter + rightText
		r.printf("%s\n", strings.TrimRight(row, " "))
	}
}

// arrow shows which way the bytes of a data call flow between the lanes,
// made on a socket that faces the server (the client's) or not.
func arrow(e lab.Event, facesServer bool) string {
	datagram := e.Op == lab.OpSendTo || e.Op == lab.OpRecvFrom
	if !e.Op.IsData() || e.Err != "" && e.N == 0 || e.N == 0 && !datagram {
		return "     "
	}
	toServer := facesServer != e.Op.IsRecv()
	if toServer {
		return " ──▶ "
	}
	return " ◀── "
}

// banner prints a lab-wide note across all lanes: a section heading or an
// explanation.
func (r *Text) banner(e lab.Event) {
	text := r.tr(e.Text)
	if e.Name == "section" {
		r.printf("\n%s\n", r.pal.heading.Sprint("── "+Fit(text, r.o.Width-4)+" "))
		return
	}
	for i, l := range Wrap(text, r.o.Width-timeW-3) {
		lead := "ℹ "
		if i > 0 {
			lead = "  "
		}
		r.printf("%s %s\n", strings.Repeat(" ", timeW), r.pal.side(lab.System).Sprint(lead+l))
	}
}

// Announce formats a step-mode announcement in the lanes' colours.
func (r *Text) Announce(a lab.Announcement, l lab.Lang) string {
	c := r.pal.side(a.Side)
	who := ""
	if a.Who != "" {
		who = " [" + a.Who + "]"
	}
	head := fmt.Sprintf("▸ %s%s %s", a.Side.Name(l), who, a.Call)
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", timeW) + " " + c.Sprint(r.pal.heading.Sprint(Fit(head, r.o.Width-timeW-1))) + "\n")
	for _, s := range Wrap(a.Note.In(l), r.o.Width-timeW-3) {
		b.WriteString(strings.Repeat(" ", timeW+3) + s + "\n")
	}
	for _, s := range Wrap(lab.KeyHelp(a).In(l), r.o.Width-timeW-3) {
		b.WriteString(strings.Repeat(" ", timeW+3) + s + "\n")
	}
	return b.String()
}

// timeStamp writes t in milliseconds in the time column's 8 cells, with
// fewer decimals as it grows.
func timeStamp(t time.Duration) string {
	ms := float64(t.Microseconds()) / 1000
	switch {
	case ms < 10000:
		return fmt.Sprintf("%8.3f", ms)
	case ms < 1000000:
		return fmt.Sprintf("%8.1f", ms)
	}
	return fmt.Sprintf("%7.0fs", ms/1000)
}
