package demos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"socketlab/lab"
)

// chatWelcome is the server's greeting, sent as soon as a client connects;
// it ends with a newline so that nc shows it as a line.
const chatWelcome = "Welcome to the chat room. 欢迎来到聊天室！(q quits)\n"

// chatSuffix is what the server adds to every message it echoes.
const chatSuffix = ",你好"

// chatScript is what the client says when nobody is typing.
const chatScript = "hello,吃了吗？,q"

// chatMaxMsg keeps a typed message (and its answer) within one recv(1024).
const chatMaxMsg = 300

// chat is demo 14: the tutorial's chat bot. The server greets, answers each
// message with the message + ",你好", and ends the conversation on "q". In
// a terminal the learner types the client's messages; otherwise (or with
// --set msgs=…) the client follows a script.
func chat() lab.Demo {
	return lab.Demo{
		ID:    14,
		Slug:  "chat",
		Title: lab.T("A chat bot", "聊天机器人"),
		Brief: lab.T("the tutorial's chat: a welcome, every message echoed + \",你好\", q quits; type your own messages",
			"教程里的聊天程序：欢迎语，每条消息加上“,你好”回显，q 退出；可以自己输入消息"),
		Knobs: []lab.Knob{
			{Name: "msgs", Kind: lab.KindString, Default: "", Max: 1024,
				Help: lab.T("the client's messages, separated by commas (q ends); empty: you type them in a terminal, else \""+chatScript+"\"",
					"客户端的消息，用英文逗号分隔（q 结束）；留空：在终端里由你输入，否则使用 \""+chatScript+"\"")},
		},
		Server:   chatServer,
		Client:   chatClient,
		Peer:     &lab.Peer{Serve: tcpServe(chatServe), Client: chatPeerClient, Try: chatTry},
		Findings: chatFindings,
	}
}

func chatServer(ctx context.Context, s *lab.Side) error {
	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Signal("listening")
	conn, err := ln.Accept() // conn, address = server.accept()
	if err != nil {
		return err
	}
	if err := chatConverse(s, conn); err != nil {
		return err
	}
	if err := conn.Close(); err != nil {
		return err
	}
	s.Step("stop-listening")
	return ln.Close()
}

// chatMessages returns the next message the client sends: typed by the
// learner, or taken from the script. It returns "q" when either runs out.
func chatMessages(s *lab.Side) func() (string, error) {
	script := s.Params.String("msgs")
	if script == "" && s.HasInput() {
		return func() (string, error) {
			for {
				line, err := s.ReadLine(lab.T("type a message and press Enter (q quits):", "输入一条消息后按回车（q 退出）："))
				if errors.Is(err, io.EOF) {
					return "q", nil
				}
				if err != nil {
					return "", err
				}
				if line == "" {
					s.Note(lab.T("(empty: not sent. sendall(b'') puts no bytes on the wire, so the server would wait for ever)",
						"（空消息：不发送。sendall(b'') 不会发出任何字节，服务端会一直等下去）"))
					continue
				}
				if len(line) > chatMaxMsg {
					cut := chatMaxMsg
					for cut > 0 && !utf8.RuneStart(line[cut]) {
						cut--
					}
					line = line[:cut]
					s.Note(lab.Tf("(cut to %d bytes so that the message and its answer fit in one recv(1024))",
						"（截成 %d 字节，让消息和回答都装得进一次 recv(1024)）", cut))
				}
				return line, nil
			}
		}
	}
	if script == "" {
		script = chatScript
	}
	var msgs []string
	for _, m := range strings.Split(script, ",") {
		if m != "" { // an empty message would send nothing and hang both sides
			msgs = append(msgs, m)
		}
	}
	return func() (string, error) {
		if len(msgs) == 0 {
			return "q", nil
		}
		m := msgs[0]
		msgs = msgs[1:]
		return m, nil
	}
}

func chatClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', 8888))
	if err != nil {
		return err
	}
	s.Step("read-welcome")
	if _, err := conn.Recv(1024); err != nil { // print(str(client.recv(1024), encoding='utf-8'))
		return err
	}
	next := chatMessages(s)
	for {
		msg, err := next() // message = input("...")
		if err != nil {
			return err
		}
		if msg == "q" {
			s.Key("quit")
		}
		if err := conn.SendAll([]byte(msg)); err != nil { // client.sendall(bytes(message, encoding='utf-8'))
			return err
		}
		if msg == "q" { // if message == 'q': break
			break
		}
		s.Step("answer")
		if _, err := conn.Recv(1024); err != nil { // print(str(client.recv(1024), encoding='utf-8'))
			return err
		}
	}
	s.Step("hung-up")
	if _, err := conn.Recv(1024); err != nil { // the server hangs up: b''
		return err
	}
	return conn.Close()
}

func chatFindings(t lab.Trace, p lab.Params) []lab.Finding {
	sent := t.Calls(lab.Client, lab.OpSendAll)
	reads := t.Calls(lab.Client, lab.OpRecv)
	welcome := check("welcome", len(reads) > 0 && string(reads[0].Data) == chatWelcome, lab.T(
		"the server spoke first: its welcome was the client's first recv(1024), before the client sent anything",
		"服务端先开口：客户端的第一次 recv(1024) 收到的就是欢迎语，那时客户端还什么都没发")).At("welcome", "read-welcome")

	// Pair each message with the read after it.
	ok, pairs, chars, bytes := len(sent) > 0, 0, 0, 0
	var example string
	var first []lab.Event // the first message's echo and the read of it
	for i, e := range sent {
		if string(e.Data) == "q" {
			break
		}
		var reply lab.Event
		for _, r := range reads {
			if r.Seq > e.Seq {
				reply = r
				break
			}
		}
		want := string(e.Data) + chatSuffix
		ok = ok && string(reply.Data) == want
		pairs++
		if i == 0 {
			example = want
			chars, bytes = utf8.RuneCountInString(want), len(want)
			first = append(first, reply)
			for _, e := range t.Step("echo") {
				if e.Seq < reply.Seq {
					first = append(first, e)
				}
			}
		}
	}
	echo := check("echo", ok && pairs > 0, lab.Tf(
		"each of the %d messages came back with \",你好\" added, one answer per recv(1024): the two sides took turns, so no answer ran into the next",
		"%d 条消息都加上“,你好”送了回来，每次 recv(1024) 一个回答：双方轮流说话，所以回答之间没有粘在一起", pairs)).At("echo", "answer")
	if pairs == 0 {
		echo.Text = lab.T("no message was sent before q; try --set msgs=hello,q", "q 之前没有发送任何消息；试试 --set msgs=hello,q")
	}
	utf := check("utf8", pairs > 0 && bytes > chars, lab.Tf(
		"%q is %d characters but %d bytes on the wire: each Chinese character is 3 bytes of UTF-8 (the suffix \",你好\" alone is 7)",
		"%q 有 %d 个字符，但在线路上是 %d 个字节：每个汉字是 3 个字节的 UTF-8（后缀“,你好”本身就有 7 个字节）",
		example, chars, bytes)).On(first...)

	quit := len(sent) > 0 && string(sent[len(sent)-1].Data) == "q" && len(reads) > 0 && reads[len(reads)-1].N == 0
	q := check("quit", quit, lab.T(
		"the client sent \"q\"; the server left its loop and closed, so the client's last recv returned b''",
		"客户端发送“q”；服务端退出循环并关闭连接，于是客户端最后一次 recv 返回 b''")).At("quit", "hung-up")
	return []lab.Finding{welcome, echo, utf, q}
}

// The peer sides (lab serve, lab client).

