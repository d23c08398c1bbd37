package lab

import (
	"sync"
	"time"
)

// Queue is a Sink that hands events to another sink from a goroutine of its
// own, so that a slow renderer does not hold the recorder's lock while the
// sockets wait. It never drops an event: when the events waiting hold more
// than its byte limit, Emit blocks until the renderer catches up, so memory
// stays bounded. Step mode and --slow Flush it before they announce a call,
// so the announcement comes after every line of what already happened.
//
//	Recorder ──Emit──▶ Queue [e12 e13 e14 …] ──goroutine──▶ Text renderer
//
// The goroutine hands on whatever is waiting, one event after another, as
// long as there is any. Once it has found the queue empty, an event does
// not wake it at once: the first one arms a timer (wakeAfter), and
// wakeBatch events, a queue half full, Flush or Close wake it sooner. A
// wake-up is two threads handing over (a futex and the scheduler's
// stealing), which cost more than drawing a recv: 10,000 recv(1024) calls
// were 12,500 futex calls before, and the text trace now shows a call at
// most a millisecond later, which no one can see.
type Queue struct {
	inner    Sink
	limit    int
	progress func() // called after each event the inner sink handled

	mu      sync.Mutex
	work    *sync.Cond // the goroutine waits here for events to hand on
	room    *sync.Cond // Emit waits here for room, Flush for the queue to empty
	waiting []Event
	spare   []Event     // the last batch's slice, for the next one
	bytes   int         // what the waiting events cost (cost)
	busy    bool        // the goroutine is emitting events
	wake    bool        // the goroutine is to take what waits now
	timer   *time.Timer // wakes the goroutine wakeAfter after an event found it idle
	armed   bool        // timer is set
	closed  bool
	done    chan struct{}
	late    sync.Mutex // one event emitted after Close at a time (emitLate)
}

// DefaultQueueBytes bounds the bytes of data a Queue holds.
const DefaultQueueBytes = 8 << 20

// How soon the queue's goroutine hands on events it did not expect (see
// Queue): after wakeAfter, or once wakeBatch of them wait.
const (
	wakeAfter = time.Millisecond
	wakeBatch = 64
)

// NewQueue starts a queue in front of sink holding at most limit bytes of
// event data (DefaultQueueBytes when limit <= 0). Close it when the run
// is over.
func NewQueue(sink Sink, limit int) *Queue {
	if limit <= 0 {
		limit = DefaultQueueBytes
	}
	q := &Queue{inner: sink, limit: limit, done: make(chan struct{})}
	q.work, q.room = sync.NewCond(&q.mu), sync.NewCond(&q.mu)
	q.timer = time.AfterFunc(time.Hour, q.timeUp)
	q.timer.Stop()
	go q.loop()
	return q
}

// Needs passes on what the inner sink needs of each call's bytes.
func (q *Queue) Needs() int {
	if bs, ok := q.inner.(ByteSink); ok {
		return bs.Needs()
	}
	return -1
}

// onProgress sets a func called after each event the sink handled: a
// renderer that keeps up is progress too (the run's watchdog).
func (q *Queue) onProgress(f func()) {
	q.mu.Lock()
	q.progress = f
	q.mu.Unlock()
}

// Emit queues e, waiting while the queue is full.
func (q *Queue) Emit(e Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.bytes > 0 && q.bytes+cost(e) > q.limit && !q.closed {
		q.wakeNow()
		q.room.Wait()
	}
	if q.closed {
		q.mu.Unlock()
		q.emitLate(e)
		q.mu.Lock()
		return
	}
	q.waiting = append(q.waiting, e)
	q.bytes += cost(e)
	switch {
	case len(q.waiting) >= wakeBatch || 2*q.bytes > q.limit:
		q.wakeNow()
	case !q.wake && !q.armed:
		q.armed = true
		q.timer.Reset(wakeAfter)
	}
}

// emitLate hands on an event emitted after Close (a cut-off fork may still
// be recording), in the caller's goroutine: once the queue's goroutine has
// handed on everything queued before, and one late event at a time, so
// the sink still sees events in order, never two at once.
func (q *Queue) emitLate(e Event) {
	<-q.done
	q.late.Lock()
	defer q.late.Unlock()
	q.inner.Emit(e)
}

// wakeNow tells the goroutine to take what waits. Called with q.mu held.
func (q *Queue) wakeNow() {
	q.wake = true
	q.work.Signal()
}

// timeUp is the timer's: the first event since the goroutine went idle
// has waited wakeAfter.
func (q *Queue) timeUp() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.armed = false
	if len(q.waiting) > 0 { // else the goroutine took them meanwhile
		q.wakeNow()
	}
}

func (q *Queue) loop() {
	defer close(q.done)
	q.mu.Lock()
	for {
		for !(q.wake && len(q.waiting) > 0) && !q.closed {
			q.work.Wait()
		}
		if len(q.waiting) == 0 {
			q.mu.Unlock()
			return
		}
		for len(q.waiting) > 0 { // what is emitted meanwhile, with wake still set, is this round's too
			batch := q.waiting
			q.waiting, q.spare = q.spare, nil
			q.busy = true
			q.mu.Unlock()
			q.emit(batch)
			q.mu.Lock()
			q.spare = batch[:0]
			if f, ok := q.inner.(flusher); ok && len(q.waiting) == 0 {
				q.mu.Unlock()
				f.Flush() // idle: what the sink buffered goes out now
				q.mu.Lock()
			}
		}
		q.busy, q.wake = false, false
		q.room.Broadcast()
	}
}

// emit hands a batch on, in order, giving back each event's room as it
// goes.
func (q *Queue) emit(batch []Event) {
	q.mu.Lock()
	progress := q.progress
	q.mu.Unlock()
	for i, e := range batch {
		q.inner.Emit(e)
		if progress != nil {
			progress()
		}
		batch[i] = Event{}
		q.mu.Lock()
		q.bytes -= cost(e)
		q.room.Broadcast()
		q.mu.Unlock()
	}
}

// Busy reports whether events are waiting or being handled.
func (q *Queue) Busy() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.waiting) > 0 || q.busy
}

// Flush waits until every event queued so far has been handled.
func (q *Queue) Flush() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.waiting) > 0 || q.busy {
		q.wakeNow()
		q.room.Wait()
	}
}

// Close flushes the queue and stops its goroutine; later events are
// handed on at once.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.work.Signal()
	q.mu.Unlock()
	<-q.done
	q.timer.Stop()
}

// flusher is a sink that buffers its output (the JSON trace).
type flusher interface{ Flush() }

// cost is what an event holds in memory, roughly: its bytes and the rest.
func cost(e Event) int { return len(e.Data) + 512 }
