package demos

import (
	"runtime"
	"strings"
	"testing"

	"socketlab/lab"
)

func TestBacklog100(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the exact queue length is a Linux recipe (backlog+1, SYNs dropped when full)")
	}
	repeatFindings(t, "backlog", 100)
}

func TestBacklogKnobs(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux recipe")
	}
	for _, sets := range [][]string{{"backlog=0", "clients=3"}, {"backlog=3", "clients=6"}, {"backlog=8", "clients=16"}} {
		repeatFindings(t, "backlog", 5, sets...)
	}
	// Everyone fits in the queue: the hang cannot be shown, and the
	// finding says so with ✗.
	d, _ := Lookup("backlog")
	res := runDemo(t, d, lab.Options{}, "backlog=1", "clients=2")
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
		{"backlog=1", "clients=3"}, {"backlog=1", "clients=5"},
		{"backlog=2", "clients=3"}, {"backlog=2", "clients=5"},
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
					if !strings.Contains(a.note, "oldest connection off the queue") {
						t.Errorf("accept %d announced with %q", accepts, a.note)
					}
				case e.Side == lab.Server && e.Op == lab.OpClose:
					if stop := strings.Contains(a.note, "listening socket"); stop != (e.Conn == listener) {
						t.Errorf("close of #%d (listener #%d) announced with %q", e.Conn, listener, a.note)
					}
				case e.Side == lab.Client && e.Op == lab.OpSend:
					greets++
					if !strings.Contains(a.note, "before the server has accepted it") {
						t.Errorf("[%s] send announced with %q", e.Who, a.note)
					}
				case e.Side == lab.Client && e.Op == lab.OpConnect:
					if e.Errno == "timeout" {
						timedOut++
					}
					if !strings.Contains(a.note, "it is not refused") {
						t.Errorf("[%s] connect announced with %q", e.Who, a.note)
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
			// connect that timed out, none for a client that got in.
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
				if e.Op != lab.OpNote || !e.Key || !hung[e.Who] || !strings.Contains(e.Text.En, "Not refused") {
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
