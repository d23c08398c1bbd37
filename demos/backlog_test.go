package demos

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"socketlab/lab"
)

func TestBacklog100(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the exact queue length is a Linux recipe (backlog+1, SYNs dropped when full)")
	}
	// The late client makes a run last a second (its SYN retransmit):
	// TestBacklogLate runs it many times, concurrently.
	repeatDemo(t, "backlog", 100, repeat{Sets: []string{"late=off"}})
}

// runMany runs demo d n times, k at a time, with the same options, and
// returns the results in the test's goroutine (runs that failed are
// reported there).
func runMany(t *testing.T, d lab.Demo, opt lab.Options, n, k int, sets ...string) []lab.Result {
	t.Helper()
	p, err := lab.ParseParams(d.Knobs, sets)
	if err != nil {
		t.Fatal(err)
	}
	opt.Params, opt.Idle = p, 30*time.Second
	out := make([]lab.Result, n)
	errs := make([]error, n)
	sem := make(chan struct{}, k)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i], errs[i] = lab.Run(context.Background(), d, opt)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBacklogLate: the late client's SYN is dropped while the queue is
// full and it gets in once the server drains it, every run: from the
// packets (a SYN sent twice, the SYN-ACK after the first accept) and from
// /proc/net/tcp's SYN_SENT without them. Runs go four at a time: each
// waits a second for the retransmit, and the recipe must hold under load.
func TestBacklogLate(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux drops the SYN of a full queue")
	}
	for _, src := range handshakeSources {
		t.Run(src.name, func(t *testing.T) {
			if src.packets {
				needCapture(t)
			}
			want := []string{"queued", "hang", "drain", "late"}
			if src.packets {
				want = []string{"queued", "hang", "drain", "wire", "late"}
			}
			repeatDemo(t, "backlog", 40, repeat{Opt: src.opt, Short: 2, At: 4, IDs: want, InOrder: true})
		})
	}
}

// TestBacklogLateCanFail: the late finding turns ✗ when the late client
// got in before the drain, without a dropped SYN, or was never read.
func TestBacklogLateCanFail(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux recipe")
	}
	d, _ := Lookup("backlog")
	p, _ := lab.ParseParams(d.Knobs, nil)
	for _, src := range handshakeSources {
		t.Run(src.name, func(t *testing.T) {
			if src.packets {
				needCapture(t)
			}
			good := runDemo(t, d, src.opt).Trace
			late := func(tr lab.Trace) bool {
				for _, f := range backlogFindings(tr, p) {
					if f.ID == "late" {
						return f.OK
					}
				}
				t.Fatal("no late finding")
				return false
			}
			if !late(good) {
				t.Fatal("late does not hold on the good run")
			}
			cases := map[string]func(tr *lab.Trace) bool{
				"connected before the drain": func(tr *lab.Trace) bool {
					return edit(*tr, isStep("late-connect"), func(e *lab.Event) { e.Seq = 1 })
				},
				"never read": func(tr *lab.Trace) bool {
					return edit(*tr, func(e lab.Event) bool { return e.Op == lab.OpRecv && strings.Contains(string(e.Data), "late") },
						func(e *lab.Event) { e.Data = []byte("something else") })
				},
				"timed out": func(tr *lab.Trace) bool {
					return edit(*tr, isStep("late-connect"), func(e *lab.Event) { e.Err, e.Errno = "i/o timeout", "timeout" })
				},
			}
			if src.packets {
				cases["one SYN only"] = func(tr *lab.Trace) bool {
					seen := false
					return drop(tr, func(e lab.Event) bool {
						if e.Op == lab.OpPacket && e.Packet.Flags == "SYN" && e.Packet.Src == lateSrc(*tr) {
							if seen {
								return true
							}
							seen = true
						}
						return false
					})
				}
			} else {
				cases["no SYN_SENT seen"] = func(tr *lab.Trace) bool {
					return edit(*tr, func(e lab.Event) bool { return e.Name == lab.NoteSynSent }, func(e *lab.Event) { e.N = 0 })
				}
			}
			for name, change := range cases {
				tr := slices.Clone(good)
				if !change(&tr) {
					t.Errorf("%s: nothing to change", name)
					continue
				}
				if late(tr) {
					t.Errorf("%s: late still holds", name)
				}
			}
		})
	}
}

// lateSrc is the address the late client's packets come from.
func lateSrc(tr lab.Trace) string {
	for _, e := range tr {
		if e.Step == "late-connect" {
			return e.Local
		}
	}
	return ""
}

