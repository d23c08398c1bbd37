package lab

import (
	"context"
	"net"
	"sync"
	"time"
)

// A traced call is recorded when its system call returns, and the two sides
// race to record: the kernel can wake a receiver before the sender's write
// has even returned. Shown as recorded, a recv could appear before the send
// that produced its bytes. causal makes the trace show causes first: a recv
// of a traced peer's bytes waits until the peer's send of those bytes is
// recorded, an EOF until the peer's close or shutdown, an accept until the
// client's connect, a datagram until its sendto. The wait is only for the
// recording (microseconds); what each call returned is untouched. A peer the
// lab does not trace (net/http in demo 16, a learner's program) is never
// waited for, and no wait lasts longer than causalLimit.
type causal struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every update

	dialing   int              // traced connects in progress
	conns     map[string]bool  // "local>remote" of traced TCP sockets
	connected map[string]bool  // "local>remote" whose connect was recorded
	sent      map[string]int64 // "local>remote": bytes recorded as sent
	closed    map[string]bool  // "local>remote": close or shutdown recorded
	packets   map[string]bool  // local address of traced UDP sockets
	dgrams    map[string]int   // "from>to": datagrams recorded as sent
	sending   map[string]int   // "local>remote": sends in progress
	blocked   map[string]bool  // "local>remote": a send waits for the peer to read
	closing   map[string]bool  // "local>remote": close or shutdown in progress
}

// causalLimit bounds every wait, in case a peer is traced but its record
// never comes (it failed between its system call and its record). It is
// time the peer could have used: a wait counts it in causalTick steps, and
// a tick that comes far later than asked (the whole process was not
// running, as on a loaded machine) does not count. A stall of more than a
// second had ended waits before their peers could record (CI once listed an
// accept and two recvs before the connect and sends they waited for).
const (
	causalLimit = 2 * time.Second
	causalTick  = 50 * time.Millisecond
)

func newCausal() *causal {
	return &causal{
		changed: make(chan struct{}), conns: map[string]bool{}, connected: map[string]bool{},
		sent: map[string]int64{}, closed: map[string]bool{}, packets: map[string]bool{}, dgrams: map[string]int{},
		sending: map[string]int{}, blocked: map[string]bool{}, closing: map[string]bool{},
	}
}

func flowKey(from, to net.Addr) string {
	if from == nil || to == nil {
		return ""
	}
	return from.String() + ">" + to.String()
}

// update changes the state under the lock and wakes every waiter.
func (c *causal) update(f func()) {
	c.mu.Lock()
	f()
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

// await blocks until ready() (called under the lock) is true, the run ends,
// or causalLimit passes.
func (c *causal) await(ctx context.Context, ready func() bool) {
	c.mu.Lock()
	ok := ready()
	c.mu.Unlock()
	if ok {
		return // most calls: no timer to make
	}
	tick := time.NewTicker(causalTick)
	defer tick.Stop()
	var waited time.Duration
	last := time.Now()
	for {
		c.mu.Lock()
		ok, changed := ready(), c.changed
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if now.Sub(last) < 4*causalTick { // not a stall
				waited += causalTick
			}
			last = now
			if waited >= causalLimit {
				return
			}
		}
	}
}

// dialStarted notes a traced connect in progress; call the returned func
// once it has returned and, if it worked, its socket is registered.
func (c *causal) dialStarted() (done func()) {
	c.update(func() { c.dialing++ })
	var once sync.Once
	return func() { once.Do(func() { c.update(func() { c.dialing-- }) }) }
}

// register notes a new traced TCP socket.
func (c *causal) register(conn net.Conn) {
	c.update(func() { c.conns[flowKey(conn.LocalAddr(), conn.RemoteAddr())] = true })
}

// connectRecorded notes that the connect of conn is in the trace.
func (c *causal) connectRecorded(conn net.Conn) {
	c.update(func() { c.connected[flowKey(conn.LocalAddr(), conn.RemoteAddr())] = true })
}

// awaitConnect holds an accept until the client's connect is recorded. A
// client that is neither registered nor still dialing is not traced (a
// learner's program): nothing to wait for.
func (c *causal) awaitConnect(ctx context.Context, accepted net.Conn) {
	peer := flowKey(accepted.RemoteAddr(), accepted.LocalAddr())
	c.await(ctx, func() bool { return c.connected[peer] || !c.conns[peer] && c.dialing == 0 })
}

// send is one send in progress, as the causal order sees it.
type send struct {
	c      *causal
	key    string
	waited bool // it had to wait for the peer to read at least once
	once   sync.Once
}

// sendStarted notes a send in progress on the socket whose flow is key
// (Conn.out). Pass its blocked method to the write loop, and call
// recorded once the send's event is in the trace.
func (c *causal) sendStarted(key string) *send {
	c.update(func() { c.sending[key]++ })
	return &send{c: c, key: key}
}

// blocked reports that the send waits for the peer to make room (true), or
// goes on (false). It is called on the sending goroutine.
func (s *send) blocked(b bool) {
	s.waited = s.waited || b
	s.c.update(func() { s.c.blocked[s.key] = b })
}

// recorded ends the send: its n bytes are in the trace.
func (s *send) recorded(n int) {
	s.once.Do(func() {
		s.c.update(func() {
			s.c.sending[s.key]--
			s.c.blocked[s.key] = false
			s.c.sent[s.key] += int64(n)
		})
	})
}

// closeStarted notes a close or shutdown in progress on the socket whose
// flow is key (Conn.out); call the returned func once its event is in the
// trace.
func (c *causal) closeStarted(key string) (recorded func()) {
	c.update(func() { c.closing[key] = true })
	return func() { c.update(func() { c.closed[key] = true }) }
}

// awaitSent holds a recv that got the stream up to byte end while the
// peer's send of those bytes is still being recorded (or, for EOF, its
// close). It does not wait for a send that is blocked waiting for this very
// reader (a large sendall the peer makes while we read it piece by piece):
// that send really is still in progress, and the trace shows it returning
// later. Bytes from a send the lab did not trace (no send in progress) are
// not waited for either.
// peer is the flow of the bytes received (Conn.in).
func (c *causal) awaitSent(ctx context.Context, peer string, end int64, eof bool) {
	c.await(ctx, func() bool {
		switch {
		case !c.conns[peer]:
			return true // not a traced peer: nothing to wait for
		case eof:
			return c.closed[peer] || !c.closing[peer]
		}
		return c.sent[peer] >= end || c.blocked[peer] || c.sending[peer] == 0
	})
}

// registerPacket notes a new traced UDP socket.
func (c *causal) registerPacket(local net.Addr) {
	c.update(func() { c.packets[local.String()] = true })
}

// datagramRecorded counts a datagram recorded as sent from one address to another.
func (c *causal) datagramRecorded(from, to net.Addr) {
	c.update(func() { c.dgrams[flowKey(from, to)]++ })
}

// awaitDatagram holds the k-th datagram received from a traced sender until
// at least k datagrams from it are recorded as sent.
func (c *causal) awaitDatagram(ctx context.Context, from, to net.Addr, k int) {
	key := flowKey(from, to)
	c.await(ctx, func() bool { return !c.packets[from.String()] || c.dgrams[key] >= k })
}
