package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"socketlab/lab"
)

// testDemo has one knob, and a run that draws two sends merged into one
// recv, as demo 4 does.
func testDemo() lab.Demo {
	return lab.Demo{ID: 4, Slug: "sticky", Title: lab.T("Sticky", "粘包"), Brief: lab.T("two sends, one recv", "两次发送，一次接收"),
		Knobs: []lab.Knob{{Name: "mode", Kind: lab.KindEnum, Default: "buffer", Choices: []string{"buffer", "cork"}, Help: lab.T("how", "怎样")},
			{Name: "size", Kind: lab.KindInt, Default: "5", Min: 1, Max: 64, Help: lab.T("bytes", "字节")}}}
}

func stickyEvents() []lab.Event {
	evs := []lab.Event{
		{Side: lab.Client, Op: lab.OpConnect, Conn: 2, Call: "connect(('127.0.0.1', 9))", Local: "127.0.0.1:5000", Peer: "127.0.0.1:9"},
		{Side: lab.Server, Op: lab.OpAccept, Conn: 3, Call: "accept()", Local: "127.0.0.1:9", Peer: "127.0.0.1:5000"},
		{Side: lab.Client, Op: lab.OpSend, Conn: 2, Call: "send()", Req: 5, N: 5, Data: []byte("hello")},
		{Side: lab.Client, Op: lab.OpSend, Conn: 2, Call: "send()", Req: 5, N: 5, Offset: 5, Data: []byte("<i>&x")},
		{Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(1024)", Req: 1024, N: 10, Data: []byte("hello<i>&x"), Step: "merged", Key: true},
		{Side: lab.System, Op: lab.OpFinding, ID: "merged", OK: true, Text: lab.T("2 sends, 1 recv", "2 次发送，1 次接收"), Evidence: []int{5}},
		{Side: lab.System, Op: lab.OpSummary, Demo: "sticky", OK: true, Findings: 1},
	}
	for i := range evs {
		evs[i].Seq = i + 1
		evs[i].T = time.Duration(i+1) * time.Millisecond
	}
	d := testDemo()
	run := lab.Event{Side: lab.System, Op: lab.OpRun, Run: &lab.RunInfo{Version: lab.TraceVersion, Command: "run", Demo: d.Slug, ID: d.ID, Title: d.Title}}
	return append([]lab.Event{run}, evs...)
}

// start serves on loopback until the test ends.
func start(t *testing.T, o Options) *Server {
	t.Helper()
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	o.Token = "s3cret"
	s, err := Listen(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Serve(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return s
}

type req struct {
	method, path, host, token, body string
	header                          map[string]string
}

func do(t *testing.T, s *Server, r req) (*http.Response, string) {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodGet
	}
	hr, err := http.NewRequest(r.method, "http://"+s.Addr().String()+r.path, strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if r.host != "" {
		hr.Host = r.host
	}
	if r.token != "" {
		hr.Header.Set("X-Lab-Token", r.token)
	}
	if r.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestWebHostileRequests(t *testing.T) {
	runs := make(chan RunRequest, 4)
	s := start(t, Options{Mode: ModeWeb, Demos: []lab.Demo{testDemo()}, Run: func(ctx context.Context, r RunRequest) error {
		runs <- r
		<-ctx.Done()
		return context.Cause(ctx)
	}})
	port := s.Addr().(*net.TCPAddr).Port
	key := `{"key":"n"}`
	for _, c := range []struct {
		name string
		r    req
		want int
	}{
		{"the page", req{path: "/"}, 200},
		{"localhost is this machine", req{path: "/", host: fmt.Sprintf("localhost:%d", port)}, 200},
		{"a rebinding Host", req{path: "/", host: fmt.Sprintf("evil.example:%d", port)}, 421},
		{"a rebinding Host, with the token", req{method: "POST", path: "/api/key", host: fmt.Sprintf("attacker.test:%d", port), token: "s3cret", body: key}, 421},
		{"another port", req{path: "/", host: fmt.Sprintf("127.0.0.1:%d", port+1)}, 421},
		{"no port", req{path: "/", host: "127.0.0.1"}, 421},
		{"a key without the token", req{method: "POST", path: "/api/key", body: key}, 403},
		{"a key with a wrong token", req{method: "POST", path: "/api/key", token: "guess", body: key}, 403},
		{"a token in the query is not enough to control", req{method: "POST", path: "/api/key?t=s3cret", body: key}, 403},
		{"a cross-site POST, with the token", req{method: "POST", path: "/api/key", token: "s3cret", body: key,
			header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}}, 403},
		{"a cross-origin POST without fetch metadata", req{method: "POST", path: "/api/key", token: "s3cret", body: key,
			header: map[string]string{"Origin": "http://evil.example"}}, 403},
		{"a run without the token", req{method: "POST", path: "/api/run", body: `{"demo":"4"}`}, 403},
		{"a key with the token", req{method: "POST", path: "/api/key", token: "s3cret", body: key,
			header: map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://" + s.Addr().String()}}, 204},
		{"an unknown key", req{method: "POST", path: "/api/key", token: "s3cret", body: `{"key":"x"}`}, 400},
		{"GET on a control", req{path: "/api/key"}, 405},
		{"watching is open", req{path: "/api/catalogue"}, 200},
	} {
		resp, body := do(t, s, c.r)
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d (%s)", c.name, resp.StatusCode, c.want, body)
		}
	}
	if len(runs) != 0 {
		t.Errorf("a refused request started a run")
	}
	resp, _ := do(t, s, req{path: "/"})
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("no nosniff")
	}
}

func TestWebPrivate(t *testing.T) {
	s := start(t, Options{Mode: ModeRun, Private: true})
	for _, c := range []struct {
		path string
		tok  string
		want int
	}{
		{"/", "", 200}, // the page itself carries nothing of the run
		{"/app.js", "", 200},
		{"/api/catalogue", "", 403},
		{"/export.html", "", 403},
		{"/api/detail?gen=1&i=0", "wrong", 403},
		{"/api/catalogue?t=s3cret", "", 200},
		{"/api/catalogue", "s3cret", 200},
	} {
		resp, body := do(t, s, req{path: c.path, token: c.tok})
		if resp.StatusCode != c.want {
			t.Errorf("private %s (token %q): %d, want %d (%s)", c.path, c.tok, resp.StatusCode, c.want, body)
		}
	}
	if !strings.Contains(s.URL(), "#t=s3cret") || !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %s: the token goes in the fragment", s.URL())
	}
}

// A knob the demo refuses is refused with lab run --set's own words.
func TestWebRunKnobs(t *testing.T) {
	runs := make(chan RunRequest, 4)
	s := start(t, Options{Mode: ModeWeb, Demos: []lab.Demo{testDemo()}, Run: func(ctx context.Context, r RunRequest) error {
		runs <- r
		for _, e := range stickyEvents() {
			r.Sink.Emit(e)
		}
		return nil
	}})
	resp, body := do(t, s, req{method: "POST", path: "/api/run", token: "s3cret", body: `{"demo":"4","set":["size=99"]}`})
	var refused struct{ Error, Hint map[string]string }
	json.Unmarshal([]byte(body), &refused)
	_, perr := lab.ParseParams(testDemo().Knobs, []string{"size=99"})
	ke := perr.(*lab.KnobError)
	if resp.StatusCode != 400 || !strings.HasSuffix(refused.Error["en"], ke.Text.En) || !strings.HasSuffix(refused.Error["zh"], ke.Text.Zh) ||
		!strings.Contains(refused.Hint["en"], "size (1..64)") {
		t.Errorf("size=99: %d %s, want 400 with %q", resp.StatusCode, body, ke.Text.En)
	}
	resp, body = do(t, s, req{method: "POST", path: "/api/run", token: "s3cret", body: `{"demo":"sticky","set":["mode=cork"],"step":true}`})
	if resp.StatusCode != 200 {
		t.Fatalf("run: %d %s", resp.StatusCode, body)
	}
	r := <-runs
	if r.Params.String("mode") != "cork" || !r.Step || r.Demo.ID != 4 {
		t.Errorf("run %+v", r)
	}
}

// sse reads server-sent events from one page's stream.
type sse struct {
	r    *bufio.Reader
	resp *http.Response
}

func stream(t *testing.T, s *Server, lang string) *sse {
	t.Helper()
	resp, err := http.Get("http://" + s.Addr().String() + "/events?lang=" + lang)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("events: %s", ct)
	}
	return &sse{r: bufio.NewReader(resp.Body), resp: resp}
}

// next is the next event of a kind, skipping others.
func (c *sse) next(t *testing.T, kind string) string {
	t.Helper()
	ev := ""
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended waiting for %s: %v", kind, err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "event: "):
			ev = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && ev == kind:
			return strings.TrimPrefix(line, "data: ")
		}
	}
}

