package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"socketlab/lab/capture"
)

// The wire: with Options.Packets the segments and datagrams the kernel
// sent on the loopback interface go in the trace beside the calls, as
// events of the side Wire. A capture (lab/capture: AF_PACKET on lo, a BPF
// filter on the run's ports) is drained whenever a call is recorded: the
// segments a call caused are queued by the time it returns, so they are
// recorded right after it, under it (the SYN, SYN-ACK and ACK under the
// client's connect(), the FIN under close()). Packets of a connection no
// call is being recorded on wait a little (wireGrace) and are then
// recorded by a goroutine that watches the capture: the delayed ACK 40 ms
// after a send, a retransmitted SYN. Their time is the capture's stamp on
// the recorder's clock, never before the event they follow.
//
//	client connect()  ─┐ SYN ▶, ◀ SYN-ACK, ACK ▶ queued before it returns
//	   Record(connect) │ → drain → packets of this connection recorded next
//	server accept()    │ (causal: after the connect)
//
// Without the privilege to capture, the lab says so once and shows, per
// call on a TCP socket, what TCP_INFO says changed (segments in and out,
// the state): OpTCPInfo events.

// openCapture opens the capture; tests replace it to force the fallback.
var openCapture = capture.Open

// errCaptureOff is why a run with Options.NoCapture has no capture.
var errCaptureOff = errors.New("the capture is turned off for this run")

// wireGrace is how long a packet whose connection has no call recorded
// waits before the watcher records it.
const wireGrace = 20 * time.Millisecond

// pcapItem is a packet waiting to be written to the pcapng file.
type pcapItem struct {
	p     capture.Packet
	way   capture.Direction
	cause string
}

// sockRef is one end of a connection the trace knows: whose socket it is.
type sockRef struct {
	id   int
	side Role
	who  string
}

// pendDial is a connect() in flight whose local port the lab knows
// before its SYN leaves (the socket was bound to port 0 first): its
// packets are its socket's even if the connect fails (a refused one, a
// SYN nobody answered), and they wait for its record.
type pendDial struct {
	ref  sockRef
	peer string // the address it connects to, normalised
}

// wire is a run's view of the network. Its methods are called with the
// recorder's lock held, except start and stop.
type wire struct {
	cap   *capture.Capture // nil: no capture, TCP_INFO instead
	why   error            // why there is no capture
	track *capture.Tracker
	ports map[uint16]bool
	ends  map[string]sockRef  // "local>peer" → the socket at local
	lsn   map[string]sockRef  // a listener's address → the listener (a connection it has not accepted yet is its side's)
	local map[int]string      // socket id → its local address (UDP: from bind)
	tuple map[int]string      // socket id → "local>peer"
	wait  []capture.Packet    // drained, not recorded yet
	dials map[string]int      // servers a connect() is on its way to: their handshakes wait for it
	pend  map[uint16]pendDial // a connect() in flight from a port the lab bound for it (Side.dial)
	// sending reports whether a side is in a call that sends: its
	// sockets' packets wait for that call (set by the run).
	sending func(role Role, who string) bool
	netns   bool // the lab runs in a network namespace of its own, to capture
	pcap    *capture.Pcapng
	pcapQ   []pcapItem           // recorded, not written yet: the file is in capture order
	snaps   map[int]capture.Info // fallback: each TCP socket's last TCP_INFO

	stop func()
	done chan struct{}
}

// openWire starts the capture of a run, or the fallback when it cannot.
// pcap, if not nil, receives every packet as pcapng.
// off, with no capture tried at all, is the fallback (Options.NoCapture).
func openWire(pcap io.Writer, off bool) (*wire, error) {
	w := &wire{track: capture.NewTracker(), ports: map[uint16]bool{}, ends: map[string]sockRef{}, lsn: map[string]sockRef{},
		local: map[int]string{}, tuple: map[int]string{}, snaps: map[int]capture.Info{}, dials: map[string]int{},
		pend: map[uint16]pendDial{}}
	open := openCapture
	if off {
		open = func(capture.Config) (*capture.Capture, error) { return nil, errCaptureOff }
	}
	c, err := open(capture.Config{})
	if err != nil {
		w.why = err
		if pcap != nil {
			return nil, fmt.Errorf("--pcap: %w", err)
		}
		return w, nil
	}
	w.cap = c
	if pcap != nil {
		if w.pcap, err = capture.NewPcapng(pcap, "lo", c.Snap()); err != nil {
			c.Close()
			return nil, err
		}
	}
	return w, nil
}

// source says where the wire's events come from, for the run's first note.
func (w *wire) source() Text {
	if w.cap != nil && w.netns {
		return Tf("packets: captured on the loopback interface of a network namespace the lab made for this run (this user may not capture on the machine's own); each appears under the call that caused it",
			"报文段：在实验台为这次运行建立的网络命名空间的回环接口上抓取（这个用户不能在本机的接口上抓包）；每一个都显示在引起它的调用下面")
	}
	if w.cap != nil {
		return Tf("packets: captured on the loopback interface (%s); each appears under the call that caused it",
			"报文段：在回环接口上抓取（%s）；每一个都显示在引起它的调用下面", w.cap.Source())
	}
	var pe *capture.PrivilegeError
	if errors.As(w.why, &pe) {
		return Tf("packets: this user may not capture them (%s); the wire lane shows what TCP_INFO says changed around each call instead",
			"报文段：这个用户没有抓包的权限（%s）；线路一栏改为显示每次调用前后 TCP_INFO 报告的变化", pe.Command())
	}
	return Tf("packets: no capture here (%v); the wire lane shows what TCP_INFO says changed around each call instead",
		"报文段：这里无法抓包（%v）；线路一栏改为显示每次调用前后 TCP_INFO 报告的变化", w.why)
}

