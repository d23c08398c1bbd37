package demos

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"socketlab/lab"
)

// tcpBasic is demo 1: the smallest TCP conversation. The server binds,
// listens and accepts; the client connects; one message goes each way.
func tcpBasic() lab.Demo {
	return lab.Demo{
		ID:    1,
		Slug:  "tcp-basic",
		Title: lab.T("A first TCP conversation", "第一次 TCP 对话"),
		Brief: lab.T("socket → bind → listen → accept; connect; one send, one recv, close",
			"socket → bind → listen → accept；connect；一次 send、一次 recv、close"),
		Knobs: []lab.Knob{
			{Name: "msg", Kind: lab.KindString, Default: "hello, 你好", Min: 1, Max: 1024,
				Help: lab.T("the text the client sends (encoded as UTF-8)", "客户端发送的文字（按 UTF-8 编码）")},
			{Name: "port", Kind: lab.KindInt, Default: "0", Min: 0, Max: 65535,
				Help: lab.T("the server's port; 0 lets the kernel pick a free one", "服务端端口；0 表示由内核挑一个空闲端口")},
		},
		Server:   tcpBasicServer,
		Client:   tcpBasicClient,
		Peer:     &lab.Peer{Serve: tcpServe(echoUpper), Client: tcpBasicPeerClient, Try: tryLine("hello")},
		Findings: tcpBasicFindings,
	}
}

func tcpBasicServer(ctx context.Context, s *lab.Side) error {
	ln, err := s.Listen(fmt.Sprintf("127.0.0.1:%d", s.Params.Int("port")))
	if err != nil {
		return err
	}
	s.Signal("listening")
	s.Key("new-connection")
	conn, err := ln.Accept() // conn, addr = server.accept()
	if err != nil {
		return err
	}
	s.Key("read-message")
	if _, err := answerUpper(s, conn); err != nil {
		return err
	}
	if err := conn.Close(); err != nil {
		return err
	}
	s.Step("stop-listening")
	return ln.Close()
}

func tcpBasicClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	msg := s.Params.String("msg")
	s.Note(lab.Tf("%q is text; send() needs bytes: msg.encode('utf-8') gives %d bytes",
		"%q 是文字；send() 需要字节：msg.encode('utf-8') 得到 %d 个字节", msg, len(msg)))
	if err := sendOnce(s, conn, []byte(msg)); err != nil { // client.send(msg.encode('utf-8'))
		return err
	}
	s.Key("read-reply")
	if _, err := conn.Recv(1024); err != nil { // reply = client.recv(1024)
		return err
	}
	return conn.Close()
}

// socketCalls are the socket calls of a side (socket() included), without
// barriers, notes and the lab's own counters.
func socketCalls(t lab.Trace, side lab.Role) lab.Trace {
	return t.Filter(func(e lab.Event) bool { return e.Side == side && e.Op.IsCall() })
}

// socketOps names the socket calls of a side as the trace shows them.
func socketOps(t lab.Trace, side lab.Role) []string {
	var ops []string
	for _, e := range socketCalls(t, side) {
		name := e.Op.String()
		if e.Op == lab.OpSetOpt {
			name = "setsockopt" // the call's name, as the trace shows it
		}
		ops = append(ops, name)
	}
	return ops
}

