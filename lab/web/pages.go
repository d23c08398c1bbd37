package web

// What the server hands a page: its files, the catalogue, a lesson, a
// call's detail, the event stream, an export of the diagram.

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"socketlab/lab"
	"socketlab/lab/render"
)

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
