package render

import (
	"fmt"
	"strings"

	"socketlab/lab"
	"socketlab/lab/view"
)

// Marker writes marker n as the views draw it: ① to ⑳, then [21], [22] ….
func Marker(n int) string {
	if n >= 1 && n <= 20 {
		return string(rune(0x2460 + n - 1))
	}
	return fmt.Sprintf("[%d]", n)
}

// Markers writes several markers one after the other: ①③.
func Markers(ms []int) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(Marker(m))
	}
	return b.String()
}

func (r *Text) bytesWord(n int) string { return bytesWord(n, r.o.Lang) }

func bytesWord(n int, l lab.Lang) string {
	if l == lab.Zh {
		return fmt.Sprintf("%s 字节", thousands(int64(n)))
	}
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%s bytes", thousands(int64(n)))
}

// thousands writes n with commas between groups of three digits: 1,045,504.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// cell lays out one event as lines at most w cells wide: its call line
// (marked, bold for a key call), what the call did, its bytes, its error.
func (r *Text) cell(it view.Item, w int) []line {
	e := it.Event
	if e.Who != "" {
		return r.tagged(it, w)
	}
	c := &cellBuf{w: w}
	id := ""
	if e.Conn > 0 {
		id = fmt.Sprintf("#%d ", e.Conn)
	}
	if it.Marker > 0 {
		id = Marker(it.Marker) + " " + id
	}
	var head style // the call line: bold for a key call
	if it.Marker > 0 {
		head = r.pal.key
	}
	r.cellBody(c, it, id, head)
	if e.Err != "" {
		c.lines(r.errLines(e, w))
	}
	return c.out
}

// cellBuf collects the lines of a cell: each text added is wrapped to w
// cells, its continuation lines indented.
type cellBuf struct {
	out []line
	w   int
}

func (c *cellBuf) add(st style, s string) {
	for i, l := range Wrap(s, c.w) {
		if i > 0 {
			l = "  " + l
		}
		c.out = append(c.out, line{l, st})
	}
}

// lines adds lines laid out already (bytes, an error).
func (c *cellBuf) lines(ls []line) { c.out = append(c.out, ls...) }

// cellBody lays out what the event's kind of call says, after id (its
// marker and connection).
func (r *Text) cellBody(c *cellBuf, it view.Item, id string, head style) {
	e := it.Event
	switch e.Op {
	case lab.OpRecv, lab.OpRecvFrom:
		r.recvCell(c, it, id, head)
	case lab.OpSend, lab.OpSendAll, lab.OpSendTo:
		r.sendCell(c, it, id, head)
	case lab.OpBind, lab.OpListen, lab.OpAccept, lab.OpConnect:
		r.addrCell(c, e, id, head)
	case lab.OpClose, lab.OpShutdown, lab.OpSetOpt, lab.OpSocket:
		c.add(head, id+e.Call)
	case lab.OpSelect:
		text := id + e.Call
		if !e.Text.IsZero() { // what select() returned: the sockets that are ready
			text += " → " + r.tr(e.Text)
		}
		c.add(head, text)
	case lab.OpWait, lab.OpSignal:
		r.barrierCell(c, e)
	case lab.OpSegments:
		text := lab.Tf("kernel: %d TCP data segments", "内核：%d 个 TCP 数据段", e.Segs)
		if !e.Text.IsZero() {
			text = e.Text // says sent or received
		}
		c.add(head, id+r.tr(text))
		if e.Call != "" {
			c.add(nil, e.Call)
		}
	case lab.OpTCPInfo:
		c.add(r.pal.side(lab.Wire), id+"≈ "+r.tr(e.Text))
	case lab.OpNote:
		r.noteCell(c, it, head)
	default:
		c.add(head, id+e.Op.String())
	}
}

// recvCell: what a recv() got (an EOF, an empty datagram, from whom), a
// datagram cut short, and the bytes.
func (r *Text) recvCell(c *cellBuf, it view.Item, id string, head style) {
	e := it.Event
	text := fmt.Sprintf("%s → %s", e.Call, r.bytesWord(e.N))
	if e.Err != "" && e.N == 0 {
		text = e.Call + " ✗" // it raised, as Python's would: no bytes, not an EOF
	}
	if e.Op == lab.OpRecv && e.N == 0 && e.Err == "" {
		text += r.tr(lab.T(": b'' (peer closed: EOF)", "：b''（对方已关闭：EOF）"))
	}
	if e.Op == lab.OpRecvFrom && e.N == 0 && e.Err == "" {
		text += r.tr(lab.T(": b'' (an empty datagram, not EOF)", "：b''（一个空数据报，不是 EOF）"))
	}
	if e.Op == lab.OpRecvFrom && e.Peer != "" {
		text += r.tr(lab.T(" from ", "，来自 ")) + e.Peer
	}
	c.add(head, id+text)
	if e.Trunc {
		c.add(r.pal.warn, r.tr(lab.Tf("✂ cut: the datagram was longer than %d; the rest is lost (MSG_TRUNC)",
			"✂ 被截断：数据报比 %d 长，其余部分丢失（MSG_TRUNC）", e.Req)))
	}
	c.lines(r.bytesOf(it, c.w))
}

