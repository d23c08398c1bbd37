package capture

import (
	"fmt"
	"strings"
	"time"
)

// State is a TCP socket's state, numbered as Linux numbers them
// (include/net/tcp_states.h, tcpi_state, the st column of /proc/net/tcp).
type State uint8

// The TCP states.
const (
	Established State = 1 + iota
	SynSent
	SynRecv
	FinWait1
	FinWait2
	TimeWait
	Closed
	CloseWait
	LastAck
	Listen
	Closing
	NewSynRecv
)

var stateNames = [...]string{
	Established: "ESTABLISHED",
	SynSent:     "SYN_SENT",
	SynRecv:     "SYN_RECV",
	FinWait1:    "FIN_WAIT1",
	FinWait2:    "FIN_WAIT2",
	TimeWait:    "TIME_WAIT",
	Closed:      "CLOSE",
	CloseWait:   "CLOSE_WAIT",
	LastAck:     "LAST_ACK",
	Listen:      "LISTEN",
	Closing:     "CLOSING",
	NewSynRecv:  "NEW_SYN_RECV",
}

// String is the kernel's name of the state: "ESTABLISHED", "FIN_WAIT1",
// "CLOSE_WAIT", "TIME_WAIT"… (ss writes them with hyphens).
func (s State) String() string {
	if int(s) < len(stateNames) && stateNames[s] != "" {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// Info is a snapshot of what the kernel knows of one TCP socket
// (TCP_INFO): without capture privilege, the differences between two
// snapshots around a call are what the lab can show of the segments it
// caused.
type Info struct {
	State        State
	Retransmits  uint8  // timeouts in a row without progress (tcpi_retransmits)
	Options      uint8  // TCPI_OPT_* bits: 1 timestamps, 2 SACK, 4 window scale, 8 ECN
	SndWScale    uint8  // shift the peer announced: the windows it advertises are scaled by it
	RcvWScale    uint8  // shift we announced: the windows we advertise are scaled by it
	SndMSS       uint32 // largest segment we send
	RcvMSS       uint32 // largest segment seen from the peer (an estimate)
	Unacked      uint32 // segments sent and not yet acknowledged
	Lost         uint32
	Retrans      uint32 // segments being retransmitted now
	TotalRetrans uint32 // retransmitted segments over the connection's life

	RTT, RTTVar time.Duration // smoothed round-trip time and its variation
	RTO, ATO    time.Duration // retransmission and delayed-ACK timeouts
	SndCwnd     uint32        // congestion window, in segments
	SndWnd      uint32        // the peer's receive window as last advertised, scaled
	RcvWnd      uint32        // our receive window as last advertised, scaled
	Unsent      uint32        // bytes written and not yet sent (tcpi_notsent_bytes)

	SegsOut, SegsIn         uint32 // segments sent and received, with or without data
	DataSegsOut, DataSegsIn uint32 // segments that carried data
	BytesSent               uint64 // payload bytes sent, retransmissions included
	BytesRetrans            uint64
	BytesAcked              uint64 // payload bytes the peer acknowledged
	BytesReceived           uint64 // payload bytes received in order
}

// Delta is what changed between two snapshots of one socket.
type Delta struct {
	From, To                State
	SegsOut, SegsIn         int64
	DataSegsOut, DataSegsIn int64
	BytesSent, BytesAcked   int64
	BytesReceived           int64
	Retrans                 int64 // TotalRetrans
	BytesRetrans            int64
	RTT                     time.Duration // the RTT after (To's), when it changed; 0 if not
}

// Diff returns what changed from before to after.
func Diff(before, after Info) Delta {
	d := Delta{
		From:          before.State,
		To:            after.State,
		SegsOut:       int64(after.SegsOut) - int64(before.SegsOut),
		SegsIn:        int64(after.SegsIn) - int64(before.SegsIn),
		DataSegsOut:   int64(after.DataSegsOut) - int64(before.DataSegsOut),
		DataSegsIn:    int64(after.DataSegsIn) - int64(before.DataSegsIn),
		BytesSent:     int64(after.BytesSent - before.BytesSent),
		BytesAcked:    int64(after.BytesAcked - before.BytesAcked),
		BytesReceived: int64(after.BytesReceived - before.BytesReceived),
		Retrans:       int64(after.TotalRetrans) - int64(before.TotalRetrans),
		BytesRetrans:  int64(after.BytesRetrans - before.BytesRetrans),
	}
	if after.RTT != before.RTT {
		d.RTT = after.RTT
	}
	return d
}

// Zero reports whether nothing changed.
func (d Delta) Zero() bool { return d == Delta{From: d.From, To: d.From} }

// String says what changed, e.g. "ESTABLISHED → CLOSE_WAIT, 1 segment in"
// or "1 data segment out (5 bytes), 5 bytes acked"; "no change".
func (d Delta) String() string {
	var parts []string
	if d.From != d.To {
		parts = append(parts, fmt.Sprintf("%v → %v", d.From, d.To))
	}
	add := func(n int64, one, many string) {
		if n == 0 {
			return
		}
		w := many
		if n == 1 || n == -1 {
			w = one
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, w))
	}
	if d.DataSegsOut != 0 {
		add(d.DataSegsOut, "data segment out", "data segments out")
		parts[len(parts)-1] += fmt.Sprintf(" (%d bytes)", d.BytesSent)
	}
	add(d.SegsOut-d.DataSegsOut, "other segment out", "other segments out")
	add(d.DataSegsIn, "data segment in", "data segments in")
	if d.DataSegsIn != 0 {
		parts[len(parts)-1] += fmt.Sprintf(" (%d bytes)", d.BytesReceived)
	}
	add(d.SegsIn-d.DataSegsIn, "other segment in", "other segments in")
	add(d.BytesAcked, "byte acked", "bytes acked")
	add(d.Retrans, "retransmission", "retransmissions")
	if d.RTT != 0 {
		parts = append(parts, fmt.Sprintf("rtt %v", d.RTT))
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, ", ")
}
