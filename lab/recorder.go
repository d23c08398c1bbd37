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
	e.Seq = len(r.events) + 1
	e.T = r.now().Sub(r.start)
	r.events = append(r.events, e)
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
