package demos

import (
	"context"
	"errors"
	"fmt"
	"time"

	"socketlab/lab"
)

// stateWait bounds how long an end waits for its TCP state to change: the
// ACK of a FIN is a delayed ACK (40 ms and more on Linux), and the state
// after the last ACK is read from /proc, which a busy machine reads slowly.
const stateWait = 3 * time.Second

// handshake is demo 17: how a TCP connection begins and ends, on the wire.
// connect() makes the kernel send SYN, answer SYN-ACK and ACK, and the
// server's kernel queues the finished connection before accept() is even
// called. Closing takes a FIN and an ACK each way (四次挥手), and the end
// that closed first keeps the connection in TIME_WAIT: if that end is the
// server, a server restarted on the same port cannot bind while it lasts,
// unless SO_REUSEADDR was set on the old listener and the new one. A
// connect to a port nobody listens on is answered by RST: refused.
//
// Recipe: the server calls accept() only after the client's connect()
// returned (a barrier), so the handshake is shown to need no accept(); the
// second closer closes only after the first closer's state is FIN_WAIT2
// (the peer's ACK of its FIN came back: the peer's kernel delays it, and
// a quick close would carry it on its own FIN, three segments instead of
// four); the first closer reads TIME_WAIT only after the second closer's
// close() returned.
func handshake() lab.Demo {
	return lab.Demo{
		ID:    17,
		Slug:  "handshake",
		Title: lab.T("The three-way handshake and the four-way close", "三次握手与四次挥手"),
		Brief: lab.T("SYN, SYN-ACK, ACK before accept(); FIN and ACK each way, with the TCP state of each end; TIME_WAIT on the side that closed first; a closed port answers RST",
			"accept() 之前就已经 SYN、SYN-ACK、ACK；双方各一个 FIN 和 ACK，以及每一端的 TCP 状态；先关闭的一方进入 TIME_WAIT；没有人监听的端口回 RST"),
		Knobs: []lab.Knob{
			{Name: "closer", Kind: lab.KindEnum, Default: "server", Choices: []string{"server", "client"},
				Help: lab.T("which end calls close() first: it sends the first FIN and ends in TIME_WAIT (server: the restart on the same port meets that TIME_WAIT)",
					"哪一端先调用 close()：它发出第一个 FIN，最后停在 TIME_WAIT（server：在同一端口上重启的服务端会碰上这个 TIME_WAIT）")},
			{Name: "reuse", Kind: lab.KindEnum, Default: "off", Choices: []string{"off", "on"},
				Help: lab.T("SO_REUSEADDR on the server's listening sockets, the first one and the restarted one (on: the restart binds despite a TIME_WAIT on its port)",
					"服务端的监听套接字是否设置 SO_REUSEADDR，第一个和重启的那个都算（on：尽管端口上有 TIME_WAIT，重启也能 bind）")},
		},
		Server:   handshakeServer,
		Client:   handshakeClient,
		Findings: handshakeFindings,
	}
}

// handshakeListen makes the server's listening socket on addr: listen(5),
// as the tutorial's servers do, with SO_REUSEADDR when reuse=on.
func handshakeListen(s *lab.Side, addr string) (*lab.Listener, error) {
	return s.ListenWith(addr, lab.ListenOptions{Backlog: 5, Reuse: s.Params.String("reuse") == "on"})
}

