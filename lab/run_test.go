package lab

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/nettest"
)

// echoDemo is a minimal demo: the client sends "ping", the server answers
// in upper case.
func echoDemo() Demo {
	return pairDemo("echo",
		func(s *Side, c *Conn) error {
			b, err := c.Recv(16)
			if err != nil {
				return err
			}
			if _, err := c.Send(bytes.ToUpper(b)); err != nil {
				return err
			}
			return c.Close()
		},
		func(s *Side, c *Conn) error {
			if err := c.SendAll([]byte("ping")); err != nil {
				return err
			}
			b, err := c.Recv(16)
			if err != nil {
				return err
			}
			b[0] = 'X' // the trace must keep its own copy
			return c.Close()
		},
		func(t Trace, p Params) []Finding {
			got := t.Calls(Client, OpRecv).Bytes()
			return []Finding{{ID: "upper", OK: string(got) == "PING", Text: T(string(got), string(got))}}
		})
}

func TestRunRecordsTrace(t *testing.T) {
	res, err := Run(context.Background(), echoDemo(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK {
		t.Errorf("finding did not hold: %+v", res.Findings)
	}
	for i, e := range res.Trace {
		if e.Seq != i+1 {
			t.Errorf("event %d has seq %d", i, e.Seq)
		}
		if i > 0 && e.T < res.Trace[i-1].T {
			t.Errorf("time went back at seq %d", e.Seq)
		}
	}
	last := res.Trace[len(res.Trace)-1]
	if last.Op != OpSummary || !last.OK || last.Findings != 1 || last.Demo != "echo" {
		t.Errorf("last event = %+v, want a passing summary", last)
	}
	want := "socket bind listen signal"
	if got := strings.Join(res.Trace.Filter(func(e Event) bool { return e.Side == Server }).Ops()[:4], " "); got != want {
		t.Errorf("server starts with %q, want %q", got, want)
	}
	recv := res.Trace.Calls(Server, OpRecv)
	if len(recv) != 1 || recv[0].Req != 16 || recv[0].N != 4 || recv[0].Call != "recv(16)" {
		t.Errorf("server recv = %+v", recv)
	}
	accept, connect := res.Trace.Calls(Server, OpAccept), res.Trace.Calls(Client, OpConnect)
	if accept[0].Peer != connect[0].Local || accept[0].Local != connect[0].Peer {
		t.Errorf("accept %s←%s does not match connect %s→%s", accept[0].Local, accept[0].Peer, connect[0].Local, connect[0].Peer)
	}
}

func TestRunFailsOnSideError(t *testing.T) {
	d := echoDemo()
	d.Server = func(ctx context.Context, s *Side) error { return errors.New("boom") }
	_, err := Run(context.Background(), d, Options{Idle: time.Minute})
	if err == nil || !strings.Contains(err.Error(), "server: boom") {
		t.Fatalf("err = %v, want server: boom", err)
	}
}

func TestRunTimesOutWhenStuck(t *testing.T) {
	d := echoDemo()
	d.Client = func(ctx context.Context, s *Side) error { return s.Wait("never") }
	res, err := Run(context.Background(), d, Options{Idle: 200 * time.Millisecond})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	for _, want := range []string{"client blocked in wait(never)", "server blocked in accept()"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to say %q", err, want)
		}
	}
	if last := res.Trace[len(res.Trace)-1]; last.Op != OpSummary || last.Err == "" {
		t.Errorf("last event = %+v, want a failed summary", last)
	}
}

// TestSlowSinkIsNotAHang: a renderer that takes longer than the idle time
// to draw one call holds the sockets back through its queue (here a queue
// of one event), and no call returns meanwhile; that is the renderer's
// time, not a hang, so the run must not time out. A stuck side still does
// (TestRunTimesOutWhenStuck).
func TestSlowSinkIsNotAHang(t *testing.T) {
	const idle = 150 * time.Millisecond
	var once sync.Once
	slow := SinkFunc(func(e Event) {
		if e.Op == OpSendAll {
			once.Do(func() { time.Sleep(4 * idle) })
		}
	})
	q := NewQueue(slow, 1)
	defer q.Close()
	res, err := Run(context.Background(), echoDemo(), Options{Sink: q, Idle: idle})
	if err != nil || !res.OK {
		t.Fatalf("err = %v, findings %+v; want the run to finish", err, res.Findings)
	}
}

func TestStepQuitStopsCleanly(t *testing.T) {
	var out bytes.Buffer
	// setsockopt, bind and listen go, then one of accept and connect; the
	// other is quit.
	st := NewStepper(strings.NewReader("\n\n\n\nq\n"), &out, En, true, 0)
	res, err := Run(context.Background(), echoDemo(), Options{Step: st, Idle: time.Minute})
	if !errors.Is(err, ErrQuit) {
		t.Fatalf("err = %v, want ErrQuit", err)
	}
	if n := strings.Count(out.String(), "▸"); n != 5 {
		t.Errorf("%d announcements, want 5 (four goes and the quit):\n%s", n, out.String())
	}
	// After the barrier, the server's accept and the client's connect race
	// to be announced; the fifth announcement, whichever it was, got q. So
	// at most one of the two ran, and no data call did.
	ran := len(res.Trace.Calls(Client, OpConnect)) + len(res.Trace.Calls(Server, OpAccept))
	if ran > 1 {
		t.Errorf("both connect and accept ran although one was quit:\n%v", res.Trace.Ops())
	}
	if d := res.Trace.Filter(func(e Event) bool { return e.Op.IsData() }); len(d) != 0 {
		t.Errorf("data calls ran after quit: %v", d.Ops())
	}
	if cut := res.Trace.Filter(func(e Event) bool { return e.Errno == ErrnoStopped }); len(cut) == 0 && ran == 0 {
		t.Errorf("the blocked call was not reported as stopped by the learner:\n%v", res.Trace.Ops())
	}
}

func TestStepContinueAndEOF(t *testing.T) {
	for _, in := range []string{"c\n", ""} {
		var out bytes.Buffer
		st := NewStepper(strings.NewReader(in), &out, En, true, 0)
		res, err := Run(context.Background(), echoDemo(), Options{Step: st, Idle: time.Minute})
		if err != nil || !res.OK {
			t.Fatalf("input %q: err = %v, ok = %v", in, err, res.OK)
		}
		if n := strings.Count(out.String(), "▸"); n != 1 {
			t.Errorf("input %q: %d announcements, want 1", in, n)
		}
	}
}

// TestStepBlockedRecvDoesNotDeadlock answers each announcement only after
// it appears: the server announces recv and blocks in it, and the client must
// still be able to announce and make the send that unblocks it.
func TestStepBlockedRecvDoesNotDeadlock(t *testing.T) {
	for range 20 {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		go func() {
			sc := bufio.NewScanner(outR)
			for sc.Scan() {
				if strings.Contains(sc.Text(), "▸") {
					io.WriteString(inW, "\n")
				}
			}
		}()
		st := NewStepper(inR, outW, En, true, 0)
		res, err := Run(context.Background(), echoDemo(), Options{Step: st, Idle: time.Minute})
		outW.Close()
		inW.Close()
		if err != nil || !res.OK {
			t.Fatalf("err = %v, ok = %v", err, res.OK)
		}
	}
}

func TestSlowPacesCalls(t *testing.T) {
	var out bytes.Buffer
	st := NewStepper(strings.NewReader(""), &out, En, false, time.Millisecond)
	res, err := Run(context.Background(), echoDemo(), Options{Step: st})
	if err != nil || !res.OK {
		t.Fatalf("err = %v, ok = %v", err, res.OK)
	}
	if out.Len() != 0 {
		t.Errorf("slow mode without step printed %q", out.String())
	}
}

// testSide returns a side of a run that lasts as long as the test.
func testSide(t *testing.T, role Role) *Side {
	ctx, cancel := context.WithCancelCause(context.Background())
	t.Cleanup(func() { cancel(nil) })
	r := &run{ctx: ctx, rec: NewRecorder(nil, nil), barriers: map[string]chan struct{}{}, causal: newCausal()}
	return newSide(r, role, Params{})
}

// TestConnIsNetConn runs the x/net conformance suite on the traced conn.
func TestConnIsNetConn(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, nil, err
		}
		defer ln.Close()
		var wg sync.WaitGroup
		var accepted net.Conn
		var aerr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			accepted, aerr = ln.Accept()
		}()
		dialed, err := net.Dial("tcp", ln.Addr().String())
		wg.Wait()
		if err != nil || aerr != nil {
			return nil, nil, nil, errors.Join(err, aerr)
		}
		a, b := testSide(t, Server).newConn(accepted), testSide(t, Client).newConn(dialed)
		return a, b, func() { a.Close(); b.Close() }, nil
	})
}

// TestStepPausesClock: time spent at a step prompt is not trace time.
func TestStepPausesClock(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(0, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	rec := NewRecorder(clock, nil)
	advance(time.Millisecond)
	resume := rec.Pause()
	advance(time.Hour) // a learner reading slowly
	resume()
	resume() // a second call does nothing
	advance(time.Millisecond)
	if e := rec.Record(Event{Op: OpNote}); e.T != 2*time.Millisecond {
		t.Errorf("T = %v, want 2ms", e.T)
	}
}

// TestTraceIsCausal: however the two goroutines race to record, a recv is
// never listed before the send of its bytes, nor an accept before its connect.
func TestTraceIsCausal(t *testing.T) {
	for i := range 200 {
		res, err := Run(context.Background(), echoDemo(), Options{Idle: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if bad := res.Trace.OutOfOrder(); len(bad) > 0 {
			t.Fatalf("run %d: %v", i+1, bad)
		}
	}
}
