package demos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"socketlab/lab"
)

// spinLimit is how many empty reads in a row the lab lets the broken loop of
// demo 8 make before stopping it: without the empty-read test it would never stop.
const spinLimit = 5

// loops is demo 8: the communication loop (several messages on one
// connection) inside the connection loop (several clients, one after
// another), ended by recv returning empty (EOF) when a client leaves; and the same
// server without that test, spinning on empty reads.
func loops() lab.Demo {
	return lab.Demo{
		ID:    8,
		Slug:  "loops",
		Title: lab.T("Communication loop and connection loop", "通信循环与连接循环"),
		Brief: lab.T("several messages per connection, several clients one after another; recv returns b'' when a client leaves",
			"一个连接收发多条消息，多个客户端依次连接；客户端离开时 recv 返回 b''"),
		Knobs: []lab.Knob{
			{Name: "clients", Kind: lab.KindInt, Default: "3", Min: 1, Max: 10,
				Help: lab.T("how many clients connect, one after another", "依次连接的客户端数量")},
			{Name: "msgs", Kind: lab.KindInt, Default: "3", Min: 1, Max: 20,
				Help: lab.T("how many messages each client sends on its connection", "每个客户端在自己的连接上发送几条消息")},
		},
		Server:   loopsServer,
		Client:   loopsClient,
		Peer:     &lab.Peer{Serve: tcpServe(loopsServe), Client: loopsPeerClient, Try: loopsTry},
		Findings: loopsFindings,
	}
}

func loopsServer(ctx context.Context, s *lab.Side) error {
	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Signal("listening")
	// The connection loop. A real server says "while True"; the lab stops
	// after the clients it knows will come.
	msgs := s.Params.Int("msgs")
	for i := 1; i <= s.Params.Int("clients"); i++ {
		conn, err := ln.Accept() // conn, addr = server.accept()
		if err != nil {
			return err
		}
		if _, err := loopsConverse(s, conn, msgs, lab.Tf("recv returned b'': client %d has left. Close its socket and go back to accept()",
			"recv 返回 b''：客户端 %d 已经离开。关闭它的套接字，回到 accept()", i)); err != nil {
			return err
		}
	}

	// Part 2: the same loop without "if not data: break". Its client sends
	// one message and leaves: every recv after the first meets the close.
	s.Step("broken-loop")
	conn, err := ln.Accept()
	if err != nil {
		return err
	}
	for calls, empty := 0, 0; empty < spinLimit; calls++ {
		if calls > 0 {
			s.KeyIf("spin", isEOF)
		}
		data, err := conn.Recv(1024) // data = conn.recv(1024)  (no b'' test)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			empty++
			s.Step("echo-empty")
		}
		if _, err := conn.Send(upper(data)); err != nil { // conn.send(data.upper())
			return err
		}
	}
	s.Note(lab.Tf("the lab stopped this loop after %d empty reads in a row. Nothing else would stop it: every recv returns b'' at once, every send(b'') \"works\", and the program spins at 100%% CPU printing b'' forever",
		"实验台在连续 %d 次空读之后停止了这个循环。别的东西都拦不住它：每次 recv 立刻返回 b''，每次 send(b'') 都“成功”，程序占满 CPU，永远打印 b''",
		spinLimit))
	s.Step("close-broken")
	if err := conn.Close(); err != nil {
		return err
	}
	s.Step("stop-listening")
	return ln.Close()
}

// isEOF reports whether a recv returned empty without an error: the peer
// closed (EOF).
func isEOF(e lab.Event) bool { return e.Op == lab.OpRecv && e.N == 0 && e.Err == "" }

// loopsMessage is the m-th message of client c.
func loopsMessage(c, m int) []byte { return fmt.Appendf(nil, "client %d, message %d", c, m) }

func loopsClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	clients, msgs := s.Params.Int("clients"), s.Params.Int("msgs")
	s.Section(lab.Tf("Part 1: %d clients one after another, %d messages each; the server answers each message in upper case",
		"第 1 部分：%d 个客户端依次连接，每个发 %d 条消息；服务端把每条消息转成大写回复", clients, msgs))
	for c := 1; c <= clients; c++ {
		conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
		if err != nil {
			return err
		}
		for m := 1; m <= msgs; m++ { // the client's communication loop
			if _, err := conn.Send(loopsMessage(c, m)); err != nil { // client.send(msg.encode('utf-8'))
				return err
			}
			// Waiting for the answer before the next message keeps the
			// messages apart: each recv on the server gets exactly one.
			if _, err := conn.Recv(1024); err != nil { // data = client.recv(1024)
				return err
			}
		}
		if err := conn.Close(); err != nil { // client.close(): the server's recv returns b''
			return err
		}
	}

	s.Section(lab.T("Part 2: the same server without `if not data: break`",
		"第 2 部分：同样的服务端，但去掉了 `if not data: break`"))
	conn, err := s.Dial(s.ServerAddr())
	if err != nil {
		return err
	}
	s.Step("say-bye")
	if _, err := conn.Send([]byte("bye")); err != nil {
		return err
	}
	if _, err := conn.Recv(1024); err != nil {
		return err
	}
	s.Step("leave")
	return conn.Close()
}

// serverConnReads returns the server's recv events on each accepted
// connection, in accept order.
func serverConnReads(t lab.Trace) []lab.Trace {
	var out []lab.Trace
	for _, a := range t.Calls(lab.Server, lab.OpAccept) {
		id := a.Conn
		out = append(out, t.Filter(func(e lab.Event) bool {
			return e.Side == lab.Server && e.Op == lab.OpRecv && e.Conn == id
		}))
	}
	return out
}

func loopsFindings(t lab.Trace, p lab.Params) []lab.Finding {
	clients, msgs := p.Int("clients"), p.Int("msgs")
	accepts := t.Calls(lab.Server, lab.OpAccept)
	reads := serverConnReads(t)

	// Communication loop: on each of the first clients' connections, one
	// recv per message, each the whole message, each answered in upper case.
	comm := len(reads) == clients+1
	for c := 1; comm && c <= clients; c++ {
		r := reads[c-1]
		comm = len(r) == msgs+1
		for m := 1; comm && m <= msgs; m++ {
			comm = bytes.Equal(r[m-1].Data, loopsMessage(c, m))
		}
	}
	replies := t.Calls(lab.Client, lab.OpRecv)
	comm = comm && len(replies) >= clients*msgs
	for i := 0; comm && i < clients*msgs; i++ {
		comm = bytes.Equal(replies[i].Data, upper(loopsMessage(i/msgs+1, i%msgs+1)))
	}
	communication := check("communication", comm, lab.Tf(
		"communication loop: each connection carried %d messages, one recv each, each answered in upper case, before the client closed",
		"通信循环：每个连接承载了 %d 条消息，每条一次 recv，每条都收到了大写的回复，然后客户端才关闭", msgs))
	for c := 1; c <= clients && c <= len(reads); c++ {
		communication = communication.On(reads[c-1][:min(msgs, len(reads[c-1]))]...)
	}
	communication = communication.On(replies[:min(clients*msgs, len(replies))]...)

	// Connection loop: each client's last recv is b'', and the next
	// accept() comes after it, on the same listening socket.
	conn := comm
	for c := 1; conn && c <= clients; c++ {
		last := reads[c-1][len(reads[c-1])-1]
		conn = isEOF(last) && last.Key && last.Step == "client-left" && accepts[c].Seq > last.Seq
	}
	connection := check("connection", conn, lab.Tf(
		"connection loop: %d clients came one after another; each time recv returned b'' (the client closed), the server closed that socket and went back to accept() for the next",
		"连接循环：%d 个客户端依次到来；每次 recv 返回 b''（客户端关闭了），服务端就关闭那个套接字，回到 accept() 等下一个", clients)).
		At("client-left").On(accepts[min(1, len(accepts)):]...)

	// Part 2: the broken loop saw spinLimit empty reads in a row, no error.
	spin := false
	if len(reads) == clients+1 {
		r := reads[clients]
		spin = len(r) == spinLimit+1 && r[0].N > 0
		for _, e := range r[1:] {
			spin = spin && isEOF(e)
		}
	}
	spinning := check("spin", spin, lab.Tf(
		"without `if not data: break` the loop got b'' %d times in a row with no error: after a peer closes, recv returns empty at once, every time, so the loop never ends (the lab stopped it)",
		"没有 `if not data: break`，循环连续 %d 次得到 b''，没有任何错误：对方关闭之后，recv 每次都立刻返回空，所以循环永远不会结束（实验台把它停下了）", spinLimit)).
		At("spin", "echo-empty")
	return []lab.Finding{communication, connection, spinning}
}

