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
