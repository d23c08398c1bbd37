// Package render turns a run's events into what a person or a program reads:
// side-by-side lanes for a terminal ([Text]), JSON lines ([JSON]) and
// Markdown ([Markdown]). Each renderer is a lab.Sink, so it prints every
// event as it happens; rendering depends only on the events, never on the
// sockets, so it is tested with golden files.
package render

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/fatih/color"

	"socketlab/lab"
)

// Options shape the text and Markdown output.
type Options struct {
	Lang  lab.Lang
	Width int  // terminal columns; below TwoLaneMin one interleaved lane
	Color bool // ANSI colours
	Full  bool // show every hex row instead of folding long payloads
	Live  bool // a terminal: draw a progress bar that redraws in place
}

// TwoLaneMin is the narrowest width that gets client and server side by side.
const TwoLaneMin = 100

const (
	timeW   = 9 // "   12.345"
	gutterW = 5 // " ──▶ "
	tagW    = 8 // one-lane side tag
	foldAt  = 4 // hex rows shown before folding
)

// Text renders events as lanes: time flows down, the client on the left and
// the server on the right, or one interleaved lane with side tags when the
// terminal is narrow.
type Text struct {
	w        io.Writer
	o        Options
	lanes    int
	laneW    int
	header   sync.Once
	findings []lab.Event
	err      error
	folds    []*foldRun // runs of elided data calls being folded (fold.go)
	bar      int        // the percentage the progress bar shows, -1 when none is drawn
	lanesOf  proxyLanes // which lane each of a proxy's sockets is in (proxy.go)

	side    map[lab.Role]*color.Color
	dim     *color.Color
	bad     *color.Color
	good    *color.Color
	warn    *color.Color
	heading *color.Color
}

