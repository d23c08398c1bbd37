package lab

import (
	"bytes"
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// headSink is a ByteSink that needs the first n bytes of each part.
type headSink struct {
	mu sync.Mutex
	n  int
	es []Event
}

func (h *headSink) Needs() int { return h.n }
func (h *headSink) Emit(e Event) {
	h.mu.Lock()
	h.es = append(h.es, e)
	h.mu.Unlock()
}

// TestKeep: a big stream is kept in full for its first StreamKeep bytes,
// then as the first HeadKeep bytes of each call; N still says what moved,
// the marks still describe every byte, and Sum is the Digest of the whole
// stream on both ends. The sink gets the bytes it needs, no fewer.
func TestKeep(t *testing.T) {
	const chunk = 16 << 10
	const calls = 8 // 128 KiB: twice StreamKeep
	payload := bytes.Repeat([]byte("0123456789abcdef"), chunk*calls/16)
	d := pairDemo("keep",
		func(s *Side, c *Conn) error {
			_, err := c.RecvExactly(len(payload), chunk, T("all", "全部"))
			if err != nil {
				return err
			}
			return c.Close()
		},
		func(s *Side, c *Conn) error {
			for i := 0; i < calls; i++ {
				b := payload[i*chunk : (i+1)*chunk]
				if err := c.SendParts(b, Mark{From: 0, To: 4, Label: T("head", "头")}, Mark{From: 4, To: chunk, Label: T("rest", "余")}); err != nil {
					return err
				}
			}
			return c.Close()
		}, nil)
	sink := &headSink{n: 100}
	res, err := Run(context.Background(), d, Options{Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	want := DigestOf(payload)
	for _, side := range []Role{Client, Server} {
		op := OpSendAll
		if side == Server {
			op = OpRecv
		}
		calls := res.Trace.Calls(side, op)
		var n, full int
		for _, e := range calls {
			n += e.N
			switch {
			case e.Offset+int64(e.N) <= StreamKeep:
				full++
				if len(e.Data) != e.N || !bytes.Equal(e.Data, payload[e.Offset:e.Offset+int64(e.N)]) {
					t.Errorf("%s: call at offset %d within StreamKeep kept %d of %d bytes", side, e.Offset, len(e.Data), e.N)
				}
			case e.Offset >= StreamKeep:
				if len(e.Data) > HeadKeep || !bytes.HasPrefix(payload[e.Offset:], e.Data) {
					t.Errorf("%s: call at offset %d kept %d bytes, want its first %d at most", side, e.Offset, len(e.Data), HeadKeep)
				}
			}
			if side == Client && (len(e.Marks) != 2 || e.Marks[1].To != chunk) {
				t.Errorf("marks %v no longer describe the %d bytes", e.Marks, e.N)
			}
		}
		if n != len(payload) || full == 0 {
			t.Errorf("%s: %d bytes in %d calls, %d kept in full", side, n, len(calls), full)
		}
		if last := calls.Last(); last.Sum != want {
			t.Errorf("%s: the last call's Sum is %+v, not the Digest of the stream %+v", side, last.Sum, want)
		}
	}
	for _, e := range sink.es {
		if e.Op == OpSendAll && len(e.Data) < min(e.N, 4+100) {
			t.Errorf("the sink got %d bytes of a %d-byte call; it needs the first 100 of each part", len(e.Data), e.N)
		}
	}
}

// TestKeepAll: Keep.All keeps every byte of every call (--full).
func TestKeepAll(t *testing.T) {
	payload := bytes.Repeat([]byte("x"), 2*StreamKeep)
	d := pairDemo("keep-all",
		func(s *Side, c *Conn) error {
			if _, err := c.RecvExactly(len(payload), 0, Text{}); err != nil {
				return err
			}
			return c.Close()
		},
		func(s *Side, c *Conn) error {
			if err := c.SendAll(payload); err != nil {
				return err
			}
			return c.Close()
		}, nil)
	res, err := Run(context.Background(), d, Options{Sink: &headSink{n: 10}, Keep: Keep{All: true}})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Trace.Calls(Server, OpRecv).Bytes(); !bytes.Equal(got, payload) {
		t.Errorf("kept %d of %d bytes with Keep.All", len(got), len(payload))
	}
}

// TestQueue: a queued sink gets every event in order, Emit blocks while the
// queue holds more than its limit, and Flush returns only once the sink
// has handled everything.
func TestQueue(t *testing.T) {
	gate := make(chan struct{})
	var mu sync.Mutex
	var got []int
	q := NewQueue(SinkFunc(func(e Event) {
		<-gate
		mu.Lock()
		got = append(got, e.Seq)
		mu.Unlock()
	}), 3*cost(Event{Data: make([]byte, 100)}))
	blocked := make(chan int, 10)
	go func() {
		for i := 1; i <= 6; i++ {
			q.Emit(Event{Seq: i, Data: make([]byte, 100)})
			blocked <- i
		}
	}()
	// Three events fit (the one the sink holds counts until it is handled);
	// the fourth must wait.
	for i := 1; i <= 3; i++ {
		if n := <-blocked; n != i {
			t.Fatalf("emitted %d, want %d", n, i)
		}
	}
	select {
	case n := <-blocked:
		t.Fatalf("event %d was queued beyond the limit", n)
	case <-time.After(50 * time.Millisecond):
	}
	close(gate)
	for i := 4; i <= 6; i++ {
		<-blocked
	}
	q.Flush()
	mu.Lock()
	if len(got) != 6 {
		t.Fatalf("after Flush the sink had %v, want all 6", got)
	}
	for i, s := range got {
		if s != i+1 {
			t.Fatalf("out of order: %v", got)
		}
	}
	mu.Unlock()
	q.Close()
	q.Emit(Event{Seq: 7}) // after Close: handed on at once
	if len(got) != 7 {
		t.Errorf("an event after Close was not handed on")
	}
}

// TestQueueHandsOnWithoutFlush: an event reaches the sink without a Flush
// whether it comes alone, in a crowd past wakeBatch, or just as the wake-up
// timer fires; a lost wake-up would leave it waiting for ever.
func TestQueueHandsOnWithoutFlush(t *testing.T) {
	var handed atomic.Int64
	q := NewQueue(SinkFunc(func(Event) { handed.Add(1) }), 0)
	defer q.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	want := int64(0)
	for round := range 300 {
		n := 1 + rng.IntN(2*wakeBatch)
		for range n {
			q.Emit(Event{})
		}
		want += int64(n)
		deadline := time.Now().Add(10 * time.Second)
		for handed.Load() < want {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: %d of %d events handed on, the rest left waiting", round, handed.Load(), want)
			}
			time.Sleep(50 * time.Microsecond)
		}
		time.Sleep(time.Duration(rng.IntN(2500)) * time.Microsecond) // around wakeAfter
	}
}

// flushGate is a sink whose first Flush waits until release is closed.
type flushGate struct {
	handed           atomic.Int64
	inFlush, release chan struct{}
	once             sync.Once
}

func (g *flushGate) Emit(Event) { g.handed.Add(1) }
func (g *flushGate) Flush() {
	g.once.Do(func() {
		close(g.inFlush)
		<-g.release
	})
}

// TestQueueEventDuringInnerFlush: an event emitted while the queue's
// goroutine flushes its sink (the JSON trace's write(2)) still reaches the
// sink without a Flush of the queue. It used to wait for the next event,
// and kept Busy true, so the watchdog never fired.
func TestQueueEventDuringInnerFlush(t *testing.T) {
	g := &flushGate{inFlush: make(chan struct{}), release: make(chan struct{})}
	q := NewQueue(g, 0)
	defer q.Close()
	q.Emit(Event{})
	<-g.inFlush // the goroutine handed on the first event and is flushing
	q.Emit(Event{})
	close(g.release)
	deadline := time.Now().Add(10 * time.Second)
	for g.handed.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 2 events handed on, Busy() = %v: the second was left waiting", g.handed.Load(), q.Busy())
		}
		time.Sleep(time.Millisecond)
	}
}

