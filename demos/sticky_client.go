package demos

import (
	"context"
	"slices"
	"time"

	"socketlab/lab"
)

// stickyClient is the writer, the tutorial's client: connect, then send
// "hello" and "world" with two send() calls. Each connection is one part;
// a part that a busy machine spoiled is tried again on a new connection.
func stickyClient(ctx context.Context, s *lab.Side) error {
	w := &stickyWriter{s: s, mode: s.Params.String("mode"), info: true}
	parts := stickyParts(w.mode)
	if err := s.Wait("listening"); err != nil {
		return err
	}
	for part := 1; part <= parts; part++ {
		retry, err := w.connection(part, parts)
		if err != nil {
			return err
		}
		if retry {
			parts++
		}
	}
	return nil
}

// stickyWriter is the writer's state across its connections.
type stickyWriter struct {
	s      *lab.Side
	mode   string
	info   bool  // the kernel's segment counts are there (Linux)
	counts []int // the kernel's segment counts on this connection
}

// stickySends are the writer's sends, one function per mode.
var stickySends = map[string]func(w *stickyWriter, conn *lab.Conn) error{
	"buffer": (*stickyWriter).sendBuffer,
	"nagle":  (*stickyWriter).sendNagle,
	"cork":   (*stickyWriter).sendCork,
	"sleep":  (*stickyWriter).sendSleep,
}

// connection is one part: connect, send the messages the mode's way, wait
// until the reader has them queued, close. retry says the part must be
// made again on a new connection.
func (w *stickyWriter) connection(part, parts int) (retry bool, err error) {
	s := w.s
	if w.mode == "sleep" {
		s.Section(sleepHeading(part, parts))
	}
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return false, err
	}
	if err := w.setNagle(conn, part); err != nil {
		return false, err
	}
	if err := s.Wait(barrier("ready", part, parts)); err != nil {
		return false, err
	}
	w.counts = nil
	send, ok := stickySends[w.mode]
	if !ok {
		send = (*stickyWriter).sendBuffer
	}
	if err := send(w, conn); err != nil {
		return false, err
	}
	s.Signal(barrier("sent", part, parts))
	if err := s.Wait(barrier("queued", part, parts)); err != nil {
		return false, err
	}
	if err := w.count(conn); err != nil {
		return false, err
	}
	retry = w.retry(part, parts)
	if err := conn.Close(); err != nil { // client.close()
		return false, err
	}
	return retry, nil
}

// sleepHeading is the heading of a part of mode=sleep.
func sleepHeading(part, parts int) lab.Text {
	if part < parts {
		return lab.T("Part 1: the writer sleeps between its sends; the reader is already waiting in recv",
			"第 1 部分：发送方在两次发送之间睡眠；接收方已经在 recv 里等着")
	}
	return lab.T("Part 2: the same sleeping writer; the reader is busy and reads late",
		"第 2 部分：同样睡眠的发送方；接收方在忙，读得晚")
}

// setNagle turns Nagle's algorithm on where the knobs ask, or says once
// that it is off.
func (w *stickyWriter) setNagle(conn *lab.Conn, part int) error {
	s := w.s
	if nagleOn(s.Params) {
		s.Step("nagle-on")
		return conn.SetNoDelay(false) // Nagle on, as in Python
	}
	if part == 1 {
		s.Note(lab.T("Nagle's algorithm is off on this socket (TCP_NODELAY 1): each send leaves at once. A Python socket has it on; --set nagle=on turns it on here",
			"这个套接字上的 Nagle 算法是关着的（TCP_NODELAY 1）：每次 send 立即发出。Python 的套接字默认开着它；--set nagle=on 在这里把它打开"))
		s.GoNote(lab.T("Go sets TCP_NODELAY on every TCP socket it makes; the lab leaves it so unless nagle=on",
			"Go 在它创建的每个 TCP 套接字上都设置 TCP_NODELAY；除非 nagle=on，实验台就保持这样"))
	}
	return nil
}

