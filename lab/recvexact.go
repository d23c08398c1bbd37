package lab

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// A Span labels a range of a connection's incoming byte stream by stream
// offset (the first byte ever received is offset 0), such as "bytes 0 to 10
// are the header". A receiver declares spans before it reads; each recv
// then shows the labels of the bytes it happened to get, so a header that
// arrives glued to the start of a body is drawn apart from it.
type Span struct {
	From, To int64 // stream offsets, To exclusive; use math.MaxInt64 for "to the end"
	Label    Text
	Part     string // the marks' machine id (Mark.Part), "" for none
}

// Rest is a span's To that means "until the end of the stream".
const Rest = math.MaxInt64

// RecvSpans is Recv (one recv(n) call) with the bytes it got labelled by
// the spans they fall in. Bytes outside every span are shown unlabelled.
func (c *Conn) RecvSpans(n int, spans ...Span) ([]byte, error) {
	buf := make([]byte, n)
	got, err := c.readSpans(buf, fmt.Sprintf("recv(%d)", n), spans)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return buf[:got], err
}

// RecvExactly reads exactly n bytes, the receive-exactly loop every framing
// needs: it calls recv() as often as it takes, each time asking only for
// the bytes still missing (at most max per call when max > 0, like a loop
// over recv(1024)), and labels every piece with label. The buffer grows as
// bytes arrive, so a large n costs nothing until the peer sends. If the peer
// closes first, the error matches io.ErrUnexpectedEOF and says how many
// bytes came.
func (c *Conn) RecvExactly(n, max int, label Text) ([]byte, error) {
	return c.RecvExactlyPart(n, max, "", label)
}

// RecvExactlyPart is RecvExactly with every piece's mark carrying part, the
// range's machine id (Mark.Part), which findings match instead of the
// label's words.
func (c *Conn) RecvExactlyPart(n, max int, part string, label Text) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("receive exactly %d bytes: negative count", n)
	}
	start := c.rx.Load()
	span := Span{From: start, To: start + int64(n), Label: label, Part: part}
	var out []byte
	for len(out) < n {
		ask := n - len(out)
		if max > 0 {
			ask = min(ask, max)
		}
		ask = min(ask, 1<<20) // the buffer grows with what arrives
		if cap(out)-len(out) < ask {
			// Read straight into out: grow it fourfold (at most to n)
			// rather than copying each recv's bytes into it.
			size := 4 * cap(out) // max is the parameter here, not the builtin
			if size < len(out)+ask {
				size = len(out) + ask
			}
			grown := make([]byte, len(out), min(n, size))
			copy(grown, out)
			out = grown
		}
		got, err := c.readSpans(out[len(out):len(out)+ask], fmt.Sprintf("recv(%d)", ask), []Span{span})
		out = out[:len(out)+got]
		if errors.Is(err, io.EOF) {
			return out, fmt.Errorf("receive exactly %d bytes: got %d, then the peer closed: %w", n, len(out), io.ErrUnexpectedEOF)
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// readSpans makes one recv call, records it with the spans turned into
// marks on its bytes, after the peer's send of those bytes is recorded.
func (c *Conn) readSpans(p []byte, call string, spans []Span) (int, error) {
	s := c.side
	if err := s.before(OpRecv, call); err != nil {
		return 0, err
	}
	n, err := c.recvCall(p)
	end := c.rx.Add(int64(n))
	off := end - int64(n)
	e := c.kept(Event{Op: OpRecv, Conn: c.id, Call: call, Req: len(p), N: n,
		Data: p[:n], Offset: off, Marks: spanMarks(off, n, spans)})
	// A reset is the effect of the peer's close too (with unread data, or
	// SO_LINGER 0): it waits for that close to be recorded, like an EOF.
	if n > 0 || err == io.EOF || Classify(err) == ClassReset {
		s.run.causal.awaitSent(s.run.ctx, c.c, end, n == 0)
	}
	if err == io.EOF {
		s.record(e, nil) // n = 0: the peer closed; that is not a failure
		c.afterCall(false)
		return n, io.EOF
	}
	s.record(e, err)
	c.release(e)
	c.afterCall(false)
	return n, err
}

// spanMarks turns stream spans into marks on the n bytes starting at stream
// offset off. Bytes that no span covers get an unlabelled mark, so the
// marks always cover the data in order.
func spanMarks(off int64, n int, spans []Span) []Mark {
	if n == 0 || len(spans) == 0 {
		return nil
	}
	var marks []Mark
	pos := 0
	for pos < n {
		at := off + int64(pos)
		next := n // where the current piece ends
		var label Text
		var part string
		covered := false
		for _, sp := range spans {
			if sp.From <= at && at < sp.To {
				label, part, covered = sp.Label, sp.Part, true
				if end := sp.To - off; end < int64(next) {
					next = int(end)
				}
				break
			}
		}
		if !covered {
			// Unlabelled until the next span starts.
			for _, sp := range spans {
				if sp.From > at && sp.From-off < int64(next) {
					next = int(sp.From - off)
				}
			}
		}
		marks = append(marks, Mark{From: pos, To: next, Label: label, Part: part})
		pos = next
	}
	return marks
}