func handshakeServer(ctx context.Context, s *lab.Side) error {
	s.Section(lab.T("the three-way handshake (三次握手): connect() and the kernels; accept() comes later",
		"三次握手：connect() 与内核；accept() 在后面"))
	ln, err := handshakeListen(s, "127.0.0.1:0") // server.bind(('127.0.0.1', 0)); server.listen(5)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	s.Signal("listening")
	if err := s.Wait("connected"); err != nil { // the client's connect() has returned
		return err
	}
	// The finished connection waits in the accept queue (demo 12).
	if _, _, err := ln.AcceptQueue(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	s.Key("accept-later")
	conn, err := ln.Accept() // conn, addr = server.accept()
	if err != nil {
		return err
	}
	if _, err := stateOf(conn); err != nil {
		return err
	}
	s.Signal("accepted")
	if err := closeConn(s, conn, s.Params.String("closer") == "server"); err != nil {
		return err
	}
	if err := s.Wait("closed"); err != nil { // the first closer has read its TIME_WAIT
		return err
	}

	s.Section(lab.T("nobody listens: the server closes its listening socket", "没有人监听：服务端关闭监听套接字"))
	s.Step("stop-listening")
	if err := ln.Close(); err != nil { // server.close()
		return err
	}
	s.Signal("stopped")
	if err := s.Wait("refused"); err != nil {
		return err
	}

	s.Section(lab.Tf("the server restarts on the same port, %s", "服务端在同一个端口 %s 上重启", addr))
	s.Key("restart")
	ln2, err := handshakeListen(s, addr) // server.bind(('127.0.0.1', port)) again
	if err != nil {
		if lab.Classify(err) != lab.ClassAddrInUse {
			return err
		}
		c := lab.ClassAddrInUse
		s.Note(lab.Tf("bind() failed with %s: Python raises %s (Windows: %s). A connection of this port is still in TIME_WAIT",
			"bind() 失败，错误是 %s：Python 抛出 %s（Windows：%s）。这个端口还有一个连接处于 TIME_WAIT",
			c, c.Python(), c.Windows()))
		return nil
	}
	s.Step("stop-restarted")
	return ln2.Close()
}

func handshakeClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	addr := s.ServerAddr()
	s.Key("handshake")
	conn, err := s.Dial(addr) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	if _, err := stateOf(conn); err != nil {
		return err
	}
	s.Signal("connected")
	if err := s.Wait("accepted"); err != nil {
		return err
	}
	if err := closeConn(s, conn, s.Params.String("closer") == "client"); err != nil {
		return err
	}
	if err := s.Wait("stopped"); err != nil {
		return err
	}

	s.Key("refused")
	refused, err := s.Dial(addr) // client.connect(('127.0.0.1', port)): nobody listens there now
	if err == nil {
		refused.Close()
		return fmt.Errorf("a connect to %s worked after the server stopped listening", addr)
	}
	if c := lab.Classify(err); c == lab.ClassRefused {
		s.Note(lab.Tf("refused: nobody listens on that port, so its kernel answered the SYN with RST; connect() failed with %s (Python %s, Windows %s)",
			"被拒绝：那个端口上没有人监听，所以对方内核用 RST 回答了 SYN；connect() 失败，错误是 %s（Python %s，Windows %s）",
			c, c.Python(), c.Windows()))
	} else {
		return err
	}
	s.Signal("refused")
	return nil
}

// closeConn is one end's part of the close: the first closer closes and
// waits for the ACK of its FIN, then, once the other end has closed too,
// reads its TIME_WAIT; the second closer reads b” (the FIN) and closes.
func closeConn(s *lab.Side, conn *lab.Conn, first bool) error {
	if first {
		en, zh := roleNames(s.Role)
		s.Section(sentence("the four-way close (四次挥手): the %s closes first", []any{en}, "四次挥手：%s先关闭", []any{zh}))
		s.Key("close-first")
		if err := conn.Close(); err != nil { // conn.close()
			return err
		}
		st, err := stateOf(conn)
		if err != nil {
			return err
		}
		if st == "FIN_WAIT1" {
			// The peer's kernel ACKs the FIN a moment later, on its own.
			if _, err := conn.WaitTCPState("FIN_WAIT2", stateWait); err != nil && !errors.Is(err, errors.ErrUnsupported) {
				return err
			}
		}
		s.Signal("fin-acked")
		if err := s.Wait("closed-second"); err != nil {
			return err
		}
		if st != lab.StateUnknown {
			if _, err := conn.WaitTCPState("TIME_WAIT", stateWait); err != nil && !errors.Is(err, errors.ErrUnsupported) {
				return err
			}
		}
		s.Signal("closed")
		return nil
	}
	if err := s.Wait("fin-acked"); err != nil {
		return err
	}
	if _, err := stateOf(conn); err != nil {
		return err
	}
	s.Key("read-eof")
	data, err := conn.Recv(1024) // data = conn.recv(1024): b''
	if err != nil {
		return err
	}
	if len(data) != 0 {
		return fmt.Errorf("the peer sent %q before closing", data)
	}
	s.Key("close-second")
	if err := conn.Close(); err != nil { // conn.close()
		return err
	}
	if _, err := stateOf(conn); err != nil {
		return err
	}
	s.Signal("closed-second")
	return nil
}

// stateOf records the connection's TCP state; where the system cannot
// show it, that is no failure (the findings say what is not shown).
func stateOf(conn *lab.Conn) (string, error) {
	st, err := conn.TCPState()
	if errors.Is(err, errors.ErrUnsupported) {
		return lab.StateUnknown, nil
	}
	return st, err
}
