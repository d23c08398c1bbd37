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
	Wire   Role = "wire" // a packet the capture saw
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
	case Wire:
		return T("wire", "线路").In(l)
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
	OpSocket  // socket(): a new socket, before bind or connect
	OpRun     // the first line of a run: which demo, its knobs (Event.Run)
	OpPacket  // a segment or datagram the capture saw (Event.Packet), side Wire
	OpTCPInfo // without a capture: what TCP_INFO says changed around a call, side Wire
	OpSelect  // a selector call: sel.register(), sel.unregister(), sel.select() (Selector)
)

var opNames = [...]string{
	OpListen: "listen", OpAccept: "accept", OpConnect: "connect", OpBind: "bind",
	OpSend: "send", OpSendAll: "sendall", OpRecv: "recv", OpSendTo: "sendto",
	OpRecvFrom: "recvfrom", OpClose: "close", OpShutdown: "shutdown",
	OpSetOpt: "setopt", OpWait: "wait", OpSignal: "signal", OpSegments: "segments",
	OpNote: "note", OpFinding: "finding", OpSummary: "summary",
	OpSocket: "socket", OpRun: "run", OpPacket: "packet", OpTCPInfo: "tcpinfo", OpSelect: "select",
}

// ParseOp returns the op whose String is name.
func ParseOp(name string) (Op, bool) {
	for o, n := range opNames {
		if n == name && n != "" {
			return Op(o), true
		}
	}
	return 0, false
}

// IsCall reports whether the op is a socket call a learner's program
// makes (and so is announced in step mode), not a barrier, a note or a
// line of the lab's own.
func (o Op) IsCall() bool {
	switch o {
	case OpListen, OpAccept, OpConnect, OpBind, OpSend, OpSendAll, OpRecv,
		OpSendTo, OpRecvFrom, OpClose, OpShutdown, OpSetOpt, OpSocket, OpSelect:
		return true
	}
	return false
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
	// Part is the range's machine id ("payload"), "" if the demo gave it
	// none: findings match it, never Label's words. It is not written to
	// the JSON trace (the label is), so a replayed trace has none.
	Part string
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
	Data   []byte // the bytes moved (a copy), or the first of them (see Recorder): N says how many moved
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
	// User is who logged in on a fork's connection (lab ftp), e.g. "alice":
	// shown with the tag, "[c2 alice]".
	User string

	// Step names the call in the demo's code (Side.Step, Side.Key): step
	// notes are keyed by it and findings point at it. Key marks the call
	// a finding is about; the views draw it with a marker (①).
	Step string
	Key  bool
	// Detail is the --show category that reveals an event hidden by
	// default: DetailSetup for the lab's own scaffolding, DetailGo for a
	// note about how the lab does it in Go. Barriers (wait, signal) are
	// DetailBarriers by their op.
	Detail string

	// Evidence are the seqs of the events a finding is about (OpFinding),
	// and Steps the step names it points at (already resolved into Evidence).
	Evidence []int
	Steps    []string

	// Sum is the Digest of every byte this socket moved in this
	// direction up to and including this call (TCP data calls of a run),
	// so findings can compare whole streams without keeping them; zero
	// where it was not computed.
	Sum Digest

	// Calls and Through: in the trace findings read, an event that stands
	// for Calls like calls of a long run (KeepCalls), the last of which was
	// seq Through; N and Req are their sums, Data the first one's head,
	// Sum the last one's. 0 for an event that is one call.
	Calls   int
	Through int

	Run    *RunInfo    // OpRun: what was run
	Packet *PacketInfo // OpPacket, OpTCPInfo: what crossed the wire

	began    time.Time // when a call began (the wire: which packets it caused)
	borrowed bool      // Data is the caller's buffer, lent to the sink until it is written (Conn.kept)
	bound    uint16    // socket(): the local port the lab bound a dial to before its connect (the wire: a failed connect's packets)
}

// PacketInfo is a segment or datagram the capture saw on the loopback
// interface, placed in its connection: its sender and receiver sockets
// (Event.Conn and PeerConn, 0 for a program the lab does not trace), its
// flags as Wireshark writes them, and its numbers relative to each
// sender's first one, as Wireshark shows them. For OpTCPInfo only Conn,
// State and the counts in Event.Text are set.
type PacketInfo struct {
	Proto    string // "tcp" or "udp"
	Src, Dst string // host:port
	From, To Role   // the roles of the sending and receiving sockets, "" for a program the lab does not trace
	Dir      string // "c2s": sent by the end that opened the connection (its SYN, UDP's first datagram); "s2c" back
	PeerConn int    // the receiving socket, 0 if the lab does not trace it
	Flags    string // "SYN", "SYN, ACK", "PSH, ACK", "FIN, ACK", "RST" …; "" for UDP
	Seq, Ack uint32 // relative per direction: a SYN is seq 0, the first data byte 1
	Len      int    // payload bytes
	Win      int    // the receive window it advertised, in bytes (scaled)
	Opts     string // TCP options: "MSS=65495 SACK_PERM WS=1024" …
	TS       time.Time
	State    string // OpTCPInfo: the TCP state after the call (ESTABLISHED, TIME_WAIT …)
	Retrans  bool   // it carries sequence numbers its sender sent before (a SYN, bytes, a FIN): a retransmission
	// The layers, as far as the capture kept them (--full draws them):
	// the IP header, the TCP or UDP header, and the payload's first bytes.
	Net, Transport, Payload []byte
	Cause                   string // the call it came after: "client #3 send() 5 bytes" (pcapng comments)
}

// The --show categories of events hidden by default.
const (
	DetailBarriers = "barriers" // wait and signal: the lab's recipe for forcing an outcome
	DetailSetup    = "setup"    // socket options and calls the lab makes for its own reasons
	DetailGo       = "go"       // how the lab does it in Go (the learner writes Python)
)

// DetailOf is the --show category of e, or "" when it is always shown.
func (e Event) DetailOf() string {
	if e.Op == OpWait || e.Op == OpSignal {
		return DetailBarriers
	}
	return e.Detail
}

// TraceVersion is the version of the JSON trace the run line announces.
const TraceVersion = 2

// RunInfo describes a run on its first line: the demo and its knobs, or a
// command that is not a demo (lab serve, lab proxy).
type RunInfo struct {
	Version int               // TraceVersion
	Lab     string            // the lab's version
	Demo    string            // slug, or the command ("proxy")
	ID      int               // demo number, 0 if none
	Title   Text              // the demo's title
	Brief   Text              // its one-line brief
	Params  map[string]string // knob values
	Command string            // "run", "serve", "client", "proxy"
}
