package demos

import (
	"slices"
	"testing"

	"socketlab/lab"
)

// TestUdpEvidence: the key calls of demo 2 are the datagrams whose
// boundaries the findings are about, and each finding points at them: every
// small datagram (boundaries), the empty one (empty), and the big one only
// when it was cut (truncated).
func TestUdpEvidence(t *testing.T) {
	for _, c := range []struct {
		sets []string
		cut  bool // the big datagram is cut
	}{
		{nil, true},
		{[]string{"size=500"}, false},
		{[]string{"buf=1", "count=1"}, true},
		{[]string{"size=0"}, false},
	} {
		d, _ := Lookup("udp")
		res := runDemo(t, d, lab.Options{}, c.sets...)
		p, _ := lab.ParseParams(d.Knobs, c.sets)
		want := slices.Repeat([]string{"one-datagram"}, p.Int("count"))
		want = append(want, "empty-datagram")
		if c.cut {
			want = append(want, "big-datagram")
		}
		if got := steps(keyCalls(res.Trace)); !slices.Equal(got, want) {
			t.Errorf("%v: key calls %v, want %v", c.sets, got, want)
		}
		for _, e := range keyCalls(res.Trace) {
			if e.Side != lab.Server || e.Op != lab.OpRecvFrom {
				t.Errorf("%v: key event %s %s", c.sets, e.Side, e.Call)
			}
		}
		for id, want := range map[string]string{"boundaries": "one-datagram", "empty": "empty-datagram", "truncated": "big-datagram"} {
			keys := keyCalls(evidenceOf(t, res, id))
			if id == "truncated" && !c.cut {
				if len(keys) > 0 {
					t.Errorf("%v: truncated points at %v though nothing was cut", c.sets, steps(keys))
				}
				continue
			}
			if len(keys) == 0 || slices.ContainsFunc(keys, func(e lab.Event) bool { return e.Step != want }) {
				t.Errorf("%v: finding %s points at key calls %v, want %s", c.sets, id, steps(keys), want)
			}
		}
	}
}

// TestUdpNotesFollowTheirCalls: the step notes about the empty and the cut
// datagram are announced over those very calls, whatever count, size and
// buf make of the calls before them.
func TestUdpNotesFollowTheirCalls(t *testing.T) {
	d, _ := Lookup("udp")
	for _, sets := range [][]string{nil, {"count=1"}, {"count=5", "size=10"}, {"buf=1"}} {
		anns := announcements(t, d, sets...)
		var cut, empty, whole int
		for _, a := range anns {
			if a.e.Side != lab.Server || a.e.Op != lab.OpRecvFrom {
				continue
			}
			switch {
			case a.e.Step == "big-datagram":
				if a.key != "server.big-datagram" {
					t.Errorf("%v: the big datagram was announced with %s (%q)", sets, a.key, a.note)
				}
				if a.e.Trunc {
					cut++
				}
			case a.e.N == 0:
				empty++
				if a.key != "server.empty-datagram" {
					t.Errorf("%v: the empty datagram was announced with %s (%q)", sets, a.key, a.note)
				}
			default:
				whole++
				if a.key == "server.empty-datagram" {
					t.Errorf("%v: %s → %d bytes was announced with %s (%q)", sets, a.e.Call, a.e.N, a.key, a.note)
				}
			}
		}
		p, _ := lab.ParseParams(d.Knobs, sets)
		if empty != 1 || whole != p.Int("count")+1 || (cut == 1) != (p.Int("size") > p.Int("buf")) {
			t.Errorf("%v: %d empty, %d other and %d cut datagrams announced", sets, empty, whole, cut)
		}
	}
}

// TestUdpOverflow100: a server that does not read loses, every time, what
// its receive buffer cannot hold; the datagrams it got and the kernel's
// drop count add up to all that was sent (Linux), and the sender never hears.
func TestUdpOverflow100(t *testing.T) {
	res := repeatDemo(t, "udp", 100, repeat{Sets: []string{"mode=overflow"}})
	sent := len(res.Trace.Calls(lab.Client, lab.OpSendTo))
	got := len(res.Trace.Calls(lab.Server, lab.OpRecvFrom))
	if got == 0 || got >= sent {
		t.Errorf("%d of %d datagrams arrived: want some, not all", got, sent)
	}
}

// TestUdpRefused100: a connected UDP socket's recv after a send to a closed
// port raises ConnectionRefusedError, every time.
func TestUdpRefused100(t *testing.T) {
	res := repeatDemo(t, "udp", 100, repeat{Sets: []string{"mode=refused"}})
	if e := res.Trace.Step("refused"); len(e) != 1 || e[0].Errno != "ECONNREFUSED" {
		t.Errorf("the refused recv: %+v", e)
	}
}
