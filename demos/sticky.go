package demos

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"socketlab/lab"
)

// sleepGap is how long the writer of mode=sleep pauses between its sends,
// the tutorial's time.sleep (which sleeps 5 s).
const sleepGap = 50 * time.Millisecond

// sticky is demo 4: "sticky packets". TCP is a byte stream: two sends can
// come out of one recv. Each mode forces the merge (or hides it) with a
// documented recipe, and the kernel's segment counts (TCP_INFO) show where
// the merge happened: in the receiver's buffer, or on the wire.
func sticky() lab.Demo {
	return lab.Demo{
		ID:    4,
		Slug:  "sticky",
		Title: lab.T("Sticky packets: a stream has no messages", "粘包：字节流里没有消息"),
		Brief: lab.T("two sends, one recv: TCP keeps bytes in order, not the boundaries between them",
			"两次 send，一次 recv：TCP 保证字节的顺序，却不保留它们之间的边界"),
		Knobs: []lab.Knob{
			{Name: "mode", Kind: lab.KindEnum, Default: "buffer", Choices: []string{"buffer", "nagle", "cork", "sleep"},
				Help: lab.T("where the two messages merge: buffer (in the receiver's buffer), nagle (on the wire: Nagle's algorithm with a delayed ACK), cork (on the wire: TCP_CORK), sleep (the writer sleeps between sends, which only hides the merge)",
					"两条消息在哪里合并：buffer（接收方缓冲区）、nagle（线路上：Nagle 算法加延迟确认）、cork（线路上：TCP_CORK）、sleep（发送方在两次发送之间睡眠，只是把问题藏起来）")},
			{Name: "nagle", Kind: lab.KindEnum, Default: "auto", Choices: []string{"auto", "on", "off"},
				Help: lab.T("Nagle's algorithm on the writer's socket: auto = on in mode=nagle, otherwise off (TCP_NODELAY 1, each send leaves at once); a Python socket has it on",
					"发送方套接字上的 Nagle 算法：auto = 在 mode=nagle 时打开，否则关闭（TCP_NODELAY 1，每次 send 立即发出）；Python 的套接字默认开着")},
		},
		Server:   stickyServer,
		Client:   stickyClient,
		Peer:     &lab.Peer{Serve: tcpServe(readToEOF), Client: stickyPeerClient, Try: stickyTry},
		Findings: stickyFindings,
	}
}

// stickyMessages are the writer's sends in a mode. In mode=nagle a first
// byte "x" goes ahead so that "hello" finds unacknowledged data in flight.
func stickyMessages(mode string) []string {
	if mode == "nagle" {
		return []string{"x", "hello", "world"}
	}
	return []string{"hello", "world"}
}

// stickyParts is how many connections a mode makes: mode=sleep reads once
// promptly and once late.
func stickyParts(mode string) int {
	if mode == "sleep" {
		return 2
	}
	return 1
}

// nagleOn says whether the writer turns Nagle's algorithm on.
func nagleOn(p lab.Params) bool {
	switch p.String("nagle") {
	case "on":
		return true
	case "off":
		return false
	}
	return p.String("mode") == "nagle"
}

// maxAttempts is how many connections mode=nagle, or part 1 of mode=sleep,
// may use. The nagle recipe needs the writer to make its three sends within
// the reader's delayed ACK (40 ms), and part 1 of sleep needs the reader to
// take "hello" within the writer's 50 ms sleep. On a very busy machine a
// thread can be paused for longer; the side that sees it says so in the
// trace and the two try again on a new connection.
const maxAttempts = 3

// stickyServer is the reader, the tutorial's server: it accepts and reads
// with recv(1024) until the writer closes. Except when it must read
// promptly (mode=sleep, part 1), it reads only once the writer is done and
// the kernel holds every byte: that is the recipe that forces the merge.
func stickyServer(ctx context.Context, s *lab.Side) error {
	mode := s.Params.String("mode")
	parts := stickyParts(mode)
	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Signal("listening")
	for part := 1; part <= parts; part++ {
		conn, err := ln.Accept() // conn, addr = server.accept()
		if err != nil {
			return err
		}
		again, err := stickyRead(s, conn, mode, part, parts)
		if err != nil {
			return err
		}
		// The writer signals "retry" before closing, so it is set by now.
		if again || mode == "nagle" && part == parts && part < maxAttempts && s.Signalled(barrier("retry", part, parts)) {
			parts++
		}
	}
	s.Step("stop-listening")
	return ln.Close()
}

