package demos

import (
	"context"
	"fmt"
	"strings"
	"time"

	"socketlab/lab"
)

// The ways a client leaves in demo 9, in the order mode=all shows them.
var disconnectModes = []string{"fin", "rst", "unread", "write-after-close"}

// disconnect is demo 9: how a connection ends. An orderly close (FIN) makes
// the peer's recv return empty (EOF); a reset (RST), caused by SO_LINGER {on, 0} or
// by closing with unread data, makes it fail with ECONNRESET; writing to a
// peer that has gone fails with EPIPE. The server logs each error and goes
// on serving the next client.
func disconnect() lab.Demo {
	return lab.Demo{
		ID:    9,
		Slug:  "disconnect",
		Title: lab.T("Orderly close and reset", "正常关闭与连接重置"),
		Brief: lab.T("FIN → recv returns b''; RST → ConnectionResetError; writing after the peer left → BrokenPipeError; the server survives",
			"FIN → recv 返回 b''；RST → ConnectionResetError；对方走后再写 → BrokenPipeError；服务端照常运行"),
		Knobs: []lab.Knob{
			{Name: "mode", Kind: lab.KindEnum, Default: "all", Choices: append([]string{"all"}, disconnectModes...),
				Help: lab.T("how the first client leaves: fin (close), rst (SO_LINGER 0), unread (close with unread data), write-after-close (the server writes after the client closed), or all four",
					"第一个客户端如何离开：fin（正常 close）、rst（SO_LINGER 0）、unread（带着没读的数据 close）、write-after-close（客户端关闭后服务端还在写），或者 all 四种都演示")},
		},
		Server:   disconnectServer,
		Client:   disconnectClient,
		Findings: disconnectFindings,
	}
}

// disconnectParts is the list of ways the clients leave, one client each;
// a last, well-behaved client shows that the server is still serving.
func disconnectParts(p lab.Params) []string {
	if m := p.String("mode"); m != "all" {
		return []string{m}
	}
	return disconnectModes
}

// errWait bounds how long the server polls for the error a reset leaves.
const errWait = 2 * time.Second

func disconnectServer(ctx context.Context, s *lab.Side) error {
	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Signal("listening")
	parts := append(disconnectParts(s.Params), "normal")
	for i, mode := range parts { // while True: (the connection loop)
		conn, err := ln.Accept() // conn, addr = server.accept()
		if err != nil {
			return err
		}
		if mode == "write-after-close" {
			err = writeAfterClose(s, conn, i+1)
		} else {
			err = echoUntilGone(s, conn, mode)
		}
		if err != nil {
			return err
		}
		if err := conn.Close(); err != nil { // conn.close()
			return err
		}
		s.Signal(fmt.Sprintf("served-%d", i+1))
	}
	s.Step("stop-listening")
	return ln.Close()
}

// echoUntilGone is the tutorial's communication loop with both endings
// handled: an empty read (orderly close) and a connection error (caught and
// logged). Each client sends one message and then leaves the way its mode
// says, so the server's second recv is the one that meets the ending: it
// is named after the mode (a key call, except for the last, normal client).
func echoUntilGone(s *lab.Side, conn *lab.Conn, mode string) error {
	for i := 0; ; i++ {
		if i == 1 && mode != "normal" {
			s.Key(mode)
		}
		data, err := conn.Recv(1024) // data = conn.recv(1024)
		if err != nil {
			return caught(s, err) // except ConnectionResetError as e: print(e); break
		}
		if len(data) == 0 { // if not data: break
			s.Note(lab.T("recv returned b'': the client closed in order (FIN). No exception; close and serve the next client",
				"recv 返回 b''：客户端正常关闭了（FIN）。没有异常；关闭连接，服务下一个客户端"))
			return nil
		}
		if _, err := conn.Send(upper(data)); err != nil { // conn.send(data.upper())
			return caught(s, err)
		}
	}
}

// writeAfterClose answers a client that has already closed: the first write
// is accepted by the kernel, the peer answers with RST, and the next write
// fails with EPIPE.
func writeAfterClose(s *lab.Side, conn *lab.Conn, part int) error {
	data, err := conn.Recv(1024) // data = conn.recv(1024)
	if err != nil {
		return err
	}
	if err := s.Wait(fmt.Sprintf("closed-%d", part)); err != nil { // the client has gone
		return err
	}
	s.Step("send-to-departed")
	if _, err := conn.Send(upper(data)); err != nil { // conn.send(data.upper())  (works!)
		return caught(s, err)
	}
	// The client's kernel answers those bytes with RST. Wait until it has
	// come back, so the next write is sure to see it.
	s.Step("so-error")
	if err := conn.WaitSocketError(errWait); err != nil {
		s.Note(lab.Tf("the client's RST is back: the kernel holds the error %s for this socket (Linux says EPIPE, not ECONNRESET, because the client's FIN came first)",
			"客户端的 RST 回来了：内核为这个套接字记下了错误 %s（Linux 记的是 EPIPE 而不是 ECONNRESET，因为客户端的 FIN 先到）", lab.Classify(err)))
	}
	s.Key("epipe")
	if _, err := conn.Send([]byte(" (and more)")); err != nil { // conn.send(b' (and more)')
		return caught(s, err)
	}
	return nil
}

func disconnectClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	parts := disconnectParts(s.Params)
	for i, mode := range parts {
		if err := leave(s, mode, i+1); err != nil {
			return err
		}
		if err := s.Wait(fmt.Sprintf("served-%d", i+1)); err != nil {
			return err
		}
	}
	s.Section(lab.T("Last: a well-behaved client. Is the server still serving?",
		"最后：一个规规矩矩的客户端。服务端还在工作吗？"))
	conn, err := s.Dial(s.ServerAddr())
	if err != nil {
		return err
	}
	if _, err := conn.Send([]byte("still there?")); err != nil {
		return err
	}
	s.Key("still-there")
	if _, err := conn.Recv(1024); err != nil {
		return err
	}
	return conn.Close()
}

// leave is one client that talks to the server and leaves the way mode says.
func leave(s *lab.Side, mode string, part int) error {
	switch mode {
	case "fin":
		s.Section(lab.T("fin: the client closes normally (FIN)", "fin：客户端正常关闭（FIN）"))
	case "rst":
		s.Section(lab.T("rst: the client sets SO_LINGER to {on, 0 s} and closes: a reset (RST)",
			"rst：客户端把 SO_LINGER 设为 {开, 0 秒} 再关闭：连接重置（RST）"))
	case "unread":
		s.Section(lab.T("unread: the client reads only part of the answer and closes: the unread bytes turn the close into a reset",
			"unread：客户端只读了回复的一部分就关闭：没读完的字节让关闭变成了重置"))
	case "write-after-close":
		s.Section(lab.T("write-after-close: the client leaves before the answer; the server writes anyway",
			"write-after-close：客户端在回复之前就走了；服务端照样往里写"))
	}
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	if _, err := conn.Send([]byte("hello")); err != nil { // client.send(b'hello')
		return err
	}
	switch mode {
	case "fin":
		if _, err := conn.Recv(1024); err != nil { // client.recv(1024)
			return err
		}
	case "rst":
		if _, err := conn.Recv(1024); err != nil { // client.recv(1024)
			return err
		}
		if err := conn.SetLinger(0); err != nil { // client.setsockopt(SOL_SOCKET, SO_LINGER, struct.pack('ii', 1, 0))
			return err
		}
	case "unread":
		s.Step("read-part")
		if _, err := conn.Recv(2); err != nil { // client.recv(2): 3 bytes stay unread
			return err
		}
	case "write-after-close":
		s.Step("leave-early")
	}
	if err := conn.Close(); err != nil { // client.close()
		return err
	}
	if mode == "write-after-close" {
		s.Signal(fmt.Sprintf("closed-%d", part))
	}
	return nil
}