// TestQueueCloseWhileFull: an Emit blocked on a full queue when Close comes
// reaches the sink after every event queued before it, never beside the
// queue's goroutine. (The pauses make the blocked Emit likely, not
// certain; without them the test still holds, it just proves less.)
func TestQueueCloseWhileFull(t *testing.T) {
	var busy atomic.Int32
	var overlap atomic.Bool
	var mu sync.Mutex
	var order []int
	gate := make(chan struct{})
	var first sync.Once
	q := NewQueue(SinkFunc(func(e Event) {
		if busy.Add(1) > 1 {
			overlap.Store(true)
		}
		first.Do(func() { <-gate })
		time.Sleep(time.Millisecond)
		mu.Lock()
		order = append(order, e.Seq)
		mu.Unlock()
		busy.Add(-1)
	}), 4*cost(Event{Data: make([]byte, 512)}))
	for i := range 4 { // fills the queue
		q.Emit(Event{Seq: i, Data: make([]byte, 512)})
	}
	blocked := make(chan struct{})
	go func() { q.Emit(Event{Seq: 4, Data: make([]byte, 512)}); close(blocked) }()
	time.Sleep(20 * time.Millisecond)
	closed := make(chan struct{})
	go func() { q.Close(); close(closed) }()
	time.Sleep(20 * time.Millisecond)
	close(gate)
	<-blocked
	<-closed
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(order, []int{0, 1, 2, 3, 4}) {
		t.Errorf("the sink got %v, want the Emit order 0 1 2 3 4", order)
	}
	if overlap.Load() {
		t.Errorf("the sink was called twice at once")
	}
}