func TestBacklogKnobs(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux recipe")
	}
	for _, sets := range [][]string{{"backlog=0", "clients=3"}, {"backlog=3", "clients=6", "late=off"}, {"backlog=8", "clients=16", "late=off"}} {
		repeatDemo(t, "backlog", 5, repeat{Sets: sets})
	}
	// Everyone fits in the queue: the hang cannot be shown, and the
	// finding says so with ✗.
	d, _ := Lookup("backlog")
	res := runDemo(t, d, lab.Options{}, "backlog=1", "clients=2", "late=off")
	if findingOK(t, res, "hang") {
		t.Error("hang held with clients=2, backlog=1: nobody could have hung")
	}
	if !findingOK(t, res, "queued") || !findingOK(t, res, "drain") {
		t.Error("queued and drain must still hold with clients=2")
	}
}

// TestBacklogNotesFollowTheirCalls: the backlog and clients knobs add and
// remove connects, accepts and closes, and every note stays on its call.
// The accept note is on each accept that drains the queue, the note on the
// listening socket's close is on that close (with backlog=2 and clients=3
// the old "server.close.3" fell on a client's socket), the greeting note
// on each send made before any accept, and the note saying a connect got
// no answer follows exactly the connects that timed out.
func TestBacklogNotesFollowTheirCalls(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux recipe: the late connects time out")
	}
	d, _ := Lookup("backlog")
	for _, sets := range [][]string{
		{"backlog=1", "clients=3", "late=off"}, {"backlog=1", "clients=5", "late=off"},
		{"backlog=2", "clients=3", "late=off"}, {"backlog=2", "clients=5", "late=off"},
	} {
		t.Run(strings.Join(sets, ","), func(t *testing.T) {
			p, err := lab.ParseParams(d.Knobs, sets)
			if err != nil {
				t.Fatal(err)
			}
			fits := backlogFits(p)
			anns := announcements(t, d, sets...)
			listener, firstAccept := 0, 0
			var accepts, greets, timedOut int
			for _, a := range anns {
				e := a.e
				switch {
				case e.Side == lab.Server && e.Op == lab.OpListen:
					listener = e.Conn
				case e.Side == lab.Server && e.Op == lab.OpAccept:
					accepts++
					if firstAccept == 0 {
						firstAccept = e.Seq
					}
					if a.key != "server.drain" {
						t.Errorf("accept %d announced with %s (%q)", accepts, a.key, a.note)
					}
				case e.Side == lab.Server && e.Op == lab.OpClose:
					if stop := a.key == "server.stop-listening"; stop != (e.Conn == listener) || !stop && a.key != "server.close" {
						t.Errorf("close of #%d (listener #%d) announced with %s (%q)", e.Conn, listener, a.key, a.note)
					}
				case e.Side == lab.Client && e.Op == lab.OpSend:
					greets++
					if a.key != "client.greet" {
						t.Errorf("[%s] send announced with %s (%q)", e.Who, a.key, a.note)
					}
				case e.Side == lab.Client && e.Op == lab.OpConnect:
					if e.Errno == "timeout" {
						timedOut++
					}
					if a.key != "client.connect" {
						t.Errorf("[%s] connect announced with %s (%q)", e.Who, a.key, a.note)
					}
				}
			}
			for _, a := range anns {
				if a.e.Side == lab.Client && a.e.Op == lab.OpSend && a.e.Seq > firstAccept {
					t.Errorf("[%s] greeting sent after the first accept", a.e.Who)
				}
			}
			if accepts != fits || greets != fits || timedOut != p.Int("clients")-fits {
				t.Errorf("%d accepts, %d greetings, %d connects timed out; want %d, %d, %d",
					accepts, greets, timedOut, fits, fits, p.Int("clients")-fits)
			}

			// The "no answer" note is a fork's own: one after each
			// connect that timed out, none for a client that got in. It
			// is found by its step, hang, and its fork, not its words.
			res := runDemo(t, d, lab.Options{}, sets...)
			hung := map[string]bool{}
			for _, e := range res.Trace {
				if e.Side == lab.Client && e.Op == lab.OpConnect && e.Errno == "timeout" {
					hung[e.Who] = true
				}
			}
			noted := map[string]int{}
			for _, e := range res.Trace.Step("hang") {
				noted[e.Who]++
				if e.Op != lab.OpNote || !e.Key || !hung[e.Who] {
					t.Errorf("[%s] %s %q: a hang note for a client whose connect did not time out", e.Who, e.Op, e.Text.En)
				}
			}
			for who := range hung {
				if noted[who] != 1 {
					t.Errorf("[%s] connect timed out, %d hang notes", who, noted[who])
				}
			}
			if len(hung) != p.Int("clients")-fits {
				t.Errorf("%d connects timed out, want %d", len(hung), p.Int("clients")-fits)
			}
		})
	}
}
