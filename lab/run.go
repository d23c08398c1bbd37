package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultIdle is how long a run may go without any socket call finishing
// before the lab gives up on it.
const DefaultIdle = 5 * time.Second

// ErrTimeout is the cause of a run that made no progress for too long.
var ErrTimeout = errors.New("timed out")

// Options configure one run.
type Options struct {
	Params Params
	Sink   Sink     // where events go as they happen; may be nil
	Step   *Stepper // step mode and --slow; may be nil
	Notes  NoteFunc // step notes of the demo; may be nil
	Idle   time.Duration
	Now    func() time.Time
	// Input is where lines the learner types come from (Side.ReadLine), nil
	// when there is no learner at a terminal. With Step set, lines are read
	// through the stepper from its own reader, so keys and lines take turns.
	Input io.Reader
	Keep  Keep   // how many bytes the trace keeps in memory (--full: all)
	Lab   string // the lab's version, for the run line
	// Packets puts the segments the kernel sent in the trace (--packets),
	// or without the privilege to capture them, TCP_INFO's counts; Pcap,
	// if set, receives every packet as pcapng (--pcap FILE).
	Packets bool
	Pcap    io.Writer
	// NoCapture makes Packets show what it shows without the privilege
	// to capture (TCP_INFO around each call), even where the lab could
	// capture: for tests of the fallback. With Pcap it is an error.
	NoCapture bool
	InNetns   bool // the lab runs in a network namespace it made to capture (an unprivileged user)
}

// Result is what a finished run recorded and found.
type Result struct {
	Trace    Trace
	Findings []Finding
	OK       bool // every finding held
}

// Run runs the demo's server and client as two goroutines, records the trace,
// then evaluates and records the findings and a summary. It returns ErrQuit
// (wrapped) when the learner quit, and an error when a side failed or the run
// made no progress for opt.Idle; sockets are closed in every case.
func Run(ctx context.Context, d Demo, opt Options) (Result, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	sink, closeSink := queued(opt.Sink)
	defer closeSink()
	rec := NewRecorder(opt.Now, sink)
	rec.keep, rec.digest = opt.Keep, true
	rec.Start(RunInfo{Lab: opt.Lab, Demo: d.Slug, ID: d.ID, Title: d.Title, Brief: d.Brief,
		Params: opt.Params.Values(), Command: "run"})
	r := &run{ctx: ctx, rec: rec, step: opt.Step, notes: opt.Notes, barriers: map[string]chan struct{}{}, causal: newCausal()}
	if opt.Step != nil {
		opt.Step.flush = rec.Flush
	}
	if opt.Packets || opt.Pcap != nil {
		w, err := r.captureWire(opt)
		if err != nil {
			return Result{}, err
		}
		defer w.close()
	}
	r.input = inputOf(opt)
	server := newSide(r, Server, opt.Params)
	client := newSide(r, Client, opt.Params)

	r.watchIdle(opt.Idle, cancel)
	playSides(ctx, cancel, server, d.Server, client, d.Client)
	r.watch.stop()
	if rec.wire != nil {
		rec.wire.close() // idempotent: the deferred close does nothing more
		rec.flushWire(true)
	}
	return r.result(ctx, d, opt)
}

// captureWire opens the capture (or its fallback) of a run that shows the
// wire, says in the trace where its packets come from, and starts it.
func (r *run) captureWire(opt Options) (*wire, error) {
	w, err := openWire(opt.Pcap, opt.NoCapture)
	if err != nil {
		return nil, err
	}
	r.rec.wire, w.sending, w.netns = w, r.sending, opt.InNetns
	r.rec.Record(Event{Side: System, Op: OpNote, Name: "wire", Text: w.source()})
	w.start(r.rec)
	return w, nil
}

// watchIdle starts the watchdog that cancels the run with ErrTimeout when
// no socket call finishes for idle (DefaultIdle if idle <= 0), saying what
// each side was waiting for. Rendering that is still busy counts as
// progress.
func (r *run) watchIdle(idle time.Duration, cancel context.CancelCauseFunc) {
	if idle <= 0 {
		idle = DefaultIdle
	}
	var rendering func() bool
	if r.rec.queue != nil {
		rendering = r.rec.queue.Busy
	}
	r.watch = startWatchdog(idle, rendering, func() {
		w := r.waiting()
		cancel(Errorf(Text{
			En: fmt.Sprintf("no socket call finished for %v (%s)", idle, w.En),
			Zh: fmt.Sprintf("%v 内没有任何套接字调用完成（%s）", idle, w.Zh)}, ErrTimeout))
	})
	r.rec.onRec = r.watch.kick
	if r.rec.queue != nil {
		r.rec.queue.onProgress(r.watch.kick)
	}
}

// playSides runs the server's and the client's code, each in a goroutine,
// until both return; the first error cancels the run, naming its side.
func playSides(ctx context.Context, cancel context.CancelCauseFunc,
	server *Side, serve func(context.Context, *Side) error,
	client *Side, dial func(context.Context, *Side) error) {
	var wg sync.WaitGroup
	for _, p := range []struct {
		side *Side
		fn   func(context.Context, *Side) error
	}{{server, serve}, {client, dial}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.fn(ctx, p.side); err != nil {
				cancel(fmt.Errorf("%s: %w", p.side.Role, err))
			}
		}()
	}
	wg.Wait()
}

