package lab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// Socket options and kernel counters of a TCP connection.
//
// The setters are traced socket calls (op setopt, labelled the way Python
// writes them: setsockopt(IPPROTO_TCP, TCP_NODELAY, 0)). The counters are
// the lab looking at the kernel, not calls the tutorial makes: Segments*
// records a segments event, WaitQueued a note. TCP_CORK, TCP_QUICKACK,
// TCP_INFO and SIOCINQ are Linux calls; elsewhere each helper adds a note
// saying what this system cannot show and returns an error that matches
// errors.ErrUnsupported, so a demo can carry on without it.

// The Call of a segments event says which TCP_INFO counter it read.
const (
	CallSegsOut = "getsockopt(IPPROTO_TCP, TCP_INFO).tcpi_data_segs_out"
	CallSegsIn  = "getsockopt(IPPROTO_TCP, TCP_INFO).tcpi_data_segs_in"
)

// NoteQueued is the Name of the note WaitQueued records; its N is the number
// of bytes the kernel had queued for reading.
const NoteQueued = "queued"

// SetNoDelay turns Nagle's algorithm off (on = true, TCP_NODELAY = 1) or on.
// Go sets TCP_NODELAY on every TCP connection; Python does not.
func (c *Conn) SetNoDelay(on bool) error {
	return c.setopt("TCP_NODELAY", on, func(nc net.Conn, on bool) error {
		tc, ok := nc.(*net.TCPConn)
		if !ok {
			return errors.New("not a TCP connection")
		}
		return tc.SetNoDelay(on)
	})
}

// SetCork corks (on) or uncorks the connection with TCP_CORK: while corked
// the kernel sends only full segments, so small writes are merged into one
// segment; uncorking sends what is left. Linux only.
func (c *Conn) SetCork(on bool) error {
	return c.setopt("TCP_CORK", on, tcpCork)
}

// SetQuickAck sets TCP_QUICKACK: off makes the kernel delay the ACK of
// received data (up to ~40 ms on Linux) in the hope of sending it with a
// reply. The kernel may turn quick ACKs back on later. Linux only.
func (c *Conn) SetQuickAck(on bool) error {
	return c.setopt("TCP_QUICKACK", on, tcpQuickAck)
}

func (c *Conn) setopt(name string, on bool, set func(net.Conn, bool) error) error {
	s := c.side
	v := 0
	if on {
		v = 1
	}
	call := fmt.Sprintf("setsockopt(IPPROTO_TCP, %s, %d)", name, v)
	if err := s.before(OpSetOpt, call); err != nil {
		return err
	}
	err := set(c.c, on)
	if errors.Is(err, errors.ErrUnsupported) {
		s.setBusy("")
		s.Note(Tf("%s is a Linux socket option: this system cannot set it, so the lab cannot show its effect here",
			"%s 是 Linux 的套接字选项：这个系统无法设置它，所以这里看不到它的效果", name))
		return fmt.Errorf("%s: %w", call, err)
	}
	s.record(Event{Op: OpSetOpt, Conn: c.id, Call: call}, err)
	if err != nil {
		return fmt.Errorf("%s: %w", call, err)
	}
	return nil
}

// SegmentsSent records and returns how many TCP segments carrying data the
// kernel has sent on this connection so far (TCP_INFO tcpi_data_segs_out).
// Read it after the peer has received everything, or right after a write to
// see whether that write left at once.
func (c *Conn) SegmentsSent() (int, error) { return c.segments(true) }

// SegmentsReceived records and returns how many TCP segments carrying data
// the kernel has received on this connection so far (tcpi_data_segs_in).
func (c *Conn) SegmentsReceived() (int, error) { return c.segments(false) }

func (c *Conn) segments(out bool) (int, error) {
	s := c.side
	in, sent, err := tcpSegments(c.c)
	if errors.Is(err, errors.ErrUnsupported) {
		s.Note(T("this system has no TCP_INFO segment counters: the lab cannot show how many segments crossed the wire (the send and recv calls still show where the bytes merged)",
			"这个系统没有 TCP_INFO 的分段计数：实验台无法显示线路上走了几个分段（send 和 recv 调用仍能显示字节在哪里合并）"))
		return 0, fmt.Errorf("TCP_INFO: %w", err)
	}
	e := Event{Op: OpSegments, Conn: c.id, Call: CallSegsIn, Segs: in,
		Text: Tf("kernel: %d TCP data segment(s) received so far", "内核：目前共收到 %d 个 TCP 数据段", in)}
	if out {
		e.Call, e.Segs = CallSegsOut, sent
		e.Text = Tf("kernel: %d TCP data segment(s) sent so far", "内核：目前共发出 %d 个 TCP 数据段", sent)
	}
	s.record(e, err)
	if err != nil {
		return 0, fmt.Errorf("TCP_INFO: %w", err)
	}
	return e.Segs, nil
}

// queuedPoll is how often WaitQueued asks the kernel.
const queuedPoll = 200 * time.Microsecond

// WaitQueued waits until the kernel holds at least n bytes of this
// connection that nobody has read yet (ioctl SIOCINQ, Python's
// fcntl.ioctl(s, termios.FIONREAD)), then records a note (Name NoteQueued,
// N the bytes queued) and returns the count. n must fit in the receive
// buffer, or the run's idle watchdog ends the wait. It reads nothing.
func (c *Conn) WaitQueued(n int) (int, error) {
	s := c.side
	call := fmt.Sprintf("ioctl(SIOCINQ) ≥ %d", n)
	s.setBusy(call)
	defer s.setBusy("")
	for {
		q, err := queuedBytes(c.c)
		if errors.Is(err, errors.ErrUnsupported) {
			s.Note(T("this system cannot count the bytes waiting in a receive buffer (SIOCINQ is Linux-only): the reader relied on the writer's barrier alone",
				"这个系统无法统计接收缓冲区里等待的字节数（SIOCINQ 只有 Linux 有）：读方只依靠写方的屏障"))
			return 0, fmt.Errorf("SIOCINQ: %w", err)
		}
		if err != nil {
			return 0, fmt.Errorf("SIOCINQ: %w", err)
		}
		if q >= n {
			s.record(Event{Op: OpNote, Name: NoteQueued, Conn: c.id, N: q,
				Text: Tf("ioctl(SIOCINQ): %d bytes wait in this socket's receive buffer, not read yet",
					"ioctl(SIOCINQ)：这个套接字的接收缓冲区里有 %d 个字节在等待，还没有被读取", q)}, nil)
			return q, nil
		}
		select {
		case <-s.run.ctx.Done():
			return 0, context.Cause(s.run.ctx)
		case <-time.After(queuedPoll):
		}
	}
}
