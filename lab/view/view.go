// Package view decides what a person reads of a trace: which events to
// show, which to hide (the lab's own barriers and scaffolding), which runs
// of like calls fold into one line, which events carry a marker (①) that
// the finding about them repeats, and which lane each goes in. Every
// renderer people read (text lanes, Markdown, SVG, the web page) draws what
// a View hands it, so all of them hide, fold and mark alike; the JSON trace
// does none of this and lists every event.
//
//	events ──Push──▶ View ──items──▶ renderer
//	                  │ hidden: wait/signal, --show setup/go details
//	                  │ folded: the 5th and later like calls on one socket
//	                  │ marked: key calls (Side.Key) ①②…, their findings too
//
// A View is live: it hands out every item as soon as it can be drawn,
// never the whole run at the end. A folded run is drawn when something
// else is drawn, as one line that names the seqs it covers; the lines come
// in the order of their last calls, so the time column never goes back.
// A run that goes on after its line keeps folding, into a line of its own.
package view

import (
	"slices"
	"strings"
	"time"

	"socketlab/lab"
)

// FoldAt is how many like calls are drawn before the rest fold.
const FoldAt = 4

// Options say what to show.
type Options struct {
	// Show lists the --show categories to reveal: lab.DetailBarriers,
	// lab.DetailSetup, lab.DetailGo.
	Show []string
	Full bool // fold nothing (--full)
}

// Kind is what an Item asks a renderer to draw.
type Kind int

// The kinds of items.
const (
	Draw     Kind = iota + 1 // Event, in its lane, with Marker if it is a key event
	Folded                   // Fold: a run of like calls, one line
	Progress                 // Event was folded away but carries a transfer's progress
	NewRun                   // Event is a run line (lab.OpRun): a new run starts
)

// Item is one thing a renderer draws.
type Item struct {
	Kind  Kind
	Event lab.Event // Draw, Progress, NewRun; for Folded the run's last call
	Fold  Fold      // Folded

	// Marker is the number of a key event's marker (1 for ①), 0 if none.
	Marker int
	// Markers are, for a finding, the markers of the events it points at.
	Markers []int

	Right       bool // in the right-hand lane (the server's, or upstream for a proxy)
	FacesServer bool // the socket has the server at its other end: its sends flow right
	// Compact asks for the call line and one line of bytes only: a like
	// call after the first of its run, whose bytes the first showed in full.
	Compact bool
}

// Fold is a run of like calls drawn as one line: "⋯ 1,021 more recv(1024)
// calls, 1,045,504 bytes, 1..1024 each".
type Fold struct {
	Side        lab.Role
	Who         string
	Conn        int
	Op          lab.Op
	Call        string
	Calls       int   // calls folded
	Bytes       int64 // bytes they moved
	Lo, Hi      int   // the fewest and most bytes one of them moved
	First, Last int   // seqs of the first and last folded call
	T           time.Duration
}

// owner is a kind of call on one program's socket: a run of like calls
// belongs to one. A socket that alternates two kinds (a proxy's send and
// recv, a header's recv(4) and its body's recv(1024)) has two runs.
type owner struct {
	side lab.Role
	who  string
	conn int
	op   lab.Op
	call string
}

type run struct {
	shown int // calls drawn
	fold  Fold
	last  lab.Event
}

// View turns events into items. It is not safe for concurrent use; a
// renderer pushes events in seq order.
type View struct {
	o       Options
	show    map[string]bool
	runs    map[owner]*run
	order   []owner        // owners of open runs, in the order they opened
	markers map[string]int // a key step's marker
	marked  map[int]int    // seq → marker of a key event
	lanes   Lanes
}

// New returns a view.
func New(o Options) *View {
	v := &View{o: o, show: map[string]bool{}}
	for _, s := range o.Show {
		v.show[s] = true
	}
	v.reset()
	return v
}

func (v *View) reset() {
	v.runs = map[owner]*run{}
	v.order = nil
	v.markers = map[string]int{}
	v.marked = map[int]int{}
	v.lanes = Lanes{}
}

// Shows reports whether a --show category is revealed.
func (v *View) Shows(detail string) bool { return v.show[detail] }

// Foldable reports whether e may fold into a run of like calls: a data call
// that moved bytes, without an error, a cut, a name or a marker.
func Foldable(e lab.Event) bool { return like(e) && e.Step == "" && !e.Key }

