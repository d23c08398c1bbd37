package render

// The arrows between lifelines (a send to the recv that got its bytes, a
// connect() to its accept(), a close() to the EOF it causes), packets in the
// wire lane, and the peers of a lab serve trace.

import (
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"

	"socketlab/lab"
	"socketlab/lab/view"
)

// connect draws the call's dot on its lifeline and the arrows it ends: from
// the sends whose bytes a recv got, from the connect() an accept() took,
// from the close() an EOF reports; and remembers the call for the arrows
// that will end later.
func (s *SVG) connect(r *svgRowBuf, it view.Item, life float64) {
	e := it.Event
	k := s.sock(e.Conn, !it.Right)
	at := svgAnchor{x: life, y: r.mid(), seq: e.Seq, key: it.Marker > 0}
	color := s.sideColor(e)
	fmt.Fprintf(&r.over, `<circle class="dot" cx="%s" cy="%s" r="4" fill="%s"/>`, num(at.x), num(at.y), color)
	switch e.Op {
	case lab.OpConnect, lab.OpAccept:
		k.local, k.peer = e.Local, e.Peer
		k.open = &at
		if k.local != "" && k.peer != "" {
			s.ends[k.local+">"+k.peer] = e.Conn
			if id, ok := s.ends[k.peer+">"+k.local]; ok && id != e.Conn {
				k.pair = id
				p := s.socks[id]
				p.pair = e.Conn
				if p.open != nil {
					from, to := *p.open, at
					if e.Op == lab.OpConnect { // drawn after its accept: the arrow still goes client → server
						from, to = at, *p.open
					}
					s.arrow(&r.over, from, to, "arrow arrow-connect", svgMuted, true, p.open.seq, e.Seq)
				}
			}
		}
	case lab.OpBind, lab.OpListen:
		if e.Local != "" {
			k.local = e.Local
		}
	case lab.OpClose, lab.OpShutdown:
		k.closed = &at
	case lab.OpSend, lab.OpSendAll:
		if e.N > 0 {
			k.sends = append(k.sends, svgSend{from: e.Offset, to: e.Offset + int64(e.N), at: at})
		}
	case lab.OpSendTo:
		if k.local != "" && e.Peer != "" && e.Err == "" {
			key := k.local + ">" + e.Peer
			s.dgrams[key] = append(s.dgrams[key], at)
		}
	case lab.OpRecv:
		p := s.socks[k.pair]
		switch {
		case p == nil:
		case e.N > 0:
			s.received(r, p, e, at)
		case e.Err == "" && p.closed != nil:
			s.arrow(&r.over, *p.closed, at, "arrow arrow-eof", svgMuted, true, p.closed.seq, e.Seq)
		}
	case lab.OpRecvFrom:
		if k.local != "" && e.Peer != "" && e.Err == "" {
			key := e.Peer + ">" + k.local
			if q := s.dgrams[key]; len(q) > 0 {
				s.arrow(&r.over, q[0], at, "arrow arrow-data", s.arrowColor(q[0], at), false, q[0].seq, e.Seq)
				s.dgrams[key] = q[1:]
			}
		}
	}
}

// received draws the arrows from the sends of p whose bytes recv e got:
// one each, and when there are several, a shaded wedge between them, so a
// merged recv visibly spans the sends it merged.
func (s *SVG) received(r *svgRowBuf, p *svgSock, e lab.Event, at svgAnchor) {
	from, to := e.Offset, e.Offset+int64(e.N)
	var fed []svgSend
	keep := p.sends[:0]
	for _, snd := range p.sends {
		if snd.to > from && snd.from < to {
			fed = append(fed, snd)
		}
		if snd.to > to {
			keep = append(keep, snd)
		}
	}
	p.sends = keep
	if len(fed) > 1 {
		a, b := fed[0].at, fed[len(fed)-1].at
		fill := "#888"
		if at.key {
			fill = svgKey
		}
		fmt.Fprintf(&r.over, `<polygon class="merge" points="%s,%s %s,%s %s,%s" fill="%s" fill-opacity="0.12"/>`,
			num(a.x), num(a.y), num(b.x), num(b.y), num(at.x), num(at.y), fill)
	}
	for _, snd := range fed {
		s.arrow(&r.over, snd.at, at, "arrow arrow-data", s.arrowColor(snd.at, at), false, snd.at.seq, e.Seq)
	}
}

// arrowColor is the colour of an arrow: the key colour when either end is
// a key call, else ink.
func (s *SVG) arrowColor(a, b svgAnchor) string {
	if a.key || b.key {
		return svgKey
	}
	return svgInk
}

// sock is what the diagram knows of a socket, made on its first call.
func (s *SVG) sock(conn int, left bool) *svgSock {
	k := s.socks[conn]
	if k == nil {
		k = &svgSock{}
		s.socks[conn] = k
	}
	k.left = left
	return k
}

// arrow draws an arrow from a to b with its head at b.
func (s *SVG) arrow(b *strings.Builder, a, to svgAnchor, class, color string, dashed bool, fromSeq, toSeq int) {
	width := "1.5"
	if color == svgKey {
		width = "3"
	}
	dx, dy := to.x-a.x, to.y-a.y
	n := math.Hypot(dx, dy)
	if n < 1 {
		return
	}
	ux, uy := dx/n, dy/n
	// The line stops at the dot; the head's tip touches it.
	tipX, tipY := to.x-ux*4, to.y-uy*4
	baseX, baseY := tipX-ux*10, tipY-uy*10
	d := ""
	if dashed {
		d = ` stroke-dasharray="6 4"`
	}
	fmt.Fprintf(b, `<g class="%s" data-from="%d" data-to="%d"><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"%s/>`,
		class, fromSeq, toSeq, num(a.x), num(a.y), num(baseX), num(baseY), color, width, d)
	fmt.Fprintf(b, `<polygon points="%s,%s %s,%s %s,%s" fill="%s"/></g>`,
		num(tipX), num(tipY), num(baseX-uy*5), num(baseY+ux*5), num(baseX+uy*5), num(baseY-ux*5), color)
}

