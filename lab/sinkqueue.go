package lab

import "sync"

// Queue is a Sink that hands events to another sink from a goroutine of its
// own, so that a slow renderer does not hold the recorder's lock while the
// sockets wait. It never drops an event: when the events waiting hold more
// than its byte limit, Emit blocks until the renderer catches up, so memory
// stays bounded. Step mode and --slow Flush it before they announce a call,
// so the announcement comes after every line of what already happened.
//
//	Recorder ──Emit──▶ Queue [e12 e13 e14 …] ──goroutine──▶ Text renderer
type Queue struct {
	inner    Sink
	limit    int
	progress func() // called after each event the inner sink handled

	mu      sync.Mutex
	cond    *sync.Cond
	waiting []Event
	bytes   int  // what the waiting events cost (cost)
	busy    bool // the goroutine is emitting an event
	closed  bool
	done    chan struct{}
}

// DefaultQueueBytes bounds the bytes of data a Queue holds.
const DefaultQueueBytes = 8 << 20

// NewQueue starts a queue in front of sink holding at most limit bytes of
// event data (DefaultQueueBytes when limit <= 0). Close it when the run
// is over.
func NewQueue(sink Sink, limit int) *Queue {
	if limit <= 0 {
		limit = DefaultQueueBytes
	}
	q := &Queue{inner: sink, limit: limit, done: make(chan struct{})}
	q.cond = sync.NewCond(&q.mu)
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
		q.cond.Wait()
	}
	if q.closed {
		q.inner.Emit(e) // after Close: in the caller's goroutine, still in order
		return
	}
	q.waiting = append(q.waiting, e)
	q.bytes += cost(e)
	q.cond.Broadcast()
}

func (q *Queue) loop() {
	defer close(q.done)
	q.mu.Lock()
	for {
		for len(q.waiting) == 0 && !q.closed {
			q.cond.Wait()
		}
		if len(q.waiting) == 0 {
			q.mu.Unlock()
			return
		}
		e := q.waiting[0]
		q.waiting[0] = Event{}
		q.waiting = q.waiting[1:]
		q.busy = true
		progress := q.progress
		q.mu.Unlock()
		q.inner.Emit(e)
		if progress != nil {
			progress()
		}
		q.mu.Lock()
		if f, ok := q.inner.(flusher); ok && len(q.waiting) == 0 {
			q.mu.Unlock()
			f.Flush() // idle: what the sink buffered goes out now
			q.mu.Lock()
		}
		q.busy = false
		q.bytes -= cost(e)
		q.cond.Broadcast()
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
		q.cond.Wait()
	}
}

// Close flushes the queue and stops its goroutine; later events are
// handed on at once.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
	<-q.done
}

// flusher is a sink that buffers its output (the JSON trace).
type flusher interface{ Flush() }

// cost is what an event holds in memory, roughly: its bytes and the rest.
func cost(e Event) int { return len(e.Data) + 512 }