// stickyRead reads one connection until the writer closes; again says
// that part 1 of mode=sleep must be made again.
func stickyRead(s *lab.Side, conn *lab.Conn, mode string, part, parts int) (again bool, err error) {
	total := len(strings.Join(stickyMessages(mode), ""))
	if mode == "nagle" {
		// Delay the ACK of what arrives: the writer's Nagle waits for it.
		s.Step("delay-ack")
		if err := conn.SetQuickAck(false); err != nil && !unsupported(err) {
			return false, err
		}
	}
	s.Signal(barrier("ready", part, parts))
	late := mode != "sleep" || part == parts
	if late {
		if err := s.Wait(barrier("sent", part, parts)); err != nil {
			return false, err
		}
		if _, err := conn.WaitQueued(total); err != nil && !unsupported(err) {
			return false, err
		}
	} else if again, err = readPromptly(s, conn, total, part, parts); err != nil {
		return false, err
	}
	in, err := conn.SegmentsReceived()
	if err != nil && !unsupported(err) {
		return false, err
	}
	if err == nil && mode != "sleep" {
		s.KeyNote("segments", segmentsNote(in, len(stickyMessages(mode))))
	}
	s.Signal(barrier("queued", part, parts))
	if late {
		// Every byte is queued: the loop's first recv gets them all.
		s.KeyIf("read-queued", func(e lab.Event) bool { return e.N == total })
	}
	for {
		data, err := conn.Recv(1024) // data = conn.recv(1024)
		if err != nil {
			return false, err
		}
		if len(data) == 0 { // if not data: break
			break
		}
	}
	return again, conn.Close()
}

// readPromptly reads the total bytes as they come, while the writer sleeps
// between its sends (part 1 of mode=sleep); again says a busy machine got
// both in one recv anyway, so the part is made again.
func readPromptly(s *lab.Side, conn *lab.Conn, total, part, parts int) (again bool, err error) {
	reads := 0
	for got := 0; got < total; reads++ {
		// A read that got part of the bytes: the messages came apart.
		s.KeyIf("read-promptly", func(e lab.Event) bool { return e.N > 0 && e.N < total })
		data, err := conn.Recv(1024) // data = conn.recv(1024)
		if err != nil {
			return false, err
		}
		if len(data) == 0 {
			return false, errors.New("the writer closed early")
		}
		got += len(data)
	}
	if reads == 1 && part < maxAttempts {
		s.Note(lab.Tf("attempt %d: even with the sleep, both messages came in one recv: this reader was paused for longer than the writer slept (a busy machine). That is the bug the sleep hides; trying part 1 again to show the case the tutorial shows",
			"第 %d 次尝试：即使有睡眠，两条消息还是在一次 recv 里到达：这个接收方被暂停的时间比发送方睡得还久（机器太忙）。这正是睡眠掩盖的 bug；重做第 1 部分，展示教程里的情形", part))
		s.Signal(barrier("retry", part, parts))
		return true, nil
	}
	return false, nil
}

// segmentsNote says what the reader's count of data segments, read before
// it reads a byte, tells about the writer's sends: where they merged.
func segmentsNote(in, sends int) lab.Text {
	switch {
	case in == sends:
		return lab.Tf("TCP_INFO before reading: %d data segments arrived for %d sends: the messages crossed the wire apart, so if one recv returns them together, they merged here, in the receive buffer",
			"读取之前的 TCP_INFO：%[2]d 次 send 到达了 %[1]d 个携带数据的报文段：消息在线路上是分开走的，所以如果一次 recv 把它们一起返回，那就是在这里、在接收缓冲区里合并的", in, sends)
	case in < sends:
		return lab.Tf("TCP_INFO before reading: %d data segment(s) arrived for %d sends: the writer's kernel merged messages before they reached the wire",
			"读取之前的 TCP_INFO：%[2]d 次 send 只到达了 %[1]d 个携带数据的报文段：发送方的内核在上线路之前就把消息合并了", in, sends)
	}
	return lab.Tf("TCP_INFO before reading: %d data segments arrived for %d sends",
		"读取之前的 TCP_INFO：%[2]d 次 send 到达了 %[1]d 个携带数据的报文段", in, sends)
}

// readToEOF is demo 4's reader: it shows every boundary and answers nothing.
func readToEOF(s *lab.Side, conn *lab.Conn) error {
	total, calls := 0, 0
	for {
		data, err := conn.Recv(1024) // data = conn.recv(1024)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			break
		}
		total += len(data)
		calls++
	}
	s.Note(lab.Tf("%d bytes arrived in %d recv(1024) calls: TCP kept no boundaries, so these say nothing about how many send() calls the peer made",
		"%d 个字节分 %d 次 recv(1024) 到达：TCP 不保留边界，所以这说明不了对方调用了几次 send()", total, calls))
	return conn.Close()
}

func stickyPeerClient(ctx context.Context, s *lab.Side, opt lab.PeerOptions) error {
	conn, err := dialPeer(s, opt)
	if err != nil {
		return err
	}
	for _, m := range []string{"hello", "world"} {
		if _, err := conn.Send([]byte(m)); err != nil { // client.send(b'hello'); client.send(b'world')
			return err
		}
	}
	s.Note(lab.T("two sends, no header: the server cannot tell where one ends", "两次 send，没有报头：服务端分不清一条在哪里结束"))
	return conn.Close()
}

// stickyTry is the hint of `lab serve 4`: two sends, then close (nc: type
// lines, then Ctrl-D or Ctrl-C; no -q, which BSD nc lacks).
func stickyTry(host, port string) []string {
	return []string{
		fmt.Sprintf("nc %s %s", host, port),
		fmt.Sprintf(`python3 -c "import socket; s=socket.create_connection(('%s', %s)); s.send(b'hello'); s.send(b'world'); s.close()"`, host, port),
	}
}