// A page that connects gets the diagram as it stands, then only new rows;
// one in Chinese gets it drawn in Chinese.
func TestWebStreamReconnect(t *testing.T) {
	s := start(t, Options{Mode: ModeRun})
	evs := stickyEvents()
	for _, e := range evs[:4] {
		s.Hub().Emit(e)
	}
	c := stream(t, s, "en")
	var reset resetJSON
	json.Unmarshal([]byte(c.next(t, "reset")), &reset)
	if !strings.Contains(reset.SVG, "connect((&#39;127.0.0.1&#39;, 9))") || reset.Next == 0 {
		t.Fatalf("the reset lacks the rows so far: %+v", reset)
	}
	for _, e := range evs[4:] {
		s.Hub().Emit(e)
	}
	var rows rowsJSON
	for !strings.Contains(strings.Join(rows.Rows, ""), "recv(1024)") {
		json.Unmarshal([]byte(c.next(t, "rows")), &rows)
	}
	if rows.Gen != reset.Gen {
		t.Errorf("rows of gen %d after a reset of %d", rows.Gen, reset.Gen)
	}
	joined := strings.Join(rows.Rows, "")
	if strings.Contains(joined, "<i>") || !strings.Contains(joined, "&lt;i&gt;&amp;x") {
		t.Errorf("peer bytes must be escaped: %s", joined)
	}
	var st stateJSON
	for st.Verdict == nil {
		json.Unmarshal([]byte(c.next(t, "state")), &st)
	}
	if len(st.Findings) != 1 || st.Findings[0].Markers != "①" || st.Phase != phaseDone {
		t.Errorf("state %+v", st)
	}
	zh := stream(t, s, "zh")
	json.Unmarshal([]byte(zh.next(t, "reset")), &reset)
	if !strings.Contains(reset.SVG, "客户端") || !strings.Contains(reset.SVG, "10 字节") {
		t.Errorf("the Chinese page's diagram is not in Chinese")
	}
	// The detail of the recv's row: its bytes and hex.
	var recvRow int
	for _, r := range s.Hub().svgs[lab.En].Details() {
		if r.Kind == "recv" {
			recvRow = r.Index
		}
	}
	resp, body := do(t, s, req{path: fmt.Sprintf("/api/detail?gen=%d&i=%d", reset.Gen, recvRow)})
	var d struct {
		Hex  []string
		Repr string
	}
	json.Unmarshal([]byte(body), &d)
	if resp.StatusCode != 200 || len(d.Hex) == 0 || !strings.Contains(d.Hex[0], "68 65 6c 6c 6f") || d.Repr != `b'hello<i>&x'` {
		t.Errorf("detail: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do(t, s, req{path: fmt.Sprintf("/api/detail?gen=%d&i=%d", reset.Gen+1, recvRow)}); resp.StatusCode != 404 {
		t.Errorf("the detail of another diagram: %d, want 404", resp.StatusCode)
	}
}

// A page that never reads does not hold up the run: the hub goes on
// drawing, and a page that connects then gets the diagram as it stands.
func TestWebSlowPageDoesNotBlock(t *testing.T) {
	s := start(t, Options{Mode: ModeRun})
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(conn, "GET /events?lang=en HTTP/1.1\r\nHost: %s\r\n\r\n", s.Addr())
	data := []byte(strings.Repeat("x", 1000))
	s.Hub().Emit(stickyEvents()[0])
	const n = 6000
	for i := 1; i <= n; i += 2 {
		// A note between sends, so none folds: 6,000 rows, more than MaxRows and
		// the stuck page's socket buffers hold.
		s.Hub().Emit(lab.Event{Seq: i, Side: lab.Client, Op: lab.OpNote, Text: lab.Tf("note %d", "说明 %d", i)})
		s.Hub().Emit(lab.Event{Seq: i + 1, Side: lab.Client, Op: lab.OpSend, Conn: 2, Call: "send()", Req: 1000, N: 1000, Data: data})
	}
	// Every Emit returned while the page did not read. A new page gets the
	// diagram as it stands: its last rows, not a replay from the first.
	c := stream(t, s, "en")
	var reset resetJSON
	json.Unmarshal([]byte(c.next(t, "reset")), &reset)
	if reset.Next != n+1 || !strings.Contains(reset.SVG, "note 5999") || strings.Contains(reset.SVG, ">» note 1<") {
		t.Errorf("the reset has rows up to %d, want %d (the last rows only)", reset.Next, n+1)
	}
	if !strings.Contains(reset.SVG, "earlier rows are not shown") {
		t.Errorf("the reset does not say rows were dropped")
	}
}
