package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// pageKey presses a key on the page of url, as its buttons do.
func pageKey(t *testing.T, url, key string) int {
	t.Helper()
	base, frag, _ := strings.Cut(url, "#")
	token := strings.TrimPrefix(strings.Split(frag, "&")[0], "t=")
	req, _ := http.NewRequest("POST", base+"api/key", strings.NewReader(`{"key":"`+key+`"}`))
	req.Header.Set("X-Lab-Token", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// pageDiagram reads a page's stream, the diagram it gets on connecting and
// the rows after it, until the diagram holds every one of want.
func pageDiagram(t *testing.T, url string, want ...string) (svg string) {
	t.Helper()
	base, _, _ := strings.Cut(url, "#")
	resp, err := http.Get(base + "events?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("events: %v; the diagram so far lacks one of %q:\n%s", err, want, b.String())
		}
		rest, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var m struct {
			SVG  string
			Rows []string
		}
		json.Unmarshal([]byte(rest), &m)
		if m.SVG != "" {
			b.Reset()
			b.WriteString(m.SVG)
		}
		for _, row := range m.Rows {
			b.WriteString(row)
		}
		all := true
		for _, w := range want {
			all = all && strings.Contains(b.String(), w)
		}
		if all {
			return b.String()
		}
	}
}

// With the JSON trace on stdout the page's address goes to stderr, and
// stdout stays one JSON object a line; Quit on the page ends the command.
func TestWebRunURLOnStderrWithJSON(t *testing.T) {
	cmd := labCommand(t, "run", "1", "--web", "--format", "json")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	errs, out := collect(stderr), collect(stdout)
	url := errs.line(t, "lab: the browser view: ")
	errs.line(t, "lab: the run is over")
	pageDiagram(t, url, "recv(1024)") // the run, drawn
	if code := pageKey(t, url, "q"); code != 204 {
		t.Errorf("q: %d", code)
	}
	out.end()
	errs.end()
	if err := cmd.Wait(); err != nil {
		t.Errorf("lab run --web after the page's Quit: %v", err)
	}
	for i, l := range strings.Split(out.text(), "\n") {
		if !json.Valid([]byte(l)) {
			t.Fatalf("stdout line %d is not JSON: %q", i+1, l)
		}
	}
}

// lab serve --web: each peer connected gets a lifeline of its own.
func TestWebServeLifelinePerPeer(t *testing.T) {
	cmd := labCommand(t, "serve", "1", "--listen", "127.0.0.1:0", "--web=127.0.0.1:0", "--count", "2", "--width", "120")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	out := collect(stdout)
	url := out.line(t, "lab: the browser view: ")
	addr := regexp.MustCompile(`connect to (\S+)`).FindStringSubmatch(out.line(t, "lab serve 1 tcp-basic: listening on "))[1]
	var peers []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "hi\n")
		b := make([]byte, 3)
		if _, err := io.ReadFull(c, b); err != nil || string(b) != "HI\n" {
			t.Fatalf("answer %q %v", b, err)
		}
		peers = append(peers, c)
	}
	// Both peers' lifelines, with the answer to each: the stream shows
	// them once the session's queue has handed the hub their events.
	svg := pageDiagram(t, url, `font-weight="bold">c1</text>`, `font-weight="bold">c2</text>`, "[c2] #3 send() → 3/3 bytes")
	if n := strings.Count(svg, `class="life life-peer"`); n == 0 {
		t.Errorf("no peer lifelines")
	}
	for _, c := range peers {
		c.Close()
	}
	out.end()
	if err := cmd.Wait(); err != nil {
		t.Errorf("lab serve --web --count 2: %v", err)
	}
}

// --format svg and html, for lab run and lab replay: the diagram alone,
// and one file that refers to nothing outside it.
func TestWebExportFormats(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "t.jsonl")
	code, js, errs := runLab(t, "", "run", "4", "--format", "json")
	if code != 0 {
		t.Fatalf("run 4: %d %s", code, errs)
	}
	os.WriteFile(trace, []byte(js), 0o644)
	for _, args := range [][]string{{"run", "4"}, {"replay", trace}} {
		code, svg, errs := runLab(t, "", append(args, "--format", "svg")...)
		if code != 0 || !strings.HasPrefix(svg, `<?xml version="1.0" encoding="UTF-8"?>`) || !strings.Contains(svg, `class="arrow arrow-data"`) ||
			strings.Contains(svg, "What happened") {
			t.Errorf("%v --format svg: %d %s", args, code, errs)
		}
		code, page, errs := runLab(t, "", append(args, "--format", "html", "--lang", "zh")...)
		if code != 0 || !strings.Contains(page, `<html lang="zh-CN" data-lang="zh">`) || !strings.Contains(page, "粘包") ||
			!strings.Contains(page, "What happened") || !strings.Contains(page, "发生了什么") {
			t.Errorf("%v --format html: %d %s", args, code, errs)
		}
		checkNoExternal(t, strings.Join(args, " ")+" --format html", page)
	}
	if code, _, errs := runLab(t, "", "serve", "1", "--format", "svg"); code != 2 || !strings.Contains(errs, "text, json, md or none") {
		t.Errorf("serve --format svg: %d %s, want a usage error", code, errs)
	}
}

// labOutput collects a running lab's stdout and finds lines in it.
type labOutput struct {
	mu    sync.Mutex
	lines []string
	more  chan struct{}
	done  chan struct{}
}

func collect(r io.Reader) *labOutput {
	o := &labOutput{more: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(o.done)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			o.mu.Lock()
			o.lines = append(o.lines, sc.Text())
			o.mu.Unlock()
			select {
			case o.more <- struct{}{}:
			default:
			}
		}
		close(o.more)
	}()
	return o
}

// line waits for a line with prefix and returns the rest of it.
func (o *labOutput) line(t *testing.T, prefix string) string {
	t.Helper()
	for {
		o.mu.Lock()
		for _, l := range o.lines {
			if rest, ok := strings.CutPrefix(l, prefix); ok {
				o.mu.Unlock()
				return rest
			}
		}
		o.mu.Unlock()
		if _, ok := <-o.more; !ok {
			t.Fatalf("the lab ended without printing %q:\n%s", prefix, o.text())
		}
	}
}

// end waits until the output has ended (the lab closed it): call it
// before cmd.Wait, which closes the pipe.
func (o *labOutput) end() { <-o.done }

func (o *labOutput) text() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.lines, "\n")
}

// checkNoExternal fails when an HTML file refers to anything outside it.
func checkNoExternal(t *testing.T, name, doc string) {
	t.Helper()
	re := regexp.MustCompile(`(?i)(://|\bsrc\s*=|\bhref\s*=\s*["']?[^"'#\s>]|url\(\s*["']?[^"'#d\s)]|@import)`)
	for _, at := range re.FindAllStringIndex(doc, 5) {
		t.Errorf("%s refers outside itself at %d: %q", name, at[0], doc[max(0, at[0]-40):min(len(doc), at[1]+40)])
	}
}