// drawWire draws a packet in the wire lane, between the lifelines: its
// flags and length, pointing the way it went.
func (s *SVG) drawWire(it view.Item) {
	e := it.Event
	s.wire = true
	r := s.newItemRow(it, "packet")
	cells := svgGap - 2
	text := wireLabel(e, s.o.Lang)
	toRight := true
	if p := e.Packet; p != nil {
		switch {
		case p.From == lab.Server || p.To == lab.Client:
			toRight = false
		case p.From == "" && p.To == "":
			if k := s.socks[e.Conn]; k != nil {
				toRight = k.left
			}
		}
	}
	if toRight {
		text += " ▶"
	} else {
		text = "◀ " + text
	}
	lines := Wrap(text, cells)
	for i, l := range lines {
		fmt.Fprintf(&r.body, `<text class="label wire" x="%s" y="%s" fill="%s" text-anchor="middle" stroke="#fff" stroke-width="4" paint-order="stroke">%s</text>`,
			num(s.wireX()), num(r.baseline(i)), svgLab, esc(l))
	}
	r.lines = len(lines)
	r.time(timeStamp(e.T))
	if s.serve {
		r.lines = max(r.lines, 1)
	}
	r.finish()
}

// wireLabel is what the wire lane says of a packet: "SYN, ACK", "PSH, ACK
// 5 B", "UDP 12 B", or for a TCP_INFO line its text.
func wireLabel(e lab.Event, l lab.Lang) string {
	p := e.Packet
	switch {
	case p == nil || e.Op != lab.OpPacket:
		if t := e.Text.In(l); t != "" {
			return t
		}
		if e.Call != "" {
			return e.Call
		}
		return e.Op.String()
	case p.Flags == "":
		return fmt.Sprintf("%s %d B", strings.ToUpper(p.Proto), p.Len)
	case p.Len > 0:
		return fmt.Sprintf("%s %d B", p.Flags, p.Len)
	}
	return p.Flags
}

// drawServe draws an event of a lab serve trace: the label in the server's
// lane, and for a peer's connection an arrow between the server's lifeline
// and that peer's, which begins at its accept() and ends at its close().
func (s *SVG) drawServe(it view.Item) {
	e := it.Event
	kind := e.Op.String()
	if it.Kind == view.Folded {
		kind = "fold"
	}
	r := s.newItemRow(it, kind)
	r.marker = it.Marker
	who := e.Who
	if it.Kind == view.Folded {
		who = it.Fold.Who
	}
	var peer *svgPeer
	if who != "" && e.Side == lab.Server {
		peer = s.peers[who]
		if peer == nil && it.Kind == view.Draw {
			peer = s.newPeer(who, e.Conn)
			r.extra = svgLine + 10
			r.starts[who] = r.top + svgLine + 6
			head(&r.body, peer.x, r.top+2, who, svgMuted)
		}
	}
	ls := s.lines(it, svgLabel)
	marker := ""
	if it.Marker > 0 {
		marker = Marker(it.Marker)
	}
	s.label(r, s.leftX(), ls, e, marker)
	t := e.T
	if it.Kind == view.Folded {
		t = it.Fold.T
	}
	r.time(timeStamp(t))
	if peer != nil && it.Kind == view.Draw {
		srv := svgAnchor{x: s.lifeL(), y: r.mid(), seq: e.Seq, key: it.Marker > 0}
		far := svgAnchor{x: peer.x, y: r.mid(), seq: e.Seq}
		fmt.Fprintf(&r.over, `<circle class="dot" cx="%s" cy="%s" r="4" fill="%s"/>`, num(srv.x), num(srv.y), svgServer)
		color := s.arrowColor(srv, far)
		switch {
		case e.Op == lab.OpAccept:
			s.arrow(&r.over, far, srv, "arrow arrow-connect", svgMuted, true, e.Seq, e.Seq)
		case e.Op.IsRecv() && e.N > 0:
			s.arrow(&r.over, far, srv, "arrow arrow-data", color, false, e.Seq, e.Seq)
		case e.Op.IsRecv() && e.Err == "":
			s.arrow(&r.over, far, srv, "arrow arrow-eof", svgMuted, true, e.Seq, e.Seq)
		case e.Op.IsData() && e.N > 0:
			s.arrow(&r.over, srv, far, "arrow arrow-data", color, false, e.Seq, e.Seq)
		case e.Op == lab.OpClose && e.Conn == peer.conn:
			s.arrow(&r.over, srv, far, "arrow arrow-close", svgMuted, true, e.Seq, e.Seq)
			fmt.Fprintf(&r.over, `<text class="label end" x="%s" y="%s" fill="%s" text-anchor="middle">×</text>`,
				num(peer.x+svgCell), num(r.baseline(0)), svgMuted)
			r.ends = append(r.ends, who)
		}
	}
	r.finish()
}

// newPeer gives a peer the first free lifeline slot.
func (s *SVG) newPeer(who string, conn int) *svgPeer {
	k := 0
	for k < len(s.slots) && s.slots[k] != "" {
		k++
	}
	if k == len(s.slots) {
		s.slots = append(s.slots, "")
	}
	s.slots[k] = who
	p := &svgPeer{slot: k, x: s.peerX(k), conn: conn}
	s.peers[who] = p
	return p
}

// num writes a coordinate with one decimal at most.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// esc escapes text for XML: peer bytes are text, never markup.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
