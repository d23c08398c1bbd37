package web

import (
	"bytes"
	"context"
	"sync"

	"socketlab/lab"
	"socketlab/lab/render"
)

// Hub is what every open page shows: the run drawn as a sequence diagram
// (one render.SVG per language, fed the same events), what the run is
// doing (running, waiting for a key and which call it will make, over),
// and its findings. It is a lab.Sink: the run's queue hands it each event,
// and it only draws and wakes the pages; it never writes to a page, so a
// slow or stuck page cannot slow the run. Each page's stream reads what is
// new at its own pace: the rows it has not seen, or the whole diagram
// when it connects, reconnects or fell behind the rows the hub keeps
// (MaxRows: a two-hour class is not replayed from its first event).
type Hub struct {
	mode    string
	maxRows int
	lesson  render.LessonFunc

	mu      sync.Mutex
	gen     int // a new diagram (lab web's next run)
	svgs    map[lab.Lang]*render.SVG
	phase   string
	step    bool // the run is in step mode
	ann     *lab.Announcement
	anns    int // announcements so far: a page (and a test) tells a new one from the last
	fail    string
	info    lab.Text
	version int           // of everything but the rows
	changed chan struct{} // closed (and replaced) on every change
}

// The modes of a page.
const (
	ModeWeb   = "web"   // lab web: the catalogue, runs started from the page
	ModeRun   = "run"   // lab run --web: the terminal's run, stepped from either
	ModeServe = "serve" // lab serve --web: the classroom view, a lifeline per peer
)

// The phases of a run, as the page shows them.
const (
	phaseIdle    = "idle"
	phaseWaiting = "waiting"
	phaseRunning = "running"
	phaseStep    = "step"
	phasePaused  = "paused"
	phaseDone    = "done"
	phaseFailed  = "failed"
	phaseStopped = "stopped"
	phaseServing = "serving"
)

// MaxRows is how many rows of the diagram the hub keeps for a page that
// connects: more than any demo draws, a long class's last hour or so.
const MaxRows = 4000

// NewHub returns the hub of a page in one of the modes. lesson, which may
// be nil, gives the lesson of the demo a run is of (for the export).
func NewHub(mode string, lesson render.LessonFunc) *Hub {
	h := &Hub{mode: mode, maxRows: MaxRows, lesson: lesson, changed: make(chan struct{})}
	h.phase = phaseIdle
	if mode != ModeWeb {
		h.phase = phaseWaiting
	}
	h.newDiagram()
	return h
}

func (h *Hub) newDiagram() {
	h.svgs = map[lab.Lang]*render.SVG{}
	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		h.svgs[l] = render.NewSVG(nil, render.Options{Lang: l}, h.maxRows)
	}
	h.gen++
}

// wake tells every page something changed. Call it with mu held.
func (h *Hub) wake() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// Needs is what the diagrams and their details show of each call.
func (h *Hub) Needs() int { return h.svgs[lab.En].Needs() }

// Emit draws one event.
func (h *Hub) Emit(e lab.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.svgs {
		s.Emit(e)
	}
	switch e.Op {
	case lab.OpRun:
		h.phase, h.fail, h.ann = phaseRunning, "", nil
		if e.Run != nil && e.Run.Command == "serve" {
			h.phase = phaseServing
		}
		h.version++
	case lab.OpSummary:
		h.phase, h.ann = phaseDone, nil
		if e.Err != "" {
			h.phase, h.fail = phaseFailed, e.Err
		}
		h.version++
	case lab.OpFinding:
		h.version++
	}
	h.wake()
}

// Finish draws what the diagrams still fold.
func (h *Hub) Finish() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.svgs {
		s.Finish()
	}
	h.wake()
}

// Reset starts a new diagram for the next run of lab web.
func (h *Hub) Reset(step bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.newDiagram()
	h.phase, h.step, h.ann, h.fail = phaseWaiting, step, nil, ""
	h.version++
	h.wake()
}

// SetStep says whether the run is in step mode (its keys make calls).
func (h *Hub) SetStep(on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.step = on
	h.version++
	h.wake()
}

// SetInfo sets a line the page shows under its status: where to connect.
func (h *Hub) SetInfo(t lab.Text) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.info = t
	h.version++
	h.wake()
}

// Ended records how a run ended when its summary does not say it (the
// learner quit, the run could not start).
func (h *Hub) Ended(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ann = nil
	switch {
	case err == nil:
		if h.phase != phaseFailed {
			h.phase = phaseDone
		}
	case isQuit(err):
		h.phase = phaseStopped
	default:
		h.phase, h.fail = phaseFailed, err.Error()
	}
	h.version++
	h.wake()
}

// Announce shows a step announcement: who is about to call what, and why.
func (h *Hub) Announce(a lab.Announcement) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ann = &a
	h.anns++
	h.phase = phaseStep
	if a.Paused {
		h.phase = phasePaused
	}
	h.version++
	h.wake()
}

// taken clears the announcement once a key answered it.
func (h *Hub) taken() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ann == nil {
		return
	}
	h.ann = nil
	if h.phase == phaseStep || h.phase == phasePaused {
		h.phase = phaseRunning
	}
	h.version++
	h.wake()
}

// Show wraps a stepper's Show: the announcement goes to the page too.
// show may be nil (the page is the only place it is shown).
func (h *Hub) Show(show func(lab.Announcement, lab.Lang) string) func(lab.Announcement, lab.Lang) string {
	return func(a lab.Announcement, l lab.Lang) string {
		h.Announce(a)
		if show == nil {
			return ""
		}
		return show(a, l)
	}
}

// Keys wraps the keys a stepper waits on, so the page's announcement goes
// away once a key (from either place) answered it.
func (h *Hub) Keys(k lab.Keys) lab.Keys { return &hubKeys{Keys: k, h: h} }

type hubKeys struct {
	lab.Keys
	h *Hub
}

func (k *hubKeys) Key(ctx context.Context) (lab.Key, error) {
	key, err := k.Keys.Key(ctx)
	if err == nil {
		k.h.taken()
	}
	return key, err
}

// Detail is the detail of row i of diagram gen, if it is still kept.
func (h *Hub) Detail(gen, i int) (render.Detail, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if gen != h.gen {
		return render.Detail{}, false
	}
	return h.svgs[lab.En].Detail(i)
}

// Export writes the diagram as it stands: an HTML file or an SVG.
func (h *Hub) Export(format string, l lab.Lang) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b bytes.Buffer
	switch format {
	case "svg":
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
		b.WriteString(h.svgs[l].Document(true))
	default:
		if err := render.WriteHTML(&b, l, h.svgs[lab.En], h.svgs[lab.Zh], h.lesson); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

// demoOf is the demo of the run drawn, for the page's lesson.
func (h *Hub) demoOf() *lab.RunInfo { return h.svgs[lab.En].Run() }
