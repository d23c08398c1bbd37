package lab

import (
	"fmt"
	"time"
)

// Role says who made a call: one lane of the trace.
type Role string

// The roles of the JSON trace's "side" field.
const (
	Client Role = "client"
	Server Role = "server"
	Proxy  Role = "proxy"
	System Role = "lab"
)

// Name is the role as a learner reads it.
func (r Role) Name(l Lang) string {
	switch r {
	case Client:
		return T("client", "客户端").In(l)
	case Server:
		return T("server", "服务端").In(l)
	case Proxy:
		return T("proxy", "代理").In(l)
	}
	return T("lab", "实验台").In(l)
}

// Op is the kind of an event.
type Op int

// The kinds of events; their String values are the JSON trace's "op".
const (
	OpListen Op = iota + 1
	OpAccept
	OpConnect
	OpBind
	OpSend
	OpSendAll
	OpRecv
	OpSendTo
	OpRecvFrom
	OpClose
	OpShutdown
	OpSetOpt
	OpWait
	OpSignal
	OpSegments
	OpNote
	OpFinding
	OpSummary
)

var opNames = [...]string{
	OpListen: "listen", OpAccept: "accept", OpConnect: "connect", OpBind: "bind",
	OpSend: "send", OpSendAll: "sendall", OpRecv: "recv", OpSendTo: "sendto",
	OpRecvFrom: "recvfrom", OpClose: "close", OpShutdown: "shutdown",
	OpSetOpt: "setopt", OpWait: "wait", OpSignal: "signal", OpSegments: "segments",
	OpNote: "note", OpFinding: "finding", OpSummary: "summary",
}

func (o Op) String() string {
	if o > 0 && int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", int(o))
}

// IsData reports whether the op moves bytes (and so has req, n and data).
func (o Op) IsData() bool {
	switch o {
	case OpSend, OpSendAll, OpRecv, OpSendTo, OpRecvFrom:
		return true
	}
	return false
}

// IsRecv reports whether the op reads bytes.
func (o Op) IsRecv() bool { return o == OpRecv || o == OpRecvFrom }

// Mark labels a range of an event's bytes, such as a header apart from its
// payload, so a renderer can draw the parts apart.
type Mark struct {
	From, To int // byte offsets into Event.Data, To exclusive
	Label    Text
}

// Event is one recorded step of a run: a socket call with what it returned,
// a barrier, a note or a finding. Events are values: Data is a copy.
type Event struct {
	Seq  int
	T    time.Duration // since the run began
	Side Role
	Op   Op

	Conn  int    // socket id, 0 if none
	Call  string // the call as the learner's API writes it, e.g. "recv(1024)"
	Local string
	Peer  string

	Req    int    // bytes asked (data ops)
	N      int    // bytes done (data ops)
	Data   []byte // the bytes moved (a copy), or their first bytes when Elided > 0
	Elided int    // bytes moved but not kept in Data (Conn.Elide)
	Total  int64  // size of the whole transfer this call is part of (Conn.Progress), 0 if none
	Done   int64  // bytes of that transfer moved so far, this call included
	Offset int64  // stream offset of Data[0] on this socket, in this direction
	Trunc  bool   // a datagram was cut
	Waited bool   // a send had to wait for the peer to read (its buffers were full)
	Marks  []Mark

	Name string // barrier name
	Segs int    // TCP data segments (OpSegments)

	ID   string // finding id
	OK   bool   // finding held, or the run succeeded (summary)
	Text Text   // note or finding text

	Demo     string // summary: demo slug
	Findings int    // summary: number of findings

	Err   string // error text, if the call failed
	Errno string // what the error means, portably: ErrClass.Name (ECONNRESET, EPIPE, timeout, …)

	Who string // which of several programs on one side (a Fork's tag), e.g. "c2"
}
