package lab

import "fmt"

// Fork returns a sub-side for one of several programs on the same side of a
// demo, such as one of three clients or the handler goroutine a server
// starts for each connection. It shares the side's role, knobs, barriers and
// run (cancelling the run closes its sockets too), and every event it
// records carries tag in Event.Who, shown in the trace as "[tag]".
//
// Step names are a fork's own: Step and Key name the fork's next call.
func (s *Side) Fork(tag string) *Side {
	f := newSide(s.run, s.Role, s.Params)
	f.who = tag
	return f
}

// SetUser names who is logged in on this side's connection (a server's
// handler after a login): every event it records from now on carries the
// name in Event.User beside its fork tag.
func (s *Side) SetUser(name string) {
	s.mu.Lock()
	s.user = name
	s.mu.Unlock()
}

// User is the name SetUser gave, "" before.
func (s *Side) User() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.user
}

// Who is the side's fork tag, "" for the side a demo func was given.
func (s *Side) Who() string { return s.who }

// HandTo hands the connection to another side of the same run, typically a
// Fork that serves it in its own goroutine: the calls made through the
// returned Conn are traced under that side's tag. The stream offsets carry
// on; do not use c afterwards.
func (c *Conn) HandTo(s *Side) *Conn {
	if s.run != c.side.run {
		panic(fmt.Sprintf("lab: connection #%d handed to a side of another run", c.id))
	}
	s.track(c.c)
	n := &Conn{c: c.c, side: s, id: c.id, rxSum: c.rxSum, txSum: c.txSum, blk: c.blk, closed: c.closed, out: c.out, in: c.in}
	n.rx.Store(c.rx.Load())
	n.tx.Store(c.tx.Load())
	n.transfer.Store(c.transfer.Load())
	n.done.Store(c.done.Load())
	return n
}
