package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Serving real peers: `lab serve N` is one side of a demo, a server that
// waits for clients the lab does not run (a learner's Python program, nc).
// It runs in a Session, accepts every connection in a Fork of its own,
// tagged c1, c2, …, and serves them concurrently:
//
//	listener ── accept() [c1] ── handle(c1) ── close()   (goroutine)
//	         ── accept() [c2] ── handle(c2) ── ✗ bad frame, close()
//	         ── accept() [c3] …
//
// A handler's error ends its own connection only: the trace shows it in
// that connection's lane and the server goes on. The accept loop never
// waits for a handler: a room of silent or trickling clients cannot keep a
// good one in the accept queue. At most Max connections are open at once;
// the next one is accepted, told why in its lane and closed at once, so a
// crowd of clients costs a bounded amount of memory and each client gets
// an answer (a close) instead of a hang.

// DefaultMaxConns is how many connections Listener.Serve keeps open at
// once unless told otherwise.
const DefaultMaxConns = 1024

// ServeOptions say how Listener.Serve runs.
type ServeOptions struct {
	Count int           // stop after this many connections; 0 = until the session ends
	Max   int           // connections open at once (DefaultMaxConns when <= 0); more are refused
	Idle  time.Duration // a connection that makes no progress for this long is dropped; 0 = never
	Peer  *Side         // the lane of the untraced peers: each arrival is noted there; may be nil
}

// ServeStats count what Listener.Serve did.
type ServeStats struct {
	Conns   int // connections accepted
	Failed  int // connections whose handler returned an error or gave a verdict
	Refused int // connections closed at once because Max were open
	// Clients are the verdicts on the clients that went wrong, the first
	// MaxVerdicts of them (a classroom server may serve thousands).
	Clients []ClientVerdict
}

// MaxVerdicts is how many clients' verdicts ServeStats keeps.
const MaxVerdicts = 32

// A ClientVerdict is what went wrong with one client of a server: the
// verdicts its handler gave (Side.Verdict), else how its connection ended.
type ClientVerdict struct {
	Who  string // the fork's tag, c1, c2, …
	ID   string // the verdict's id, or "error"
	Text Text
}

// Verdict gives a verdict on this side's peer: the trace shows it with ✗
// in the lane, and a server's ServeStats keep it for the verdict at its
// end. The connection goes on (return an error to end it).
func (s *Side) Verdict(v *Verdict) {
	s.Fail(v.Text(), v)
	s.mu.Lock()
	if len(s.verdicts) < 8 {
		s.verdicts = append(s.verdicts, v)
	}
	s.mu.Unlock()
}

// clientVerdicts are what went wrong with the client a fork served: its
// verdicts, else the error its handler returned, said as the client's doing.
func clientVerdicts(s *Side, err error) []ClientVerdict {
	s.mu.Lock()
	vs := s.verdicts
	s.mu.Unlock()
	var out []ClientVerdict
	for _, v := range vs {
		out = append(out, ClientVerdict{Who: s.who, ID: v.ID, Text: v.Text()})
	}
	var v *Verdict
	switch {
	case err == nil || len(out) > 0 && errors.As(err, &v):
	case errors.As(err, &v):
		out = append(out, ClientVerdict{Who: s.who, ID: v.ID, Text: v.Text()})
	default:
		out = append(out, ClientVerdict{Who: s.who, ID: "error", Text: endedText(err)})
	}
	return out
}

// endedText says how a client's connection went wrong, from its error.
func endedText(err error) Text {
	var le *LimitError
	if errors.As(err, &le) {
		return le.Explain()
	}
	switch Classify(err) {
	case ClassReset:
		return T("it reset the connection (RST): a client that closes with part of an answer unread does that; read the whole answer (its length, or until b'') before closing",
			"它重置了连接（RST）：客户端在回答还没读完时关闭就会这样；先读完整个回答（按长度，或读到 b''）再关闭")
	case ClassBrokenPipe:
		return T("it had gone while the server was still sending (EPIPE): it closed before the whole answer was sent",
			"服务端还在发送时它已经走了（EPIPE）：它在整个回答发完之前就关闭了")
	}
	return Tf("its connection ended with an error: %v", "它的连接以错误结束：%v", err)
}

// Serve accepts connections and runs handle for each one in its own
// goroutine, on a Fork of the listener's side (the accept() is traced in
// that fork's lane already). handle should close the connection; when it
// returns an error instead, the error is shown in the connection's lane and
// Serve closes it, unless handle already did. A handler that panics is reported the same way. Serve
// returns once opt.Count connections have been served, or with the
// session's cause when it ends (Ctrl-C), after the running handlers have
// returned. It does not close the listener.
func (l *Listener) Serve(opt ServeOptions, handle func(s *Side, c *Conn) error) (ServeStats, error) {
	sv := &server{l: l, opt: opt, handle: handle, max: opt.Max}
	if sv.max <= 0 {
		sv.max = DefaultMaxConns
	}
	defer sv.wg.Wait()
	ctx := l.side.run.ctx
	for n := 1; opt.Count <= 0 || n <= opt.Count; {
		fork, conn, err := sv.accept(fmt.Sprintf("c%d", n))
		switch {
		case err == nil:
		case ctx.Err() != nil:
			sv.wg.Wait()
			return sv.stats, context.Cause(ctx)
		case errors.Is(err, net.ErrClosed):
			sv.wg.Wait()
			return sv.stats, err
		default:
			// Out of file descriptors and the like: try again soon.
			select {
			case <-time.After(50 * time.Millisecond):
			case <-ctx.Done():
			}
			continue
		}
		n++
		sv.admit(fork, conn)
	}
	sv.wg.Wait()
	return sv.stats, nil
}