// like reports whether e is a data call that moved bytes without an error
// or a cut: one of a run, drawn or folded. A named or key one is always
// drawn, and counts as one of the run's drawn calls.
func like(e lab.Event) bool {
	if e.Op == lab.OpPacket && e.Packet != nil { // a segment of a transfer; never a SYN, a FIN or a reset
		f := e.Packet.Flags
		return !strings.Contains(f, "SYN") && !strings.Contains(f, "FIN") && !strings.Contains(f, "RST")
	}
	return e.Op.IsData() && e.Err == "" && e.N > 0 && !e.Trunc
}

// kind is what makes calls alike: the call label, or for a packet its
// flags and its direction.
func kind(e lab.Event) string {
	if e.Op == lab.OpPacket && e.Packet != nil {
		return e.Packet.Flags + " " + e.Packet.Dir
	}
	return e.Call
}

// Push takes the next event and returns what can be drawn now.
func (v *View) Push(e lab.Event) []Item {
	if e.Op == lab.OpRun {
		out := v.flush()
		v.reset()
		return append(out, Item{Kind: NewRun, Event: e})
	}
	right, faces := v.lanes.place(e)
	if d := e.DetailOf(); d != "" && !v.show[d] {
		return nil
	}
	if !v.o.Full && like(e) {
		return v.fold(e, right, faces)
	}
	out := v.flush()
	v.runs, v.order = map[owner]*run{}, nil
	it := Item{Kind: Draw, Event: e, Right: right, FacesServer: faces}
	switch {
	case e.Key:
		it.Marker = v.mark(e)
	case e.Op == lab.OpFinding:
		it.Markers = v.markersOf(e.Evidence)
	}
	return append(out, it)
}

// mark returns the marker of key event e: its step's, given in the order
// the key steps first appear.
func (v *View) mark(e lab.Event) int {
	m, ok := v.markers[e.Step]
	if !ok {
		m = len(v.markers) + 1
		v.markers[e.Step] = m
	}
	v.marked[e.Seq] = m
	return m
}

// markersOf are the distinct markers of the events seqs, in order.
func (v *View) markersOf(seqs []int) []int {
	var out []int
	for _, s := range seqs {
		if m, ok := v.marked[s]; ok && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out
}

// fold draws e if it starts a run or is among its first FoldAt calls, and
// counts it otherwise.
func (v *View) fold(e lab.Event, right, faces bool) []Item {
	k := owner{e.Side, e.Who, e.Conn, e.Op, kind(e)}
	r := v.runs[k]
	var out []Item
	if r == nil {
		r = &run{}
		v.runs[k] = r
		v.order = append(v.order, k)
	}
	r.last = e
	if named := !Foldable(e); named || r.shown < FoldAt {
		r.shown++
		// A call drawn here comes after what the runs folded so far.
		out = append(out, v.flush()...)
		it := Item{Kind: Draw, Event: e, Right: right, FacesServer: faces, Compact: r.shown > 1 && !named}
		if e.Key {
			it.Marker = v.mark(e)
		}
		return append(out, it)
	}
	f := &r.fold
	if f.Calls == 0 {
		*f = Fold{Side: e.Side, Who: e.Who, Conn: e.Conn, Op: e.Op, Call: kind(e), Lo: e.N, Hi: e.N, First: e.Seq}
	}
	f.Calls++
	f.Bytes += int64(e.N)
	f.Lo, f.Hi = min(f.Lo, e.N), max(f.Hi, e.N)
	f.Last, f.T = e.Seq, e.T
	if e.Total > 0 {
		out = append(out, Item{Kind: Progress, Event: e, Right: right, FacesServer: faces})
	}
	return out
}

// line takes what run r folded so far as its fold line (none if nothing).
func (v *View) line(r *run) []Item {
	if r.fold.Calls == 0 {
		return nil
	}
	right, faces := v.lanes.of(r.last)
	it := Item{Kind: Folded, Event: r.last, Fold: r.fold, Right: right, FacesServer: faces}
	r.fold = Fold{}
	return []Item{it}
}

// flush draws what every open run folded so far, in the order of their
// last calls; the runs stay open and go on folding.
func (v *View) flush() []Item {
	var out []Item
	for _, k := range v.order {
		out = append(out, v.line(v.runs[k])...)
	}
	byLast(out)
	return out
}

// byLast sorts fold lines by their last calls.
func byLast(lines []Item) {
	slices.SortFunc(lines, func(a, b Item) int { return a.Fold.Last - b.Fold.Last })
}

// Flush ends every open run: call it when the trace ends without a summary.
func (v *View) Flush() []Item { return v.flush() }
