package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Side is one program of a demo, the client or the server, as its code sees
// the lab: it opens traced sockets, waits on and signals barriers, and adds
// notes to the trace. A demo's server and client funcs each get one.
type Side struct {
	Role   Role
	Params Params

	run *run

	mu      sync.Mutex
	closers []io.Closer
	busy    string      // the call in progress, for a timeout report
	busyOp  Op          // its op
	who     string      // a Fork's tag, put on every event
	unhook  func() bool // stops closing on the run's end (Retire)

	verdicts []*Verdict // what a peer side found wrong with its peer (Side.Verdict)

	pending step // named by Step or Key, for the next socket call
	current step // the name of the call in progress (taken by before)
}

// step is the name a demo gives its next socket call.
type step struct {
	name  string
	key   bool
	when  func(Event) bool // KeyIf: a key call only if this holds for it
	began time.Time        // when the call began (after its announcement)
	quiet bool             // not recorded when the run's end cuts it off (Idle)
}

// run is what a demo's two sides share.
type run struct {
	ctx   context.Context
	rec   *Recorder
	step  *Stepper
	notes NoteFunc
	watch *watchdog

	mu       sync.Mutex
	barriers map[string]chan struct{}
	addr     string
	sides    []*Side  // every side and fork, for a timeout report
	causal   *causal  // keeps causes before effects in the trace
	input    *Stepper // lines the learner types (Side.ReadLine), nil if none
}

// NoteFunc looks up the one-line explanation shown in step mode before a
// call of kind op by role: by the call's step name when the demo named it
// (Side.Step), else by its op. step is "" for a call without a name.
type NoteFunc func(role Role, step string, op Op) (Text, bool)

func newSide(r *run, role Role, p Params) *Side {
	s := &Side{Role: role, Params: p, run: r}
	s.unhook = context.AfterFunc(r.ctx, s.closeAll)
	r.mu.Lock()
	r.sides = append(r.sides, s)
	r.mu.Unlock()
	return s
}

// Context returns the run's context: it is cancelled when the run ends,
// fails, times out or the learner quits.
func (s *Side) Context() context.Context { return s.run.ctx }

// track remembers c so that cancelling the run closes it.
func (s *Side) track(c io.Closer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closers = append(s.closers, c)
	if s.run.ctx.Err() != nil {
		c.Close()
	}
}

func (s *Side) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.closers {
		c.Close()
	}
}

// Step names the next socket call this side makes, the way the demo's code
// thinks of it ("greet", "read-header"): its step note is looked up by that
// name, so the note stays on its call whatever a knob adds before it, and
// findings can point at it (Trace.Step). A name is lower-case words joined
// by "-" and is not an op's name.
func (s *Side) Step(name string) { s.name(step{name: name}) }

// Key names the next socket call like Step and marks it as a key call: the
// one a finding is about. The views draw it with a marker (①) at once, and
// the finding that points at it gets the same marker.
func (s *Side) Key(name string) { s.name(step{name: name, key: true}) }

// KeyIf names the next socket call like Step, and marks it as a key call
// only if when holds for it once it returned (a read that split a
// character, a datagram that was cut).
func (s *Side) KeyIf(name string, when func(Event) bool) {
	s.name(step{name: name, key: true, when: when})
}

// Idle says that the next socket call waits for a peer that may never
// come (a server's accept() or recvfrom() for its next client): should
// the session end while it waits (Ctrl-C, --count reached), the call is
// not recorded, for nothing happened. A call that returns is recorded as
// usual, under the name Step or Key gave it.
func (s *Side) Idle() {
	s.mu.Lock()
	s.pending.quiet = true
	s.mu.Unlock()
}

func (s *Side) name(st step) {
	s.mu.Lock()
	st.quiet = st.quiet || s.pending.quiet
	s.pending = st
	s.mu.Unlock()
}

// KeyNote adds a note like Note, named step and marked as a key event: a
// finding about what the note says points at it.
func (s *Side) KeyNote(step string, t Text) {
	s.run.rec.Record(Event{Side: s.Role, Who: s.who, Op: OpNote, Text: t, Step: step, Key: true})
}

// before runs before every socket call: it takes the call's step name,
// waits for the stepper (step mode, --slow) and remembers what the side is
// about to do.
func (s *Side) before(op Op, call string) error { return s.beforeCall(op, call, true) }

// beforePrep is before for a call that prepares the one a demo names: the
// socket() of a Dial or a Listen, the bind() of a Listen. It leaves the
// step name for that call (the connect(), the listen()).
func (s *Side) beforePrep(op Op, call string) error { return s.beforeCall(op, call, false) }

