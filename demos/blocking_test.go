package demos

import (
	"slices"
	"strings"
	"testing"

	"socketlab/lab"
)

func TestBlocking100(t *testing.T) {
	ids := strings.Fields("waits empty-send timeout after-timeout recv-would-block ready-data one-thread all-ready one-ready send-would-block send-waits send-arrived")
	repeatDemo(t, "blocking", 100, repeat{IDs: ids, InOrder: true})
}

func TestBlockingModes(t *testing.T) {
	for _, mode := range blockingModes {
		t.Run(mode, func(t *testing.T) {
			res := repeatDemo(t, "blocking", 5, repeat{Sets: []string{"mode=" + mode}, InOrder: true})
			want := map[string]int{"block": 2, "timeout": 2, "nonblock": 2, "select": 3, "send": 3}[mode]
			if len(res.Findings) != want {
				t.Errorf("%d findings, want %d", len(res.Findings), want)
			}
		})
	}
}

// TestBlockingSelectCalls: the select part's trace is Python's loop: one
// sel.select() per round, returning the listening socket three times, then
// all three clients, then the last one alone, then each EOF.
func TestBlockingSelectCalls(t *testing.T) {
	res := repeatDemo(t, "blocking", 20, repeat{Sets: []string{"mode=select"}, InOrder: true})
	var got []int
	for _, e := range res.Trace.Calls(lab.Server, lab.OpSelect) {
		if e.Call == "sel.select()" {
			got = append(got, e.N)
		}
	}
	if want := []int{1, 1, 1, 3, 1, 1, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("select results %v, want %v", got, want)
	}
	for _, e := range res.Trace.Filter(func(e lab.Event) bool { return e.Side == lab.Server }) {
		if e.Who != "" {
			t.Fatalf("a server event of another goroutine: %+v", e)
		}
	}
}

// TestBlockingWithoutPoll runs the select part the way a system without
// poll() does: the clients are still served, and the select findings say
// honestly that it was not shown.
func TestBlockingWithoutPoll(t *testing.T) {
	noPoll = true
	defer func() { noPoll = false }()
	d, _ := Lookup("blocking")
	res := runDemo(t, d, lab.Options{}, "mode=select")
	if len(res.Findings) != 3 {
		t.Fatalf("%d findings", len(res.Findings))
	}
	for _, f := range res.Findings {
		if f.OK || !strings.HasPrefix(f.Text.En, "not shown") {
			t.Errorf("finding %s: ok=%v %q, want a not-shown failure", f.ID, f.OK, f.Text.En)
		}
	}
	if len(res.Trace.Calls(lab.Client, lab.OpClose)) != selectClients {
		t.Error("the clients were not all served")
	}
}

// TestBlockingFindingsCanFail: a recv that got bytes at once, a timeout
// that never fired, a select that returned one socket at a time, a send
// that never met a full buffer: none of them passes.
func TestBlockingFindingsCanFail(t *testing.T) {
	d, _ := Lookup("blocking")
	p, _ := lab.ParseParams(d.Knobs, nil)
	tr := lab.Trace{
		{Seq: 1, Side: lab.Client, Op: lab.OpSend, Conn: 2, Step: "empty-send", Req: 0},
		{Seq: 2, Side: lab.Server, Op: lab.OpRecv, Conn: 3, Req: 1024, N: 5, Data: []byte("hello"), Step: "waits"},
		{Seq: 3, Side: lab.Client, Op: lab.OpSendAll, Conn: 2, Req: 5, N: 5, Data: []byte("hello"), Step: "send-hello"},
		{Seq: 4, Side: lab.Server, Op: lab.OpSetOpt, Conn: 5, Call: "settimeout(0.2)"},
		{Seq: 5, Side: lab.Server, Op: lab.OpRecv, Conn: 5, Req: 1024, N: 5, Data: []byte("hello"), Step: "timed-out"},
		{Seq: 6, Side: lab.Server, Op: lab.OpSetOpt, Conn: 7, Call: "setblocking(False)"},
		{Seq: 7, Side: lab.Server, Op: lab.OpRecv, Conn: 7, Req: 1024, Err: "timeout", Errno: "timeout", Step: "nothing-yet"},
		{Seq: 8, Side: lab.Server, Op: lab.OpSelect, Call: "sel.select()", N: 1, Step: "select-all"},
		{Seq: 9, Side: lab.Server, Op: lab.OpRecv, Conn: 9, Req: 1024, N: 13},
		{Seq: 10, Side: lab.Client, Op: lab.OpSend, Conn: 14, Req: 16384, N: 16384, Step: "full"},
		{Seq: 11, Side: lab.Client, Op: lab.OpSendAll, Conn: 14, Req: 65536, N: 65536, Step: "send-waits"},
	}
	for _, f := range d.Findings(tr, p) {
		if f.OK {
			t.Errorf("finding %s held on a trace that shows the opposite: %s", f.ID, f.Text.En)
		}
	}
}

// TestBlockingNotesFollowTheirCalls: whatever the mode, the recv that
// timed out is announced with the timeout note, the one that failed with
// EAGAIN with the BlockingIOError note, the select that returned three
// sockets with its note, and the send that met the full buffer with the
// non-blocking send's note; no such note sits on another call.
func TestBlockingNotesFollowTheirCalls(t *testing.T) {
	d, _ := Lookup("blocking")
	timedOut := func(e lab.Event) bool { return e.Side == lab.Server && e.Op == lab.OpRecv && e.Errno == "timeout" }
	eagain := func(e lab.Event) bool { return e.Side == lab.Server && e.Op == lab.OpRecv && e.Errno == "EAGAIN" }
	three := func(e lab.Event) bool {
		return e.Op == lab.OpSelect && e.Call == "sel.select()" && e.N == selectClients
	}
	full := func(e lab.Event) bool { return e.Side == lab.Client && e.Op == lab.OpSend && e.Errno == "EAGAIN" }
	empty := func(e lab.Event) bool { return e.Side == lab.Client && e.Op == lab.OpSend && e.Req == 0 }
	for _, mode := range append([]string{"all"}, blockingModes...) {
		t.Run(mode, func(t *testing.T) {
			anns := announcements(t, d, "mode="+mode)
			for _, c := range []struct {
				match func(lab.Event) bool
				modes string
				key   string // of the note that belongs on the call
			}{
				{timedOut, "all timeout", "server.timed-out"},
				{eagain, "all nonblock", "server.nothing-yet"},
				{three, "all select", "server.select-all"},
				{full, "all send", "client.full"},
				{empty, "all block", "client.empty-send"},
			} {
				a, ok := announcedOn(anns, c.match)
				if ok != slices.Contains(strings.Fields(c.modes), mode) {
					t.Errorf("mode %s: the call for %s was made = %v", mode, c.key, ok)
					continue
				}
				if ok && a.key != c.key {
					t.Errorf("mode %s: the call was announced with %s (%q), want %s", mode, a.key, a.note, c.key)
				}
			}
			for _, a := range anns {
				if a.key == "server.timed-out" && !timedOut(a.e) || a.key == "server.select-all" && !three(a.e) {
					t.Errorf("mode %s: %s (%q) was announced over %s (err %q)", mode, a.key, a.note, a.e.Call, a.e.Errno)
				}
			}
		})
	}
}