// loopsConverse is demo 8's communication loop for one client, in `lab run
// 8` and `lab serve 8` alike: each recv(1024) answered upper-cased with one
// send(), until recv returns empty (the client left); then the socket is
// closed. A client that sends msgs messages and leaves meets its close in
// the recv after them: the key call, if it returned empty. With msgs 0
// (a real client, whose count is not known) every recv that returns empty
// is. left is the note said then. It returns how many messages it read.
func loopsConverse(s *lab.Side, conn *lab.Conn, msgs int, left lab.Text) (read int, err error) {
	for { // the communication loop: while True:
		if read == msgs || msgs == 0 {
			s.KeyIf("client-left", isEOF)
		}
		data, err := conn.Recv(1024) // data = conn.recv(1024)
		if err != nil {
			return read, err
		}
		if len(data) == 0 { // if not data: break
			s.Note(left)
			break
		}
		read++
		if err := sendOnce(s, conn, upper(data)); err != nil { // conn.send(data.upper())
			return read, err
		}
	}
	return read, conn.Close() // conn.close()
}

// The peer sides (lab serve, lab client).

// loopsServe is the connection loop's body as `lab serve 8` runs it, for
// every client (each its own [cN] lane; the lab serves them concurrently).
func loopsServe(s *lab.Side, conn *lab.Conn) error {
	_, err := loopsConverse(s, conn, 0, lab.T("recv returned b'': this client has left. Close its socket and go back to accept()",
		"recv 返回 b''：这个客户端已经离开。关闭它的套接字，回到 accept()"))
	return err
}

func loopsTry(host, port string) []string {
	return []string{
		fmt.Sprintf("nc %s %s", host, port),
		fmt.Sprintf(`python3 -c "import socket; s=socket.create_connection(('%s', %s)); [print(s.sendall(m) or s.recv(1024)) for m in (b'one', b'two', b'three')]; s.close()"`, host, port),
	}
}

// loopsPatience is how long `lab client 8` waits for the first answer on a
// connection after the first before it names the likely bug: an echo
// answers in microseconds, a server stuck in the previous client's loop
// never does.
const loopsPatience = 3 * time.Second

// loopsPeerClient is demo 8's client against any server: clients
// connections one after another, msgs messages each, every answer the
// message upper-cased, each connection closed before the next is made.
func loopsPeerClient(ctx context.Context, s *lab.Side, opt lab.PeerOptions) error {
	clients, msgs := s.Params.Int("clients"), s.Params.Int("msgs")
	for c := 1; c <= clients; c++ {
		s.Section(lab.Tf("client %d of %d: %d messages, then close", "第 %d/%d 个客户端：%d 条消息，然后关闭", c, clients, msgs))
		conn, err := dialPeer(s, opt) // client.connect((host, port))
		opt.Peer = nil                // the note about the untraced server once
		if err != nil {
			return loopsLater(c, err, nil, opt)
		}
		for m := 1; m <= msgs; m++ {
			msg := loopsMessage(c, m)
			if err := sendOnce(s, conn, msg); err != nil { // client.send(msg.encode('utf-8'))
				if m > 1 && gone(err) {
					return loopsOneMessage(m, msgs)
				}
				return loopsLater(c, err, nil, opt)
			}
			want := upper(msg)
			var got []byte
			if c > 1 && m == 1 {
				got, err = recvWithin(conn, len(want), loopsPatience, opt)
			} else {
				got, err = recvReply(conn, len(want)) // data = client.recv(1024)
			}
			switch {
			case m == 1 && (err != nil || len(got) == 0):
				return loopsLater(c, err, msg, opt)
			case err != nil && !gone(err):
				return err
			case err != nil || len(got) == 0: // b'', or a reset: it closed with our message unread
				return loopsOneMessage(m, msgs)
			case !bytes.Equal(got, want):
				return fmt.Errorf("the server answered %q to %q; demo 8's server answers the same bytes upper-cased, %q", clip(got), msg, clip(want))
			}
		}
		s.Note(lab.Tf("client %d: %d answers, each the message upper-cased; closing, so the server's recv() returns b''",
			"客户端 %d：%d 个回答，每个都是大写后的消息；现在关闭，服务端的 recv() 会返回 b''", c, msgs))
		if err := conn.Close(); err != nil { // client.close()
			return err
		}
	}
	return nil
}

