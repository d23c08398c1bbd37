package lab

import (
	"errors"
	"fmt"
	"strings"
)

// Selector is Python's selectors.DefaultSelector(): one program (one
// thread, one goroutine) watches several sockets and serves whichever is
// ready, instead of sitting in one blocking recv while another client
// waits.
//
//	sel = selectors.DefaultSelector()
//	sel.register(server, selectors.EVENT_READ)
//	while True:
//	    for key, mask in sel.select():      # waits until a socket is ready
//	        ...                             # accept(), or recv() that will not wait
//
// Register, RegisterListener, Unregister and Select are traced calls (op
// select). Select asks the kernel with poll(2) which of the registered
// sockets can be read without waiting: a listening socket with a
// connection to accept, or a connection with bytes or the peer's FIN. On a
// system where the lab has no poll() to call (Windows) it records a note
// saying it cannot show this and returns an error matching
// errors.ErrUnsupported.
type Selector struct {
	side *Side
	keys []SelectKey
}

// SelectKey is one registered socket: a listening socket or a connection.
type SelectKey struct {
	Listener *Listener
	Conn     *Conn
}

// id is the socket's number in the trace.
func (k SelectKey) id() int {
	if k.Listener != nil {
		return k.Listener.id
	}
	return k.Conn.id
}

// sock is the socket, for its file descriptor.
func (k SelectKey) sock() any {
	if k.Listener != nil {
		return k.Listener.l
	}
	return k.Conn.c
}

// NewSelector makes a selector, like selectors.DefaultSelector(). Making it
// is not a socket call and is not traced.
func (s *Side) NewSelector() *Selector { return &Selector{side: s} }

// RegisterListener watches a listening socket: Select reports it when a
// connection waits to be accepted. Traced as sel.register(server, EVENT_READ).
func (sel *Selector) RegisterListener(l *Listener) error {
	return sel.register(SelectKey{Listener: l}, "sel.register(server, EVENT_READ)")
}

// Register watches a connection: Select reports it when a recv would not
// wait (bytes, or the peer's FIN, are there). Traced as
// sel.register(conn, EVENT_READ).
func (sel *Selector) Register(c *Conn) error {
	return sel.register(SelectKey{Conn: c}, "sel.register(conn, EVENT_READ)")
}

func (sel *Selector) register(k SelectKey, call string) error {
	s := sel.side
	if err := s.before(OpSelect, call); err != nil {
		return err
	}
	var err error
	for _, have := range sel.keys {
		if have.id() == k.id() {
			err = fmt.Errorf("%s: socket #%d is already registered", call, k.id())
		}
	}
	if err == nil {
		sel.keys = append(sel.keys, k)
	}
	s.record(Event{Op: OpSelect, Conn: k.id(), Call: call}, err)
	return err
}

// Unregister stops watching a connection, like sel.unregister(conn); do it
// before closing the connection.
func (sel *Selector) Unregister(c *Conn) error {
	s := sel.side
	const call = "sel.unregister(conn)"
	if err := s.before(OpSelect, call); err != nil {
		return err
	}
	err := fmt.Errorf("%s: socket #%d is not registered", call, c.id)
	for i, k := range sel.keys {
		if k.Conn == c {
			sel.keys = append(sel.keys[:i:i], sel.keys[i+1:]...)
			err = nil
			break
		}
	}
	s.record(Event{Op: OpSelect, Conn: c.id, Call: call}, err)
	return err
}

// Select waits until at least one registered socket is ready and returns
// those that are, in the order they were registered, like sel.select().
// Its event's N is how many were ready and its Text lists them.
func (sel *Selector) Select() ([]SelectKey, error) {
	s := sel.side
	const call = "sel.select()"
	if err := s.before(OpSelect, call); err != nil {
		return nil, err
	}
	fds := make([]uintptr, len(sel.keys))
	var err error
	for i, k := range sel.keys {
		if fds[i], err = fdOf(k.sock()); err != nil {
			break
		}
	}
	var ready []bool
	if err == nil {
		if len(fds) == 0 {
			err = errors.New("sel.select(): no socket is registered")
		} else {
			ready, err = pollReadable(s.run.ctx, fds)
		}
	}
	if errors.Is(err, errors.ErrUnsupported) {
		s.setBusy("")
		s.Note(T("this system has no poll() the lab can call: it cannot show one thread waiting on several sockets at once (select)",
			"这个系统没有实验台能调用的 poll()：无法展示一个线程同时等待多个套接字（select）"))
		return nil, fmt.Errorf("%s: %w", call, err)
	}
	var out []SelectKey
	var en, zh []string
	for i, ok := range ready {
		if !ok {
			continue
		}
		k := sel.keys[i]
		out = append(out, k)
		if k.Listener != nil {
			en = append(en, fmt.Sprintf("#%d (a connection to accept)", k.id()))
			zh = append(zh, fmt.Sprintf("#%d（有连接等着 accept）", k.id()))
		} else {
			en = append(en, fmt.Sprintf("#%d", k.id()))
			zh = append(zh, fmt.Sprintf("#%d", k.id()))
		}
	}
	e := Event{Op: OpSelect, Call: call, N: len(out)}
	if err == nil {
		e.Text = T(fmt.Sprintf("%d ready: %s", len(out), strings.Join(en, ", ")),
			fmt.Sprintf("%d 个就绪：%s", len(out), strings.Join(zh, "、")))
	}
	s.record(e, err)
	return out, err
}

// fdOf is the file descriptor (Windows: the socket handle) of a socket.
// The selector does not hold it: the sockets it watches are closed by the
// program that owns them, after unregistering.
func fdOf(sock any) (uintptr, error) {
	rc, err := rawConn(sock)
	if err != nil {
		return 0, err
	}
	var fd uintptr
	if err := rc.Control(func(f uintptr) { fd = f }); err != nil {
		return 0, err
	}
	return fd, nil
}
