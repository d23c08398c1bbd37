package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"sync"

	"socketlab/demos"
	"socketlab/lab"
	"socketlab/lab/render"
	"socketlab/lab/web"
	"socketlab/lessons"
)

// The browser view: "lab web" (the catalogue, runs started from the page),
// "lab run N --web" (the terminal's run, on the page too, stepped from
// either), "lab serve N --web" (the classroom: a lifeline per peer), and
// the exports --format svg and html. The page and the exports draw with
// the same renderer, render.SVG.

// webHelp is "lab help web".
var webHelp = lab.T(`lab web opens the browser view, for projection in a class: pick a demo, set its
knobs, Run it or Step it call by call, and watch it drawn live as a sequence
diagram beside its lesson. It prints the address to open; the token after #t=
lets that page control runs (other pages on it may only watch).

  --listen ADDR   where the page is served (default 127.0.0.1:0: this machine only,
                  any free port); another address works but prints a warning
  --lang L        the page's first language, en or zh (it has a switch)
  --open          open the address in the default browser
  --private       watching needs the token too
  --width N, --color C   for the lines it prints in the terminal, as for lab run

Keys on the page, as in the terminal: Enter, → or n = one call · space = pause/resume
(in step mode: one call) · c = run on · q = quit. Click a call to see its bytes
and hex. "Presenter" enlarges everything for the back of the room; "Export HTML"
saves the run as one file that opens offline.

Also: lab run N --web[=ADDR] shows a terminal run on the page (a key from either
steps both), lab serve N --web draws every connected peer as its own lifeline.
Ctrl-C stops the server and exits 0.
`, `lab web 打开浏览器视图，适合在课堂上投影：选一个演示，设置参数，按"运行"或逐个调用地
"单步"执行，在它的讲解旁边实时看到画出来的时序图。它打印要打开的地址；地址中 #t= 后面的
令牌让那个页面能控制运行（其他打开它的页面只能观看）。

  --listen 地址   页面在哪里提供（默认 127.0.0.1:0：仅本机，任意空闲端口）；
                  其他地址也可以，但会打印警告
  --lang L        页面最初的语言，en 或 zh（页面上可以切换）
  --open          用默认浏览器打开这个地址
  --private       观看也需要令牌
  --width N、--color C   用于它在终端里打印的文字，与 lab run 相同

页面上的按键和终端里一样：回车、→ 或 n = 执行一次调用 · 空格 = 暂停/继续（单步模式下：执行
一次调用）· c = 一直运行 · q = 退出。点击一次调用，查看它的字节和十六进制。"投影模式"把一切
放大，让教室后排也看得清；"导出 HTML"把这次运行存成一个离线也能打开的文件。

另外：lab run N --web[=地址] 把终端里的运行也显示在页面上（在任一处按键都会让两边一起前进），
lab serve N --web 为每个连进来的对端画一条自己的生命线。
Ctrl-C 停止服务，以 0 退出。
`)

// webFlag is --web or --web=ADDR.
type webFlag struct {
	on   bool
	addr string
}

func (w *webFlag) String() string   { return w.addr }
func (w *webFlag) IsBoolFlag() bool { return true }
func (w *webFlag) Set(v string) error {
	switch v {
	case "true":
		w.on, w.addr = true, ""
	case "false":
		w.on, w.addr = false, ""
	default:
		w.on, w.addr = true, v
	}
	return nil
}

// lessonOf is a demo's lesson, for the page and the HTML export.
func lessonOf(l lab.Lang, id int, slug string) string {
	md, err := lessons.Lesson(string(l), id, slug)
	if err != nil {
		return ""
	}
	return md
}

// newExport is --format svg or html: the sequence diagram alone, or one
// self-contained HTML file with the findings and the lesson.
func newExport(w io.Writer, format string, o render.Options) sink {
	if format == "svg" {
		return &svgFile{SVG: render.NewSVG(w, o, 0), w: w}
	}
	return render.NewHTML(w, o, lessonOf)
}

// svgFile is --format svg: the XML declaration, then the diagram.
type svgFile struct {
	*render.SVG
	w io.Writer
}

