package lab

import (
	"context"
	"net"
	"time"
)

// A Peer is the part of a demo that faces a real program: `lab serve N`
// runs its server side for a learner's client (or nc), `lab client N` its
// client side against any server, and `lab check` grades a learner's
// program against them. Each speaks the demo's protocol, the tutorial's
// wire format byte for byte, written once with the demo (see its file).
type Peer struct {
	// Knobs are --set knobs of serve and client only, beyond the demo's own.
	Knobs []Knob
	// Serve runs the server side until o.Count connections were served or
	// the session ends.
	Serve func(ctx context.Context, s *Side, o PeerOptions) (ServeStats, error)
	// Client runs the client side once against o.Addr and returns an error
	// saying what was wrong when the server's answers break the protocol.
	Client func(ctx context.Context, s *Side, o PeerOptions) error
	// Try returns command lines a learner can paste to talk to `lab serve`
	// at host:port.
	Try func(host, port string) []string
}

// PeerOptions configure one side of a demo facing a real program.
type PeerOptions struct {
	Addr  string // serve: where to listen; client: the server to connect to
	Count int    // serve: stop after this many connections (datagrams for udp); 0 = until stopped
	Max   int    // serve: connections open at once (DefaultMaxConns when 0); more are refused
	// Backlog is serve's listen(backlog); 0 means the system's maximum.
	Backlog int
	Idle    time.Duration // drop a peer that makes no progress for this long; 0 = never
	// Timeout bounds each answer lab client waits for (a transfer still
	// coming at 1 KiB/s or more is not cut); 0 = none.
	Timeout time.Duration
	Dir     string // file-upload: the folder uploads go into
	Peer    *Side  // the lane of the untraced peer; may be nil

	// Ready, if set, is called once the server listens, with its address.
	Ready func(addr net.Addr)
}

// A Verdict is what a peer side found wrong with the program on the other
// end: the bug the tutorials' programs really have, named. `lab client`
// records it as a finding that fails and exits 1 with it; `lab serve`
// gives it as that client's verdict. What says what the lab saw on the
// wire, Hint the likely bug and its fix.
type Verdict struct {
	ID   string // stable, English: "serial-server"
	What Text
	Hint Text
}

func (v *Verdict) Error() string { return v.What.En + "; " + v.Hint.En }

// Text is the verdict in one piece: what the lab saw, then the hint.
func (v *Verdict) Text() Text {
	return Text{En: v.What.En + "; " + v.Hint.En, Zh: v.What.Zh + "；" + v.Hint.Zh}
}