func disconnectFindings(t lab.Trace, p lab.Params) []lab.Finding {
	parts := disconnectParts(p)
	accepts := t.Calls(lab.Server, lab.OpAccept)
	var out []lab.Finding
	for i, mode := range parts {
		var conn int
		if i < len(accepts) {
			conn = accepts[i].Conn
		}
		on := t.Filter(func(e lab.Event) bool { return e.Side == lab.Server && e.Conn == conn && conn != 0 })
		recvs := on.Filter(func(e lab.Event) bool { return e.Op == lab.OpRecv })
		sends := on.Filter(func(e lab.Event) bool { return e.Op == lab.OpSend })
		lastRecv := lab.Event{Errno: "missing"}
		if len(recvs) > 0 {
			lastRecv = recvs[len(recvs)-1]
		}
		reset := lab.ClassReset
		switch mode {
		case "fin":
			out = append(out, check("fin", lastRecv.N == 0 && lastRecv.Err == "", lab.T(
				"fin: after the client's close() the server's recv returned b'' (0 bytes, no error): an orderly end, the only one that is not an exception",
				"fin：客户端 close() 之后，服务端的 recv 返回 b''（0 字节，没有错误）：正常结束，唯一不是异常的一种")).On(lastRecv))
		case "rst":
			linger := t.Filter(func(e lab.Event) bool {
				return e.Side == lab.Client && e.Op == lab.OpSetOpt && e.Err == "" && strings.Contains(e.Call, "SO_LINGER")
			})
			out = append(out, check("rst", len(linger) == 1 && lab.ClassOf(lastRecv.Errno) == reset, lab.Tf(
				"rst: SO_LINGER {on, 0} made close() send RST instead of FIN; the server's recv failed with %s: Python %s, Windows %s",
				"rst：SO_LINGER {开, 0} 让 close() 发出 RST 而不是 FIN；服务端的 recv 失败，错误是 %s：Python 里是 %s，Windows 上是 %s",
				reset, reset.Python(), reset.Windows())).On(lastRecv).On(linger...))
		case "unread":
			var cr lab.Trace
			if i < len(t.Calls(lab.Client, lab.OpConnect)) {
				id := t.Calls(lab.Client, lab.OpConnect)[i].Conn
				cr = t.Filter(func(e lab.Event) bool { return e.Side == lab.Client && e.Op == lab.OpRecv && e.Conn == id })
			}
			unread := len(cr) == 1 && len(sends) == 1 && cr[0].N < sends[0].N
			left := 0
			if unread {
				left = sends[0].N - cr[0].N
			}
			out = append(out, check("unread", unread && lab.ClassOf(lastRecv.Errno) == reset, lab.Tf(
				"unread: the client closed with %d bytes of the answer unread, so its kernel sent RST, not FIN; the server's recv failed with %s (%s; Windows %s): the usual cause of this error",
				"unread：客户端关闭时还有 %d 个字节的回复没读，所以它的内核发出的是 RST 而不是 FIN；服务端的 recv 失败，错误是 %s（%s；Windows %s）：这个错误最常见的来由",
				left, reset, reset.Python(), reset.Windows())).On(lastRecv).On(cr...))
		case "write-after-close":
			pipe := lab.ClassBrokenPipe
			ok := len(sends) == 2 && sends[0].Err == "" && sends[0].N == sends[0].Req &&
				lab.ClassOf(sends[1].Errno) == pipe
			out = append(out, check("epipe", ok, lab.Tf(
				"write-after-close: the first send() to the departed client succeeded (the kernel took the bytes; the client's kernel answered RST); the next send() failed with %s: Python %s, Windows %s",
				"write-after-close：第一次向已离开的客户端 send() 成功了（内核收下了字节；客户端的内核回了 RST）；下一次 send() 失败，错误是 %s：Python 里是 %s，Windows 上是 %s",
				pipe, pipe.Python(), pipe.Windows())).On(sends...))
		}
	}
	if captured(t) {
		out = append(out, disconnectWire(t, parts))
	}
	// The last client got its answer: the server survived.
	replies := t.Calls(lab.Client, lab.OpRecv)
	alive := len(accepts) == len(parts)+1 && len(replies) > 0 &&
		string(replies[len(replies)-1].Data) == "STILL THERE?" && len(t.Calls(lab.Server, lab.OpClose)) == len(parts)+2
	out = append(out, check("survives", alive, lab.Tf(
		"whatever each departing client did (an orderly close or a reset), the server handled it, closed that client's socket and went on: the next client still got its answer",
		"无论离开的客户端做了什么（正常关闭或重置），服务端都处理好了，关闭那个客户端的套接字，然后继续：下一个客户端照样得到了回复")).At("still-there"))
	return out
}

// disconnectWire reads from the captured packets what each departing
// client's close() put on the wire: FIN for an orderly close, RST for
// SO_LINGER 0 and for unread bytes; and, for write-after-close, the RST
// the client's kernel answered the server's first send with.
func disconnectWire(t lab.Trace, parts []string) lab.Finding {
	connects := t.Calls(lab.Client, lab.OpConnect)
	ok := true
	var ev lab.Trace
	var en, zh []string
	for i, mode := range parts {
		var id int
		if i < len(connects) {
			id = connects[i].Conn
		}
		pk := connPackets(t, id)
		closes := t.Calls(lab.Client, lab.OpClose).Filter(func(e lab.Event) bool { return e.Conn == id && id != 0 })
		var sent lab.Event // the first FIN or RST the client's socket sent after its close()
		for _, e := range pk {
			if len(closes) == 1 && e.Seq > closes[0].Seq && e.Packet.From == lab.Client && (hasFlag(e, "FIN") || hasFlag(e, "RST")) {
				sent = e
				break
			}
		}
		want := "FIN"
		if mode == "rst" || mode == "unread" {
			want = "RST"
		}
		good := sent.Seq > 0 && hasFlag(sent, want) && (want == "FIN") != hasFlag(sent, "RST")
		en = append(en, fmt.Sprintf("%s: close() sent [%s]", mode, flagsOf(sent)))
		zh = append(zh, fmt.Sprintf("%s：close() 发出 [%s]", mode, flagsOf(sent)))
		ev = append(ev, closes...)
		if sent.Seq > 0 {
			ev = append(ev, sent)
		}
		if mode == "write-after-close" {
			var rst lab.Event
			for _, e := range pk {
				if e.Seq > sent.Seq && sent.Seq > 0 && e.Packet.From == lab.Client && hasFlag(e, "RST") {
					rst = e
					break
				}
			}
			good = good && rst.Seq > 0
			en[len(en)-1] += fmt.Sprintf(", and the server's first send() was answered by [%s]", flagsOf(rst))
			zh[len(zh)-1] += fmt.Sprintf("，服务端的第一次 send() 得到的回答是 [%s]", flagsOf(rst))
			if rst.Seq > 0 {
				ev = append(ev, rst)
			}
		}
		ok = ok && good
	}
	return check("wire", ok, sentence(
		"on the wire: %s. A FIN says \"no more data\" and is ACKed; an RST throws the connection away, and the peer's next call fails", []any{strings.Join(en, "; ")},
		"线路上：%s。FIN 表示“不再发送数据”，对方会确认它；RST 则直接丢弃连接，对方的下一次调用会失败", []any{strings.Join(zh, "；")})).On(ev...)
}
