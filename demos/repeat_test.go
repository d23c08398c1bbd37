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
			t.Fatalf("%s run %d of %d (%s): %v", slug, i+1, n, strings.Join(r.Sets, " "), err)
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
