// Package web is the lab's browser view, for projection in a classroom: a
// page that draws the run live as a sequence diagram (render.SVG, the same
// renderer as --format svg and html), shows the lesson beside it, and
// steps the run with the same keys as the terminal. One binary, offline:
// the page, its script and styles are embedded; updates come as
// server-sent events; no framework, no CDN.
//
//	run ── queue ──▶ Hub (Emit: draw rows, wake) ◀── /events (each page reads at its own pace)
//	                  ▲
//	page ── POST /api/key, /api/run (token) ──▶ KeyFeed ──▶ the stepper (MergeKeys)
//
// Safety: it listens on loopback unless told otherwise (and warns then);
// a request whose Host is not this server's gets 421 (DNS rebinding);
// cross-origin requests that change anything get 403
// (http.CrossOriginProtection); a control request (POST) must carry the
// token the lab printed (in the URL's fragment, never sent by the browser
// on its own) as the X-Lab-Token header, or it gets 403. Watching (GET
// and the events) is open unless Private. The page never runs anything
// it receives: the diagram is markup the lab made and the page filters;
// peer bytes are text.
package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"socketlab/lab"
	"socketlab/lab/render"
)

// RunFunc runs a demo the page asked for, until it ends or ctx does. The
// run draws into r.Sink, takes its keys from r.Keys and shows its step
// announcements with r.Show.
type RunFunc func(ctx context.Context, r RunRequest) error

// RunRequest is a run the page asked for: the demo, its knobs (already
// checked), and where its events, keys and announcements go.
type RunRequest struct {
	Demo   lab.Demo
	Params lab.Params
	Step   bool
	Sink   lab.Sink
	Keys   lab.Keys
	Show   func(lab.Announcement, lab.Lang) string
}

// Options configure a Server.
type Options struct {
	Addr    string   // host:port; port 0 lets the kernel pick
	Lang    lab.Lang // the page's first language
	Private bool     // viewing needs the token too
	Mode    string   // ModeWeb, ModeRun or ModeServe
	Demos   []lab.Demo
	Lesson  render.LessonFunc
	Run     RunFunc      // ModeWeb: runs what the page asks for
	Feed    *lab.KeyFeed // where the page's keys go; nil: a feed of its own
	Quit    func()       // called on the page's q, after a page run is stopped
	Warn    io.Writer    // where a warning goes (not loopback); nil: none
	Token   string       // the control token; "" makes a random one
}

// Server is the web view.
type Server struct {
	o     Options
	hub   *Hub
	ln    net.Listener
	token string
	host  string // the listening host as given
	ip    net.IP // nil when host is a name
	port  string
	srv   *http.Server
	ctx   context.Context
	stop  context.CancelFunc

	runMu  sync.Mutex // one start at a time
	mu     sync.Mutex
	cancel context.CancelCauseFunc // of the page's run, nil when none
	done   chan struct{}
}

// Listen opens the server's socket. Serve serves it.
func Listen(o Options) (*Server, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Mode == "" {
		o.Mode = ModeWeb
	}
	if o.Feed == nil {
		o.Feed = lab.NewKeyFeed()
	}
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return nil, fmt.Errorf("--listen %q: %w", o.Addr, err)
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	s := &Server{o: o, ln: ln, host: host, ip: net.ParseIP(host), port: port, token: o.Token}
	if s.token == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			ln.Close()
			return nil, err
		}
		s.token = hex.EncodeToString(b[:])
	}
	s.hub = NewHub(o.Mode, o.Lesson)
	s.ctx, s.stop = context.WithCancel(context.Background())
	if !s.loopback() && o.Warn != nil {
		fmt.Fprintln(o.Warn, lab.Tf("lab: warning: the page listens on %s, not loopback: anyone who can reach this machine can watch it (controlling needs the token; --private hides the view too)",
			"lab：警告：页面在 %s 上监听，不是回环地址：能访问这台机器的人都能观看（控制需要令牌；--private 连观看也要令牌）", ln.Addr()).In(o.Lang))
	}
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	return s, nil
}

// Hub is what the page shows: the sink of the runs.
func (s *Server) Hub() *Hub { return s.hub }

// Feed is where the page's keys go.
func (s *Server) Feed() *lab.KeyFeed { return s.o.Feed }

// Token is the control token.
func (s *Server) Token() string { return s.token }

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// URL is the address to open, with the token (and the language) in its
// fragment, which a browser never sends.
func (s *Server) URL() string {
	host := s.host
	switch {
	case host == "" || s.ip != nil && s.ip.IsUnspecified():
		host = "127.0.0.1"
	}
	return fmt.Sprintf("http://%s/#t=%s&lang=%s", net.JoinHostPort(host, s.port), s.token, s.o.Lang)
}