func (f *svgFile) Finish() {
	io.WriteString(f.w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	f.SVG.Finish()
}

// checkWebAddr checks a --listen or --web address.
func checkWebAddr(flagName, addr string) error {
	if addr == "" {
		return nil
	}
	_, err := checkAddr(flagName, addr, true)
	return err
}

// webCmd is "lab web".
func (e *env) webCmd(args []string) error {
	fs := flag.NewFlagSet("web", flag.ContinueOnError)
	var c common
	c.register(fs)
	listen := fs.String("listen", "127.0.0.1:0", "where the page is served; port 0 lets the kernel pick one")
	open := fs.Bool("open", false, "open the address in the default browser")
	private := fs.Bool("private", false, "watching needs the token too")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage(lab.T("lab web takes no arguments: the page has the catalogue", "lab web 不接受参数：页面上有演示目录"),
			lab.Tf("unexpected argument %q", "多余的参数 %q", pos[0]))
	}
	s, err := e.resolve(c)
	if err != nil {
		return err
	}
	if err := checkWebAddr("--listen", *listen); err != nil {
		return err
	}
	srv, err := web.Listen(web.Options{Addr: *listen, Lang: s.lang, Private: *private, Mode: web.ModeWeb,
		Demos: demos.All(), Lesson: lessonOf, Run: e.pageRun(s.lang), Warn: e.stderr})
	if err != nil {
		return &failure{cause: err, msg: lab.Tf("lab web: %v", "lab web：%v", err),
			hint: lab.T("is the address in use? --listen 127.0.0.1:0 picks a free port", "这个地址被占用了吗？--listen 127.0.0.1:0 会选一个空闲端口")}
	}
	fmt.Fprintln(e.stdout, lab.Tf("lab web: open %s", "lab web：打开 %s", srv.URL()).In(s.lang))
	fmt.Fprintln(e.stdout, lab.T("(the #t=… part lets that page run demos; Ctrl-C stops the server)",
		"（#t=… 这部分让那个页面可以运行演示；Ctrl-C 停止服务）").In(s.lang))
	if *open {
		openBrowser(srv.URL(), e.stderr, s.lang)
	}
	err = srv.Serve(e.ctx)
	fmt.Fprintln(e.stderr, lab.T("lab: stopped; sockets closed.", "lab：已停止；套接字已关闭。").In(s.lang))
	return err
}

// pageRun runs a demo the page of lab web asked for, as lab run does, with
// the page's keys and its step notes.
func (e *env) pageRun(l lab.Lang) web.RunFunc {
	return func(ctx context.Context, r web.RunRequest) error {
		step := lab.NewStepperKeys(r.Keys, io.Discard, l, r.Step, 0)
		step.Show = r.Show
		_, err := lab.Run(ctx, r.Demo, lab.Options{Params: r.Params, Sink: r.Sink, Step: step,
			Notes: stepNotes(r.Demo, l), Idle: lab.DefaultIdle, Lab: version})
		return err
	}
}

// openBrowser opens url in the default browser, or says it could not.
func openBrowser(url string, warn io.Writer, l lab.Lang) {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(warn, lab.Tf("lab: warning: could not open a browser (%v): open the address yourself",
			"lab：警告：无法打开浏览器（%v）：请自己打开这个地址", err).In(l))
		return
	}
	go cmd.Wait()
}

// page is the browser view of lab run --web and lab serve --web: the
// terminal's run, on a page too.
type page struct {
	srv        *web.Server
	hub        *web.Hub
	feed       *lab.KeyFeed
	done       chan struct{} // closed when Serve has returned
	closeServe context.CancelFunc

	mu     sync.Mutex
	cancel context.CancelCauseFunc // the run going on
	quit   chan struct{}           // the page's q
	once   sync.Once
}