// sendCell: how much of its bytes a send() took, whether it waited, and
// the bytes.
func (r *Text) sendCell(c *cellBuf, it view.Item, id string, head style) {
	e := it.Event
	text := fmt.Sprintf("%s → %s/%s", e.Call, thousands(int64(e.N)), r.bytesWord(e.Req))
	if e.Op == lab.OpSendTo {
		text = fmt.Sprintf("%s → %s", e.Call, r.bytesWord(e.N))
	}
	c.add(head, id+text)
	if e.Req == 0 && e.Err == "" {
		c.add(nil, "b''")
	}
	if e.Waited && !it.Compact {
		c.add(nil, r.tr(lab.T("(the buffers were full: this call waited until the peer read)",
			"（缓冲区满了：这次调用一直等到对方读取才继续）")))
	}
	if e.N < e.Req && (e.N > 0 || e.Err == "") && !it.Compact { // a compact call's count says it
		c.add(r.pal.warn, r.tr(lab.Tf("short: only %s of %s bytes were taken", "不足：只交出了 %s / %s 个字节", thousands(int64(e.N)), thousands(int64(e.Req)))))
	}
	c.lines(r.bytesOf(it, c.w))
}

// addrCell: bind(), listen(), accept() and connect(), with the address
// each one set or learnt.
func (r *Text) addrCell(c *cellBuf, e lab.Event, id string, head style) {
	switch e.Op {
	case lab.OpBind:
		c.add(head, id+e.Call)
		if e.Local != "" {
			c.add(nil, r.tr(lab.T("bound to ", "绑定到 "))+e.Local)
		}
	case lab.OpListen:
		c.add(head, id+e.Call)
		c.add(nil, r.tr(lab.T("listening on ", "正在监听 "))+e.Local)
	case lab.OpAccept:
		c.add(head, id+e.Call+r.tr(lab.T(" → new socket", " → 新套接字")))
		if e.Peer != "" {
			c.add(nil, r.tr(lab.T("client address ", "客户端地址 "))+e.Peer)
		}
	case lab.OpConnect:
		c.add(head, id+e.Call)
		if e.Local != "" {
			c.add(nil, r.tr(lab.T("my address ", "本端地址 "))+e.Local)
		}
	}
}

// barrierCell: a barrier passed, given up on, or signalled.
func (r *Text) barrierCell(c *cellBuf, e lab.Event) {
	switch {
	case e.Op == lab.OpSignal:
		c.add(nil, r.tr(lab.Tf("barrier %q: signal", "屏障 %q：发出信号", e.Name)))
	case e.Err != "":
		c.add(nil, r.tr(lab.Tf("barrier %q: gave up waiting", "屏障 %q：放弃等待", e.Name)))
	default:
		c.add(nil, r.tr(lab.Tf("barrier %q: passed", "屏障 %q：通过", e.Name)))
	}
}

// noteCell: a note, "» " after its marker, wrapped under its first line.
func (r *Text) noteCell(c *cellBuf, it view.Item, head style) {
	mark := ""
	if it.Marker > 0 {
		mark = Marker(it.Marker) + " "
	}
	for i, l := range Wrap(r.tr(it.Event.Text), c.w-2-Width(mark)) {
		prefix := "  " + strings.Repeat(" ", Width(mark))
		if i == 0 {
			prefix = mark + "» "
		}
		c.add(head, prefix+l)
	}
}

// bytesOf is an event's bytes as the item asks: in full, or for a compact
// item (a like call after the first of its run) one b'…' line.
func (r *Text) bytesOf(it view.Item, w int) []line {
	e := it.Event
	if !it.Compact || e.N == 0 || len(e.Data) == 0 {
		return r.payload(e, w)
	}
	shown := e.Data[:min(len(e.Data), viewBytes(r.o.Width))]
	repr := PyBytes(shown)
	if len(shown) < e.N {
		repr = repr[:len(repr)-1] + "…"
	}
	return []line{{repr, nil}}
}

