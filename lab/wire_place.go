package lab

// Placing captured packets among the calls: which go right before or
// after the call being recorded, which wait for the watcher, and how a
// packet becomes an event of its connection.

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"socketlab/lab/capture"
)

// around returns the packets of e's socket queued by now, as events to
// record right before e (those sent before its call began: a timer's, a
// segment Nagle held back) and right after it (those its call caused):
// what its socket sent, and the other end's answers that carry nothing of
// their own (an ACK, the SYN-ACK). The other end's data, FIN or RST are its
// own call's, when the lab traces it: they wait for that call, or for the
// watcher.
func (w *wire) around(e Event) (before, after []Event) {
	if w.cap == nil {
		return nil, nil
	}
	w.pull()
	k := w.tuple[e.Conn]
	// What a side reads or notes about its socket (its TCP state, the
	// kernel's counts, a note such as "11 bytes wait") comes after the
	// packets that made it so; it caused none of them.
	reading := !e.Op.IsCall() && e.Side != Wire && (e.Op == OpTCPInfo || e.Op == OpSegments || e.Op == OpNote)
	if k == "" || !e.Op.IsCall() && !reading {
		return nil, nil
	}
	local, peer, _ := strings.Cut(k, ">")
	_, peerTraced := w.ends[peer+">"+local]
	if _, ok := w.lsn[peer]; ok {
		peerTraced = true // its accept() is on its way
	}
	// The packets of this connection, in the order they were captured, up
	// to the first that is the other end's own (its data, FIN or RST, when
	// the lab traces it) sent while that end is in the call that sent it:
	// that one and those after it wait for its call, so nothing is drawn
	// out of order. One the other end's kernel sent on its own, after its
	// call returned (Nagle's held bytes, leaving when the ACK came), is
	// drawn now, before what it brought.
	keep := w.wait[:0]
	blocked := false
	for _, p := range w.wait {
		s, d := p.Src.String(), p.Dst.String()
		ours := s == local && d == peer || s == peer && d == local
		theirs := s == peer && peerTraced && (p.PayloadLen > 0 || p.Flags.Has(capture.FIN) || p.Flags.Has(capture.RST)) && w.inCall(p)
		if ours && theirs {
			blocked = true
		}
		switch {
		case !ours || blocked:
			keep = append(keep, p)
		case reading || !e.began.IsZero() && p.Time.Before(e.began):
			before = append(before, w.event(p, ""))
		default:
			after = append(after, w.event(p, cause(e)))
		}
	}
	w.wait = keep
	w.writePcap(false)
	return before, after
}

// due returns the packets that waited wireGrace (all with all), as events.
func (w *wire) due(all bool) []Event {
	if w.cap == nil {
		return nil
	}
	w.pull()
	var out []Event
	keep := w.wait[:0]
	now := time.Now()
	for _, p := range w.wait {
		if all || now.Sub(p.Time) >= wireGrace && !w.dialing(p) && !w.inCall(p) {
			out = append(out, w.event(p, ""))
		} else {
			keep = append(keep, p)
		}
	}
	w.wait = keep
	w.writePcap(all)
	return out
}

// writePcap writes the recorded packets that no packet still waiting was
// captured before (all of them with all), in the order they were captured.
func (w *wire) writePcap(all bool) {
	if w.pcap == nil || len(w.pcapQ) == 0 {
		return
	}
	slices.SortStableFunc(w.pcapQ, func(a, b pcapItem) int { return a.p.Time.Compare(b.p.Time) })
	n := len(w.pcapQ)
	if !all {
		for _, p := range w.wait {
			n = min(n, sort.Search(len(w.pcapQ), func(i int) bool { return !w.pcapQ[i].p.Time.Before(p.Time) }))
		}
	}
	for _, it := range w.pcapQ[:n] {
		w.pcap.WritePacket(&it.p, it.way, it.cause)
	}
	w.pcapQ = append(w.pcapQ[:0], w.pcapQ[n:]...)
}

// inCall reports whether p's sender is inside the call that sent it.
func (w *wire) inCall(p capture.Packet) bool {
	from, ok := w.ends[p.Src.String()+">"+p.Dst.String()]
	return ok && w.sending != nil && w.sending(from.side, from.who)
}

// dialing reports whether p belongs to a handshake whose connect() is not
// recorded yet: it goes under that connect(), however long its side is
// kept from recording it.
func (w *wire) dialing(p capture.Packet) bool {
	if w.pending(p) {
		return true
	}
	s, d := p.Src.String(), p.Dst.String()
	if _, known := w.ends[s+">"+d]; known {
		return false
	}
	if _, known := w.ends[d+">"+s]; known {
		return false
	}
	return w.dials[d] > 0 || w.dials[s] > 0
}

// cause names a call as a pcapng comment does: "client #3 send() 5 bytes".
func cause(e Event) string {
	s := fmt.Sprintf("%s #%d %s", e.Side, e.Conn, e.Call)
	if e.Who != "" {
		s = fmt.Sprintf("%s [%s] #%d %s", e.Side, e.Who, e.Conn, e.Call)
	}
	if e.Op.IsData() {
		s += fmt.Sprintf(" %d bytes", e.N)
	}
	return s
}

// event is a packet as a trace event, placed in its connection.
func (w *wire) event(p capture.Packet, cause string) Event {
	seg := w.track.Track(&p)
	src, dst := p.Src.String(), p.Dst.String()
	from, to := w.ends[src+">"+dst], w.ends[dst+">"+src]
	// Before accept() returns, a connection's server end is its listener's
	// (its role; the socket accept() will return has no number yet).
	if l, ok := w.lsn[src]; ok && from.side == "" {
		from = sockRef{side: l.side, who: l.who}
	}
	if l, ok := w.lsn[dst]; ok && to.side == "" {
		to = sockRef{side: l.side, who: l.who}
	}
	dir := "c2s"
	if seg.From == capture.Server {
		dir = "s2c"
	}
	pi := &PacketInfo{Proto: strings.ToLower(p.Proto.String()), Src: src, Dst: dst, From: from.side, To: to.side, Dir: dir,
		PeerConn: to.id, Seq: seg.Seq, Ack: seg.Ack, Len: p.PayloadLen, Win: seg.Win, TS: p.Time,
		Net: p.Net, Transport: p.Transport, Payload: p.Payload, Cause: cause}
	if p.Proto == capture.TCP {
		pi.Flags, pi.Opts, pi.Retrans = p.Flags.String(), p.Options.String(), seg.Retrans
	}
	who := from.who
	if who == "" {
		who = to.who
	}
	if w.pcap != nil {
		way := capture.DirInbound // as the client's end sees it
		if dir == "c2s" {
			way = capture.DirOutbound
		}
		w.pcapQ = append(w.pcapQ, pcapItem{p, way, cause})
	}
	return Event{Side: Wire, Op: OpPacket, Conn: from.id, Who: who, N: p.PayloadLen, Packet: pi}
}