// startPage starts the page of a command: it prints the address to info.
func (e *env) startPage(mode string, f webFlag, private bool, s settings, info io.Writer) (*page, error) {
	addr := f.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if err := checkWebAddr("--web", addr); err != nil {
		return nil, err
	}
	p := &page{feed: lab.NewKeyFeed(), quit: make(chan struct{}), done: make(chan struct{})}
	quit := p.pageQuit
	if mode == web.ModeServe {
		quit = nil // a classroom server is stopped where it runs
	}
	srv, err := web.Listen(web.Options{Addr: addr, Lang: s.lang, Private: private, Mode: mode, Lesson: lessonOf,
		Feed: p.feed, Quit: quit, Warn: e.stderr})
	if err != nil {
		return nil, &failure{cause: err, msg: lab.Tf("--web: %v", "--web：%v", err),
			hint: lab.T("is the address in use? --web alone picks a free port", "这个地址被占用了吗？只写 --web 会选一个空闲端口")}
	}
	p.srv, p.hub = srv, srv.Hub()
	ctx, cancel := context.WithCancel(e.ctx)
	p.closeServe = cancel
	go func() {
		defer close(p.done)
		if err := srv.Serve(ctx); err != nil {
			fmt.Fprintln(e.stderr, lab.Tf("lab: the browser view stopped: %v", "lab：浏览器视图停止了：%v", err).In(s.lang))
		}
	}()
	fmt.Fprintln(info, lab.Tf("lab: the browser view: %s", "lab：浏览器视图：%s", srv.URL()).In(s.lang))
	return p, nil
}

// pageQuit is q on the page: the run stops, and so does the command.
func (p *page) pageQuit() {
	p.mu.Lock()
	if p.cancel != nil {
		p.cancel(lab.ErrQuit)
	}
	p.mu.Unlock()
	p.once.Do(func() { close(p.quit) })
}

// keys are the stepper's keys: the terminal's and the page's.
func (p *page) keys(k lab.Keys) lab.Keys {
	if p == nil {
		return k
	}
	return p.hub.Keys(lab.MergeKeys(k, p.feed))
}

// show shows a step announcement on the page too.
func (p *page) show(f func(lab.Announcement, lab.Lang) string) func(lab.Announcement, lab.Lang) string {
	if p == nil {
		return f
	}
	if f == nil {
		f = lab.PlainAnnouncement
	}
	return p.hub.Show(f)
}

// runContext is the context of one run: the page's q cancels it.
func (p *page) runContext(ctx context.Context, step bool) (context.Context, func()) {
	if p == nil {
		return ctx, func() {}
	}
	p.hub.SetStep(step)
	rctx, cancel := context.WithCancelCause(ctx)
	p.mu.Lock()
	p.cancel = cancel
	p.mu.Unlock()
	select {
	case <-p.quit:
		cancel(lab.ErrQuit)
	default:
	}
	return rctx, func() {
		p.mu.Lock()
		p.cancel = nil
		p.mu.Unlock()
		cancel(nil)
	}
}

// wrap makes the page a sink beside sk.
func (p *page) wrap(sk sink) sink {
	if p == nil {
		return sk
	}
	return &pageSink{sink: sk, hub: p.hub}
}

// wait keeps the page up after the runs, until Ctrl-C or the page's Quit,
// so the class can still look at it.
func (p *page) wait(ctx context.Context, w io.Writer, l lab.Lang) {
	if p == nil {
		return
	}
	fmt.Fprintln(w, lab.Tf("lab: the run is over; the page stays at %s until Ctrl-C or its Quit",
		"lab：运行结束了；页面保留在 %s，直到按 Ctrl-C 或页面上的“退出”", p.srv.URL()).In(l))
	select {
	case <-ctx.Done():
	case <-p.quit:
	case <-p.done:
	}
}

// close stops the page.
func (p *page) close() {
	if p == nil {
		return
	}
	p.closeServe()
	<-p.done
}

// pageSink hands every event to the command's own sink and to the page.
type pageSink struct {
	sink
	hub *web.Hub
}

func (s *pageSink) tee() lab.Tee {
	if _, none := s.sink.(noSink); none {
		return lab.Tee{s.hub}
	}
	return lab.Tee{s.sink, s.hub}
}

func (s *pageSink) Emit(e lab.Event) { s.tee().Emit(e) }
func (s *pageSink) Needs() int       { return s.tee().Needs() }
func (s *pageSink) Flush()           { s.tee().Flush() }
func (s *pageSink) Finish() {
	s.sink.Finish()
	s.hub.Finish()
}

// webServeInfo is what the page of lab serve says under its status.
func webServeInfo(addr string) lab.Text {
	return lab.Tf("connect to %s", "连接到 %s", addr)
}
