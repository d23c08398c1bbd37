package render

import "socketlab/lab"

// proxyLanes places the events of `lab proxy`, which traces one program
// with two faces: each connection has a socket the proxy accepted, facing
// the client, and a socket it dialled, facing the server (upstream). The
// first go in the left lane and the second in the right, so the two lanes
// read like the client and server lanes of a demo, and the arrows point the
// way the bytes travel between the real client and server:
//
//	   ms   proxy ⇄ client                      proxy ⇄ server (upstream)
//	0.210   [c1] recv(65536) → 5 bytes     ──▶
//	0.251                                  ──▶  [c1] send() → 1/1 byte
//	0.302                                  ◀──  [c1] recv(65536) → 5 bytes
//
// A proxy's socket is in the right lane when the trace showed it being
// dialled (its connect); everything else of the proxy (its listening
// socket, accepts, the accepted sockets) is on the left. Events of the
// client and server roles keep their usual lanes.
type proxyLanes struct {
	on       bool         // the trace is a proxy's: its first event is the proxy's
	upstream map[int]bool // the proxy's sockets that face the server
}

// start looks at a trace's first event: a proxy's trace gets the proxy's
// lane names.
func (p *proxyLanes) start(e lab.Event) { p.on = e.Side == lab.Proxy }

// names are the headings of the left and right lanes.
func (p *proxyLanes) names(l lab.Lang) (left, right string) {
	if !p.on {
		return lab.Client.Name(l), lab.Server.Name(l)
	}
	return lab.T("proxy ⇄ client", "代理 ⇄ 客户端").In(l), lab.T("proxy ⇄ server (upstream)", "代理 ⇄ 服务端（上游）").In(l)
}

// right reports whether e goes in the right lane. Call it once per event,
// in order: it learns the proxy's server-facing sockets from their
// connects, and forgets each at its close.
func (p *proxyLanes) right(e lab.Event) bool {
	if e.Side != lab.Proxy {
		return e.Side != lab.Client
	}
	switch {
	case e.Op == lab.OpConnect:
		if e.Conn > 0 && e.Err == "" {
			if p.upstream == nil {
				p.upstream = map[int]bool{}
			}
			p.upstream[e.Conn] = true
		}
		return true
	case e.Op == lab.OpClose && p.upstream[e.Conn]:
		delete(p.upstream, e.Conn)
		return true
	}
	return p.upstream[e.Conn]
}

// facesServer reports whether e's socket has the server at its other end:
// the client's sockets, and the proxy's in the right lane. Its sends then
// move bytes towards the server, its recvs bring them back.
func (p *proxyLanes) facesServer(e lab.Event, right bool) bool {
	return e.Side == lab.Client || e.Side == lab.Proxy && right
}

// tag is the side tag of one interleaved lane (narrow terminals): the
// proxy's events say which way their socket faces.
func (p *proxyLanes) tag(e lab.Event, right bool, l lab.Lang) string {
	switch {
	case e.Side != lab.Proxy:
		return e.Side.Name(l)
	case right:
		return lab.T("⇄server", "⇄服务端").In(l)
	}
	return lab.T("⇄client", "⇄客户端").In(l)
}
