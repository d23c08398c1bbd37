package demos

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"socketlab/lab"
)

// repeat says how repeatDemo runs a demo and what every run must show. The
// zero value runs it with its defaults and requires each finding to hold.
type repeat struct {
	Sets  []string    // knob settings, "name=value"
	Opt   lab.Options // Params and Idle are filled in
	Short int         // runs with -short; 0 means 1
	At    int         // runs at once (runMany); 0 or 1: one after another

	// What every run must show. Without Want, every finding must hold.
	Want    map[string]bool                   // these findings exist and come out so; the others are not checked
	IDs     []string                          // the findings, exactly these in this order
	InOrder bool                              // the trace shows causes before effects
	Check   func(i int, res lab.Result) error // anything else, for run i (0-based)
	Dump    bool                              // log a failing run's trace
}

// repeatDemo runs the demo slug n times (r.Short times with -short) and
// fails the test at the first run that does not show what r asks for,
// naming the run and the knobs. It returns the last run's result.
func repeatDemo(t *testing.T, slug string, n int, r repeat) lab.Result {
	t.Helper()
	d, err := Lookup(slug)
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		n = max(r.Short, 1)
	}
	var results []lab.Result
	if r.At > 1 {
		results = runMany(t, d, r.Opt, n, r.At, r.Sets...)
	}
	var res lab.Result
	for i := range n {
		if r.At > 1 {
			res = results[i]
		} else {
			res = runDemo(t, d, r.Opt, r.Sets...)
		}
		if err := r.check(i, res); err != nil {
			if r.Dump {
				for _, e := range res.Trace {
					t.Logf("%d %s %s %s #%d n=%d err=%q %s", e.Seq, e.Side, e.Who, e.Op, e.Conn, e.N, e.Err, e.Name)
				}
			}
			knobs := strings.Join(r.Sets, " ")
			if knobs == "" {
				knobs = "defaults"
			}
			t.Fatalf("%s run %d of %d (%s): %v", slug, i+1, n, knobs, err)
		}
	}
	return res
}

// check is what one run must show, or why it does not.
func (r repeat) check(i int, res lab.Result) error {
	if len(res.Findings) == 0 {
		return errors.New("no findings")
	}
	var ids []string
	for _, f := range res.Findings {
		ids = append(ids, f.ID)
		if r.Want == nil && !f.OK {
			return fmt.Errorf("finding %s did not hold: %s", f.ID, f.Text.En)
		}
	}
	for id, ok := range r.Want {
		j := slices.Index(ids, id)
		if j < 0 {
			return fmt.Errorf("no finding %s in %v", id, ids)
		}
		if f := res.Findings[j]; f.OK != ok {
			return fmt.Errorf("finding %s ok = %v, want %v: %s", id, f.OK, ok, f.Text.En)
		}
	}
	if r.IDs != nil && !slices.Equal(ids, r.IDs) {
		return fmt.Errorf("findings %v, want %v", ids, r.IDs)
	}
	if r.InOrder {
		if bad := res.Trace.OutOfOrder(); len(bad) > 0 {
			return fmt.Errorf("effects before causes: %v", bad)
		}
	}
	if r.Check != nil {
		return r.Check(i, res)
	}
	return nil
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

// count is a repeat.Check: every run makes n findings.
func count(n int) func(int, lab.Result) error {
	return func(_ int, res lab.Result) error {
		if len(res.Findings) != n {
			return fmt.Errorf("%d findings, want %d", len(res.Findings), n)
		}
		return nil
	}
}

// TestRepeatCheck: each thing a repeat asks of a run fails a run that
// does not show it.
func TestRepeatCheck(t *testing.T) {
	held := lab.Result{Findings: []lab.Finding{{ID: "a", OK: true}, {ID: "b", OK: true}}}
	failed := lab.Result{Findings: []lab.Finding{{ID: "a", OK: true}, {ID: "b", OK: false}}}
	for _, c := range []struct {
		name string
		r    repeat
		res  lab.Result
		ok   bool
	}{
		{"all hold", repeat{}, held, true},
		{"one fails", repeat{}, failed, false},
		{"no findings", repeat{}, lab.Result{}, false},
		{"want it failed", repeat{Want: map[string]bool{"b": false}}, failed, true},
		{"want it held", repeat{Want: map[string]bool{"b": true}}, failed, false},
		{"want a missing one", repeat{Want: map[string]bool{"c": true}}, held, false},
		{"ids", repeat{IDs: []string{"a", "b"}}, held, true},
		{"ids in another order", repeat{IDs: []string{"b", "a"}}, held, false},
		{"ids missing one", repeat{IDs: []string{"a"}}, held, false},
		{"count", repeat{Check: count(2)}, held, true},
		{"count wrong", repeat{Check: count(3)}, held, false},
	} {
		if err := c.r.check(0, c.res); (err == nil) != c.ok {
			t.Errorf("%s: check = %v, want ok %v", c.name, err, c.ok)
		}
	}
}

// TestRepeatDemoRuns: repeatDemo runs the demo n times, one after another
// and k at a time, and r.Short times with -short.
func TestRepeatDemoRuns(t *testing.T) {
	for _, at := range []int{0, 3} {
		var seen []int
		repeatDemo(t, "tcp-basic", 7, repeat{At: at, Short: 2, Check: func(i int, _ lab.Result) error {
			seen = append(seen, i)
			return nil
		}})
		want := []int{0, 1, 2, 3, 4, 5, 6}
		if testing.Short() {
			want = []int{0, 1}
		}
		if !slices.Equal(seen, want) {
			t.Errorf("At %d: runs %v, want %v", at, seen, want)
		}
	}
}