// Serve serves pages until ctx ends, then stops a run the page started
// and closes every stream.
func (s *Server) Serve(ctx context.Context) error {
	go func() {
		select {
		case <-ctx.Done():
		case <-s.ctx.Done():
		}
		s.stop()
		s.stopRun()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if s.srv.Shutdown(sctx) != nil {
			s.srv.Close() // streams that do not end on their own
		}
	}()
	err := s.srv.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the server.
func (s *Server) Close() {
	s.stop()
	s.srv.Close()
}

// loopback reports whether the server listens on this machine only.
func (s *Server) loopback() bool {
	if s.host == "localhost" {
		return true
	}
	return s.ip != nil && s.ip.IsLoopback()
}

// hostOK reports whether a request's Host names this server: the address
// it listens on, or a loopback name for a loopback server. A name that
// merely resolves here (DNS rebinding) does not.
func (s *Server) hostOK(h string) bool {
	name, port, err := net.SplitHostPort(h)
	if err != nil || port != s.port {
		return false
	}
	name = strings.ToLower(name)
	ip := net.ParseIP(name)
	switch {
	case s.ip == nil: // listening on a name: that name, or loopback for localhost
		return name == strings.ToLower(s.host) || s.host == "localhost" && ip != nil && ip.IsLoopback()
	case ip != nil:
		return s.ip.IsUnspecified() || ip.Equal(s.ip) || ip.IsLoopback() && s.ip.IsLoopback()
	}
	return name == "localhost" && (s.ip.IsLoopback() || s.ip.IsUnspecified())
}

// tokenOK reports whether r carries the control token: as the X-Lab-Token
// header, or for a GET (an EventSource, a download link) as ?t=.
func (s *Server) tokenOK(r *http.Request) bool {
	t := r.Header.Get("X-Lab-Token")
	if t == "" && r.Method == http.MethodGet {
		t = r.URL.Query().Get("t")
	}
	return t != "" && subtle.ConstantTimeCompare([]byte(t), []byte(s.token)) == 1
}

// Handler is the server's handler, with its checks.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	view := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if s.o.Private && !s.tokenOK(r) {
				s.refuse(w, r, http.StatusForbidden, lab.T("this page is private: open the address the lab printed, with its #t=…",
					"这个页面是私有的：请打开实验台打印出的、带 #t=… 的地址"))
				return
			}
			h(w, r)
		}
	}
	control := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if !s.tokenOK(r) {
				s.refuse(w, r, http.StatusForbidden, lab.T("controlling the run needs the token of the address the lab printed (#t=…)",
					"控制运行需要实验台打印出的地址中的令牌（#t=…）"))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			h(w, r)
		}
	}
	mux.HandleFunc("GET /{$}", s.static("index.html"))
	for _, f := range []string{"app.js", "style.css"} {
		mux.HandleFunc("GET /"+f, s.static(f))
	}
	for _, f := range []string{"detail.js", "view.css"} {
		mux.HandleFunc("GET /"+f, s.shared(f))
	}
	mux.HandleFunc("GET /api/ui", s.ui) // the page's words: no data of the run
	mux.HandleFunc("GET /api/catalogue", view(s.catalogue))
	mux.HandleFunc("GET /api/lesson", view(s.lessonHTML))
	mux.HandleFunc("GET /api/detail", view(s.detail))
	mux.HandleFunc("GET /events", view(s.events))
	mux.HandleFunc("GET /export.html", view(s.export("html")))
	mux.HandleFunc("GET /export.svg", view(s.export("svg")))
	mux.HandleFunc("POST /api/key", control(s.key))
	mux.HandleFunc("POST /api/run", control(s.run))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.refuse(w, r, http.StatusForbidden, lab.T("a request from another site was refused", "来自其他网站的请求被拒绝了"))
	}))
	checked := cop.Handler(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if !s.hostOK(r.Host) {
			s.refuse(w, r, http.StatusMisdirectedRequest, lab.Tf("this lab answers to %s, not to %q", "这个实验台只响应 %s，而不是 %q",
				net.JoinHostPort(s.host, s.port), r.Host))
			return
		}
		checked.ServeHTTP(w, r)
	})
}

// refuse answers with an error the page can show in either language.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, code int, why lab.Text) {
	writeJSON(w, code, map[string]any{"error": render.Texts{En: why.En, Zh: why.Zh}})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(b)
}

// static serves one of the page's own files.
func (s *Server) static(name string) http.HandlerFunc {
	b, err := files.ReadFile("assets/" + name)
	if err != nil {
		panic("web: no asset " + name)
	}
	return serveBytes(name, b)
}

// shared serves one of the files the page shares with the HTML export.
func (s *Server) shared(name string) http.HandlerFunc { return serveBytes(name, render.Asset(name)) }

func serveBytes(name string, b []byte) http.HandlerFunc {
	ctype := map[string]string{".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
	t := ctype[name[strings.LastIndex(name, "."):]]
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", t)
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(b)
	}
}

// langOf is the language a request asks for, else the page's first.
func (s *Server) langOf(r *http.Request) lab.Lang {
	if l, err := lab.ParseLang(r.URL.Query().Get("lang")); err == nil {
		return l
	}
	return s.o.Lang
}

