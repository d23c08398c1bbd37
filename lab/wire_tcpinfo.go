package lab

// The wire without a capture: per call on a TCP socket, what the kernel's
// TCP_INFO says changed (OpTCPInfo events).

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"socketlab/lab/capture"
)

// tcpInfo is the fallback's event for a call on TCP socket c: what the
// kernel's TCP_INFO says changed since the last call on it, if anything.
func (w *wire) tcpInfo(c *Conn, closed bool) (Event, bool) {
	if w.cap != nil || c == nil {
		return Event{}, false
	}
	var info capture.Info
	if closed {
		la, lok := capture.AddrOf(c.c.LocalAddr())
		ra, rok := capture.AddrOf(c.c.RemoteAddr())
		// sock_diag is quick, and this runs under the recorder's lock: one
		// lookup, no second look as Conn.TCPState takes.
		sock, _, err := capture.Lookup(la, ra)
		if errors.Is(err, capture.ErrNoSocket) {
			sock.State, err = capture.Closed, nil
		}
		if !lok || !rok || err != nil {
			return Event{}, false
		}
		info.State = sock.State
	} else {
		tc := tcpConnOf(c.c)
		if tc == nil {
			return Event{}, false
		}
		var err error
		if info, err = capture.Snapshot(tc); err != nil {
			return Event{}, false
		}
	}
	before, seen := w.snaps[c.id]
	w.snaps[c.id] = info
	if closed {
		before.SegsOut, before.SegsIn, before.DataSegsOut, before.DataSegsIn = 0, 0, 0, 0
		if seen && before.State == info.State {
			return Event{}, false
		}
	}
	d := capture.Diff(before, info)
	if seen && d.Zero() {
		return Event{}, false
	}
	return Event{Side: Wire, Op: OpTCPInfo, Conn: c.id, Who: c.side.who, Text: deltaText(d, seen, closed),
		Packet: &PacketInfo{Proto: "tcp", From: c.side.Role, State: info.State.String()}}, true
}

// deltaText says what TCP_INFO says changed, in both languages.
func deltaText(d capture.Delta, seen, closed bool) Text {
	var en, zh []string
	if !seen || d.From != d.To {
		en = append(en, "state "+d.To.String())
		zh = append(zh, "状态 "+d.To.String())
	}
	if !closed {
		if n := d.SegsOut; n != 0 {
			en = append(en, fmt.Sprintf("%+d segments out (%+d with data)", n, d.DataSegsOut))
			zh = append(zh, fmt.Sprintf("发出报文段 %+d（其中带数据 %+d）", n, d.DataSegsOut))
		}
		if n := d.SegsIn; n != 0 {
			en = append(en, fmt.Sprintf("%+d segments in (%+d with data)", n, d.DataSegsIn))
			zh = append(zh, fmt.Sprintf("收到报文段 %+d（其中带数据 %+d）", n, d.DataSegsIn))
		}
		if d.Retrans != 0 {
			en = append(en, fmt.Sprintf("%+d retransmitted", d.Retrans))
			zh = append(zh, fmt.Sprintf("重传 %+d", d.Retrans))
		}
	}
	return T("TCP_INFO: "+strings.Join(en, ", "), "TCP_INFO："+strings.Join(zh, "，"))
}

// tcpConnOf finds the *net.TCPConn under the lab's wrappers.
func tcpConnOf(c net.Conn) *net.TCPConn {
	for {
		switch x := c.(type) {
		case *net.TCPConn:
			return x
		case *idleConn:
			c = x.Conn
		default:
			return nil
		}
	}
}

// recordTCPInfo records, without a capture, what TCP_INFO says changed on
// c around the call just recorded (closed: c was just closed).
func (r *Recorder) recordTCPInfo(c *Conn, closed bool) {
	if r.wire == nil || r.wire.cap != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.wire.tcpInfo(c, closed); ok {
		r.add(e, r.elapsed())
	}
}

// capturing reports whether the run captures packets. The wire is set
// before either side starts and never changes.
func (r *Recorder) capturing() bool { return r.wire != nil && r.wire.cap != nil }

// afterCall is what the wire does after a call on c is recorded.
func (c *Conn) afterCall(closed bool) { c.side.run.rec.recordTCPInfo(c, closed) }
