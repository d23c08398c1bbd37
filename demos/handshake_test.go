package demos

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"socketlab/lab"
)

// handshakeSources are the ways demo 17 checks its findings: from
// captured packets, from TCP states beside the TCP_INFO fallback of
// --packets, and from TCP states alone (no --packets).
var handshakeSources = []struct {
	name    string
	opt     lab.Options
	packets bool // the findings must read captured packets
}{
	{"capture", lab.Options{Packets: true}, true},
	{"fallback", lab.Options{Packets: true, NoCapture: true}, false},
	{"states", lab.Options{}, false},
}

// handshakeRuns are the runs of demo 17 that read their findings from the
// source asked for: every finding holds, in its place, every time.
func handshakeRuns(opt lab.Options, packets bool, sets ...string) repeat {
	return repeat{Sets: sets, Opt: opt, InOrder: true,
		IDs: []string{"handshake", "close-first", "eof", "close-second", "time-wait", "refused", "restart"},
		Check: func(_ int, res lab.Result) error {
			if got := captured(res.Trace); got != packets {
				return fmt.Errorf("captured packets %v, want %v", got, packets)
			}
			return nil
		}}
}

// TestHandshake100 runs demo 17 100 times from each source, and every
// knob setting a few times: the handshake before accept(), the four
// segments of the close, TIME_WAIT, the refused connect and the restart
// are forced by barriers and must show every run.
func TestHandshake100(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the TCP states come from Linux's TCP_INFO and /proc/net/tcp")
	}
	for _, src := range handshakeSources {
		t.Run(src.name, func(t *testing.T) {
			if src.packets {
				needCapture(t)
			}
			repeatDemo(t, "handshake", 100, handshakeRuns(src.opt, src.packets))
			for _, sets := range [][]string{
				{"closer=server", "reuse=on"}, {"closer=client", "reuse=off"}, {"closer=client", "reuse=on"},
			} {
				repeatDemo(t, "handshake", 5, handshakeRuns(src.opt, src.packets, sets...))
			}
		})
	}
}

// TestHandshakeRestart: the knobs decide the restart, and the trace shows
// it: EADDRINUSE only when the server closed first without SO_REUSEADDR,
// and then a TIME_WAIT on the server's side of the port.
func TestHandshakeRestart(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux's TIME_WAIT rules")
	}
	for _, c := range []struct {
		sets   []string
		failed bool
		tw     lab.Role
	}{
		{[]string{"closer=server", "reuse=off"}, true, lab.Server},
		{[]string{"closer=server", "reuse=on"}, false, lab.Server},
		{[]string{"closer=client", "reuse=off"}, false, lab.Client},
		{[]string{"closer=client", "reuse=on"}, false, lab.Client},
	} {
		t.Run(strings.Join(c.sets, ","), func(t *testing.T) {
			res := repeatDemo(t, "handshake", 1, handshakeRuns(lab.Options{}, false, c.sets...))
			r := res.Trace.Step("restart")
			if len(r) != 1 || (r[0].Errno == "EADDRINUSE") != c.failed {
				t.Fatalf("restart %v, want failed=%v", r, c.failed)
			}
			var tw []lab.Role
			for _, e := range res.Trace {
				if e.Op == lab.OpTCPInfo && e.Packet != nil && e.Packet.State == "TIME_WAIT" {
					tw = append(tw, e.Side)
				}
			}
			if len(tw) != 1 || tw[0] != c.tw {
				t.Errorf("TIME_WAIT read on %v, want on the %s only", tw, c.tw)
			}
			reuse := 0
			for _, e := range res.Trace {
				if e.Op == lab.OpSetOpt && strings.Contains(e.Call, "SO_REUSEADDR") {
					reuse++
				}
			}
			if want := map[bool]int{true: 2, false: 0}[slices.Contains(c.sets, "reuse=on")]; reuse != want {
				t.Errorf("%d setsockopt(SO_REUSEADDR), want %d", reuse, want)
			}
		})
	}
}

// mutation changes a copy of a good run's trace so that one finding must
// no longer hold.
type mutation struct {
	id     string
	change func(tr *lab.Trace) bool // reports whether it found what to change
}

// isState selects TCP state readings of role r showing state.
func isState(r lab.Role, state string) func(lab.Event) bool {
	return func(e lab.Event) bool {
		return e.Op == lab.OpTCPInfo && e.Side == r && e.Packet != nil && e.Packet.State == state
	}
}

