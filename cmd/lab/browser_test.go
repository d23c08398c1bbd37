package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests drive a real headless Chromium with chromedp: the page
// of lab run --web stepped from the page and from the terminal, the
// diagram read back from the DOM, both languages, the HTML export opened
// from disk, and screenshots checked for overlapping text. Without a
// Chromium they skip, except in CI (CI=true), where .ci/run installs
// Debian's chromium-headless-shell and fonts-noto-cjk.
//
// LAB_SCREENSHOT_DIR=/tmp/shots keeps the screenshots for a person to look
// at; without it they go to the test's temporary folder.

// chromium finds a browser to drive, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium-headless-shell", "chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (looked for /usr/bin/chromium-headless-shell, chromium, google-chrome): " +
		"apt-get install chromium-headless-shell fonts-noto-cjk to run the browser tests"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: .ci/run should have installed it)")
	}
	t.Skip(msg)
	return ""
}

// browser starts a headless Chromium for the test, its profile in the
// test's temporary folder.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	home := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(home, "profile")), chromedp.Env("HOME="+home, "TMPDIR="+home),
		chromedp.WindowSize(1920, 1080), chromedp.Flag("hide-scrollbars", true))
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		acancel()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// do runs actions, failing the test on an error.
func pageDo(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression in the page.
func pageEval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// pageWait polls until expr is true in the page. It has no deadline of its
// own: the page gets there or go test's -timeout ends the test.
func pageWait(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// overlaps lists the pairs of text elements of the visible diagrams whose
// boxes overlap on screen.
func overlaps(t *testing.T, ctx context.Context, scope string) []string {
	t.Helper()
	return pageEval[[]string](t, ctx, `(() => {
		const boxes = [];
		for (const svg of document.querySelectorAll(`+"`"+scope+"`"+`)) {
			if (svg.getBoundingClientRect().width === 0) continue;
			for (const el of svg.querySelectorAll("text")) {
				const r = el.getBoundingClientRect();
				if (r.width > 0 && r.height > 0) boxes.push({r, s: el.textContent});
			}
		}
		const out = [];
		for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
			const a = boxes[i].r, b = boxes[j].r;
			const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
			const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
			if (x > 1 && y > 1) out.push(JSON.stringify(boxes[i].s) + " overlaps " + JSON.stringify(boxes[j].s));
		}
		return out;
	})()`)
}

// pageShot takes a screenshot at w×h and checks the diagram's text for
// overlaps.
func pageShot(t *testing.T, ctx context.Context, name string, w, h int64, scope string) {
	t.Helper()
	pageDo(t, ctx, chromedp.EmulateViewport(w, h))
	// Two frames, so the layout at the new size is painted.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("LAB_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%dx%d.png", name, w, h))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
	if n := pageEval[int](t, ctx, `document.querySelectorAll(`+"`"+scope+" text`"+`).length`); n < 10 {
		t.Errorf("%s: only %d text elements in the diagram", name, n)
	}
	for _, o := range overlaps(t, ctx, scope) {
		t.Errorf("%s at %dx%d: %s", name, w, h, o)
	}
}

const diagram = "#diagram svg.seq"

// announced is the number of the announcement the page shows.
func announced(t *testing.T, ctx context.Context) int {
	return pageEval[int](t, ctx, `Number(document.getElementById("announce").dataset.n || 0)`)
}

// stepped waits until the page shows the announcement after number before
// (a key made one call; the call may still be blocked in the kernel, an
// accept() waiting for its connect()), or the end of the run.
func stepped(t *testing.T, ctx context.Context, before int, how string) int {
	t.Helper()
	pageWait(t, ctx, "the next announcement after a step ("+how+")", fmt.Sprintf(
		`(!document.getElementById("announce").hidden && Number(document.getElementById("announce").dataset.n) > %d) || document.querySelectorAll("#findings li").length > 0`, before))
	return announced(t, ctx)
}

func TestBrowserRunWebStepsFromPageAndTerminal(t *testing.T) {
	ctx := browser(t)
	cmd := labCommand(t, "run", "4", "--step", "--web=127.0.0.1:0", "--width", "120", "--color", "never", "--lang", "en")
	keys, err := cmd.StdinPipe() // the terminal's keys
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	out := collect(stdout)
	url := out.line(t, "lab: the browser view: ")
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.Contains(url, "#t=") {
		t.Fatalf("the address %q: loopback, with the token in the fragment", url)
	}

	pageDo(t, ctx, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(url))
	pageWait(t, ctx, "the diagram and the first announcement", `!!document.querySelector("`+diagram+`") && !document.getElementById("announce").hidden`)
	if got := pageEval[string](t, ctx, `document.querySelector("#announce .a-head").textContent`); !strings.Contains(got, "socket(") {
		t.Errorf("the first announcement %q: the server's socket()", got)
	}

	// Three steps from the page (a button, a key, a button), one from the
	// terminal; each makes one call, drawn on the page and in the terminal.
	n := announced(t, ctx)
	pageDo(t, ctx, chromedp.Click(chromedp.CSS("#b-step")))
	n = stepped(t, ctx, n, "the Step button")
	pageDo(t, ctx, chromedp.KeyEvent("n"))
	n = stepped(t, ctx, n, "the n key")
	pageDo(t, ctx, chromedp.Click(chromedp.CSS("#b-step")))
	n = stepped(t, ctx, n, "the Step button again")
	io.WriteString(keys, "\n")
	if n = stepped(t, ctx, n, "Enter in the terminal"); n != 5 {
		t.Errorf("announcement %d after four steps, want the fifth", n)
	}
	if got := pageEval[int](t, ctx, `document.querySelectorAll("#diagram g.row circle.dot").length`); got < 3 {
		t.Errorf("%d calls drawn after four steps", got)
	}
	if got := pageEval[string](t, ctx, `document.querySelector("#announce .a-head").textContent`); !strings.Contains(got, "client") {
		t.Errorf("after four steps the page announces %q, want the client's next call", got)
	}
	pageShot(t, ctx, "run-web-step-en", 1920, 1080, diagram)
	out.line(t, "   ") // the terminal drew the trace too
	// c runs on to the end, from the page.
	pageDo(t, ctx, chromedp.Click(chromedp.CSS("#b-continue")))
	pageWait(t, ctx, "the findings", `document.querySelectorAll("#findings li").length >= 2 && !!document.querySelector("#findings .verdict")`)
	out.line(t, "What happened")

	// The diagram, read back: two lifelines, both sends' arrows meeting in
	// the one recv (with its wedge), the labels and the markers.
	heads := pageEval[[]string](t, ctx, `Array.from(document.querySelectorAll("`+diagram+` g.head text")).map(e => e.textContent)`)
	if strings.Join(heads, ",") != "client,server" {
		t.Errorf("lifeline heads %v", heads)
	}
	if pageEval[int](t, ctx, `document.querySelectorAll("`+diagram+` line.life-left").length`) == 0 ||
		pageEval[int](t, ctx, `document.querySelectorAll("`+diagram+` line.life-right").length`) == 0 {
		t.Errorf("no lifelines")
	}
	type arrow struct{ From, To int }
	arrows := pageEval[[]arrow](t, ctx, `Array.from(document.querySelectorAll("`+diagram+` g.arrow-data")).map(g => ({From: +g.dataset.from, To: +g.dataset.to}))`)
	into := map[int][]int{}
	for _, a := range arrows {
		into[a.To] = append(into[a.To], a.From)
	}
	merged := 0
	for to, froms := range into {
		if len(froms) == 2 {
			merged = to
		}
	}
	if merged == 0 {
		t.Fatalf("no recv with two sends' arrows: %v", arrows)
	}
	row := func(seq int) string {
		return pageEval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s g.row[data-seq="%d"]').textContent`, diagram, seq))
	}
	if got := row(merged); !strings.Contains(got, "recv(1024) → 10 bytes") || !strings.Contains(got, "b'helloworld'") || !strings.Contains(got, "②") {
		t.Errorf("the merged recv's row: %q", got)
	}
	for _, from := range into[merged] {
		if got := row(from); !strings.Contains(got, "send() → 5/5 bytes") {
			t.Errorf("a send's row: %q", got)
		}
	}
	if pageEval[int](t, ctx, `document.querySelectorAll("`+diagram+` polygon.merge").length`) != 1 {
		t.Errorf("no wedge between the merged sends")
	}
	markers := pageEval[string](t, ctx, `Array.from(document.querySelectorAll("`+diagram+` tspan.marker")).map(e => e.textContent).join("")`)
	findingMarkers := pageEval[string](t, ctx, `Array.from(document.querySelectorAll("#findings .markers")).map(e => e.textContent.trim()).join(" ")`)
	if markers != "①②" || findingMarkers != "② ①②" {
		t.Errorf("markers in the diagram %q, in What happened %q; want ①② and ② ①②", markers, findingMarkers)
	}
	if !strings.Contains(pageEval[string](t, ctx, `document.getElementById("lesson").textContent`), "Two sends, one recv") {
		t.Errorf("the lesson is not beside the diagram")
	}

	// A click shows the bytes and the hex of the recv.
	pageDo(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`%s g.row[data-seq="%d"] rect.hit`, diagram, merged))))
	pageWait(t, ctx, "the detail", `!document.getElementById("detail").hidden && !!document.querySelector("#detail .d-hex")`)
	if got := pageEval[string](t, ctx, `document.querySelector("#detail .d-hex").textContent`); !strings.Contains(got, "68 65 6c 6c 6f 77 6f 72  6c 64") || !strings.Contains(got, "|helloworld") {
		t.Errorf("the detail's hex: %q", got)
	}

	pageShot(t, ctx, "run-web-en", 1920, 1080, diagram)
	pageShot(t, ctx, "run-web-en", 1280, 720, diagram)
	pageDo(t, ctx, chromedp.Click(chromedp.CSS("#presenter")))
	pageShot(t, ctx, "run-web-presenter-en", 1920, 1080, diagram)
	pageDo(t, ctx, chromedp.Click(chromedp.CSS("#presenter")))

	// Chinese: the diagram drawn again in Chinese, the page's words too.
	pageDo(t, ctx, chromedp.EmulateViewport(1920, 1080), chromedp.Click(chromedp.CSS(`[data-set-lang="zh"]`)))
	pageWait(t, ctx, "the Chinese diagram", `Array.from(document.querySelectorAll("`+diagram+` g.head text")).map(e => e.textContent).join() === "客户端,服务端"`)
	if got := row(merged); !strings.Contains(got, "recv(1024) → 10 字节") {
		t.Errorf("the merged recv in Chinese: %q", got)
	}
	for _, want := range []string{"发生了什么", "继续运行"} {
		if !strings.Contains(pageEval[string](t, ctx, `document.body.textContent`), want) {
			t.Errorf("the Chinese page lacks %q", want)
		}
	}
	pageShot(t, ctx, "run-web-zh", 1920, 1080, diagram)
	pageShot(t, ctx, "run-web-zh", 1280, 720, diagram)

	// Export HTML (the page's link), then open the file from disk.
	href := pageEval[string](t, ctx, `document.getElementById("export-html").href`)
	resp, err := http.Get(href)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %s", resp.StatusCode, resp.Header)
	}
	checkNoExternal(t, "export.html", string(body))
	file := filepath.Join(t.TempDir(), "export.html")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	pageDo(t, ctx, chromedp.Navigate("file://"+file))
	pageWait(t, ctx, "the export", `document.documentElement.dataset.lang === "zh" && !!document.querySelector(".diagram.l-zh svg.seq")`)
	exported := ".diagram.l-zh svg.seq"
	if got := pageEval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s g.row[data-seq="%d"]').textContent`, exported, merged)); !strings.Contains(got, "10 字节") {
		t.Errorf("the exported recv: %q", got)
	}
	pageDo(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`%s g.row[data-seq="%d"] rect.hit`, exported, merged))))
	pageWait(t, ctx, "the exported detail", `!!document.querySelector("#detail .d-hex")`)
	if got := pageEval[string](t, ctx, `document.querySelector("#detail .d-hex").textContent`); !strings.Contains(got, "68 65 6c 6c 6f") {
		t.Errorf("the exported detail's hex: %q", got)
	}
	if !strings.Contains(pageEval[string](t, ctx, `document.querySelector(".lesson.l-zh").textContent`), "粘包") {
		t.Errorf("the export lacks the Chinese lesson")
	}
	pageShot(t, ctx, "export-zh", 1920, 1080, ".diagram svg.seq")
	pageDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-set-lang="en"]`)))
	pageWait(t, ctx, "the export in English", `document.documentElement.dataset.lang === "en"`)
	pageShot(t, ctx, "export-en", 1280, 720, ".diagram svg.seq")

	// Quit on the page ends the command, exit 0.
	pageDo(t, ctx, chromedp.Navigate(url))
	pageWait(t, ctx, "the page again", `!!document.querySelector("`+diagram+`") && document.querySelectorAll("#findings li").length >= 2`)
	pageDo(t, ctx, chromedp.Click(chromedp.CSS("#b-quit")))
	out.end()
	if err := cmd.Wait(); err != nil {
		t.Errorf("lab run --web after Quit: %v\n%s", err, stderr.String())
	}
	trace := out.text()
	for _, want := range []string{"recv(1024) → 10 bytes", "b'helloworld'", "What happened"} {
		if !strings.Contains(trace, want) {
			t.Errorf("the terminal's trace lacks %q", want)
		}
	}
}

// lab web: a knob the demo refuses is refused on the page with the words
// lab run --set uses; a good one runs, drawn live.
func TestBrowserLabWebRunsFromTheCatalogue(t *testing.T) {
	ctx := browser(t)
	cmd := labCommand(t, "web", "--listen", "127.0.0.1:0", "--lang", "en")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		if err := cmd.Wait(); err != nil {
			t.Errorf("lab web after Ctrl-C: %v (want exit 0)", err)
		}
	}()
	out := collect(stdout)
	url := out.line(t, "lab web: open ")
	pageDo(t, ctx, chromedp.EmulateViewport(1280, 720), chromedp.Navigate(url))
	pageWait(t, ctx, "the catalogue", `document.querySelectorAll("#demo option").length >= 16`)
	pageDo(t, ctx, chromedp.SetValue(chromedp.CSS("#demo"), "3"))
	pageEval[bool](t, ctx, `document.getElementById("demo").dispatchEvent(new Event("change")), true`)
	pageWait(t, ctx, "demo 3's knobs", `!!document.querySelector('#knobs [name="buf"]')`)
	pageDo(t, ctx, chromedp.SetValue(chromedp.CSS(`#knobs [name="buf"]`), "0"), chromedp.Click(chromedp.CSS("#b-run")))
	pageWait(t, ctx, "the refusal", `!document.getElementById("error").hidden`)
	_, _, cliErr := runLab(t, "", "run", "3", "--set", "buf=0", "--lang", "en")
	want := strings.TrimPrefix(strings.SplitN(cliErr, "\n", 2)[0], "lab: error: ")
	if got := pageEval[string](t, ctx, `document.getElementById("error").textContent`); !strings.Contains(got, want) {
		t.Errorf("the page says %q, lab run --set says %q", got, want)
	}
	pageDo(t, ctx, chromedp.SetValue(chromedp.CSS(`#knobs [name="buf"]`), "7"), chromedp.Click(chromedp.CSS("#b-run")))
	pageWait(t, ctx, "the run's verdict", `!!document.querySelector("#findings .verdict")`)
	if got := pageEval[string](t, ctx, `document.getElementById("diagram").textContent`); !strings.Contains(got, "recv(7) → 7 bytes") || !strings.Contains(got, "utf-8: 你好�") {
		t.Errorf("demo 3 with buf=7: the diagram lacks the 7-byte reads: %q", got)
	}
	if strings.Contains(pageEval[string](t, ctx, `document.getElementById("error").textContent`), "buf=0") && !pageEval[bool](t, ctx, `document.getElementById("error").hidden`) {
		t.Errorf("the refusal stays after a good run")
	}
	pageShot(t, ctx, "lab-web-en", 1280, 720, diagram)
	pageShot(t, ctx, "lab-web-en", 1920, 1080, diagram)
	var st struct{ Phase string }
	json.Unmarshal([]byte(pageEval[string](t, ctx, `JSON.stringify({Phase: document.getElementById("status").dataset.phase})`)), &st)
	if st.Phase != "done" {
		t.Errorf("phase %q after the run", st.Phase)
	}
}
