package demos

import (
	"os"
	"slices"
	"testing"

	"socketlab/lab"
	"socketlab/lab/capture"
)

// The test helpers the demos' tests share for editing a trace to see a
// finding fail, and for packet capture. Running a demo many times is
// repeatDemo, in repeat_test.go.

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
