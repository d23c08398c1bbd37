package demos

import (
	"strings"
	"testing"

	"socketlab/lab"
)

// repeatFindings runs a demo n times (once with -short) and requires every
// finding to hold every time. It returns the last run's result.
func repeatFindings(t *testing.T, slug string, n int, sets ...string) lab.Result {
	t.Helper()
	d, err := Lookup(slug)
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		n = 1
	}
	var res lab.Result
	for i := range n {
		res = runDemo(t, d, lab.Options{}, sets...)
		if len(res.Findings) == 0 {
			t.Fatal("no findings")
		}
		for _, f := range res.Findings {
			if !f.OK {
				t.Fatalf("run %d of %d (%s): finding %s did not hold: %s", i+1, n, strings.Join(sets, " "), f.ID, f.Text.En)
			}
		}
	}
	return res
}

// findingOK returns whether the finding id held, failing the test if absent.
func findingOK(t *testing.T, res lab.Result, id string) bool {
	t.Helper()
	for _, f := range res.Findings {
		if f.ID == id {
			return f.OK
		}
	}
	t.Fatalf("no finding %s in %v", id, res.Findings)
	return false
}

func TestLoops100(t *testing.T) {
	res := repeatFindings(t, "loops", 100)
	// The broken loop's empty reads: exactly spinLimit, all without error.
	reads := serverConnReads(res.Trace)
	last := reads[len(reads)-1]
	if got := len(last); got != spinLimit+1 {
		t.Errorf("part 2 made %d recv calls, want %d", got, spinLimit+1)
	}
}

func TestLoopsKnobs(t *testing.T) {
	for _, sets := range [][]string{{"clients=1", "msgs=1"}, {"clients=10", "msgs=20"}, {"clients=2", "msgs=5"}} {
		repeatFindings(t, "loops", 3, sets...)
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
