package view

import "socketlab/lab"

// Lanes places events in two lanes: the client on the left, the server on
// the right. A proxy (`lab proxy`) is one program with two faces: each
// connection has a socket it accepted, facing the client, and a socket it
// dialled, facing the server (upstream). The first go in the left lane and
// the second in the right, so the two lanes read like the client and
// server lanes of a demo, and the arrows point the way the bytes travel
// between the real client and server:
//
//	   ms   proxy ⇄ client                      proxy ⇄ server (upstream)
//	0.210   [c1] recv(65536) → 5 bytes     ──▶
//	0.251                                  ──▶  [c1] send() → 1/1 byte
//	0.302                                  ◀──  [c1] recv(65536) → 5 bytes
//
// A proxy's socket is in the right lane once the trace showed it being
// dialled (its socket() names the address it connects to, then its
// connect); everything else of the proxy (its listening socket, accepts,
// the accepted sockets) is on the left.
type Lanes struct {
	Proxy    bool // the trace is a proxy's: its first event is the proxy's
	started  bool
	upstream map[int]bool // the proxy's sockets that face the server
}

// place returns e's lane and whether its socket faces the server. Call it
// once per event, in order: it learns the proxy's server-facing sockets
// from their socket() and connect, and forgets each at its close.
func (l *Lanes) place(e lab.Event) (right, facesServer bool) {
	if !l.started {
		l.started, l.Proxy = true, e.Side == lab.Proxy
	}
	if e.Side == lab.Proxy {
		switch {
		case (e.Op == lab.OpSocket && e.Peer != "" || e.Op == lab.OpConnect) && e.Conn > 0:
			if l.upstream == nil {
				l.upstream = map[int]bool{}
			}
			l.upstream[e.Conn] = true
			return true, true
		case e.Op == lab.OpClose && l.upstream[e.Conn]:
			delete(l.upstream, e.Conn)
			return true, true
		}
	}
	return l.of(e)
}

// of is e's lane as things stand, without learning from e. A packet is
// drawn across both lanes: facesServer says it travels towards the
// server (right).
func (l *Lanes) of(e lab.Event) (right, facesServer bool) {
	if e.Side == lab.Wire {
		if e.Packet == nil {
			return false, false
		}
		if e.Op == lab.OpTCPInfo { // about one socket: in its lane
			return e.Packet.From != lab.Client && !(e.Packet.From == lab.Proxy && !l.upstream[e.Conn]), false
		}
		return false, e.Packet.Dir != "s2c"
	}
	if e.Side != lab.Proxy {
		return e.Side != lab.Client, e.Side == lab.Client
	}
	up := l.upstream[e.Conn]
	return up, up
}

// Names are the headings of the left and right lanes.
func (l *Lanes) Names(lang lab.Lang) (left, right string) {
	if !l.Proxy {
		return lab.Client.Name(lang), lab.Server.Name(lang)
	}
	return lab.T("proxy ⇄ client", "代理 ⇄ 客户端").In(lang), lab.T("proxy ⇄ server (upstream)", "代理 ⇄ 服务端（上游）").In(lang)
}

// Tag is the side tag of an event in one interleaved lane (narrow
// terminals): a proxy's events say which way their socket faces.
func Tag(e lab.Event, right bool, lang lab.Lang) string {
	switch {
	case e.Side == lab.Wire:
		return lab.T("wire", "线路").In(lang)
	case e.Side != lab.Proxy:
		return e.Side.Name(lang)
	case right:
		return lab.T("⇄server", "⇄服务端").In(lang)
	}
	return lab.T("⇄client", "⇄客户端").In(lang)
}

// Lanes returns the view's lane placement (its headings).
func (v *View) Lanes() *Lanes { return &v.lanes }
