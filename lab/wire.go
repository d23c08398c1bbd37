package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
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
