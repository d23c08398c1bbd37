package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

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

// stateJSON is what the page shows beside the diagram, in one language.
type stateJSON struct {
	Mode     string        `json:"mode"`
	Phase    string        `json:"phase"`
	Step     bool          `json:"step"`
	Gen      int           `json:"gen"`
	Demo     *demoJSON     `json:"demo"`
	Announce *announceJSON `json:"announce"`
	Findings []findingJSON `json:"findings"`
	Verdict  *verdictJSON  `json:"verdict"`
	Err      string        `json:"err,omitempty"`
	Info     string        `json:"info,omitempty"`
}

type demoJSON struct {
	ID      int               `json:"id"`
	Slug    string            `json:"slug"`
	Title   string            `json:"title"`
	Brief   string            `json:"brief"`
	Command string            `json:"command"`
	Params  map[string]string `json:"params,omitempty"`
}

type announceJSON struct {
	N      int    `json:"n"`
	Side   string `json:"side"`
	Role   string `json:"role"`
	Who    string `json:"who,omitempty"`
	Call   string `json:"call"`
	Note   string `json:"note"`
	Paused bool   `json:"paused"`
	Help   string `json:"help"`
}

type findingJSON struct {
	ID      string `json:"id"`
	OK      bool   `json:"ok"`
	Markers string `json:"markers"`
	Text    string `json:"text"`
}

type verdictJSON struct {
	Text string `json:"text"`
	How  string `json:"how"`
}

// state is the page's state in language l. Call it with mu held.
func (h *Hub) state(l lab.Lang) stateJSON {
	st := stateJSON{Mode: h.mode, Phase: h.phase, Step: h.step, Gen: h.gen, Err: h.fail, Info: h.info.In(l), Findings: []findingJSON{}}
	s := h.svgs[l]
	if info := s.Run(); info != nil {
		st.Demo = &demoJSON{ID: info.ID, Slug: info.Demo, Title: info.Title.In(l), Brief: info.Brief.In(l), Command: info.Command, Params: info.Params}
	}
	if runs := s.Runs(); len(runs) > 0 {
		last := runs[len(runs)-1]
		for _, f := range last.Findings {
			st.Findings = append(st.Findings, findingJSON{ID: f.ID, OK: f.OK, Markers: f.Markers, Text: f.Text.In(l)})
		}
		if last.Summary != nil {
			v, how := render.Verdict(*last.Summary)
			st.Verdict = &verdictJSON{Text: v.In(l), How: how}
		}
	}
	if a := h.ann; a != nil {
		st.Announce = &announceJSON{N: h.anns, Side: a.Side.Name(l), Role: string(a.Side), Who: a.Who, Call: a.Call, Note: a.Note.In(l),
			Paused: a.Paused, Help: lab.KeyHelp(*a).In(l)}
	}
	return st
}

// cursor is how far one page's stream has read.
type cursor struct {
	gen, next, version int
}

// message is one server-sent event.
type message struct {
	event string
	data  any
}

type resetJSON struct {
	Gen    int     `json:"gen"`
	SVG    string  `json:"svg"`
	Next   int     `json:"next"`
	Width  float64 `json:"width"`
	Top    float64 `json:"top"`
	Height float64 `json:"height"`
}

type rowsJSON struct {
	Gen    int      `json:"gen"`
	Rows   []string `json:"rows"`
	Next   int      `json:"next"`
	Width  float64  `json:"width"`
	Top    float64  `json:"top"`
	Height float64  `json:"height"`
}

// maxBatch is the most rows one message carries.
const maxBatch = 500

// news is what a page at cursor c has not seen, and the channel that is
// closed when there is more.
func (h *Hub) news(c *cursor, l lab.Lang) ([]message, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.svgs[l]
	var out []message
	rows, ok := s.Rows(c.next)
	if c.gen != h.gen || !ok {
		c.gen, c.next = h.gen, s.Next()
		out = append(out, message{"reset", resetJSON{Gen: h.gen, SVG: s.Document(true), Next: c.next, Width: s.Width(), Top: s.Top(), Height: s.Height()}})
	} else if len(rows) > 0 {
		rows = rows[:min(len(rows), maxBatch)]
		m := rowsJSON{Gen: h.gen, Next: rows[len(rows)-1].Index + 1, Width: s.Width(), Top: s.Top(), Height: s.Height()}
		for _, r := range rows {
			m.Rows = append(m.Rows, r.Markup)
		}
		c.next = m.Next
		out = append(out, message{"rows", m})
	}
	if c.version != h.version || len(out) > 0 && out[0].event == "reset" {
		c.version = h.version
		out = append(out, message{"state", h.state(l)})
	}
	ch := h.changed
	if c.next < s.Next() { // more rows than one batch: go on at once
		closed := make(chan struct{})
		close(closed)
		return out, closed
	}
	return out, ch
}

// keepAlive is how often a quiet stream says it is still there.
const keepAlive = 15 * time.Second

// writeTimeout bounds one write to a page: a page that stops reading loses
// its stream (it reconnects and gets the whole diagram), never the run.
const writeTimeout = 30 * time.Second

// stream serves one page's server-sent events until it goes away.
func (h *Hub) stream(ctx context.Context, w http.ResponseWriter, l lab.Lang) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// A page that loses the stream tries again after 1 s.
	if _, err := fmt.Fprint(w, "retry: 1000\n\n"); err != nil {
		return
	}
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	var c cursor
	for {
		msgs, more := h.news(&c, l)
		rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		for _, m := range msgs {
			b, err := json.Marshal(m.data)
			if err != nil {
				return
			}
			if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", m.event, b); err != nil {
				return
			}
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-more:
		case <-tick.C:
			rc.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}

// isQuit reports whether err is the learner's q.
func isQuit(err error) bool { return errors.Is(err, lab.ErrQuit) }