// NewText returns a text renderer writing to w.
func NewText(w io.Writer, o Options) *Text {
	if o.Width <= 0 {
		o.Width = 120
	}
	o.Width = max(o.Width, 40)
	r := &Text{w: w, o: o, bar: -1}
	if o.Width >= TwoLaneMin {
		r.lanes = 2
		r.laneW = (o.Width - timeW - gutterW - 1) / 2
	} else {
		r.lanes = 1
		r.laneW = o.Width - timeW - tagW - 1
	}
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if o.Color {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	r.side = map[lab.Role]*color.Color{
		lab.Client: mk(color.FgRed),
		lab.Server: mk(color.FgBlue),
		lab.Proxy:  mk(color.FgMagenta),
		lab.System: mk(color.FgCyan),
	}
	r.dim = mk(color.Faint)
	r.bad = mk(color.FgRed, color.Bold)
	r.good = mk(color.FgGreen)
	r.warn = mk(color.FgYellow)
	r.heading = mk(color.Bold)
	return r
}

// Err returns the first write error, if any.
func (r *Text) Err() error { return r.err }

func (r *Text) tr(t lab.Text) string { return t.In(r.o.Lang) }

func (r *Text) printf(format string, args ...any) {
	r.clearBar()
	if r.err == nil {
		_, r.err = fmt.Fprintf(r.w, format, args...)
	}
}

// line is one line of an event's cell, with its colour.
type line struct {
	text string
	c    *color.Color
}

// Emit renders one event.
func (r *Text) Emit(e lab.Event) {
	r.header.Do(func() { r.lanesOf.start(e); r.writeHeader() })
	if r.fold(e) {
		return
	}
	switch {
	case e.Op == lab.OpFinding:
		r.findings = append(r.findings, e)
		return
	case e.Op == lab.OpSummary:
		r.summary(e)
		return
	case e.Side == lab.System:
		r.banner(e)
		return
	}
	r.rows(e, r.cell(e, r.laneW))
}

func (r *Text) writeHeader() {
	if r.lanes == 1 {
		r.printf("%s\n", r.dim.Sprint(Pad(r.tr(lab.T("     ms  side", "   毫秒  角色")), timeW+tagW)+r.tr(lab.T("call and bytes", "调用与字节"))))
		return
	}
	left, server := r.lanesOf.names(r.o.Lang)
	client := Pad(left, r.laneW)
	r.printf("%s%s%s%s\n", r.dim.Sprint(Pad(r.tr(lab.T("     ms", "   毫秒")), timeW+1)),
		r.side[lab.Client].Sprint(client), strings.Repeat(" ", gutterW), r.side[lab.Server].Sprint(server))
	rule := strings.Repeat("─", r.laneW)
	r.printf("%s\n", r.dim.Sprint(strings.Repeat(" ", timeW+1)+rule+strings.Repeat(" ", gutterW)+rule))
}

// rows prints an event's cell in its lane.
func (r *Text) rows(e lab.Event, cell []line) {
	stamp := timeStamp(e.T)
	sc := r.side[e.Side]
	right := r.lanesOf.right(e)
	for i, l := range cell {
		t := stamp
		if i > 0 {
			t = ""
		}
		c := l.c
		if c == nil {
			c = sc
		}
		fitted := Fit(l.text, r.laneW)
		text := c.Sprint(fitted) + strings.Repeat(" ", r.laneW-Width(fitted))
		if r.lanes == 1 {
			tag := ""
			if i == 0 {
				tag = r.lanesOf.tag(e, right, r.o.Lang)
			}
			row := r.dim.Sprint(Pad(t, timeW-1)) + " " + sc.Sprint(tag) + strings.Repeat(" ", tagW-Width(tag)) + text
			r.printf("%s\n", strings.TrimRight(row, " "))
			continue
		}
		gutter := strings.Repeat(" ", gutterW)
		if i == 0 {
			gutter = arrow(e, r.lanesOf.facesServer(e, right))
		}
		left, rightText := text, ""
		if right {
			left, rightText = strings.Repeat(" ", r.laneW), text
		}
		row := r.dim.Sprint(Pad(t, timeW-1)) + " " + left + r.dim.Sprint(gutter) + rightText
		r.printf("%s\n", strings.TrimRight(row, " "))
	}
}

// arrow shows which way the bytes of a data call flow between the lanes,
// made on a socket that faces the server (the client's) or not.
func arrow(e lab.Event, facesServer bool) string {
	datagram := e.Op == lab.OpSendTo || e.Op == lab.OpRecvFrom
	if !e.Op.IsData() || e.Err != "" && e.N == 0 || e.N == 0 && !datagram {
		return "     "
	}
	toServer := facesServer != e.Op.IsRecv()
	if toServer {
		return " ──▶ "
	}
	return " ◀── "
}

func (r *Text) bytesWord(n int) string {
	if r.o.Lang == lab.Zh {
		return fmt.Sprintf("%d 字节", n)
	}
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

// cell lays out one event as lines at most w cells wide.
func (r *Text) cell(e lab.Event, w int) []line {
	if e.Who != "" {
		return r.tagged(e, w)
	}
	var out []line
	add := func(c *color.Color, s string) {
		for i, l := range Wrap(s, w) {
			if i > 0 {
				l = "  " + l
			}
			out = append(out, line{l, c})
		}
	}
	id := ""
	if e.Conn > 0 {
		id = fmt.Sprintf("#%d ", e.Conn)
	}
	switch e.Op {
	case lab.OpRecv, lab.OpRecvFrom:
		head := fmt.Sprintf("%s → %s", e.Call, r.bytesWord(e.N))
		if e.Err != "" && e.N == 0 {
			head = e.Call + " ✗" // it raised, as Python's would: no bytes, not an EOF
		}
		if e.Op == lab.OpRecv && e.N == 0 && e.Err == "" {
			head += r.tr(lab.T(": b'' (peer closed: EOF)", "：b''（对方已关闭：EOF）"))
		}
		if e.Op == lab.OpRecvFrom && e.N == 0 && e.Err == "" {
			head += r.tr(lab.T(": b'' (an empty datagram, not EOF)", "：b''（一个空数据报，不是 EOF）"))
		}
		if e.Op == lab.OpRecvFrom && e.Peer != "" {
			head += r.tr(lab.T(" from ", "，来自 ")) + e.Peer
		}
		add(nil, id+head)
		if e.Trunc {
			add(r.warn, r.tr(lab.Tf("✂ cut: the datagram was longer than %d; the rest is lost (MSG_TRUNC)",
				"✂ 被截断：数据报比 %d 长，其余部分丢失（MSG_TRUNC）", e.Req)))
		}
		out = append(out, r.payload(e, w)...)
	case lab.OpSend, lab.OpSendAll, lab.OpSendTo:
		head := fmt.Sprintf("%s → %d/%s", e.Call, e.N, r.bytesWord(e.Req))
		if e.Op == lab.OpSendTo {
			head = fmt.Sprintf("%s → %s", e.Call, r.bytesWord(e.N))
		}
		add(nil, id+head)
		if e.Req == 0 && e.Err == "" {
			add(nil, "b''")
		}
		if e.Waited {
			add(r.dim, r.tr(lab.T("(the buffers were full: this call waited until the peer read)",
				"（缓冲区满了：这次调用一直等到对方读取才继续）")))
		}
		if e.N < e.Req && (e.N > 0 || e.Err == "") {
			add(r.warn, r.tr(lab.Tf("short: only %d of %d bytes were taken", "不足：只交出了 %d / %d 个字节", e.N, e.Req)))
		}
		out = append(out, r.payload(e, w)...)
	case lab.OpBind:
		add(nil, id+e.Call)
		if e.Local != "" {
			add(r.dim, r.tr(lab.T("bound to ", "绑定到 "))+e.Local)
		}
	case lab.OpListen:
		add(nil, id+e.Call)
		add(r.dim, r.tr(lab.T("listening on ", "正在监听 "))+e.Local)
	case lab.OpAccept:
		add(nil, id+e.Call+r.tr(lab.T(" → new socket", " → 新套接字")))
		if e.Peer != "" {
			add(r.dim, r.tr(lab.T("client address ", "客户端地址 "))+e.Peer)
		}
	case lab.OpConnect:
		add(nil, id+e.Call)
		if e.Local != "" {
			add(r.dim, r.tr(lab.T("my address ", "本端地址 "))+e.Local)
		}
	case lab.OpClose, lab.OpShutdown, lab.OpSetOpt:
		add(nil, id+e.Call)
	case lab.OpWait:
		if e.Err != "" {
			add(r.dim, r.tr(lab.Tf("barrier %q: gave up waiting", "屏障 %q：放弃等待", e.Name)))
		} else {
			add(r.dim, r.tr(lab.Tf("barrier %q: passed", "屏障 %q：通过", e.Name)))
		}
	case lab.OpSignal:
		add(r.dim, r.tr(lab.Tf("barrier %q: signal", "屏障 %q：发出信号", e.Name)))
	case lab.OpSegments:
		text := lab.Tf("kernel: %d TCP data segments", "内核：%d 个 TCP 数据段", e.Segs)
		if !e.Text.IsZero() {
			text = e.Text // says sent or received
		}
		add(nil, id+r.tr(text))
		if e.Call != "" {
			add(r.dim, e.Call)
		}
	case lab.OpNote:
		for i, l := range Wrap(r.tr(e.Text), w-2) {
			prefix := "  "
			if i == 0 {
				prefix = "» "
			}
			add(nil, prefix+l)
		}
	default:
		add(nil, id+e.Op.String())
	}
	if e.Elided > 0 {
		add(r.dim, r.tr(lab.Tf("… and %d more bytes, moved but not kept in the trace", "… 另有 %d 个字节已传送，但没有保留在记录中", e.Elided)))
	}
	if e.Err != "" {
		out = append(out, r.errLines(e, w)...)
	}
	return out
}

// payload shows the bytes of a data event: Python's repr, the UTF-8 reading
// when it is not plain ASCII, and hex rows, part by part when marked.
func (r *Text) payload(e lab.Event, w int) []line {
	if len(e.Data) == 0 {
		return nil
	}
	var out []line
	parts := e.Marks
	if len(parts) == 0 {
		parts = []lab.Mark{{From: 0, To: len(e.Data)}}
	}
	for _, m := range parts {
		b := e.Data[m.From:min(m.To, len(e.Data))]
		per := rowBytes(w - (hexDigits(e.Offset+int64(m.From)+int64(len(b))) - 4))
		if !m.Label.IsZero() {
			out = append(out, line{fmt.Sprintf("[%s: %s]", r.tr(m.Label), r.bytesWord(len(b))), r.heading})
		}
		out = append(out, line{text: PyBytes(b)})
		if s, ok := Decoded(b); ok {
			out = append(out, line{"utf-8: " + s, nil})
		}
		rows := HexRows(b, e.Offset+int64(m.From), per)
		if !r.o.Full && len(rows) > foldAt+1 {
			shown := 0
			for _, row := range rows[:foldAt] {
				out = append(out, line{row, r.dim})
			}
			shown = min(len(b), foldAt*per-int((e.Offset+int64(m.From))%int64(per)))
			out = append(out, line{r.tr(lab.Tf("… %d more bytes (--full shows all)", "… 还有 %d 个字节（--full 显示全部）", len(b)-shown)), r.dim})
			continue
		}
		for _, row := range rows {
			out = append(out, line{row, r.dim})
		}
	}
	return out
}

// banner prints a lab-wide note across all lanes: a section heading or an
// explanation.
func (r *Text) banner(e lab.Event) {
	text := r.tr(e.Text)
	if e.Name == "section" {
		r.printf("\n%s\n", r.heading.Sprint("── "+Fit(text, r.o.Width-4)+" "))
		return
	}
	for _, l := range Wrap(text, r.o.Width-timeW-3) {
		r.printf("%s %s\n", strings.Repeat(" ", timeW), r.side[lab.System].Sprint("ℹ "+l))
	}
}

// summary prints "What happened": the findings in plain words.
func (r *Text) summary(e lab.Event) {
	r.printf("\n%s\n", r.heading.Sprint(r.tr(lab.T("What happened", "发生了什么"))))
	for _, f := range r.findings {
		mark, c := "✓", r.good
		if !f.OK {
			mark, c = "✗", r.warn
		}
		for i, l := range Wrap(r.tr(f.Text), r.o.Width-4) {
			if i == 0 {
				r.printf("  %s %s\n", c.Sprint(mark), l)
			} else {
				r.printf("    %s\n", l)
			}
		}
	}
	r.findings = nil
	var verdict lab.Text
	c := r.good
	switch {
	case e.Err != "":
		verdict, c = lab.Tf("the run failed: %s", "运行失败：%s", e.Err), r.bad
	case e.OK && e.Findings == 1:
		verdict = lab.Tf("demo %s: the finding holds", "演示 %s：结论成立", e.Demo)
	case e.OK:
		verdict = lab.Tf("demo %s: all %d findings hold", "演示 %s：全部 %d 项结论成立", e.Demo, e.Findings)
	default:
		verdict, c = lab.Tf("demo %s: a finding did not hold (see ✗ above)", "演示 %s：有结论不成立（见上面的 ✗）", e.Demo), r.warn
	}
	for _, l := range Wrap(r.tr(verdict), r.o.Width-2) {
		r.printf("  %s\n", c.Sprint(l))
	}
}

// Announce formats a step-mode announcement in the lanes' colours.
func (r *Text) Announce(a lab.Announcement, l lab.Lang) string {
	r.header.Do(r.writeHeader)
	c := r.side[a.Side]
	head := fmt.Sprintf("▸ %s %s", a.Side.Name(l), a.Call)
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", timeW) + " " + c.Sprint(r.heading.Sprint(Fit(head, r.o.Width-timeW-1))) + "\n")
	for _, s := range Wrap(a.Note.In(l), r.o.Width-timeW-3) {
		b.WriteString(strings.Repeat(" ", timeW+3) + s + "\n")
	}
	for _, s := range Wrap(lab.StepKeys.In(l), r.o.Width-timeW-3) {
		b.WriteString(strings.Repeat(" ", timeW+3) + r.dim.Sprint(s) + "\n")
	}
	return b.String()
}

// timeStamp writes t in milliseconds in the time column's 8 cells, with
// fewer decimals as it grows.
func timeStamp(t time.Duration) string {
	ms := float64(t.Microseconds()) / 1000
	switch {
	case ms < 10000:
		return fmt.Sprintf("%8.3f", ms)
	case ms < 1000000:
		return fmt.Sprintf("%8.1f", ms)
	}
	return fmt.Sprintf("%7.0fs", ms/1000)
}

// errnoTexts explain an event's Errno in the learner's language.
var errnoTexts = map[string]lab.Text{
	"ECONNRESET":       lab.T("the peer reset the connection (RST)", "对方重置了连接（RST）"),
	"EPIPE":            lab.T("broken pipe: the peer is gone, writing is refused", "管道破裂：对方已经不在，写入被拒绝"),
	"ECONNABORTED":     lab.T("this host aborted the connection", "本机中止了连接"),
	"ECONNREFUSED":     lab.T("connection refused: nobody listens there", "连接被拒绝：那里没有程序在监听"),
	"timeout":          lab.T("timed out", "超时"),
	"closed":           lab.T("this program had already closed the socket", "本程序已经关闭了这个套接字"),
	lab.ErrnoStopped:   lab.T("cut off: stopped by the learner", "被中断：学习者停止了运行"),
	lab.ErrnoAbandoned: lab.T("cut off: the other side failed, so the run ended", "被中断：另一方失败，运行已结束"),
}

// errLines shows a failed call's error: what it means in the learner's
// language and the exception Python would raise, then the system's own words.
func (r *Text) errLines(e lab.Event, w int) []line {
	var out []line
	add := func(c *color.Color, s string) {
		for i, l := range Wrap(s, w) {
			if i > 0 {
				l = "  " + l
			}
			out = append(out, line{l, c})
		}
	}
	t, known := errnoTexts[e.Errno]
	cutOff := e.Errno == lab.ErrnoStopped || e.Errno == lab.ErrnoAbandoned || strings.HasPrefix(e.Err, "cut off:")
	switch {
	case known && cutOff:
		add(r.bad, "✗ "+r.tr(t))
		return out
	case known:
		py := lab.ClassOf(e.Errno).Python()
		add(r.bad, r.tr(lab.Tf("✗ %s: %s (Python: %s)", "✗ %s：%s（Python：%s）", e.Errno, r.tr(t), py)))
		add(r.dim, "  "+e.Err)
	default:
		add(r.bad, "✗ "+e.Err)
	}
	return out
}
