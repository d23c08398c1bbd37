package web

// What a page reads of the hub: its state as JSON, and the stream of
// changes (new rows, a new diagram, the state) that keeps it current.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"socketlab/lab"
	"socketlab/lab/render"
)

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
