package demos

import (
	"context"
	"errors"
	"fmt"

	"socketlab/lab"
)

// The ways the client of demo 19 says "I am done sending", in the order
// mode=both shows them.
var halfCloseModes = []string{"shutdown", "close"}

// What the two programs of demo 19 say: the server greets first (the
// greeting stays unread in the client's receive buffer), the client sends
// one request, and the server answers it once the client is done sending.
const (
	halfGreeting = "welcome\n"
	halfRequest  = "hello"
	halfMore     = "more"
)

// halfClose is demo 19: shutdown(SHUT_WR) closes one direction. The peer's
// recv returns empty (EOF), yet the peer can still send, and the half-closed side
// still receives; only sending is over for it. close() instead ends both
// directions, and with unread bytes in its receive buffer it resets the
// connection (demo 9): the peer gets ConnectionResetError, not an EOF.
//
// Recipe: the server's greeting is queued, unread, in the client's receive
// buffer (SIOCINQ) before the client shuts down or closes, and the client
// does so only after the server has read the request, so the server's next
// recv is the one that meets the ending.
func halfClose() lab.Demo {
	return lab.Demo{
		ID:    19,
		Slug:  "half-close",
		Title: lab.T("Half-close: shutdown(SHUT_WR) is not close()", "半关闭：shutdown(SHUT_WR) 不是 close()"),
		Brief: lab.T("after shutdown(SHUT_WR) the peer reads b'' yet can still answer, and the half-closed side still receives; close() with unread data resets instead",
			"shutdown(SHUT_WR) 之后对方读到 b''，却仍然可以回复，半关闭的一方也仍然能接收；带着没读的数据 close() 则会重置连接"),
		Knobs: []lab.Knob{
			{Name: "mode", Kind: lab.KindEnum, Default: "both", Choices: append([]string{"both"}, halfCloseModes...),
				Help: lab.T("how the client says it is done sending: shutdown (shutdown(SHUT_WR), then it reads the answer), close (close() with the greeting unread), or both, one connection each",
					"客户端如何表示“我发完了”：shutdown（先 shutdown(SHUT_WR)，再读回复）、close（问候语还没读就 close()），或者 both，两种各用一个连接")},
		},
		Server:   halfCloseServer,
		Client:   halfCloseClient,
		Findings: halfCloseFindings,
	}
}

// halfCloseParts are the parts a run shows, one connection each.
func halfCloseParts(p lab.Params) []string {
	if m := p.String("mode"); m != "both" {
		return []string{m}
	}
	return halfCloseModes
}

// halfCloseServer is a server that reads a request until the client is
// done sending (recv returns empty), and only then answers it, the way a
// program reads "everything the peer has to say" before replying.
func halfCloseServer(ctx context.Context, s *lab.Side) error {
	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Signal("listening")
	for i, mode := range halfCloseParts(s.Params) {
		part := i + 1
		conn, err := ln.Accept() // conn, addr = server.accept()
		if err != nil {
			return err
		}
		s.Step("greet")
		if err := conn.SendAll([]byte(halfGreeting)); err != nil { // conn.sendall(b'welcome\n')
			return err
		}
		s.Step("read-request")
		request, err := conn.Recv(1024) // request = conn.recv(1024)
		if err != nil {
			return err
		}
		s.Signal(fmt.Sprintf("request-read-%d", part))
		s.Key("after-" + mode)
		data, err := conn.Recv(1024) // data = conn.recv(1024)
		switch {
		case err != nil:
			if err := caught(s, err); err != nil { // except ConnectionResetError: the client is gone
				return err
			}
		case len(data) == 0: // if not data: the client has finished sending
			s.Note(lab.T("recv returned b'': the client has finished sending. The connection still works the other way, so the server answers now",
				"recv 返回 b''：客户端发完了。连接的另一个方向还能用，所以服务端现在回复"))
			s.Key("answer-after-eof")
			if err := conn.SendAll(upper(request)); err != nil { // conn.sendall(request.upper())
				return err
			}
		default:
			return fmt.Errorf("part %d: the client sent %q after its request", part, data)
		}
		if err := conn.Close(); err != nil { // conn.close()
			return err
		}
		s.Signal(fmt.Sprintf("served-%d", part))
	}
	s.Step("stop-listening")
	return ln.Close()
}

func halfCloseClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	for i, mode := range halfCloseParts(s.Params) {
		part := i + 1
		if mode == "shutdown" {
			s.Section(lab.T("shutdown: the client sends its request, then shutdown(SHUT_WR): \"I am done sending\", and reads the answer",
				"shutdown：客户端发出请求，然后 shutdown(SHUT_WR)：“我发完了”，再读回复"))
		} else {
			s.Section(lab.T("close: the client sends its request, then close() with the greeting still unread",
				"close：客户端发出请求，然后在问候语还没读的时候 close()"))
		}
		conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
		if err != nil {
			return err
		}
		s.Step("request")
		if err := conn.SendAll([]byte(halfRequest)); err != nil { // client.sendall(b'hello')
			return err
		}
		// The recipe: the server has read the request, and its greeting
		// waits unread in this socket's receive buffer.
		if err := s.Wait(fmt.Sprintf("request-read-%d", part)); err != nil {
			return err
		}
		if _, err := conn.WaitQueued(len(halfGreeting)); err != nil && !unsupported(err) {
			return err
		}
		if mode == "shutdown" {
			err = shutdownAndRead(s, conn, part)
		} else {
			err = closeUnread(s, conn, part)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// shutdownAndRead half-closes: the client can no longer send, but it reads
// the greeting and the answer, then EOF when the server closes.
func shutdownAndRead(s *lab.Side, conn *lab.Conn, part int) error {
	s.Key("shut-wr")
	if err := conn.CloseWrite(); err != nil { // client.shutdown(socket.SHUT_WR)
		return err
	}
	s.Key("send-after-shutdown")
	if _, err := conn.Send([]byte(halfMore)); err != nil { // client.send(b'more')
		c := lab.Classify(err)
		if c != lab.ClassBrokenPipe {
			return err
		}
		s.Note(lab.Tf("caught %s: Python raises %s (Windows: WinError 10058 WSAESHUTDOWN). After shutdown(SHUT_WR) this side can only receive",
			"捕获到 %s：Python 抛出 %s（Windows：WinError 10058 WSAESHUTDOWN）。shutdown(SHUT_WR) 之后这一端只能接收", c, c.Python()))
	} else {
		return errors.New("a send after shutdown(SHUT_WR) worked")
	}
	// The recipe: read once the server has answered and closed, so one
	// recv shows the greeting and the answer together.
	if err := s.Wait(fmt.Sprintf("served-%d", part)); err != nil {
		return err
	}
	if _, err := conn.WaitQueued(len(halfGreeting) + len(halfRequest)); err != nil && !unsupported(err) {
		return err
	}
	s.Key("read-after-shutdown")
	for { // while True:
		data, err := conn.Recv(1024) // data = client.recv(1024)
		if err != nil {
			return err
		}
		if len(data) == 0 { // if not data: break
			break
		}
		s.Step("read-end")
	}
	return conn.Close() // client.close()
}

// closeUnread closes with the greeting unread: the kernel throws the
// connection away with RST, and the socket can no longer receive either.
func closeUnread(s *lab.Side, conn *lab.Conn, part int) error {
	s.Key("close-unread")
	if err := conn.Close(); err != nil { // client.close()
		return err
	}
	s.Key("recv-after-close")
	if _, err := conn.Recv(1024); err != nil { // client.recv(1024)
		c := lab.Classify(err)
		if c != lab.ClassClosed {
			return err
		}
		s.Note(lab.Tf("caught: Python raises %s. close() ended both directions: whatever the server answers cannot be read",
			"捕获到异常：Python 抛出 %s。close() 结束了两个方向：服务端回复什么都读不到了", c.Python()))
	} else {
		return errors.New("a recv after close() worked")
	}
	return s.Wait(fmt.Sprintf("served-%d", part))
}

func halfCloseFindings(t lab.Trace, p lab.Params) []lab.Finding {
	var out []lab.Finding
	// unread is how many bytes waited in the client's socket when it ended
	// its side with call (the recipe's SIOCINQ note before it).
	unread := func(call lab.Event) int {
		n := len(halfGreeting) // where the kernel cannot count them
		for _, e := range t {
			if e.Side == lab.Client && e.Op == lab.OpNote && e.Name == lab.NoteQueued && e.Conn == call.Conn && e.Seq < call.Seq {
				n = e.N
			}
		}
		return n
	}
	for _, mode := range halfCloseParts(p) {
		after := t.Step("after-" + mode).Last()
		switch mode {
		case "shutdown":
			shut := t.Step("shut-wr").Last()
			out = append(out, check("peer-eof", shut.Op == lab.OpShutdown && shut.Err == "" &&
				after.Op == lab.OpRecv && after.N == 0 && after.Err == "", lab.Tf(
				"after the client's shutdown(SHUT_WR) the server's recv returned b'', although %d bytes of the greeting were still unread on the client: shutdown sends FIN and leaves the receive buffer alone",
				"客户端 shutdown(SHUT_WR) 之后，服务端的 recv 返回 b''，尽管客户端那边还有 %d 个字节的问候语没读：shutdown 发出 FIN，不碰接收缓冲区",
				unread(shut))).On(shut, after))

			answer := t.Step("answer-after-eof").Last()
			out = append(out, check("peer-sends", answer.Op == lab.OpSendAll && answer.Err == "" && answer.N == len(halfRequest) &&
				answer.Seq > after.Seq && after.N == 0, lab.T(
				"after reading b'' the server still sent its answer, and it worked: b'' meant \"the client has finished sending\", not \"the connection is gone\"",
				"读到 b'' 之后，服务端照样发出了回复，而且成功了：b'' 的意思是“客户端发完了”，不是“连接没了”")).On(answer))

			reads := t.Filter(func(e lab.Event) bool {
				return e.Side == lab.Client && e.Op == lab.OpRecv && e.Conn == shut.Conn && e.Seq > shut.Seq && shut.Seq > 0 && e.Err == ""
			})
			got := string(reads.Bytes())
			want := halfGreeting + string(upper([]byte(halfRequest)))
			out = append(out, check("still-receives", got == want && reads.Last().N == 0, lab.Tf(
				"after its own shutdown(SHUT_WR) the client still received %d bytes, the greeting and the answer the server sent after b'', then b'' when the server closed: a half-closed socket still receives",
				"自己 shutdown(SHUT_WR) 之后，客户端仍然收到了 %d 个字节：问候语，以及服务端在 b'' 之后发来的回复，然后在服务端关闭时读到 b''：半关闭的套接字照样能接收",
				len(got))).At("read-after-shutdown"))

			more := t.Step("send-after-shutdown").Last()
			pipe := lab.ClassBrokenPipe
			out = append(out, check("no-more-send", more.Op == lab.OpSend && lab.ClassOf(more.Errno) == pipe && more.N == 0, lab.Tf(
				"only sending is over: the client's send() after shutdown(SHUT_WR) failed with %s (Python %s; Windows WinError 10058 WSAESHUTDOWN) and nothing left",
				"结束的只有发送：客户端在 shutdown(SHUT_WR) 之后的 send() 失败了，错误是 %s（Python %s；Windows WinError 10058 WSAESHUTDOWN），什么也没发出去",
				pipe, pipe.Python())).On(more))
		case "close":
			cl := t.Step("close-unread").Last()
			reset := lab.ClassReset
			out = append(out, check("close-resets", cl.Op == lab.OpClose && cl.Err == "" &&
				after.Op == lab.OpRecv && lab.ClassOf(after.Errno) == reset, lab.Tf(
				"close() with %d bytes of the greeting unread made the client's kernel send RST, not FIN: the server's recv failed with %s (%s; Windows %s) instead of returning b'', so it never answered (demo 9)",
				"带着 %d 个字节没读的问候语 close()，客户端的内核发出 RST 而不是 FIN：服务端的 recv 没有返回 b''，而是失败了，错误是 %s（%s；Windows %s），所以它根本没有回复（演示 9）",
				unread(cl),
				reset, reset.Python(), reset.Windows())).On(cl, after))

			rc := t.Step("recv-after-close").Last()
			closed := lab.ClassClosed
			out = append(out, check("closed-cannot-recv", rc.Op == lab.OpRecv && lab.ClassOf(rc.Errno) == closed, lab.Tf(
				"after close() the client cannot receive at all: its recv failed (Python: %s). To stop sending but still read the answer, use shutdown(SHUT_WR)",
				"close() 之后客户端根本不能再接收：它的 recv 失败了（Python：%s）。想停止发送却还要读回复，应该用 shutdown(SHUT_WR)",
				closed.Python())).On(rc))
		}
	}
	return out
}
