package demos

import (
	"fmt"
	"strings"
	"time"

	"socketlab/lab"
)

// Packet findings: with --packets and the privilege to capture, the trace
// has the segments the kernel sent (op packet, side wire) and a finding
// can say what crossed the wire; without them these helpers find nothing
// and the findings that need packets are not made (demos 2, 4, 9, 12) or
// say what they read instead (demo 17).

// captured reports whether the trace has captured packets.
func captured(t lab.Trace) bool {
	for _, e := range t {
		if e.Op == lab.OpPacket && e.Packet != nil {
			return true
		}
	}
	return false
}

// connPackets are the packets sent by or to socket id, in trace order.
func connPackets(t lab.Trace, id int) lab.Trace {
	if id == 0 {
		return nil
	}
	return t.Filter(func(e lab.Event) bool {
		return e.Op == lab.OpPacket && e.Packet != nil && (e.Conn == id || e.Packet.PeerConn == id)
	})
}

// firstPacket is the first of pk with exactly these flags going dir
// ("c2s", "s2c"), or a zero event.
func firstPacket(pk lab.Trace, flags, dir string) lab.Event {
	for _, e := range pk {
		if e.Packet.Flags == flags && e.Packet.Dir == dir {
			return e
		}
	}
	return lab.Event{}
}

// hasFlag reports whether a packet's flags ("FIN, ACK") include flag.
func hasFlag(e lab.Event, flag string) bool {
	if e.Packet == nil {
		return false
	}
	for _, f := range strings.Split(e.Packet.Flags, ", ") {
		if f == flag {
			return true
		}
	}
	return false
}

// msBetween writes the time between two capture stamps in milliseconds:
// one decimal, three below 1 ms (loopback answers in microseconds).
func msBetween(from, to lab.Event) string {
	ms := float64(to.Packet.TS.Sub(from.Packet.TS)) / float64(time.Millisecond)
	if ms < 1 {
		return fmt.Sprintf("%.3f", ms)
	}
	return fmt.Sprintf("%.1f", ms)
}

// flagsOf is a packet's TCP flags, "no RST" where none was captured.
func flagsOf(e lab.Event) string {
	if e.Packet == nil {
		return "no RST"
	}
	return e.Packet.Flags
}