// loopsLater names the bug when client c could not connect (msg nil), or
// got no answer to its first message, msg: for a client after the first
// that is the connection loop's doing. For the first client it is err as
// it is (or the server closed without answering).
func loopsLater(c int, err error, msg []byte, opt lab.PeerOptions) error {
	if c == 1 {
		if err == nil {
			return fmt.Errorf("the server closed the connection without answering %q", msg)
		}
		return err
	}
	var le *lab.LimitError
	switch cl := lab.Classify(err); {
	case errors.As(err, &le):
		return &lab.Verdict{ID: "stuck",
			What: lab.Tf("client %d connected and sent %q, but no answer came within %v", "客户端 %d 已连接并发出 %q，但 %v 内没有回答", c, msg, le.Limit),
			Hint: lab.Tf("the server is likely still in client %d's communication loop: after a client closes, recv() returns b'' at once, every time, so a loop without `if not data: break` spins and never goes back to accept() (demo 8, part 2). Or it never calls accept() again, and this connection waits in the accept queue",
				"服务端很可能还困在客户端 %d 的通信循环里：客户端关闭之后，recv() 每次都立刻返回 b''，没有 `if not data: break` 的循环就会空转，永远回不到 accept()（演示 8 第 2 部分）。也可能它再也不调用 accept()，这个连接只能在 accept 队列里等着", c-1)}
	case err == nil || cl == lab.ClassReset || cl == lab.ClassRefused || cl == lab.ClassBrokenPipe || cl == lab.ClassEOF:
		what := lab.Tf("client %d could not connect after client %d had left (%v)", "客户端 %d 在客户端 %d 离开之后连不上了（%v）", c, c-1, err)
		if msg != nil {
			what = lab.Tf("the server dropped client %d's connection without answering (%s), after client %d had left", "客户端 %d 的连接没有得到回答就被服务端断开了（%s），此前客户端 %d 已经离开", c, endOf(err), c-1)
		}
		return &lab.Verdict{ID: "connection-loop", What: what,
			Hint: lab.T("the server served one client and stopped: put accept() in a loop (the connection loop: while True: conn, addr = server.accept() …), and close only the client's socket when it leaves, not the server's",
				"服务端服务完一个客户端就停了：把 accept() 放进循环（连接循环：while True: conn, addr = server.accept() ……），客户端离开时只关闭它的套接字，不要关闭服务端的"),
		}
	}
	return err
}

// loopsOneMessage is the verdict on a server that closed before the m-th
// of msgs messages was answered: it has no communication loop.
func loopsOneMessage(m, msgs int) error {
	return &lab.Verdict{ID: "communication-loop",
		What: lab.Tf("the server closed the connection after %d message(s) of %d", "服务端在 %d/%d 条消息之后就关闭了连接", m-1, msgs),
		Hint: lab.T("it answers one message per connection: put recv() and send() in a loop (the communication loop) that ends only when recv() returns b''",
			"它每个连接只回答一条消息：把 recv() 和 send() 放进循环（通信循环），只有 recv() 返回 b'' 时才结束")}
}
