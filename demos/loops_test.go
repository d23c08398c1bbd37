package demos

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"socketlab/lab"
)

func TestLoops100(t *testing.T) {
	res := repeatDemo(t, "loops", 100, repeat{})
	// The broken loop's empty reads: exactly spinLimit, all without error.
	reads := serverConnReads(res.Trace)
	last := reads[len(reads)-1]
	if got := len(last); got != spinLimit+1 {
		t.Errorf("part 2 made %d recv calls, want %d", got, spinLimit+1)
	}
}

func TestLoopsKnobs(t *testing.T) {
	for _, sets := range [][]string{{"clients=1", "msgs=1"}, {"clients=10", "msgs=20"}, {"clients=2", "msgs=5"}} {
		repeatDemo(t, "loops", 3, repeat{Sets: sets})
	}
}

// TestLoopsFindingsCanFail feeds the findings a trace in which the server
// never saw empty (EOF) and accepted no second client: they must say ✗.
func TestLoopsFindingsCanFail(t *testing.T) {
	d, _ := Lookup("loops")
	p, _ := lab.ParseParams(d.Knobs, []string{"clients=1", "msgs=1"})
	tr := lab.Trace{
		{Seq: 1, Side: lab.Server, Op: lab.OpAccept, Conn: 2},
		{Seq: 2, Side: lab.Server, Op: lab.OpRecv, Conn: 2, N: 18, Data: loopsMessage(1, 1)},
		{Seq: 3, Side: lab.Server, Op: lab.OpRecv, Conn: 2, Err: "connection reset by peer"},
	}
	for _, f := range d.Findings(tr, p) {
		if f.OK {
			t.Errorf("finding %s held on a broken trace", f.ID)
		}
	}
}

// TestLoopsNotesFollowTheirCalls: whatever calls the clients and msgs knobs
// add, each note stays on its calls: the one about EOF and going back to
// accept() on every recv of part 1 that returned empty (EOF) and on no
// other call, the spin note on every empty read of the broken loop, and so
// on.
func TestLoopsNotesFollowTheirCalls(t *testing.T) {
	d, _ := Lookup("loops")
	for _, clients := range []int{1, 3} {
		for _, msgs := range []int{1, 4} {
			sets := []string{fmt.Sprintf("clients=%d", clients), fmt.Sprintf("msgs=%d", msgs)}
			t.Run(strings.Join(sets, ","), func(t *testing.T) {
				anns := announcements(t, d, sets...)
				var accepted []int // the server's sockets, in accept order
				for _, a := range anns {
					if a.e.Side == lab.Server && a.e.Op == lab.OpAccept {
						accepted = append(accepted, a.e.Conn)
					}
				}
				if len(accepted) != clients+1 {
					t.Fatalf("%d accepts, want %d", len(accepted), clients+1)
				}
				part1 := func(e lab.Event) bool { return e.Side == lab.Server && slices.Contains(accepted[:clients], e.Conn) }
				broken := func(e lab.Event) bool { return e.Side == lab.Server && e.Conn == accepted[clients] }
				for _, c := range []struct {
					key   string // of the note that belongs on the calls
					match func(lab.Event) bool
					calls int
				}{
					{"server.client-left", func(e lab.Event) bool { return part1(e) && isEOF(e) }, clients},
					{"server.recv", func(e lab.Event) bool { return e.Side == lab.Server && e.Op == lab.OpRecv && e.N > 0 }, clients*msgs + 1},
					{"server.close", func(e lab.Event) bool { return part1(e) && e.Op == lab.OpClose }, clients},
					{"server.broken-loop", func(e lab.Event) bool { return broken(e) && e.Op == lab.OpAccept }, 1},
					{"server.spin", func(e lab.Event) bool { return broken(e) && isEOF(e) }, spinLimit},
					{"server.echo-empty", func(e lab.Event) bool { return broken(e) && e.Op == lab.OpSend && e.N == 0 }, spinLimit},
					{"client.say-bye", func(e lab.Event) bool {
						return e.Side == lab.Client && e.Op == lab.OpSend && string(e.Data) == "bye"
					}, 1},
				} {
					n := 0
					for _, a := range anns {
						on, noted := c.match(a.e), a.key == c.key
						if on {
							n++
						}
						if on != noted {
							t.Errorf("%s #%d %s → %d bytes (err %q) was announced with %s (%q); the note %s belongs on it = %v",
								a.e.Side, a.e.Conn, a.e.Call, a.e.N, a.e.Err, a.key, a.note, c.key, on)
						}
					}
					if n != c.calls {
						t.Errorf("%d calls for the note %s, want %d", n, c.key, c.calls)
					}
				}
			})
		}
	}
}