func (s *Server) ui(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, render.UIStrings(s.langOf(r), pageStrings))
}

// knobJSON is a knob as the page's form needs it.
type knobJSON struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Default string   `json:"default"`
	Min     int64    `json:"min"`
	Max     int64    `json:"max"`
	Choices []string `json:"choices,omitempty"`
	Help    string   `json:"help"`
	Range   string   `json:"range"`
}

type catDemoJSON struct {
	ID    int        `json:"id"`
	Slug  string     `json:"slug"`
	Title string     `json:"title"`
	Brief string     `json:"brief"`
	Knobs []knobJSON `json:"knobs"`
}

var kindNames = map[lab.Kind]string{lab.KindInt: "int", lab.KindSize: "size", lab.KindString: "string", lab.KindEnum: "enum", lab.KindBool: "bool"}

func (s *Server) catalogue(w http.ResponseWriter, r *http.Request) {
	l := s.langOf(r)
	out := struct {
		Mode  string        `json:"mode"`
		Demos []catDemoJSON `json:"demos"`
	}{Mode: s.o.Mode, Demos: []catDemoJSON{}}
	for _, d := range s.o.Demos {
		cd := catDemoJSON{ID: d.ID, Slug: d.Slug, Title: d.Title.In(l), Brief: d.Brief.In(l), Knobs: []knobJSON{}}
		for _, k := range d.Knobs {
			cd.Knobs = append(cd.Knobs, knobJSON{Name: k.Name, Kind: kindNames[k.Kind], Default: k.Default, Min: k.Min, Max: k.Max,
				Choices: k.Choices, Help: k.Help.In(l), Range: k.RangeIn(l)})
		}
		out.Demos = append(out.Demos, cd)
	}
	writeJSON(w, http.StatusOK, out)
}

// demo finds a demo of the catalogue by number or slug.
func (s *Server) demo(arg string) (lab.Demo, bool) {
	for _, d := range s.o.Demos {
		if arg == d.Slug || arg == strconv.Itoa(d.ID) {
			return d, true
		}
	}
	return lab.Demo{}, false
}

func (s *Server) lessonHTML(w http.ResponseWriter, r *http.Request) {
	l := s.langOf(r)
	id, slug := 0, ""
	if d, ok := s.demo(r.URL.Query().Get("demo")); ok {
		id, slug = d.ID, d.Slug
	} else if info := s.runDemo(); info != nil && strconv.Itoa(info.ID) == r.URL.Query().Get("demo") {
		id, slug = info.ID, info.Demo
	}
	md := ""
	if id > 0 && s.o.Lesson != nil {
		md = s.o.Lesson(l, id, slug)
	}
	writeJSON(w, http.StatusOK, map[string]string{"html": render.LessonHTML(md)})
}

// runDemo is the demo of the run the page shows.
func (s *Server) runDemo() *lab.RunInfo {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return s.hub.demoOf()
}

func (s *Server) detail(w http.ResponseWriter, r *http.Request) {
	gen, err1 := strconv.Atoi(r.URL.Query().Get("gen"))
	i, err2 := strconv.Atoi(r.URL.Query().Get("i"))
	if err1 != nil || err2 != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "gen and i are numbers"})
		return
	}
	d, ok := s.hub.Detail(gen, i)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]bool{"gone": true})
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	s.hub.stream(ctx, w, s.langOf(r))
}

func (s *Server) export(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l := s.langOf(r)
		b, err := s.hub.Export(format, l)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		name := "socketlab"
		if info := s.runDemo(); info != nil && info.Demo != "" {
			name = fmt.Sprintf("socketlab-%d-%s", info.ID, info.Demo)
		}
		ctype := "text/html; charset=utf-8"
		if format == "svg" {
			ctype = "image/svg+xml"
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.%s"`, name, l, format))
		w.Header().Set("Cache-Control", "no-store")
		w.Write(b)
	}
}

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
		s.stopRun()
		if s.o.Quit != nil {
			s.o.Quit()
		}
		w.WriteHeader(http.StatusNoContent)
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
		hint := KnobHint(d)
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": render.Texts{En: why.En, Zh: why.Zh}, "hint": render.Texts{En: hint.En, Zh: hint.Zh}})
		return
	}
	s.startRun(d, p, req.Step)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// KnobHint lists a demo's knobs with their ranges, as lab run's hint does.
func KnobHint(d lab.Demo) lab.Text {
	if len(d.Knobs) == 0 {
		return lab.T("this demo has no knobs", "这个演示没有参数")
	}
	var en, zh []string
	for _, k := range d.Knobs {
		en = append(en, fmt.Sprintf("%s (%s)", k.Name, k.RangeIn(lab.En)))
		zh = append(zh, fmt.Sprintf("%s（%s）", k.Name, k.RangeIn(lab.Zh)))
	}
	return lab.Text{En: "knobs of " + d.Name() + ": " + strings.Join(en, ", "), Zh: "演示 " + d.Name() + " 的参数：" + strings.Join(zh, "、")}
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
