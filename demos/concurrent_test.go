package demos

import (
	"testing"

	"socketlab/lab"
)

// TestConcurrentEveryRun runs demo 11 fifty times in each mode: the serial
// server must always keep the second client waiting, the goroutine server
// must always answer every client while all are connected.
func TestConcurrentEveryRun(t *testing.T) {
	n := 50
	if testing.Short() {
		n = 3
	}
	d := concurrent()
	for _, mode := range []string{"serial", "goroutines", "both"} {
		t.Run(mode, func(t *testing.T) {
			runs := n
			if mode == "both" {
				runs = n / 5
			}
			for i := range runs {
				res := runDemo(t, d, lab.Options{}, "mode="+mode, "clients=3")
				if !res.OK {
					for _, e := range res.Trace {
						t.Logf("%d %s %s %s #%d n=%d err=%q %s", e.Seq, e.Side, e.Who, e.Op, e.Conn, e.N, e.Err, e.Name)
					}
				}
				if len(res.Findings) < 2 {
					t.Fatalf("run %d: findings %v", i+1, res.Findings)
				}
				for _, f := range res.Findings {
					if !f.OK {
						t.Fatalf("run %d: finding %s did not hold: %s", i+1, f.ID, f.Text.En)
					}
				}
			}
		})
	}
}

// TestConcurrentFindingsCanFail checks the findings against the other
// mode's trace: a serial run never shows all clients answered together, and
// it has no handler goroutines; one client shows neither phenomenon.
func TestConcurrentFindingsCanFail(t *testing.T) {
	d := concurrent()
	res := runDemo(t, d, lab.Options{}, "mode=serial", "clients=3")
	r, ok := concurrentPart(res.Trace, "serial", 3)
	if !ok {
		t.Fatal("serial part incomplete")
	}
	for _, f := range goroutineFindings(res.Trace, r, 3) {
		if f.OK {
			t.Errorf("goroutine finding %s holds on a serial trace: %s", f.ID, f.Text.En)
		}
	}

	res = runDemo(t, d, lab.Options{}, "mode=goroutines", "clients=3")
	r, ok = concurrentPart(res.Trace, "goroutines", 3)
	if !ok {
		t.Fatal("goroutines part incomplete")
	}
	for _, f := range serialFindings(r, 3) {
		if f.ID == "one-at-a-time" && f.OK {
			t.Errorf("serial finding %s holds on a goroutine trace: %s", f.ID, f.Text.En)
		}
	}

	res = runDemo(t, d, lab.Options{}, "clients=1")
	for _, f := range res.Findings {
		if f.ID != "handlers" && f.OK {
			t.Errorf("clients=1: finding %s holds: %s", f.ID, f.Text.En)
		}
	}
}
