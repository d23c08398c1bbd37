package demos

import (
	"context"
	"fmt"
	"strings"
	"time"

	"socketlab/lab"
)

// Real peers: `lab serve N` runs the server side of demo N for a program the
// lab does not run (a learner's Python client, nc), and `lab client N` runs
// the client side against any server. Each speaks the tutorial's wire format
// byte for byte (see "What lab serve N speaks" in the design), serves
// clients concurrently, limits every frame it reads and gives up on a peer
// that stops making progress.

// PeerDemos lists the demos that have a real-peer side: "1 tcp-basic, 2 udp, …".
func PeerDemos() string {
	var names []string
	for _, d := range All() {
		if d.Peer != nil {
			names = append(names, d.Name())
		}
	}
	return strings.Join(names, ", ")
}

// PeerIDs are the numbers of the demos that have a real-peer side, in
// catalogue order.
func PeerIDs() []int {
	var ids []int
	for _, d := range All() {
		if d.Peer != nil {
			ids = append(ids, d.ID)
		}
	}
	return ids
}

// peerMax is the largest frame a real-peer side reads: a length above it is
// refused before anything is allocated for it.
const peerMax = 16 << 20

// peerCommands are what `lab client` asks a command server (5, 6, 10) to
// run: harmless, with one answer longer than recv(1024).
var peerCommands = []string{"whoami", "ls -l", "pwd"}

// tryLine is the hint of a line-echo server: nc, or one Python round trip.
func tryLine(msg string) func(host, port string) []string {
	return func(host, port string) []string {
		return []string{
			fmt.Sprintf("nc %s %s", host, port),
			fmt.Sprintf(`python3 -c "import socket; s=socket.create_connection(('%s', %s)); s.sendall(b'%s'); print(s.recv(1024))"`, host, port, msg),
		}
	}
}

// tryCommand is the hint of a command server: one command and its framed answer.
func tryCommand(framing string) func(host, port string) []string {
	return func(host, port string) []string {
		read := `print(s.recv(1024))`
		switch framing {
		case "struct":
			read = `n=struct.unpack('i', s.recv(4))[0]; print(s.recv(n))`
		case "json":
			read = `n=struct.unpack('i', s.recv(4))[0]; h=json.loads(s.recv(n)); print(h, s.recv(h['datasize']))`
		}
		return []string{fmt.Sprintf(`python3 -c "import socket, struct, json; s=socket.create_connection(('%s', %s)); s.sendall(b'whoami'); %s"`, host, port, read)}
	}
}

// tcpServe listens on opt.Addr and serves every connection with handle.
func tcpServe(handle func(s *lab.Side, c *lab.Conn) error) func(context.Context, *lab.Side, lab.PeerOptions) (lab.ServeStats, error) {
	return tcpServeWith(nil, handle)
}

// tcpServeWith is tcpServe with setup called on the listening socket
// before the first accept (socket options every connection inherits).
func tcpServeWith(setup func(s *lab.Side, ln *lab.Listener) error, handle func(s *lab.Side, c *lab.Conn) error) func(context.Context, *lab.Side, lab.PeerOptions) (lab.ServeStats, error) {
	return func(ctx context.Context, s *lab.Side, opt lab.PeerOptions) (lab.ServeStats, error) {
		backlog := opt.Backlog
		if backlog <= 0 {
			backlog = lab.SystemBacklog()
		}
		ln, err := s.ListenWith(opt.Addr, lab.ListenOptions{Reuse: true, Setup: true, Backlog: backlog}) // server.bind(addr); server.listen(backlog)
		if err != nil {
			return lab.ServeStats{}, err
		}
		if setup != nil {
			if err := setup(s, ln); err != nil {
				ln.Close()
				return lab.ServeStats{}, err
			}
		}
		if opt.Ready != nil {
			opt.Ready(ln.Addr())
		}
		st, err := ln.Serve(lab.ServeOptions{Count: opt.Count, Max: opt.Max, Idle: opt.Idle, Peer: opt.Peer}, handle)
		if err != nil {
			return st, err
		}
		return st, ln.Close()
	}
}

