package grade

// Waiting until a server listens: its sockets, found from its process
// group, never by connecting.

import (
	"context"
	"slices"
	"time"
)

// Listen says what WaitListening waits for.
type Listen struct {
	// Proto is "tcp" (a listening socket), "udp" (a bound socket) or ""
	// (either).
	Proto string
	// Port is where to look (--port); 0 is any socket of the group,
	// preferring one on the program's {port}. Elsewhere than Linux a
	// port is needed (ErrNeedPort).
	Port int
	// Timeout is how long to wait; 0 is DefaultWait.
	Timeout time.Duration
	// OnWait, if set, is called once when the program is not listening
	// after Notice (0: DefaultNotice): the caller prints "waiting for
	// your program".
	OnWait func()
	Notice time.Duration
}

// WaitListening waits until the program listens (TCP) or has bound a
// socket (UDP), without ever connecting to it, and returns that socket
// (Addr is where to connect). The error is a *Failure of ErrExited (with
// the exit and the output's tail) or ErrNeverListened (with the sockets it
// has instead, if any), ErrNeedPort where the platform cannot discover a
// port, or ctx's error.
func (p *Program) WaitListening(ctx context.Context, w Listen) (Socket, error) {
	if w.Timeout <= 0 {
		w.Timeout = DefaultWait
	}
	if w.Notice <= 0 {
		w.Notice = DefaultNotice
	}
	m := p.Mark()
	deadline := time.NewTimer(w.Timeout)
	defer deadline.Stop()
	notice := time.NewTimer(w.Notice)
	defer notice.Stop()
	if w.OnWait == nil {
		notice.Stop()
	}
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	exited := p.exited
	var seen []Socket
	for {
		found, all, err := p.grp.find(w.Proto, w.Port, p.port)
		if err != nil {
			return Socket{}, err
		}
		if found != nil {
			return *found, nil
		}
		seen = all
		if exited == nil && !p.Alive() {
			p.drain(ctx)
			return Socket{}, p.failure(ErrExited, m)
		}
		select {
		case <-ctx.Done():
			return Socket{}, ctx.Err()
		case <-deadline.C:
			f := p.failure(ErrNeverListened, m)
			f.Port, f.Proto, f.Sockets = w.Port, w.Proto, seen
			return Socket{}, f
		case <-notice.C:
			w.OnWait()
		case <-exited:
			exited = nil // look once more: a child may hold the socket
		case <-tick.C:
		}
	}
}

// pick chooses among the sockets of the group: those of the protocol
// asked for (and on the port, if one is), the program's own {port} first,
// then TCP before UDP, the lower port, IPv4 before IPv6.
func pick(socks []Socket, proto string, port, prefer int) *Socket {
	var c []Socket
	for _, s := range socks {
		if (proto == "" || s.Proto == proto) && (port == 0 || int(s.Local.Port()) == port) {
			c = append(c, s)
		}
	}
	if len(c) == 0 {
		return nil
	}
	rank := func(s Socket) []int {
		r := []int{1, 0, int(s.Local.Port()), 1}
		if int(s.Local.Port()) == prefer {
			r[0] = 0
		}
		if s.Proto == "udp" {
			r[1] = 1
		}
		if s.Local.Addr().Is4() {
			r[3] = 0
		}
		return r
	}
	best := slices.MinFunc(c, func(a, b Socket) int { return slices.Compare(rank(a), rank(b)) })
	return &best
}