// TestClockStandsStillWhilePaused: while a step prompt (or --slow) holds
// the clock, an event the other side records gets the time the pause
// began, and after it time carries on from there: it never goes back.
func TestClockStandsStillWhilePaused(t *testing.T) {
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	r := NewRecorder(clock, nil)
	now = now.Add(10 * time.Millisecond)
	a := r.Record(Event{Op: OpNote})
	resume := r.Pause()
	now = now.Add(time.Second) // the presenter talks
	b := r.Record(Event{Op: OpNote})
	now = now.Add(time.Second)
	resume()
	now = now.Add(5 * time.Millisecond)
	c := r.Record(Event{Op: OpNote})
	if a.T != 10*time.Millisecond || b.T != a.T || c.T != 15*time.Millisecond {
		t.Errorf("times %v %v %v, want 10ms 10ms 15ms", a.T, b.T, c.T)
	}
}

// TestStepNamesTheCallItMeans: a step named before Dial names its
// connect(), before Listen its listen(), not the socket() they start with.
func TestStepNamesTheCallItMeans(t *testing.T) {
	d := Demo{ID: 1, Slug: "named", Title: T("n", "n"), Brief: T("n", "n"),
		Server: func(ctx context.Context, s *Side) error {
			s.Key("listen-five")
			ln, err := s.ListenBacklog("127.0.0.1:0", 5)
			if err != nil {
				return err
			}
			s.Signal("listening")
			c, err := ln.Accept()
			if err != nil {
				return err
			}
			c.Close()
			return ln.Close()
		},
		Client: func(ctx context.Context, s *Side) error {
			s.Wait("listening")
			s.Step("dial-it")
			c, err := s.Dial(s.ServerAddr())
			if err != nil {
				return err
			}
			return c.Close()
		},
		Findings: func(Trace, Params) []Finding { return nil },
	}
	res, err := Run(context.Background(), d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		step string
		op   Op
	}{{"listen-five", OpListen}, {"dial-it", OpConnect}} {
		got := res.Trace.Step(c.step)
		if len(got) != 1 || got[0].Op != c.op {
			t.Errorf("step %s names %v, want one %s", c.step, got.Ops(), c.op)
		}
	}
	if k := res.Trace.Step("listen-five"); len(k) == 1 && !k[0].Key {
		t.Error("the listen() named by Key is not a key call")
	}
}

// TestKeepCallsAggregates: past KeepCalls like calls of one run, the trace
// keeps one event standing for the rest (Calls, Through, N and Req summed,
// the last Sum), so a million small calls do not cost a million events;
// another kind of call on the socket ends that event, CallCount still
// counts every call, and the sink got every event.
func TestKeepCallsAggregates(t *testing.T) {
	n := 0
	r := NewRecorder(nil, SinkFunc(func(Event) { n++ }))
	send := func() Event {
		return r.Record(Event{Side: Client, Op: OpSend, Conn: 2, Call: "send()", Req: 2, N: 1, Data: []byte("x")})
	}
	for range KeepCalls + 100 {
		send()
	}
	r.Record(Event{Side: Client, Op: OpSend, Conn: 2, Call: "send()", Req: 1, N: 1, Data: []byte("k"), Step: "named"})
	for range 50 {
		send()
	}
	last := send()
	tr := r.Events()
	if n != KeepCalls+152 {
		t.Errorf("the sink got %d events, want every one", n)
	}
	if len(tr) != KeepCalls+3 {
		t.Fatalf("the trace kept %d events, want %d one by one, the named one and two standing for the rest", len(tr), KeepCalls)
	}
	a, b := tr[KeepCalls], tr[KeepCalls+2]
	if a.Calls != 100 || a.N != 100 || a.Req != 200 || a.Through != a.Seq+99 {
		t.Errorf("the first standing event: calls %d n %d req %d through %d (seq %d)", a.Calls, a.N, a.Req, a.Through, a.Seq)
	}
	if b.Calls != 51 || b.Through != last.Seq || b.Sum != last.Sum {
		t.Errorf("the second standing event: calls %d through %d, want 51 through %d", b.Calls, b.Through, last.Seq)
	}
	if got := tr.CallCount(); got != KeepCalls+152 {
		t.Errorf("CallCount %d, want every call", got)
	}
	if got := tr.Moved(); got != KeepCalls+152 {
		t.Errorf("Moved %d bytes", got)
	}
}