// chatConverse is demo 14's protocol on the server's side, once a client
// is connected: the welcome, then each message answered with ",你好" added,
// until the client sends q or leaves. A line typed into nc ends with "\n"
// (or "\r\n"): it is taken off before the echo and the q test, and given back
// after the answer so that nc shows it as a line; the trace says so.
func chatConverse(s *lab.Side, conn *lab.Conn) error {
	s.Key("welcome")
	if err := conn.SendAll([]byte(chatWelcome)); err != nil { // conn.sendall(bytes(welcome, encoding='utf-8'))
		return err
	}
	told := false
	for {
		data, err := conn.Recv(1024) // ret = str(conn.recv(1024), encoding='utf-8')
		if err != nil {
			return err
		}
		reply, quit, end := chatAnswer(data)
		if end != "" && !told {
			told = true
			s.Note(lab.Tf("the message ends with %q (Enter, as nc sends it): taken off before the echo and the q test, and put back after the answer",
				"这条消息以 %q 结尾（回车，nc 就这样发送）：回显和判断 q 之前先去掉，回答的末尾再加回去", end))
		}
		if quit { // if ret == 'q': break
			return nil
		}
		s.Key("echo")
		if err := conn.SendAll(reply); err != nil { // conn.sendall(bytes(ret + ",你好", encoding='utf-8'))
			return err
		}
	}
}

// chatAnswer is what demo 14's server answers to the bytes of one recv: the
// message + ",你好", or quit for "q" and for the end of the stream (an empty
// recv). A line end ("\n" or "\r\n") is taken off first and put back after
// the answer; end says which it was.
func chatAnswer(data []byte) (reply []byte, quit bool, end string) {
	msg := string(data)
	for _, e := range []string{"\r\n", "\n"} {
		if strings.HasSuffix(msg, e) {
			msg, end = strings.TrimSuffix(msg, e), e
			break
		}
	}
	if len(data) == 0 || msg == "q" {
		return nil, true, end
	}
	return []byte(msg + chatSuffix + end), false, end
}

// chatServe is `lab serve 14`: the same conversation with every client.
func chatServe(s *lab.Side, conn *lab.Conn) error {
	if err := chatConverse(s, conn); err != nil {
		return err
	}
	return conn.Close()
}

// chatTry is the hint of `lab serve 14`: nc, or one message from Python.
func chatTry(host, port string) []string {
	return []string{
		fmt.Sprintf("nc %s %s", host, port),
		fmt.Sprintf(`python3 -c "import socket; s=socket.create_connection(('%s', %s)); print(s.recv(1024).decode()); s.sendall('hello'.encode()); print(s.recv(1024).decode()); s.sendall(b'q')"`, host, port),
	}
}

func chatPeerClient(ctx context.Context, s *lab.Side, opt lab.PeerOptions) error {
	conn, err := dialPeer(s, opt)
	if err != nil {
		return err
	}
	welcome, err := conn.Recv(1024) // print(str(client.recv(1024), encoding='utf-8'))
	if err != nil {
		return err
	}
	if len(welcome) == 0 {
		return lab.Errorf(lab.T("the server closed without a welcome", "服务端没有发欢迎语就关闭了"), nil)
	}
	next := chatMessages(s)
	for {
		msg, err := next()
		if err != nil {
			return err
		}
		if err := conn.SendAll([]byte(msg)); err != nil { // client.sendall(bytes(message, encoding='utf-8'))
			return err
		}
		if msg == "q" {
			break
		}
		want := []byte(msg + chatSuffix)
		got, err := recvReply(conn, len(want))
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return lab.Errorf(lab.Tf("the server answered %q to %q; demo 14's server answers the message + %q", "服务端对 %[2]q 回答了 %[1]q；演示 14 的服务端会回答消息加上 %[3]q", clip(got), msg, chatSuffix), nil)
		}
	}
	if err := expectEOF(conn, "after q"); err != nil {
		return err
	}
	return conn.Close()
}