// start runs the watcher that records the packets no call is recorded
// for (timers: delayed ACKs, retransmits), until stop.
func (w *wire) start(r *Recorder) {
	if w.cap == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.stop, w.done = cancel, make(chan struct{})
	woke, drained := make(chan struct{}), make(chan struct{})
	go func() {
		for w.cap.Wait(ctx) == nil {
			select {
			case woke <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case <-drained:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		defer close(w.done)
		tick := time.NewTicker(wireGrace / 2)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-woke:
				r.flushWire(false)
				select {
				case drained <- struct{}{}:
				case <-ctx.Done():
					return
				}
			case <-tick.C:
				r.flushWire(false)
			}
		}
	}()
}

// close stops the watcher; the recorder records what is left (flushWire(true)).
func (w *wire) close() {
	if w.stop != nil {
		w.stop()
		<-w.done
	}
	if w.cap != nil {
		w.cap.Close()
	}
}

// learn notes the sockets and ports an event names, so the capture keeps
// their packets (a listener's port before its first SYN, a client's
// server before its connect) and each packet finds its sockets.
func (w *wire) learn(e Event) {
	if e.Conn == 0 || e.Side == Wire || e.Side == System {
		return
	}
	w.pull() // a dial's packets find their socket before its connect() is learnt
	ref := sockRef{e.Conn, e.Side, e.Who}
	switch e.Op {
	case OpBind, OpListen:
		if e.Local != "" {
			w.local[e.Conn] = e.Local
			w.watch(e.Local)
			if e.Op == OpListen {
				w.lsn[norm(e.Local)] = ref
			}
		}
	case OpSocket:
		w.watch(e.Peer) // a socket about to connect: its server's port
		if e.Peer != "" && e.Err == "" {
			w.dials[norm(e.Peer)]++
			if e.bound != 0 {
				w.pend[e.bound] = pendDial{ref, norm(e.Peer)}
			}
		}
	case OpClose:
		if l, ok := w.lsn[norm(e.Local)]; ok && l.id == e.Conn {
			delete(w.lsn, norm(e.Local)) // nobody listens there now: a SYN gets the kernel's RST
		}
	case OpConnect, OpAccept:
		if e.Op == OpConnect && w.dials[norm(e.Peer)] > 0 {
			w.dials[norm(e.Peer)]--
		}
		if e.Op == OpConnect {
			for port, d := range w.pend {
				if d.ref.id == e.Conn {
					delete(w.pend, port)
				}
			}
		}
		if e.Local != "" && e.Peer != "" {
			k := norm(e.Local) + ">" + norm(e.Peer)
			w.ends[k], w.tuple[e.Conn] = ref, k
			w.watch(e.Peer)
		}
	case OpSendTo, OpRecvFrom:
		if l := w.local[e.Conn]; l != "" && e.Peer != "" {
			k := norm(l) + ">" + norm(e.Peer)
			w.ends[k], w.tuple[e.Conn] = ref, k
			w.watch(e.Peer)
		}
	}
}

// pull drains the capture into the packets waiting to be recorded; a
// packet of a dial in flight from a port the lab bound makes its tuple
// known, so the dial's packets are its socket's even if it fails.
func (w *wire) pull() {
	if w.cap == nil {
		return
	}
	for _, p := range w.cap.Drain() {
		src, dst := p.Src.String(), p.Dst.String()
		if d, ok := w.pend[p.Src.Port()]; ok && d.peer == dst && p.Proto == capture.TCP {
			if _, known := w.ends[src+">"+dst]; !known {
				w.ends[src+">"+dst], w.tuple[d.ref.id] = d.ref, src+">"+dst
			}
		}
		w.wait = append(w.wait, p)
	}
}

// pending reports whether p belongs to a dial in flight whose port the
// lab bound: it waits for that connect()'s record.
func (w *wire) pending(p capture.Packet) bool {
	if p.Proto != capture.TCP {
		return false
	}
	if d, ok := w.pend[p.Src.Port()]; ok && d.peer == p.Dst.String() {
		return true
	}
	d, ok := w.pend[p.Dst.Port()]
	return ok && d.peer == p.Src.String()
}

// watch adds an address's port to those the capture keeps.
func (w *wire) watch(addr string) {
	if w.cap == nil || addr == "" {
		return
	}
	_, p, err := net.SplitHostPort(addr)
	n, perr := strconv.Atoi(p)
	if err != nil || perr != nil || n <= 0 || n > 65535 || w.ports[uint16(n)] {
		return
	}
	w.ports[uint16(n)] = true
	ports := make([]uint16, 0, len(w.ports))
	for p := range w.ports {
		ports = append(ports, p)
	}
	w.cap.SetPorts(ports...)
}

// norm writes an address as the capture does (::ffff:127.0.0.1 → 127.0.0.1).
func norm(addr string) string {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return addr
	}
	return capture.Normalize(ap).String()
}

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
		// sock_diag is quick, and this runs under the recorder's lock.
		st, err := capture.DiagState(la, ra)
		if err != nil && !errors.Is(err, capture.ErrNoSocket) {
			st, err = capture.ProcState(la, ra)
		}
		if errors.Is(err, capture.ErrNoSocket) {
			st, err = capture.Closed, nil
		}
		if !lok || !rok || err != nil {
			return Event{}, false
		}
		info.State = st
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
