package demos

import (
	"bytes"
	"context"
	"fmt"

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
		// read counts the messages read from this client.
		read := 0
		for { // the communication loop: while True:
			// Each client sends msgs messages and leaves, so the recv after
			// them meets its close: the key call, if it returned empty (EOF).
			if read == msgs {
				s.KeyIf("client-left", isEOF)
			}
			data, err := conn.Recv(1024) // data = conn.recv(1024)
			if err != nil {
				return err
			}
			if len(data) == 0 { // if not data: break
				s.Note(lab.Tf("recv returned b'': client %d has left. Close its socket and go back to accept()",
					"recv 返回 b''：客户端 %d 已经离开。关闭它的套接字，回到 accept()", i))
				break
			}
			read++
			if _, err := conn.Send(upper(data)); err != nil { // conn.send(data.upper())
				return err
			}
		}
		if err := conn.Close(); err != nil { // conn.close()
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