// TestHandshakeFindingsCanFail: each finding of demo 17, read from packets
// and from TCP states, turns ✗ when the trace lacks what it claims: a
// finding that cannot fail would prove nothing.
func TestHandshakeFindingsCanFail(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the TCP states come from Linux")
	}
	d, _ := Lookup("handshake")
	p, _ := lab.ParseParams(d.Knobs, nil)
	// closer=server: the server closes first, the client second.
	packetCases := []mutation{
		{"handshake", func(tr *lab.Trace) bool { return drop(tr, isPacket("SYN, ACK", "s2c")) }},
		{"close-first", func(tr *lab.Trace) bool {
			return edit(*tr, isPacket("ACK", "c2s"), func(e *lab.Event) { e.Packet.Ack = 0 })
		}},
		{"close-second", func(tr *lab.Trace) bool {
			return edit(*tr, isPacket("FIN, ACK", "c2s"), func(e *lab.Event) { e.Packet.Flags = "ACK" })
		}},
		{"refused", func(tr *lab.Trace) bool {
			return edit(*tr, isPacket("RST, ACK", "s2c"), func(e *lab.Event) { e.Packet.Flags = "ACK" })
		}},
	}
	// Without packets the handshake is read from the client's state.
	noPacketCases := []mutation{
		{"handshake", func(tr *lab.Trace) bool {
			return edit(*tr, isState(lab.Client, "ESTABLISHED"), func(e *lab.Event) { e.Packet.State = "SYN_SENT" })
		}},
	}
	stateCases := []mutation{
		{"close-first", func(tr *lab.Trace) bool {
			return edit(*tr, isState(lab.Server, "FIN_WAIT2"), func(e *lab.Event) { e.Packet.State = "FIN_WAIT1" })
		}},
		{"close-first", func(tr *lab.Trace) bool {
			return edit(*tr, isState(lab.Client, "CLOSE_WAIT"), func(e *lab.Event) { e.Packet.State = "ESTABLISHED" })
		}},
		{"close-second", func(tr *lab.Trace) bool {
			return edit(*tr, isState(lab.Client, "CLOSE"), func(e *lab.Event) { e.Packet.State = "ESTABLISHED" })
		}},
		{"time-wait", func(tr *lab.Trace) bool {
			return edit(*tr, isState(lab.Server, "TIME_WAIT"), func(e *lab.Event) { e.Packet.State = "CLOSE" })
		}},
	}
	anyCases := []mutation{
		{"handshake", func(tr *lab.Trace) bool {
			// accept() returned before connect(): the order proves nothing.
			return edit(*tr, isStep("accept-later"), func(e *lab.Event) { e.Seq = 1 })
		}},
		{"eof", func(tr *lab.Trace) bool { return edit(*tr, isStep("read-eof"), func(e *lab.Event) { e.N = 5 }) }},
		{"refused", func(tr *lab.Trace) bool {
			return edit(*tr, isStep("refused"), func(e *lab.Event) { e.Errno = "timeout" })
		}},
		{"restart", func(tr *lab.Trace) bool {
			return edit(*tr, isStep("restart"), func(e *lab.Event) { e.Errno, e.Err = "", "" })
		}},
		{"close-first", func(tr *lab.Trace) bool {
			return edit(*tr, isStep("close-first"), func(e *lab.Event) { e.Side = lab.Client })
		}},
	}
	for _, src := range handshakeSources {
		t.Run(src.name, func(t *testing.T) {
			if src.packets {
				needCapture(t)
			}
			good := repeatDemo(t, "handshake", 1, handshakeRuns(src.opt, src.packets)).Trace
			cases := append(slices.Clone(anyCases), stateCases...)
			if src.packets {
				cases = append(cases, packetCases...)
			} else {
				cases = append(cases, noPacketCases...)
			}
			for _, c := range cases {
				tr := slices.Clone(good)
				if !c.change(&tr) {
					t.Errorf("%s: nothing in the trace to change", c.id)
					continue
				}
				for _, f := range handshakeFindings(tr, p) {
					if f.ID == c.id && f.OK {
						t.Errorf("%s still holds on a trace without what it claims: %s", c.id, f.Text.En)
					}
				}
			}
		})
	}
}
