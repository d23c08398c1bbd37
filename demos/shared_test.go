package demos

import (
	"os"
	"slices"
	"strings"
	"testing"

	"socketlab/lab"
	"socketlab/lab/capture"
)

// The test helpers the demos' tests share: running a demo many times,
// reading its findings, and editing a trace to see a finding fail.

// repeatDemo runs d n times (once with -short) and requires every finding
// to hold every time; inOrder also requires every trace to show causes
// before effects. It returns the last run's result. Every "run it N
// times" test goes through here, directly or by repeatFindings and
// repeatInOrder.
func repeatDemo(t *testing.T, d lab.Demo, n int, inOrder bool, sets ...string) lab.Result {
	t.Helper()
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
		if bad := res.Trace.OutOfOrder(); inOrder && len(bad) > 0 {
			t.Fatalf("run %d of %d: effects before causes: %v", i+1, n, bad)
		}
	}
	return res
}

// repeatFindings runs the demo called slug n times (once with -short) and
// requires every finding to hold every time.
func repeatFindings(t *testing.T, slug string, n int, sets ...string) lab.Result {
	t.Helper()
	d, err := Lookup(slug)
	if err != nil {
		t.Fatal(err)
	}
	return repeatDemo(t, d, n, false, sets...)
}

// repeatInOrder is repeatFindings that also requires every trace to show
// causes before effects.
func repeatInOrder(t *testing.T, slug string, n int, sets ...string) lab.Result {
	t.Helper()
	d, err := Lookup(slug)
	if err != nil {
		t.Fatal(err)
	}
	return repeatDemo(t, d, n, true, sets...)
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

// needCapture skips a test where this machine cannot capture packets,
// except in CI, which runs as root and must capture.
func needCapture(t *testing.T) {
	t.Helper()
	if sup := capture.Probe(); !sup.OK {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must be able to capture packets: %v", sup.Err)
		}
		t.Skipf("no packet capture here (%v): run as root to test it", sup.Err)
	}
}

// edit applies f to a copy of each event of tr that match selects (its
// Packet copied too), and reports whether any matched.
func edit(tr lab.Trace, match func(lab.Event) bool, f func(*lab.Event)) bool {
	found := false
	for i, e := range tr {
		if match(e) {
			if e.Packet != nil {
				p := *e.Packet
				e.Packet = &p
			}
			f(&e)
			tr[i] = e
			found = true
		}
	}
	return found
}

// drop removes the events match selects, and reports whether it did.
func drop(tr *lab.Trace, match func(lab.Event) bool) bool {
	n := len(*tr)
	*tr = slices.DeleteFunc(*tr, match)
	return len(*tr) < n
}

// isPacket selects captured packets with exactly these flags going dir.
func isPacket(flags, dir string) func(lab.Event) bool {
	return func(e lab.Event) bool {
		return e.Op == lab.OpPacket && e.Packet != nil && e.Packet.Flags == flags && e.Packet.Dir == dir
	}
}

// isStep selects the events named name.
func isStep(name string) func(lab.Event) bool {
	return func(e lab.Event) bool { return e.Step == name }
}
