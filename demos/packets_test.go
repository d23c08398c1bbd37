package demos

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"

	"socketlab/lab"
	"socketlab/lab/capture"
)

// packetCases are the demos that gain a "wire" finding read from captured
// packets, and a change to a good run's trace that must turn it ✗.
type packetCase struct {
	demo   string
	sets   []string
	runs   int
	mutate func(tr *lab.Trace) bool
}

var packetCases = []packetCase{
	{"udp", nil, 20, func(tr *lab.Trace) bool {
		// one datagram fewer on the wire than sendto() calls
		dropped := false
		return drop(tr, func(e lab.Event) bool {
			if !dropped && isPacket("", "c2s")(e) {
				dropped = true
				return true
			}
			return false
		})
	}},
	{"sticky", []string{"mode=nagle"}, 20, func(tr *lab.Trace) bool {
		// no ACK came back before the held bytes left
		return drop(tr, func(e lab.Event) bool {
			return e.Op == lab.OpPacket && e.Packet.Dir == "s2c" && e.Packet.Flags == "ACK" && e.Packet.Ack == 2
		})
	}},
	{"disconnect", nil, 20, func(tr *lab.Trace) bool {
		// a reset that was an orderly close
		return edit(*tr, isPacket("RST, ACK", "c2s"), func(e *lab.Event) { e.Packet.Flags = "FIN, ACK" })
	}},
	{"backlog", []string{"late=off"}, 10, func(tr *lab.Trace) bool {
		// a hung connect answered after all: its SYN comes back as an RST
		return edit(*tr, func(e lab.Event) bool {
			return e.Op == lab.OpPacket && e.Packet.Flags == "SYN" && e.Packet.Dir == "c2s" && e.Packet.PeerConn == 0
		}, func(e *lab.Event) { e.Packet.Dir, e.Packet.Flags = "s2c", "RST, ACK" })
	}},
}

// findingIDs are a run's finding ids, failing the test on one that does
// not hold.
func findingIDs(t *testing.T, res lab.Result, run int) []string {
	t.Helper()
	var ids []string
	for _, f := range res.Findings {
		ids = append(ids, f.ID)
		if !f.OK {
			t.Fatalf("run %d: finding %s did not hold: %s", run, f.ID, f.Text.En)
		}
	}
	return ids
}

// TestPacketFindings: with packets captured, demos 2, 4, 9 and 12 add a
// "wire" finding that holds every run; without a capture (the TCP_INFO
// fallback, or no --packets) it is absent, not failing, and the other
// findings are the same.
func TestPacketFindings(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("packets are captured on Linux only")
	}
	for _, c := range packetCases {
		t.Run(c.demo, func(t *testing.T) {
			d, err := Lookup(c.demo)
			if err != nil {
				t.Fatal(err)
			}
			var without []string
			for _, opt := range []lab.Options{{}, {Packets: true, NoCapture: true}} {
				ids := findingIDs(t, runDemo(t, d, opt, c.sets...), 1)
				if slices.Contains(ids, "wire") {
					t.Fatalf("a wire finding without captured packets: %v", ids)
				}
				without = ids
			}
			needCapture(t)
			p, _ := lab.ParseParams(d.Knobs, c.sets)
			repeatDemo(t, c.demo, c.runs, repeat{Sets: c.sets, Opt: lab.Options{Packets: true}, InOrder: true,
				Check: func(i int, res lab.Result) error {
					ids := findingIDs(t, res, i+1)
					if !slices.Contains(ids, "wire") || len(ids) != len(without)+1 {
						return fmt.Errorf("findings %v with packets, %v without", ids, without)
					}
					if i > 0 {
						return nil
					}
					// The wire finding can fail.
					tr := slices.Clone(res.Trace)
					if !c.mutate(&tr) {
						return errors.New("nothing in the trace to change")
					}
					for _, f := range d.Findings(tr, p) {
						if f.ID == "wire" && f.OK {
							return fmt.Errorf("wire still holds on a changed trace: %s", f.Text.En)
						}
					}
					return nil
				}})
		})
	}
}

// TestFindingsOnCutTraces: a run cut off anywhere (the watchdog, a quit)
// still gets its findings read without a panic, with packets and without.
func TestFindingsOnCutTraces(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("packets are captured on Linux only")
	}
	opts := []lab.Options{{Packets: true, NoCapture: true}}
	if capture.Probe().OK {
		opts = append(opts, lab.Options{Packets: true})
	}
	for _, c := range append(packetCases, packetCase{demo: "handshake"}, packetCase{demo: "backlog", sets: []string{"late=on"}}) {
		d, _ := Lookup(c.demo)
		p, _ := lab.ParseParams(d.Knobs, c.sets)
		for _, opt := range opts {
			good := runDemo(t, d, opt, c.sets...).Trace
			for i := range good {
				d.Findings(good[:i], p)
			}
		}
	}
}