func tcpBasicFindings(t lab.Trace, p lab.Params) []lab.Finding {
	serverOps := socketOps(t, lab.Server)
	clientOps := socketOps(t, lab.Client)
	wantServer := []string{"socket", "bind", "listen", "accept", "recv", "send", "close", "close"}
	wantClient := []string{"socket", "connect", "send", "recv", "close"}
	seq := check("sequence",
		slices.Equal(serverOps, wantServer) && slices.Equal(clientOps, wantClient),
		lab.Tf("server: %s; client: %s",
			"服务端：%s；客户端：%s",
			strings.Join(serverOps, " → "), strings.Join(clientOps, " → "))).
		On(socketCalls(t, lab.Server)...).On(socketCalls(t, lab.Client)...)

	var addr lab.Finding
	listen, accept, connect := t.Calls(lab.Server, lab.OpListen), t.Calls(lab.Server, lab.OpAccept), t.Calls(lab.Client, lab.OpConnect)
	if len(listen) == 1 && len(accept) == 1 && len(connect) == 1 {
		ok := accept[0].Peer == connect[0].Local && connect[0].Peer == listen[0].Local
		addr = check("addresses", ok, lab.Tf(
			"the server listens on %s; the client's end is %s (its port picked by the kernel), which is exactly the address accept() returned: %s",
			"服务端在 %s 监听；客户端这一端是 %s（端口由内核挑选），正是 accept() 返回的地址：%s",
			listen[0].Local, connect[0].Local, accept[0].Peer)).On(listen[0], connect[0], accept[0])
	} else {
		addr = check("addresses", false, lab.T("the connection was not made", "连接没有建立"))
	}

	msg := []byte(p.String("msg"))
	recvs, replies := t.Calls(lab.Server, lab.OpRecv), t.Calls(lab.Client, lab.OpRecv)
	got, reply := recvs.Bytes(), replies.Bytes()
	chars := utf8.RuneCount(msg)
	ok := bytes.Equal(got, msg) && bytes.Equal(reply, upper(msg))
	var text lab.Text
	if chars != len(msg) {
		text = lab.Tf("%q is %d characters but %d bytes on the wire: the socket carries bytes, so the text was encoded (UTF-8) and the server's upper() changed only ASCII letters",
			"%q 有 %d 个字符，但在线路上是 %d 个字节：套接字只传字节，所以文字先被编码（UTF-8），服务端的 upper() 只改变了 ASCII 字母",
			msg, chars, len(msg))
	} else {
		text = lab.Tf("%q went as %d bytes (ASCII: one byte per character; try --set msg=你好 to see more bytes than characters)",
			"%q 以 %d 个字节发送（ASCII 每个字符一个字节；试试 --set msg=你好，字节会比字符多）",
			msg, len(msg))
	}
	sends := t.Filter(func(e lab.Event) bool { return e.Op == lab.OpSend && e.Err == "" })
	bytesF := check("bytes", ok, text).On(sends...).On(recvs...).On(replies...)
	return []lab.Finding{seq, addr, bytesF}
}

// The peer sides (lab serve, lab client).

// answerUpper is demo 1's protocol on the server's side, for one message:
// recv(1024), and the same bytes upper-cased back with one send. It reports
// eof when the client had closed instead (recv returned b”).
func answerUpper(s *lab.Side, conn *lab.Conn) (eof bool, err error) {
	data, err := conn.Recv(1024) // data = conn.recv(1024)
	if err != nil || len(data) == 0 {
		return err == nil, err
	}
	return false, sendOnce(s, conn, upper(data)) // conn.send(data.upper())
}

// echoUpper is demo 1's server as `lab serve 1` runs it: the same answer
// inside a communication loop (demo 8), until the client closes.
func echoUpper(s *lab.Side, conn *lab.Conn) error {
	for {
		eof, err := answerUpper(s, conn)
		if err != nil {
			return err
		}
		if eof { // if not data: break
			return conn.Close()
		}
	}
}

func tcpBasicPeerClient(ctx context.Context, s *lab.Side, opt lab.PeerOptions) error {
	conn, err := dialPeer(s, opt) // client.connect((host, port))
	if err != nil {
		return err
	}
	msg := []byte(s.Params.String("msg"))
	if err := sendOnce(s, conn, msg); err != nil { // client.send(msg.encode('utf-8'))
		return err
	}
	want := upper(msg)
	got, err := recvReply(conn, len(want))
	if err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return lab.Errorf(lab.Tf("the server answered %q; demo 1's server answers the same bytes upper-cased, %q", "服务端回答了 %q；演示 1 的服务端会把同样的字节转成大写回答，即 %q", clip(got), clip(want)), nil)
	}
	s.Note(lab.Tf("the answer is the message upper-cased, byte for byte: %q", "回答正是大写后的消息，逐字节一致：%q", got))
	return conn.Close()
}
