package web

// What a page asks the lab to do: press a key of the stepper, start a run,
// stop it.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"socketlab/lab"
	"socketlab/lab/render"
)

// keyOf is the key a page sends: the terminal's, by the same names.
func keyOf(name string) (lab.Key, bool) {
	switch name {
	case "n", "enter", "right", "":
		return lab.KeyNext, true
	case " ", "space", "p":
		return lab.KeyPause, true
	case "c":
		return lab.KeyContinue, true
	case "q":
		return lab.KeyQuit, true
	}
	return 0, false
}

func (s *Server) key(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Key string `json:"key"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.refuse(w, r, http.StatusBadRequest, lab.T("a key is sent as {\"key\": \"n\"}", "按键的格式是 {\"key\": \"n\"}"))
		return
	}
	k, ok := keyOf(req.Key)
	if !ok {
		s.refuse(w, r, http.StatusBadRequest, lab.Tf("unknown key %q (n, space, c, q)", "未知的按键 %q（n、空格、c、q）", req.Key))
		return
	}
	if k == lab.KeyQuit {
		// The answer goes out first: quitting may end the process before
		// a later write (the page, or a test, read EOF instead of 204).
		w.WriteHeader(http.StatusNoContent)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		s.stopRun()
		if s.o.Quit != nil {
			s.o.Quit()
		}
		return
	}
	if !s.o.Feed.Press(k) {
		s.refuse(w, r, http.StatusTooManyRequests, lab.T("keys are coming faster than the run takes them", "按键来得比运行处理得快"))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// run starts a demo the page asked for, stopping the one before.
func (s *Server) run(w http.ResponseWriter, r *http.Request) {
	if s.o.Mode != ModeWeb || s.o.Run == nil {
		s.refuse(w, r, http.StatusConflict, lab.T("this page shows a run the terminal started; it cannot start another",
			"这个页面显示的是终端启动的运行，不能再启动另一个"))
		return
	}
	var req struct {
		Demo string   `json:"demo"`
		Set  []string `json:"set"`
		Step bool     `json:"step"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.refuse(w, r, http.StatusBadRequest, lab.T(`a run is asked for as {"demo": "4", "set": ["mode=cork"], "step": true}`,
			`请求运行的格式是 {"demo": "4", "set": ["mode=cork"], "step": true}`))
		return
	}
	d, ok := s.demo(req.Demo)
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": render.Texts{En: fmt.Sprintf("unknown demo %q", req.Demo), Zh: fmt.Sprintf("没有演示 %q", req.Demo)}})
		return
	}
	p, err := lab.ParseParams(d.Knobs, req.Set)
	if err != nil {
		// The same words as lab run --set says them.
		var ke *lab.KnobError
		why := lab.T(err.Error(), err.Error())
		if errors.As(err, &ke) {
			why = ke.Text
		}
		why = lab.Text{En: fmt.Sprintf("demo %s: %s", d.Name(), why.En), Zh: fmt.Sprintf("演示 %s：%s", d.Name(), why.Zh)}
		hint := d.KnobHint()
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": render.Texts{En: why.En, Zh: why.Zh}, "hint": render.Texts{En: hint.En, Zh: hint.Zh}})
		return
	}
	s.startRun(d, p, req.Step)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// startRun stops the page's run, if any, and starts d.
func (s *Server) startRun(d lab.Demo, p lab.Params, step bool) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	s.stopRun()
	s.o.Feed.Drain()
	s.hub.Reset(step)
	ctx, cancel := context.WithCancelCause(s.ctx)
	done := make(chan struct{})
	s.mu.Lock()
	s.cancel, s.done = cancel, done
	s.mu.Unlock()
	req := RunRequest{Demo: d, Params: p, Step: step, Sink: s.hub,
		Keys: s.hub.Keys(lab.MergeKeys(nil, s.o.Feed)), Show: s.hub.Show(nil)}
	go func() {
		defer close(done)
		err := s.o.Run(ctx, req)
		s.hub.Finish() // what the view still folds (a run quit has no summary)
		s.hub.Ended(err)
	}()
}

// stopRun stops the page's run and waits for it to end.
func (s *Server) stopRun() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.cancel, s.done = nil, nil
	s.mu.Unlock()
	if cancel != nil {
		cancel(lab.ErrQuit)
		<-done
	}
}
