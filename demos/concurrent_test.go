package demos

import (
	"fmt"
	"testing"

	"socketlab/lab"
)

// TestConcurrentEveryRun runs demo 11 fifty times in each mode: the serial
// server must always keep the second client waiting, the goroutine server
// must always answer every client while all are connected.
func TestConcurrentEveryRun(t *testing.T) {
	for _, mode := range []string{"serial", "goroutines", "both"} {
		t.Run(mode, func(t *testing.T) {
			n, short := 50, 3
			if mode == "both" {
				n, short = 10, 1
			}
			repeatDemo(t, "concurrent", n, repeat{Sets: []string{"mode=" + mode, "clients=3"}, Short: short, Dump: true,
				Check: func(_ int, res lab.Result) error {
					if len(res.Findings) < 2 {
						return fmt.Errorf("findings %v", res.Findings)
					}
					return nil
				}})
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
