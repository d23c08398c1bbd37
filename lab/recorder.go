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

// Recorder numbers events, stamps them with the time since the run began and
// hands them to a sink. It is safe for concurrent use; the sink sees events
// in seq order, never two at once.
type Recorder struct {
	mu     sync.Mutex
	now    func() time.Time
	start  time.Time
	events []Event
	sink   Sink
	ids    int
	onRec  func() // called after each event (the run's watchdog)
	seq    int    // events recorded so far
	forget bool   // hand events to the sink without keeping them (a Session)

	holds    int           // pauses in progress (step prompts)
	pausedAt time.Time     // when the first of them began
	paused   time.Duration // total time spent paused
}

// NewRecorder returns a recorder whose clock starts now. A nil now means
// time.Now; a nil sink keeps the events without showing them.
func NewRecorder(now func() time.Time, sink Sink) *Recorder {
	if now == nil {
		now = time.Now
	}
	return &Recorder{now: now, start: now(), sink: sink}
}

// Record stamps e with the next seq and the elapsed time, keeps it and emits it.
func (r *Recorder) Record(e Event) Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	e.Seq = r.seq
	e.T = r.now().Sub(r.start) - r.paused
	if !r.forget {
		r.events = append(r.events, e)
	}
	if r.sink != nil {
		r.sink.Emit(e)
	}
	if r.onRec != nil {
		r.onRec()
	}
	return e
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