// sendBuffer, mode=buffer: two sends at once; the reader reads late, so
// both wait in its receive buffer.
func (w *stickyWriter) sendBuffer(conn *lab.Conn) error {
	for _, msg := range stickyMessages(w.mode) {
		w.s.Step("send-" + msg)
		if _, err := conn.Send([]byte(msg)); err != nil { // client.send(b'hello')
			return err
		}
	}
	return nil
}

// sendNagle, mode=nagle: "x" goes ahead and waits for its delayed ACK, so
// Nagle holds "hello" and "world" back and sends them as one segment.
func (w *stickyWriter) sendNagle(conn *lab.Conn) error {
	mode := w.mode
	for i, msg := range stickyMessages(mode) {
		if i == len(stickyMessages(mode))-1 {
			w.s.Key("send-" + msg) // it returns at once; its bytes wait for the delayed ACK
		} else {
			w.s.Step("send-" + msg)
		}
		if _, err := conn.Send([]byte(msg)); err != nil { // client.send(b'hello')
			return err
		}
		// Did that send leave at once? The kernel's count says.
		if err := w.count(conn); err != nil {
			return err
		}
	}
	return nil
}

// sendCork, mode=cork: TCP_CORK holds the sends until it is taken off.
func (w *stickyWriter) sendCork(conn *lab.Conn) error {
	w.s.Step("cork")
	if err := conn.SetCork(true); err != nil && !unsupported(err) {
		return err
	}
	if err := w.sendBuffer(conn); err != nil {
		return err
	}
	w.s.Step("uncork")
	if err := conn.SetCork(false); err != nil && !unsupported(err) {
		return err
	}
	return nil
}

// sendSleep, mode=sleep: the tutorial's time.sleep between the sends.
func (w *stickyWriter) sendSleep(conn *lab.Conn) error {
	mode := w.mode
	for i, msg := range stickyMessages(mode) {
		if i > 0 {
			w.s.Note(lab.Tf("time.sleep(%g): the writer pauses before its next send", "time.sleep(%g)：发送方在下一次发送前暂停", sleepGap.Seconds()))
			time.Sleep(sleepGap)
		}
		w.s.Step("send-" + msg)
		if _, err := conn.Send([]byte(msg)); err != nil { // client.send(b'hello')
			return err
		}
	}
	return nil
}

// count records the writer's segment count, while the system has one.
func (w *stickyWriter) count(conn *lab.Conn) error {
	if !w.info {
		return nil
	}
	n, ok, err := segmentsSent(conn)
	if err != nil {
		return err
	}
	w.info, w.counts = ok, append(w.counts, n)
	return nil
}

// retry says whether a busy machine spoiled the part: the reader of
// mode=sleep says so, or in mode=nagle the kernel's counts show that
// "hello" left at once.
func (w *stickyWriter) retry(part, parts int) bool {
	s := w.s
	// The reader signals "retry" before "queued" when part 1 of sleep failed.
	if w.mode == "sleep" {
		return s.Signalled(barrier("retry", part, parts))
	}
	nagleMissed := w.mode == "nagle" && w.info && nagleOn(s.Params) && part == parts && part < maxAttempts &&
		!slices.Equal(w.counts, []int{1, 1, 1, 2})
	if !nagleMissed {
		return false
	}
	s.Note(lab.Tf("attempt %d: the kernel's counts were %v, so \"hello\" found nothing unacknowledged: this thread was paused longer than the delayed ACK (a busy machine). Trying again on a new connection",
		"第 %d 次尝试：内核计数为 %v，说明 \"hello\" 发送时没有未确认的数据：这个线程被暂停的时间超过了延迟确认（机器太忙）。换一个新连接再试一次",
		part, w.counts))
	s.Signal(barrier("retry", part, parts))
	return true
}

// segmentsSent records the writer's segment count; ok is false where the
// system has no such count (the trace then says so).
func segmentsSent(conn *lab.Conn) (n int, ok bool, err error) {
	n, err = conn.SegmentsSent()
	if unsupported(err) {
		return 0, false, nil
	}
	return n, err == nil, err
}