// payload shows the bytes of a data event: Python's repr, the UTF-8 reading
// when it is not plain ASCII, and hex rows, part by part when marked. It
// reads at most viewBytes of each part (unless --full), so it draws the
// same whether it was handed a call's first bytes or all of them.
func (r *Text) payload(e lab.Event, w int) []line {
	if e.N == 0 {
		return nil
	}
	var out []line
	parts := e.Marks
	if len(parts) == 0 {
		parts = []lab.Mark{{From: 0, To: e.N}}
	}
	limit := viewBytes(r.o.Width)
	for _, m := range parts {
		size := max(0, min(m.To, e.N)-m.From)
		shown := e.Data[min(m.From, len(e.Data)):min(m.To, len(e.Data))]
		if !r.o.Full && len(shown) > limit {
			shown = shown[:limit]
		}
		whole := len(shown) == size
		off := e.Offset + int64(m.From)
		per := rowBytes(w - (hexDigits(off+int64(size)) - 4))
		if !m.Label.IsZero() {
			out = append(out, line{fmt.Sprintf("[%s: %s]", r.tr(m.Label), r.bytesWord(size)), r.pal.heading})
		}
		if len(shown) == 0 {
			if size > 0 {
				out = append(out, line{r.tr(lab.Tf("… %s bytes (--full shows all)", "… %s 个字节（--full 显示全部）", thousands(int64(size)))), nil})
			}
			continue
		}
		repr := PyBytes(shown)
		if !whole { // the first bytes only: no closing quote
			repr = repr[:len(repr)-1] + "…"
		}
		out = append(out, r.wrapped(repr, w)...)
		if s, ok := decodedPart(shown, whole); ok {
			out = append(out, r.wrapped("utf-8: "+s, w)...)
		}
		lead := int(off % int64(per))                // the first row starts this far into a row
		count := (lead + len(shown) + per - 1) / per // rows of all that is shown
		digits := hexDigits(off + int64(len(shown)))
		if !r.o.Full && count > foldAt+1 || !whole {
			inRows := min(len(shown), foldAt*per-lead)
			rows := hexRows(shown[:inRows], off, per, digits) // only the rows drawn are made
			for _, row := range rows {
				out = append(out, line{row, nil})
			}
			out = append(out, line{r.tr(lab.Tf("… %s more bytes (--full shows all)", "… 还有 %s 个字节（--full 显示全部）", thousands(int64(size-inRows)))), nil})
			continue
		}
		for _, row := range hexRows(shown, off, per, digits) {
			out = append(out, line{row, nil})
		}
	}
	return out
}

// wrapped is a line of bytes: cut to the lane ("…"), or with --full
// wrapped over as many lines as it takes.
func (r *Text) wrapped(s string, w int) []line {
	if !r.o.Full {
		return []line{{s, nil}}
	}
	var out []line
	for _, l := range Wrap(s, w) {
		out = append(out, line{l, nil})
	}
	return out
}

// errnoTexts explain an event's Errno in the learner's language.
var errnoTexts = map[string]lab.Text{
	"ECONNRESET":       lab.T("the peer reset the connection (RST)", "对方重置了连接（RST）"),
	"EPIPE":            lab.T("broken pipe: writing is refused (the peer is gone, or this side shut down its sending)", "管道破裂：写入被拒绝（对方已经不在，或者本端已经关闭了发送）"),
	"ECONNABORTED":     lab.T("this host aborted the connection", "本机中止了连接"),
	"ECONNREFUSED":     lab.T("connection refused: nobody listens there", "连接被拒绝：那里没有程序在监听"),
	"timeout":          lab.T("timed out", "超时"),
	"EAGAIN":           lab.T("resource temporarily unavailable: a non-blocking call found nothing to do and did not wait", "资源暂时不可用：非阻塞调用无事可做，也不等待"),
	"closed":           lab.T("this program had already closed the socket", "本程序已经关闭了这个套接字"),
	"EADDRINUSE":       lab.T("address already in use: a socket still holds this address and port", "地址已被占用：还有套接字占着这个地址和端口"),
	lab.ErrnoStopped:   lab.T("cut off: stopped by the learner", "被中断：学习者停止了运行"),
	lab.ErrnoAbandoned: lab.T("cut off: the other side failed, so the run ended", "被中断：另一方失败，运行已结束"),
}

// errLines shows a failed call's error: what it means in the learner's
// language and the exception Python would raise, then the system's own words.
func (r *Text) errLines(e lab.Event, w int) []line {
	c := &cellBuf{w: w}
	t, known := errnoTexts[e.Errno]
	cutOff := e.Errno == lab.ErrnoStopped || e.Errno == lab.ErrnoAbandoned || strings.HasPrefix(e.Err, "cut off:")
	switch {
	case known && cutOff:
		c.add(r.pal.bad, "✗ "+r.tr(t))
		return c.out
	case known:
		py := lab.ClassOf(e.Errno).Python()
		c.add(r.pal.bad, r.tr(lab.Tf("✗ %s: %s (Python: %s)", "✗ %s：%s（Python：%s）", e.Errno, r.tr(t), py)))
		c.add(nil, "  "+e.Err)
	default:
		c.add(r.pal.bad, "✗ "+e.Err)
	}
	return c.out
}
