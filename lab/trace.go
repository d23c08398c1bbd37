package lab

import (
	"fmt"
	"strings"
)

// Trace is the list of events of one run, in seq order.
type Trace []Event

// Filter returns the events for which keep is true.
func (t Trace) Filter(keep func(Event) bool) Trace {
	n := 0 // counted first: a trace of a long run is megabytes, so no slice grows by doubling
	for _, e := range t {
		if keep(e) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make(Trace, 0, n)
	for _, e := range t {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// Calls returns the successful events of one side and kind.
func (t Trace) Calls(side Role, op Op) Trace {
	return t.Filter(func(e Event) bool { return e.Side == side && e.Op == op && e.Err == "" })
}

// Step returns the events the demo named step (Side.Step, Side.Key).
func (t Trace) Step(step string) Trace {
	return t.Filter(func(e Event) bool { return e.Step == step })
}

// Last returns the last event, or the zero Event when t is empty.
func (t Trace) Last() Event {
	if len(t) == 0 {
		return Event{}
	}
	return t[len(t)-1]
}

// Bytes joins the data of the events.
func (t Trace) Bytes() []byte {
	var b []byte
	for _, e := range t {
		b = append(b, e.Data...)
	}
	return b
}

// CallCount is how many calls the events stand for: an event that stands
// for a long run of like calls (Event.Calls) counts them all.
func (t Trace) CallCount() int {
	n := 0
	for _, e := range t {
		n += max(e.Calls, 1)
	}
	return n
}

// Moved is how many bytes the events moved.
func (t Trace) Moved() int64 {
	var n int64
	for _, e := range t {
		n += int64(e.N)
	}
	return n
}

// Counts returns each event's N.
func (t Trace) Counts() []int {
	out := make([]int, len(t))
	for i, e := range t {
		out[i] = e.N
	}
	return out
}

// Ops returns the op names of the events, for checking a call sequence.
func (t Trace) Ops() []string {
	out := make([]string, len(t))
	for i, e := range t {
		out[i] = e.Op.String()
	}
	return out
}

// OutOfOrder lists the places where the trace shows an effect before its
// cause: a TCP recv listed before the peer's sends of its bytes (unless
// that send waited for this very reader, see Event.Waited), an EOF
// before the peer's close or shutdown, an accept before its connect. The
// lab records in causal order, so for a run of two traced sides the list is
// empty; tests use it to prove that.
func (t Trace) OutOfOrder() []string {
	key := map[int]string{}   // socket id → "local>peer"
	byKey := map[string]int{} // "local>peer" → socket id
	for _, e := range t {
		if (e.Op == OpConnect || e.Op == OpAccept) && e.Err == "" && e.Local != "" {
			key[e.Conn] = e.Local + ">" + e.Peer
			byKey[e.Local+">"+e.Peer] = e.Conn
		}
	}
	peerOf := func(id int) (int, bool) {
		k, ok := key[id]
		if !ok {
			return 0, false
		}
		local, peer, _ := strings.Cut(k, ">")
		p, ok := byKey[peer+">"+local]
		return p, ok
	}
	// A send that waited for its peer to read returns only after the peer
	// has read part of it: those reads rightly come first in the trace.
	type span struct{ from, to int64 }
	waited := map[int][]span{}
	for _, e := range t {
		if e.Waited {
			waited[e.Conn] = append(waited[e.Conn], span{e.Offset, e.Offset + int64(e.N)})
		}
	}
	inWaited := func(conn int, end int64) bool {
		for _, s := range waited[conn] {
			if s.from < end && end <= s.to {
				return true
			}
		}
		return false
	}
	var out []string
	sent := map[int]int64{}
	closed := map[int]bool{}
	connected := map[int]bool{}
	for _, e := range t {
		switch e.Op {
		case OpSend, OpSendAll:
			sent[e.Conn] += int64(e.N)
		case OpClose, OpShutdown:
			closed[e.Conn] = true
		case OpConnect:
			connected[e.Conn] = true
		case OpAccept:
			if p, ok := peerOf(e.Conn); ok && !connected[p] {
				out = append(out, fmt.Sprintf("seq %d: accept listed before the connect of #%d", e.Seq, p))
			}
		case OpRecv:
			p, ok := peerOf(e.Conn)
			switch {
			case !ok || e.Err != "":
			case e.N > 0 && sent[p] < e.Offset+int64(e.N) && !inWaited(p, e.Offset+int64(e.N)):
				out = append(out, fmt.Sprintf("seq %d: recv of bytes up to %d listed before #%d sent them (%d so far)", e.Seq, e.Offset+int64(e.N), p, sent[p]))
			case e.N == 0 && !closed[p]:
				out = append(out, fmt.Sprintf("seq %d: EOF listed before #%d closed", e.Seq, p))
			}
		}
	}
	return out
}