// result is what the finished run shows: its trace, and the demo's
// findings when it ran to its end, or the error that cut it off.
func (r *run) result(ctx context.Context, d Demo, opt Options) (Result, error) {
	rec := r.rec
	res := Result{Trace: rec.trace()} // the sides are done: no copy
	if ctx.Err() != nil {
		err := context.Cause(ctx)
		if errors.Is(err, context.Canceled) {
			err = ErrQuit // the caller cancelled: Ctrl-C
		}
		if !errors.Is(err, ErrQuit) {
			rec.Record(Event{Side: System, Op: OpSummary, Demo: d.Slug, Err: err.Error(), Text: ErrText(err)})
		}
		res.Trace = rec.Events() // a copy: a cut-off fork may still be recording
		return res, err
	}

	res.Findings = d.Findings(res.Trace, opt.Params)
	res.OK = recordFindings(rec, res.Trace, d.Slug, res.Findings)
	res.Trace = rec.trace()
	return res, nil
}

// recordFindings records each finding, its evidence resolved to seqs, and
// the summary, and reports whether every finding held.
func recordFindings(rec *Recorder, t Trace, demo string, fs []Finding) bool {
	ok := true
	for _, f := range fs {
		rec.Record(Event{Side: System, Op: OpFinding, ID: f.ID, OK: f.OK, Text: f.Text,
			Evidence: evidence(t, f), Steps: f.Steps})
		ok = ok && f.OK
	}
	rec.Record(Event{Side: System, Op: OpSummary, Demo: demo, OK: ok, Findings: len(fs)})
	return ok
}

// evidence is the sorted seqs a finding points at, its steps included.
func evidence(t Trace, f Finding) []int {
	seen := map[int]bool{}
	for _, s := range f.Events {
		seen[s] = true
	}
	for _, name := range f.Steps {
		for _, e := range t.Step(name) {
			seen[e.Seq] = true
		}
	}
	out := make([]int, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// queued puts a sink behind a Queue, so rendering never holds the
// recorder; close flushes it. A nil sink stays nil.
func queued(s Sink) (Sink, func()) {
	if s == nil {
		return nil, func() {}
	}
	if q, ok := s.(*Queue); ok {
		return q, q.Flush
	}
	q := NewQueue(s, 0)
	return q, q.Close
}

// waiting says what each side and fork was doing, for a timeout report.
func (r *run) waiting() Text {
	r.mu.Lock()
	sides := append([]*Side(nil), r.sides...)
	r.mu.Unlock()
	var en, zh []string
	for _, s := range sides {
		name, nameZh := string(s.Role), "客户端"
		if s.Role == Server {
			nameZh = "服务端"
		}
		if s.who != "" {
			name += " [" + s.who + "]"
			nameZh += " [" + s.who + "]"
		}
		if call := s.busyCall(); call != "" {
			en = append(en, fmt.Sprintf("%s blocked in %s", name, call))
			zh = append(zh, fmt.Sprintf("%s阻塞在 %s", nameZh, call))
		}
	}
	if len(en) == 0 {
		return T("no call in progress", "没有正在进行的调用")
	}
	return Text{En: strings.Join(en, ", "), Zh: strings.Join(zh, "，")}
}

// learnerWaits marks a wait for the learner (a step announcement, a line to
// type) until the returned func is called: it is not a hang, so the watchdog
// holds, and it is not time the sockets took, so the trace's clock stops.
func (r *run) learnerWaits() (done func()) {
	release, resume := r.watch.hold(), r.rec.Pause()
	return func() {
		resume()
		release()
	}
}

// watchdog fires once when no socket call returned for idle, except while
// held (a learner reading a step announcement is not a hang) or while the
// sink still has events to draw (busy): a slow renderer slows the sockets
// down through its queue, and that is not a hang either. A call counts
// when its system call returns (Side.returned), before the lab hashes,
// copies, records and draws it.
type watchdog struct {
	mu    sync.Mutex
	last  time.Time
	holds int
	busy  func() bool // the sink has work queued; may be nil
	done  chan struct{}
	once  sync.Once
}

func startWatchdog(idle time.Duration, busy func() bool, fire func()) *watchdog {
	w := &watchdog{last: time.Now(), busy: busy, done: make(chan struct{})}
	tick := min(idle/10, 100*time.Millisecond)
	go func() {
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-t.C:
				w.mu.Lock()
				stuck := w.holds == 0 && time.Since(w.last) > idle
				w.mu.Unlock()
				if stuck && w.busy != nil && w.busy() {
					w.kick() // the renderer is still drawing what the sockets did
					stuck = false
				}
				if stuck {
					fire()
					return
				}
			}
		}
	}()
	return w
}

// returned marks that a socket call of the run's just returned: progress
// for the watchdog (none in a Session).
func (r *run) returned() {
	if r.watch != nil {
		r.watch.kick()
	}
}

func (w *watchdog) kick() {
	w.mu.Lock()
	w.last = time.Now()
	w.mu.Unlock()
}

// hold pauses the watchdog until the returned func is called.
func (w *watchdog) hold() func() {
	w.mu.Lock()
	w.holds++
	w.mu.Unlock()
	return func() {
		w.mu.Lock()
		w.holds--
		w.last = time.Now()
		w.mu.Unlock()
	}
}

func (w *watchdog) stop() { w.once.Do(func() { close(w.done) }) }