// server is one Serve: its connections, the slots they take and what
// became of them.
type server struct {
	l      *Listener
	opt    ServeOptions
	handle func(s *Side, c *Conn) error
	max    int // connections served at once
	wg     sync.WaitGroup
	mu     sync.Mutex
	open   int
	stats  ServeStats
}

// accept takes the next connection, in a lane of its own (tag).
func (sv *server) accept(tag string) (*Side, *Conn, error) {
	fork := sv.l.side.Fork(tag)
	fork.Idle()
	conn, err := (&Listener{l: sv.l.l, side: fork, id: sv.l.id}).Accept()
	if err != nil {
		fork.Retire()
		return nil, nil, err
	}
	return fork, conn, nil
}

// admit serves a connection in a goroutine of its own, or refuses it
// when every slot is taken.
func (sv *server) admit(fork *Side, conn *Conn) {
	sv.mu.Lock()
	sv.stats.Conns++
	full := sv.open >= sv.max
	if full {
		sv.stats.Refused++
	} else {
		sv.open++
	}
	sv.mu.Unlock()
	sv.wg.Add(1)
	if full {
		go func() {
			defer sv.wg.Done()
			refuse(fork, conn, sv.max)
		}()
		return
	}
	if p := sv.opt.Peer; p != nil {
		s := sv.l.side
		pf := p.Fork(fork.who)
		a := conn.RemoteAddr().String()
		pf.Note(T(fmt.Sprintf("%s connected: a program the lab does not trace; what it sends shows where the %s receives it", a, s.Role.Name(En)),
			fmt.Sprintf("%s 已连接：这是实验台不跟踪的程序；它发来的字节显示在%s收到它们的地方", a, s.Role.Name(Zh))))
		pf.Retire()
	}
	conn.SetIdle(sv.opt.Idle)
	go sv.serve(fork, conn)
}

// serve runs the handler on one connection and records how it ended.
func (sv *server) serve(fork *Side, conn *Conn) {
	defer sv.wg.Done()
	defer func() {
		sv.mu.Lock()
		sv.open--
		sv.mu.Unlock()
	}()
	defer fork.Retire()
	err := handleOne(fork, conn, sv.handle)
	if sv.l.side.run.ctx.Err() != nil && err != nil {
		err = nil // stopped (Ctrl-C): not the client's doing
	}
	if vs := clientVerdicts(fork, err); len(vs) > 0 {
		sv.mu.Lock()
		sv.stats.Failed++
		sv.stats.Clients = append(sv.stats.Clients, vs[:max(0, min(len(vs), MaxVerdicts-len(sv.stats.Clients)))]...)
		sv.mu.Unlock()
	}
	if err != nil {
		var le *LimitError // the read it cut off already shows the error (✗)
		if errors.As(err, &le) {
			err = nil
		}
		fork.record(Event{Op: OpNote, Conn: conn.id, Text: endText(le, err)}, err)
		if !conn.closed.Load() { // a refusal may have closed it: a second close() would fail (EBADF)
			conn.Close()
		}
	}
}

// refuse closes a connection beyond the maximum with a note in its lane:
// FIN first (shutdown), then what the client already sent is read and
// dropped for a moment, so the close is orderly, not a reset.
func refuse(s *Side, c *Conn, maxConns int) {
	defer s.Retire()
	s.Note(Tf("refused: %d connections are open already (--max %d); closing this one at once, so its client gets an answer instead of a hang",
		"拒绝：已经有 %d 个连接打开（--max %d）；立即关闭这个连接，让它的客户端得到回应而不是一直等着", maxConns, maxConns))
	if err := c.CloseWrite(); err == nil {
		c.c.SetReadDeadline(time.Now().Add(refuseDrain))
		io.Copy(io.Discard, io.LimitReader(c.c, 1<<20))
	}
	c.Close()
}

// refuseDrain is how long a refused connection's input is dropped before
// it is closed.
const refuseDrain = time.Second

// handleOne runs handle, turning a panic into an error: one bad
// connection never brings the server down.
func handleOne(s *Side, c *Conn, handle func(*Side, *Conn) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	return handle(s, c)
}

// endText explains in the connection's lane why it ends.
func endText(le *LimitError, err error) Text {
	if le != nil {
		t := le.Explain()
		t.En += "; the server goes on"
		t.Zh += "；服务端继续工作"
		return t
	}
	return T("this connection ends here; the server goes on serving the others",
		"这个连接到此结束；服务端继续为其他连接服务")
}

// Fail adds an error to this side's lane: what went wrong with the peer,
// shown with ✗ like a failed call.
func (s *Side) Fail(t Text, err error) {
	s.record(Event{Op: OpNote, Text: t}, err)
}

// End closes a session's trace the way a demo run's ends: the findings,
// then the summary, the JSON trace's last line. With err (a side that
// failed) the summary carries the error and the findings are left out.
func (s *Session) End(demo string, findings []Finding, err error) {
	rec := s.run.rec
	if err != nil {
		rec.Record(Event{Side: System, Op: OpSummary, Demo: demo, Err: err.Error(), Text: ErrText(err)})
		return
	}
	ok := true
	for _, f := range findings {
		rec.Record(Event{Side: System, Op: OpFinding, ID: f.ID, OK: f.OK, Text: f.Text})
		ok = ok && f.OK
	}
	rec.Record(Event{Side: System, Op: OpSummary, Demo: demo, OK: ok, Findings: len(findings)})
}
