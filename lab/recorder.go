package lab

import (
	"sync"
	"time"
)

// A Sink receives events in order, one at a time, as they are recorded.
type Sink interface {
	Emit(Event)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(Event)

// Emit calls f(e).
func (f SinkFunc) Emit(e Event) { f(e) }

// A ByteSink is a Sink that needs only the first bytes of each part of a
// data call (a text view shows a few hex rows): Needs says how many, or -1
// for every byte (the JSON trace). A Sink that is not a ByteSink gets
// every byte.
type ByteSink interface {
	Sink
	Needs() int
}

// Memory: a run may move gigabytes, and the findings read the finished
// trace. The recorder hands every event to the sink as it is recorded,
// with the bytes the sink needs, and keeps for the trace only what
// findings need: all the bytes of a stream's first StreamKeep bytes and,
// after that, the first HeadKeep bytes of each call; and of a run of more
// than KeepCalls like calls (one kind of call on one socket, each of which
// moved bytes without an error, a cut or a name), one event that stands
// for the rest of them (Event.Calls, Event.Through). Event.Sum still covers
// every byte of the stream, and N how many moved. Keep.All keeps
// everything (--full).
const (
	StreamKeep = 64 << 10
	HeadKeep   = 64
	KeepCalls  = 4096
)

// Keep says how much of the bytes the trace keeps in memory.
type Keep struct {
	All bool // every byte of every call (--full)
}

// Recorder numbers events, stamps them with the time since the run began and
// hands them to a sink. It is safe for concurrent use; the sink sees events
// in seq order, never two at once.
type Recorder struct {
	mu     sync.Mutex
	now    func() time.Time
	start  time.Time
	events []Event
	sink   Sink
	needs  int // bytes of each part the sink needs, -1 for all
	ids    int
	onRec  func() // called after each event (the run's watchdog)
	seq    int    // events recorded so far
	forget bool   // hand events to the sink without keeping them (a Session)
	keep   Keep
	digest bool                // compute Event.Sum for TCP data calls
	kept   map[streamKey]int64 // bytes of each stream kept in full so far
	runs   map[runKey]*keptRun // like calls of each run kept so far
	last   map[ownerKey]int    // index in events of each socket's last event
	lastT  time.Duration       // the time of the last event: time never goes back
	queue  *Queue              // the sink's queue, if it has one (Flush)
	wire   *wire               // --packets: the capture drained as calls are recorded

	holds    int           // pauses in progress (step prompts)
	pausedAt time.Time     // when the first of them began
	paused   time.Duration // total time spent paused
}

// streamKey is one direction of one socket.
type streamKey struct {
	conn int
	in   bool
}

// ownerKey is one program's socket; runKey one kind of call on it.
type ownerKey struct {
	side Role
	who  string
	conn int
}

type runKey struct {
	ownerKey
	op   Op
	call string
}

// keptRun counts the like calls of a run the trace kept one by one, and
// where the event standing for the later ones is (-1: none yet).
type keptRun struct {
	n   int
	agg int
}

// NewRecorder returns a recorder whose clock starts now. A nil now means
// time.Now; a nil sink keeps the events without showing them.
func NewRecorder(now func() time.Time, sink Sink) *Recorder {
	if now == nil {
		now = time.Now
	}
	r := &Recorder{now: now, start: now(), sink: sink, kept: map[streamKey]int64{}, needs: -1,
		runs: map[runKey]*keptRun{}, last: map[ownerKey]int{}}
	if sink == nil {
		r.needs = 0
	}
	if q, ok := sink.(*Queue); ok {
		r.queue = q
		sink = q.inner
	}
	if bs, ok := sink.(ByteSink); ok {
		r.needs = bs.Needs()
	}
	return r
}

// Start hands the run's first line to the sink: seq 0, time 0, what runs.
// It is not part of the trace.
func (r *Recorder) Start(info RunInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	info.Version = TraceVersion
	if r.sink != nil {
		r.sink.Emit(Event{Side: System, Op: OpRun, Run: &info})
	}
}

// Record stamps e with the next seq and the elapsed time, keeps it and
// emits it; with the wire on, the packets e's call caused follow it.
func (r *Recorder) Record(e Event) Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.wire == nil {
		return r.add(e, r.elapsed())
	}
	r.wire.learn(e)
	before, after := r.wire.around(e)
	for _, p := range before {
		r.add(p, r.clockAt(p.Packet.TS))
	}
	e = r.add(e, r.elapsed())
	for _, p := range after {
		r.add(p, r.clockAt(p.Packet.TS))
	}
	return e
}

// add numbers and stamps e (at t, or the last event's time if later),
// keeps it and emits it. The lock is held.
func (r *Recorder) add(e Event, t time.Duration) Event {
	r.seq++
	e.Seq = r.seq
	e.T = max(t, r.lastT)
	r.lastT = e.T
	if r.onRec != nil {
		r.onRec()
	}
	if !r.forget {
		r.keepEvent(e)
	}
	if r.sink != nil {
		r.sink.Emit(e)
	}
	return e
}

// flushWire records the packets that waited long enough for a call on
// their connection (all of them with all: the run is over).
func (r *Recorder) flushWire(all bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.wire.due(all) {
		r.add(p, r.clockAt(p.Packet.TS))
	}
}