func (s *Side) beforeCall(op Op, call string, takes bool) error {
	s.mu.Lock()
	var st step
	if takes {
		st = s.pending
		s.pending = step{}
	}
	s.current = st
	s.mu.Unlock()
	if err := s.run.ctx.Err(); err != nil {
		return context.Cause(s.run.ctx)
	}
	if stp := s.run.step; stp != nil {
		note := genericNote(op)
		if s.run.notes != nil {
			if t, ok := s.run.notes(s.Role, st.name, op); ok {
				note = t
			}
		}
		done := s.run.learnerWaits()
		err := stp.Before(s.run.ctx, Announcement{Side: s.Role, Who: s.who, Call: call, Note: note, Step: st.name})
		done()
		if err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.busy, s.busyOp, s.current.began = call, op, time.Now()
	s.mu.Unlock()
	return nil
}

// sending reports whether the side (the fork tagged who) is inside a call
// that puts something on the wire (a send, a close, a connect): the
// packets of its sockets wait for that call's record.
func (r *run) sending(role Role, who string) bool {
	r.mu.Lock()
	sides := append([]*Side(nil), r.sides...)
	r.mu.Unlock()
	for _, s := range sides {
		if s.Role != role || s.who != who {
			continue
		}
		s.mu.Lock()
		op, busy := s.busyOp, s.busy != ""
		s.mu.Unlock()
		switch op {
		case OpSend, OpSendAll, OpSendTo, OpClose, OpShutdown, OpConnect, OpSetOpt:
			return busy
		}
	}
	return false
}

func (s *Side) setBusy(call string) {
	s.mu.Lock()
	s.busy = call
	s.mu.Unlock()
}

func (s *Side) busyCall() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.busy
}

// record adds e to the trace on behalf of this side. A call that failed
// because the run was cancelled is reported with the cancel cause.
func (s *Side) record(e Event, err error) Event {
	s.run.returned()
	s.mu.Lock()
	s.busy, s.busyOp = "", 0
	var st step
	if e.Op.IsCall() {
		st, s.current = s.current, step{}
	}
	s.mu.Unlock()
	e.Side = s.Role
	e.Who = s.who
	if err != nil {
		if st.quiet && s.run.ctx.Err() != nil {
			return e // a server waiting for its next peer when it was stopped: nothing happened
		}
		e.Err, e.Errno = err.Error(), Classify(err).Name()
		if s.run.ctx.Err() != nil {
			e.Err, e.Errno = stopReason(context.Cause(s.run.ctx))
		}
	}
	if st.name != "" {
		e.Step = st.name
		e.Key = st.key && (st.when == nil || st.when(e))
	}
	e.began = st.began
	return s.run.rec.Record(e)
}

// Note adds an explanation to this side's lane of the trace.
func (s *Side) Note(t Text) {
	s.run.rec.Record(Event{Side: s.Role, Who: s.who, Op: OpNote, Text: t})
}

// Section starts a new part of the demo with a heading across all lanes.
func (s *Side) Section(t Text) {
	s.run.rec.Record(Event{Side: System, Op: OpNote, Name: "section", Text: t})
}

// Signal opens the barrier called name: every Wait on it returns.
// Signalling an open barrier again does nothing.
func (s *Side) Signal(name string) {
	// Record first, so the trace shows the signal before any wait it ends.
	s.record(Event{Op: OpSignal, Name: name}, nil)
	ch := s.run.barrier(name)
	s.run.mu.Lock()
	select {
	case <-ch:
	default:
		close(ch)
	}
	s.run.mu.Unlock()
}

// Wait blocks until the barrier called name is signalled or the run ends.
func (s *Side) Wait(name string) error {
	s.setBusy("wait(" + name + ")")
	select {
	case <-s.run.barrier(name):
		s.record(Event{Op: OpWait, Name: name}, nil)
		return nil
	case <-s.run.ctx.Done():
		err := context.Cause(s.run.ctx)
		s.record(Event{Op: OpWait, Name: name}, err)
		return err
	}
}

func (r *run) barrier(name string) chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch, ok := r.barriers[name]
	if !ok {
		ch = make(chan struct{})
		r.barriers[name] = ch
	}
	return ch
}

// SetServerAddr publishes the address the client should connect to.
// Listen and ListenPacket on the server side call it for you.
func (s *Side) SetServerAddr(addr string) {
	s.run.mu.Lock()
	s.run.addr = addr
	s.run.mu.Unlock()
}

// ServerAddr is the address the server published (wait on a barrier first).
func (s *Side) ServerAddr() string {
	s.run.mu.Lock()
	defer s.run.mu.Unlock()
	return s.run.addr
}

// pyAddr writes an address the way Python prints it: ('127.0.0.1', 8080).
func pyAddr(a string) string {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Sprintf("%q", a)
	}
	return fmt.Sprintf("('%s', %s)", host, port)
}

// stopReason says briefly why a call was cut off when the run ended: the
// full cause is reported once, at the end.
func stopReason(cause error) (text, errno string) {
	switch {
	case errors.Is(cause, ErrTimeout):
		return "cut off: the lab timed out", "timeout"
	case errors.Is(cause, ErrQuit), errors.Is(cause, context.Canceled):
		return "cut off: stopped by the learner", ErrnoStopped
	}
	return "cut off: the run failed elsewhere", ErrnoAbandoned
}

// Errno values of calls the lab cut off when a run ended (Event.Errno).
const (
	ErrnoStopped   = "stopped"   // the learner quit
	ErrnoAbandoned = "abandoned" // the other side failed
)