// TestBigSendLentToSink: a call of more than borrowMin bytes lends its
// buffer to a sink that needs every byte (the JSON trace) instead of
// copying it; the call returns only once the sink has it, so a caller that
// reuses its buffer at once (here: overwrites it) never changes what the
// sink got, and the trace keeps a copy of its head.
func TestBigSendLentToSink(t *testing.T) {
	const size = 3 << 20
	var got []byte
	sink := SinkFunc(func(e Event) {
		if e.Op == OpSendAll {
			time.Sleep(50 * time.Millisecond) // a slow renderer: the sender must wait for it
			got = append([]byte(nil), e.Data...)
		}
	})
	d := pairDemo("lend",
		func(s *Side, c *Conn) error {
			_, err := c.RecvExactly(size, 1<<20, T("all", "全部"))
			return err
		},
		func(s *Side, c *Conn) error {
			b := bytes.Repeat([]byte("lab!"), size/4)
			if err := c.SendAll(b); err != nil {
				return err
			}
			clear(b) // the caller's buffer is its own again
			return c.Close()
		},
		func(Trace, Params) []Finding { return nil })
	res, err := Run(context.Background(), d, Options{Sink: sink, Idle: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if want := bytes.Repeat([]byte("lab!"), size/4); !bytes.Equal(got, want) {
		t.Errorf("the sink got %d bytes, not the %d sent as they were sent", len(got), len(want))
	}
	sends := res.Trace.Calls(Client, OpSendAll)
	if len(sends) != 1 || string(sends[0].Data) != strings.Repeat("lab!", HeadKeep/4) {
		t.Errorf("the trace kept %q, want the head of the send", sends[0].Data)
	}
}

// keepingSink keeps the Data of every sendall it is handed, as a view that
// folds keeps a call past Emit, and needs only the first bytes.
type keepingSink struct{ kept [][]byte }

func (h *keepingSink) Emit(e Event) {
	if e.Op == OpSendAll {
		h.kept = append(h.kept, e.Data)
	}
}
func (h *keepingSink) Needs() int { return 16 }

// TestBigSendLentThroughTee: beside a sink that needs every byte, a sink
// that takes only a head of a lent call gets a copy of it, so what it
// keeps does not change when the caller reuses its buffer.
func TestBigSendLentThroughTee(t *testing.T) {
	const size = 3 << 20
	head := &keepingSink{}
	var all []byte
	sink := Tee{head, SinkFunc(func(e Event) {
		if e.Op == OpSendAll {
			all = append([]byte(nil), e.Data...)
		}
	})}
	d := pairDemo("lend-tee",
		func(s *Side, c *Conn) error {
			_, err := c.RecvExactly(size, 1<<20, T("all", "全部"))
			return err
		},
		func(s *Side, c *Conn) error {
			b := bytes.Repeat([]byte("lab!"), size/4)
			if err := c.SendAll(b); err != nil {
				return err
			}
			clear(b)
			return c.Close()
		},
		func(Trace, Params) []Finding { return nil })
	if _, err := Run(context.Background(), d, Options{Sink: sink, Idle: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if len(head.kept) != 1 || string(head.kept[0]) != strings.Repeat("lab!", 4) {
		t.Errorf("the head sink kept %q, want the first 16 bytes as sent", head.kept)
	}
	if len(all) != size || string(all[:8]) != "lab!lab!" {
		t.Errorf("the other sink got %d bytes starting %q", len(all), all[:min(8, len(all))])
	}
}

// TestDigest: a Digest is the same however a stream was cut into calls,
// and tells apart streams that differ in one bit, in order or in length.
func TestDigest(t *testing.T) {
	b := make([]byte, 5000)
	for i := range b {
		b[i] = byte(i * 7)
	}
	want := DigestOf(b)
	for _, cut := range []int{1, 3, 127, 128, 129, 1024, 4999} {
		var d Digester
		for rest := b; len(rest) > 0; rest = rest[min(cut, len(rest)):] {
			d.Write(rest[:min(cut, len(rest))])
		}
		if d.Digest() != want {
			t.Errorf("cut into %d-byte calls: %+v, want %+v", cut, d.Digest(), want)
		}
	}
	flipped := bytes.Clone(b)
	flipped[4321] ^= 0x10
	swapped := bytes.Clone(b)
	swapped[10], swapped[11] = swapped[11], swapped[10]
	for name, other := range map[string][]byte{"a flipped bit": flipped, "two bytes swapped": swapped, "one byte short": b[:len(b)-1], "empty": nil} {
		if DigestOf(other) == want {
			t.Errorf("%s has the same Digest", name)
		}
	}
	if DigestOf(nil) != (Digest{}) || want.N != int64(len(b)) {
		t.Errorf("DigestOf(nil) = %+v, N = %d", DigestOf(nil), want.N)
	}
}