// dialPeer connects to the server of `lab client`, giving up after the idle
// limit, and limits every later call the same way.
func dialPeer(s *lab.Side, opt lab.PeerOptions) (*lab.Conn, error) {
	var conn *lab.Conn
	var err error
	if opt.Idle > 0 {
		conn, err = s.DialTimeout(opt.Addr, opt.Idle)
	} else {
		conn, err = s.Dial(opt.Addr)
	}
	if err != nil {
		return nil, err
	}
	conn.SetIdle(opt.Idle)
	if opt.Timeout > 0 {
		conn.PaceAnswers(lab.Pace{Total: opt.Timeout, MinRate: 1024, What: lab.T("the answer", "回答")})
	}
	if opt.Peer != nil {
		opt.Peer.Note(lab.Tf("the server at %s is a program the lab does not trace: what it sends shows where the client receives it",
			"%s 上的服务端是实验台不追踪的程序：它发来的字节显示在客户端收到它们的地方", opt.Addr))
	}
	return conn, nil
}

// sendOnce is the tutorials' send(): one call. Should it take fewer bytes
// than asked, which send() may do (demo 13), the rest goes with sendall and
// the trace says so, so that no byte of the message is silently lost.
func sendOnce(s *lab.Side, conn *lab.Conn, b []byte) error {
	n, err := conn.Send(b)
	if err != nil || n == len(b) {
		return err
	}
	s.Note(lab.Tf("send() took %d of %d bytes; the rest goes with sendall()", "send() 只发出了 %d / %d 个字节；剩下的用 sendall() 发送", n, len(b)))
	return conn.SendAll(b[n:])
}

// recvReply reads until want bytes arrived or the server closes.
func recvReply(conn *lab.Conn, want int) ([]byte, error) {
	var got []byte
	for len(got) < want {
		data, err := conn.Recv(1024) // reply = client.recv(1024)
		if err != nil {
			return got, err
		}
		if len(data) == 0 {
			break
		}
		got = append(got, data...)
	}
	return got, nil
}

// recvWithin is recvReply with a limit of its own on this answer: d, or
// the --timeout when that is shorter. The answers after it keep to the
// --timeout again.
func recvWithin(conn *lab.Conn, want int, d time.Duration, opt lab.PeerOptions) ([]byte, error) {
	done := patient(conn, d, opt)
	defer done()
	return recvReply(conn, want)
}

// patient limits the reads on conn until done is called to d, or to the
// --timeout when that is shorter; after done they keep to the --timeout
// again.
func patient(conn *lab.Conn, d time.Duration, opt lab.PeerOptions) (done func()) {
	if opt.Timeout > 0 {
		d = min(d, opt.Timeout)
	}
	end := conn.Paced(lab.Pace{Total: d, What: lab.T("the answer", "回答")})
	return func() {
		end()
		if opt.Timeout > 0 {
			conn.PaceAnswers(lab.Pace{Total: opt.Timeout, MinRate: 1024, What: lab.T("the answer", "回答")})
		}
	}
}

// recvUntilEOF reads until the peer closes; more than limit bytes is an error.
func recvUntilEOF(conn *lab.Conn, limit int) ([]byte, error) {
	var got []byte
	for {
		data, err := conn.Recv(1024) // data = client.recv(1024)
		if err != nil || len(data) == 0 {
			return got, err
		}
		if got = append(got, data...); len(got) > limit {
			return got, fmt.Errorf("the server sent more than %d bytes where it should have closed", limit)
		}
	}
}

// expectEOF reads once more: the server must have closed (an empty recv).
func expectEOF(conn *lab.Conn, what string) error {
	data, err := conn.Recv(1024)
	if err != nil {
		return err
	}
	if len(data) > 0 {
		return fmt.Errorf("%s: the server sent %d more bytes (%q) where it should have closed", what, len(data), clip(data))
	}
	return nil
}

// clip shortens bytes for an error message.
func clip(b []byte) []byte {
	if len(b) > 40 {
		return append(b[:40:40], "…"...)
	}
	return b
}