// clockAt is a wall-clock time on the trace's clock, without the pauses.
func (r *Recorder) clockAt(t time.Time) time.Duration {
	if t.IsZero() {
		return r.elapsed()
	}
	return t.Sub(r.start) - r.paused
}

// elapsed is the time since the run began without the time spent paused:
// while a pause holds, the clock stands still.
func (r *Recorder) elapsed() time.Duration {
	now := r.now()
	if r.holds > 0 {
		now = r.pausedAt
	}
	return now.Sub(r.start) - r.paused
}

// keepEvent adds e to the trace, as keep.go's rules say: trimmed, and a
// like call past KeepCalls of its run merged into the event standing for
// the rest of the run (the last event of its socket, or a new one).
func (r *Recorder) keepEvent(e Event) {
	o := ownerKey{e.Side, e.Who, e.Conn}
	if r.keep.All || !e.Op.IsData() || e.Err != "" || e.N == 0 || e.Trunc || e.Step != "" || e.Key {
		r.last[o] = len(r.events)
		r.events = append(r.events, r.trimmed(e))
		return
	}
	k := runKey{o, e.Op, e.Call}
	run := r.runs[k]
	if run == nil {
		run = &keptRun{agg: -1}
		r.runs[k] = run
	}
	if run.n < KeepCalls {
		run.n++
		r.last[o] = len(r.events)
		r.events = append(r.events, r.trimmed(e))
		return
	}
	if run.agg >= 0 && r.last[o] == run.agg {
		a := &r.events[run.agg]
		a.Calls++
		a.N += e.N
		a.Req += e.Req
		a.Through, a.Sum, a.Done, a.Waited = e.Seq, e.Sum, e.Done, a.Waited || e.Waited
		return
	}
	a := r.trimmed(e)
	a.Calls, a.Through, a.Marks = 1, e.Seq, nil
	run.agg = len(r.events)
	r.last[o] = run.agg
	r.events = append(r.events, a)
}

// trimmed is e as the trace keeps it: all its bytes while its stream is
// within StreamKeep, else the first HeadKeep, in a copy of their own so
// that the sink's copy of a big call can be freed.
func (r *Recorder) trimmed(e Event) Event {
	if r.keep.All || !e.Op.IsData() || len(e.Data) == 0 {
		return e
	}
	k := streamKey{e.Conn, e.Op.IsRecv()}
	keep := len(e.Data)
	if int64(e.N) > StreamKeep-r.kept[k] || keep < e.N {
		keep = min(keep, HeadKeep)
	} else {
		r.kept[k] += int64(keep)
	}
	if keep < len(e.Data) {
		e.Data = append([]byte(nil), e.Data[:keep]...)
	}
	return e
}

// dataFor returns how many of the n bytes of a data call on stream k to
// copy for the sink and the trace: the sink's needs for each part (the
// marks say where parts start), and what the trace keeps of it (trimmed):
// all n while the stream's first StreamKeep bytes have room for them, else
// its head. A big transfer's calls past its first 64 KiB are copied only
// as far as the sink reads them.
func (r *Recorder) dataFor(k streamKey, n int, marks []Mark) int {
	r.mu.Lock()
	needs, all, forget, room := r.needs, r.keep.All, r.forget, StreamKeep-r.kept[k]
	r.mu.Unlock()
	if needs < 0 || all {
		return n
	}
	if needs > 0 && len(marks) > 0 {
		needs += marks[len(marks)-1].From // the head of each part
	}
	switch {
	case forget:
	case int64(n) <= room:
		needs = n // the trace keeps a stream's first bytes in full
	default:
		needs = max(needs, HeadKeep)
	}
	return min(n, needs)
}

// lends reports whether a data call may lend its buffer to the sink
// (Conn.kept): the sink is behind a queue that Flush waits for, and the
// trace copies what it keeps of a big call (not --full, which keeps all).
func (r *Recorder) lends() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.queue != nil && !r.keep.All && !r.forget
}

// NewID returns the next socket id (1, 2, …).
func (r *Recorder) NewID() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids++
	return r.ids
}

// Events returns a copy of the events recorded so far.
func (r *Recorder) Events() Trace {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append(Trace(nil), r.events...)
}

// trace returns the events recorded so far without copying them, for a
// run whose sides have returned: the slice is capped, so what the
// recorder appends later (findings, the summary) never shows in it, and
// no data call is left to change an event in it.
func (r *Recorder) trace() Trace {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events[:len(r.events):len(r.events)]
}

// Flush waits until the sink has handled every event recorded so far.
func (r *Recorder) Flush() {
	if r.queue != nil {
		r.queue.Flush()
	}
}

// Pause stops the trace's clock until the returned func is called, so that
// time a learner spends reading a step announcement does not show up as
// time the sockets took.
func (r *Recorder) Pause() (resume func()) {
	r.mu.Lock()
	if r.holds == 0 {
		r.pausedAt = r.now()
	}
	r.holds++
	r.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.holds--
			if r.holds == 0 {
				r.paused += r.now().Sub(r.pausedAt)
			}
		})
	}
}
