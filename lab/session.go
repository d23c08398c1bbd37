package lab

import (
	"context"
	"io"
	"net"
	"slices"
	"time"
)

// A Session is a traced run that is not a demo: a long-lived program on one
// side of real peers the lab does not run, such as `lab proxy` between a
// learner's client and server. Unlike Run it has no second func, no
// findings and no idle watchdog (a proxy may wait for hours for its next
// client), and by default its recorder hands every event to the sink and
// forgets it, so memory does not grow with the traffic. Peers outside the
// lab are never registered with the causal order, so no call waits for
// them.
//
//	s := lab.NewSession(ctx, lab.SessionOptions{Sink: sink})
//	defer s.Close()
//	side := s.Side(lab.Proxy, lab.Params{})
//	l, err := side.Listen("127.0.0.1:0")
//	…
//	f := side.Fork("c1")      // one per connection
//	…
//	f.Retire()                // when that connection is done
type Session struct {
	run       *run
	cancel    context.CancelCauseFunc
	closeSink func()
}

// SessionOptions configure a Session.
type SessionOptions struct {
	Sink Sink             // where events go as they happen; may be nil
	Now  func() time.Time // the clock; nil means time.Now
	Keep bool             // keep every event for Events (tests); off for long-lived use
	Info *RunInfo         // the run line the sink gets first; nil for none
	// Digest computes Event.Sum on TCP data calls (a real peer's verdict
	// needs it); off, the lab's own work stays out of the way of the bytes.
	Digest bool
}

// NewSession starts a session. Cancelling ctx, or Close, ends it and closes
// every socket its sides opened.
func NewSession(ctx context.Context, opt SessionOptions) *Session {
	ctx, cancel := context.WithCancelCause(ctx)
	sink, closeSink := queued(opt.Sink)
	rec := NewRecorder(opt.Now, sink)
	rec.forget, rec.digest = !opt.Keep, opt.Digest
	if opt.Info != nil {
		rec.Start(*opt.Info)
	}
	r := &run{ctx: ctx, rec: rec, barriers: map[string]chan struct{}{}, causal: newCausal()}
	return &Session{run: r, cancel: cancel, closeSink: closeSink}
}

// Packets puts the segments the kernel sends in the session's trace, as
// Options.Packets does for a run (pcap, if set, gets them as pcapng).
// Call it before any socket is opened. Its error is the capture's when
// pcap was asked for and there is no privilege to capture.
func (s *Session) Packets(pcap io.Writer) error {
	w, err := openWire(pcap, false)
	if err != nil {
		return err
	}
	rec := s.run.rec
	rec.wire, w.sending = w, s.run.sending
	rec.Record(Event{Side: System, Op: OpNote, Name: "wire", Text: w.source()})
	w.start(rec)
	return nil
}

// Side returns a new side of the session with the given role and knobs
// (the zero Params when it has none).
func (s *Session) Side(role Role, p Params) *Side { return newSide(s.run, role, p) }

// Context is the session's context: done once the session ends.
func (s *Session) Context() context.Context { return s.run.ctx }

// Events returns the events recorded so far when the session keeps them
// (SessionOptions.Keep), else nil.
func (s *Session) Events() Trace { return s.run.rec.Events() }

// Close ends the session: every socket of every side is closed and blocked
// calls return, and the sink has had every event. It is safe to call more
// than once.
func (s *Session) Close() {
	s.cancel(context.Canceled)
	s.run.rec.Flush()
}

// Flush waits until the sink has had every event recorded so far.
func (s *Session) Flush() { s.run.rec.Flush() }

// Finish ends the session like Close, records the packets still waiting
// and stops its sink's queue: call it when nothing more will be recorded.
func (s *Session) Finish() {
	s.Close()
	if w := s.run.rec.wire; w != nil {
		w.close()
		s.run.rec.flushWire(true)
	}
	s.closeSink()
}

// Retire forgets a side whose work is done, typically the Fork that served
// one connection of a long-lived session: its sockets are closed (a no-op
// for those it closed itself) and the run no longer holds it, so a session
// that serves a million connections does not keep a million sides. Do not
// use s afterwards.
func (s *Side) Retire() {
	s.closeAll()
	if s.unhook != nil {
		s.unhook()
	}
	s.mu.Lock()
	closers := s.closers
	s.closers = nil
	s.mu.Unlock()
	r := s.run
	r.mu.Lock()
	if i := slices.Index(r.sides, s); i >= 0 {
		r.sides = slices.Delete(r.sides, i, i+1)
	}
	r.mu.Unlock()
	for _, c := range closers {
		if nc, ok := c.(net.Conn); ok {
			r.causal.forget(nc)
		}
	}
}

// forget drops what the causal order knows about conn (its own direction:
// a traced peer forgets its own when it retires).
func (c *causal) forget(conn net.Conn) {
	k := flowKey(conn.LocalAddr(), conn.RemoteAddr())
	c.update(func() {
		delete(c.conns, k)
		delete(c.connected, k)
		delete(c.sent, k)
		delete(c.closed, k)
	})
}
