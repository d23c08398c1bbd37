package demos

import (
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"
	"time"

	"socketlab/lab"
)

// Demo 13's recipe: small buffers on both ends make a short send happen at
// once, with little data. The client's first socket has a timeout, as
// Python's settimeout gives it: its send() then makes one attempt and
// returns what fit. (A blocking Python send() on Linux waits inside the
// kernel until every byte is taken, and returns the full count.)
const (
	sendallBuf      = 4096                    // SO_SNDBUF of the writer, SO_RCVBUF of the reader
	sendallTimeout  = 2500 * time.Millisecond // settimeout(2.5) of parts 1 and 2
	sendallDeadline = 100 * time.Millisecond  // settimeout(0.1) of part 3
)

// sendall is demo 13: send() may take fewer bytes than asked when the peer
// does not read; sendall (and Go's Write) loop until everything is taken; a
// write deadline stops the loop part way.
func sendall() lab.Demo {
	return lab.Demo{
		ID:    13,
		Slug:  "sendall",
		Title: lab.T("send may send less: sendall loops", "send 可能发不完：sendall 会循环"),
		Brief: lab.T("a short send() on a socket with a timeout, to a peer that does not read; a loop until all is sent; sendall loops for you",
			"带超时的套接字向不读数据的对端 send()，只发出一部分；循环发送直到发完；sendall 替你循环"),
		Knobs: []lab.Knob{
			{Name: "size", Kind: lab.KindSize, Default: "32768", Min: 1, Max: 16 << 20,
				Help: lab.T("how many bytes the client sends on each connection", "客户端在每个连接上发送的字节数")},
		},
		Server:   sendallServer,
		Client:   sendallClient,
		Peer:     &lab.Peer{Knobs: sendallPeerKnobs, Serve: tcpServeWith(sendallSmallWindow, sendallServe), Client: sendallPeerClient, Try: sendallTry},
		Findings: sendallFindings,
	}
}

func sendallServer(ctx context.Context, s *lab.Side) error {
	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	if err := sendallSmallWindow(s, ln); err != nil {
		return err
	}
	s.Signal("listening")
	size := s.Params.Int("size")
	for i := 1; i <= 2; i++ {
		conn, err := ln.Accept() // conn, addr = server.accept()
		if err != nil {
			return err
		}
		s.Note(sendallNotReading)
		s.Signal(fmt.Sprintf("accepted-%d", i))
		if err := s.Wait(fmt.Sprintf("read-%d", i)); err != nil {
			return err
		}
		// Only for the trace: the client closes once every byte is read,
		// so the reads are not cut up by its close.
		err = sendallDrain(s, conn, lab.Tf("connection %d: ", "连接 %d：", i), func(total int) {
			if total >= size {
				s.Signal(fmt.Sprintf("all-read-%d", i))
			}
		})
		if err != nil {
			return err
		}
		s.Signal(fmt.Sprintf("served-%d", i))
	}
	s.Step("stop-listening")
	return ln.Close()
}

func sendallClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	data := sendallData(s.Params.Int("size"))
	if err := sendallShort(s, data); err != nil {
		return err
	}
	return sendallDeadlinePart(s, data)
}

// sendallShort is parts 1 and 2: one send() to a server that does not
// read returns a short count, then a loop of send() calls sends the rest.
func sendallShort(s *lab.Side, data []byte) error {
	s.Section(lab.Tf("Part 1: one send() of %d bytes to a server that does not read", "第 1 部分：向不读数据的服务端 send() 一次 %d 个字节", len(data)))
	conn, err := dialSmall(s, 1)
	if err != nil {
		return err
	}
	if runtime.GOOS == "windows" {
		s.Note(lab.T("on Windows the lab's send() is Go's Write, which loops until all is sent: a single short send() cannot be shown, so the server reads from the start",
			"在 Windows 上实验台的 send() 就是 Go 的 Write，它会循环直到发完：无法展示单次 send() 发不完的情形，所以服务端一开始就读"))
		s.Signal("read-1")
	}
	s.Step("set-timeout")
	if err := conn.SetTimeout(sendallTimeout); err != nil { // client.settimeout(2.5)
		return err
	}
	s.Note(lab.T("with a timeout, send() makes one attempt (a blocking socket's would wait for every byte, on Linux)",
		"有了超时，send() 只尝试一次（阻塞套接字的 send() 在 Linux 上会等到每个字节都被收下）"))
	s.KeyIf("short-send", func(e lab.Event) bool { return e.N < e.Req })
	n, err := conn.Send(data) // n = client.send(data)
	if err != nil {
		return err
	}
	s.Note(lab.Tf("send() returned %d, not %d: the kernel took what fit in the buffers. The other %d bytes were NOT sent; only the count tells you",
		"send() 返回 %d，而不是 %d：内核只收下了缓冲区放得下的部分。另外 %d 个字节没有发出去；只有返回值告诉你这一点",
		n, len(data), len(data)-n))

	s.Section(lab.T("Part 2: the server reads now; a loop of send() calls, as sendall does, sends the rest",
		"第 2 部分：服务端开始读；像 sendall 那样循环调用 send()，把剩下的发完"))
	s.Signal("read-1")
	for sent := n; sent < len(data); { // while sent < len(data):
		n, err := conn.Send(data[sent:]) // sent += client.send(data[sent:])
		if err != nil {
			return err
		}
		sent += n
	}
	if err := s.Wait("all-read-1"); err != nil {
		return err
	}
	if err := conn.Close(); err != nil {
		return err
	}
	return s.Wait("served-1") // the server has seen b'' and closed
}

// sendallDeadlinePart is part 3: on a new connection, sendall() under a
// timeout gives up part way; without the timeout one sendall() sends the
// rest.
func sendallDeadlinePart(s *lab.Side, data []byte) error {
	s.Section(lab.Tf("Part 3: a new connection; settimeout(%g), then sendall(), the server not reading",
		"第 3 部分：新的连接；settimeout(%g)，然后 sendall()，服务端不读", sendallDeadline.Seconds()))
	conn, err := dialSmall(s, 2)
	if err != nil {
		return err
	}
	s.Step("set-deadline")
	if err := conn.SetTimeout(sendallDeadline); err != nil { // client.settimeout(0.1)
		return err
	}
	s.KeyIf("deadline-write", func(e lab.Event) bool {
		return e.N > 0 && e.N < e.Req && lab.ClassOf(e.Errno) == lab.ClassTimeout
	})
	var n int
	n, err = conn.Write(data) // client.sendall(data)
	if lab.Classify(err) != lab.ClassTimeout {
		if err == nil {
			s.Note(lab.T("everything fit in the buffers: make size larger to see the timeout stop sendall()",
				"全部都放进了缓冲区：把 size 调大，才能看到超时打断 sendall()"))
		} else {
			return err
		}
	}
	if err != nil {
		s.Note(lab.Tf("sendall() gave up at the timeout: Python raises TimeoutError and does not say how much went (the kernel had taken %d of %d bytes), so a program would give up this connection; the lab knows the count and sends the rest",
			"sendall() 到超时就放弃了：Python 抛出 TimeoutError，却不告诉你发出了多少（内核已经收下了 %d / %d 个字节），所以程序只能放弃这个连接；实验台知道数量，于是把剩下的发完",
			n, len(data)))
		s.GoNote(lab.Tf("in Go this sendall is Write under a %v write deadline (SetWriteDeadline): it returns the count, %d, with the timeout error, so the lab can send the rest",
			"在 Go 里这个 sendall 是带 %v 写截止时间（SetWriteDeadline）的 Write：它连同超时错误一起返回数量 %d，所以实验台能把剩下的发完",
			sendallDeadline, n))
	}
	s.Signal("read-2")
	if n < len(data) {
		s.Step("clear-timeout")
		if err := conn.SetTimeout(-1); err != nil { // client.settimeout(None)
			return err
		}
		s.Key("write-rest")
		if _, err := conn.Write(data[n:]); err != nil { // client.sendall(data[n:])
			return err
		}
	}
	if err := s.Wait("all-read-2"); err != nil {
		return err
	}
	return conn.Close()
}

// dialSmall connects, shrinks the send buffer, and waits until the server
// has accepted connection part.
func dialSmall(s *lab.Side, part int) (*lab.Conn, error) {
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return nil, err
	}
	if _, err := conn.SetSendBuffer(sendallBuf); err != nil { // client.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096)
		return nil, err
	}
	return conn, s.Wait(fmt.Sprintf("accepted-%d", part))
}

// sendallSmallWindow shrinks the receive buffer of the listening socket,
// so each accepted connection offers a small window from the handshake
// on: a sender meets a full buffer after a few KiB.
func sendallSmallWindow(s *lab.Side, ln *lab.Listener) error {
	got, err := ln.SetRecvBuffer(sendallBuf) // server.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096)
	if err != nil {
		return err
	}
	if got != 0 && got != sendallBuf {
		s.Note(lab.Tf("getsockopt(SO_RCVBUF) says %d: the kernel doubles the request to leave room for its bookkeeping",
			"getsockopt(SO_RCVBUF) 返回 %d：内核把请求的值翻倍，留出自己记账用的空间", got))
	}
	return nil
}

var sendallNotReading = lab.T("the server does not read yet: the client's bytes pile up in the buffers until they are full",
	"服务端暂时不读：客户端的字节堆在缓冲区里，直到缓冲区满")

// sendallDrain is demo 13's server reading at last: recv(65536) until it returns empty,
// then the count and the SHA-256 of everything that arrived (the key note
// "arrived", what prefixes it), and close. read is told the running count.
func sendallDrain(s *lab.Side, conn *lab.Conn, what lab.Text, read func(total int)) error {
	total, h := 0, sha256.New()
	for { // read until b''
		data, err := conn.Recv(65536) // data = conn.recv(65536)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			break
		}
		h.Write(data)
		total += len(data)
		if read != nil {
			read(total)
		}
	}
	sum := h.Sum(nil)
	s.KeyNote("arrived", lab.Text{
		En: fmt.Sprintf("%s%d bytes arrived, then b''; their SHA-256 is %x", what.En, total, sum),
		Zh: fmt.Sprintf("%s收到 %d 个字节，然后是 b''；它们的 SHA-256 是 %x", what.Zh, total, sum),
	})
	return conn.Close()
}

// The peer sides (lab serve, lab client).

// sendallPeerKnobs: how long `lab serve 13` waits before it reads, and
// which call `lab client 13` sends with.
var sendallPeerKnobs = []lab.Knob{
	{Name: "hold", Kind: lab.KindInt, Default: "2000", Min: 0, Max: 60000,
		Help: lab.T("lab serve: how many milliseconds the server waits after accept() before it reads, so a big send() meets a full buffer",
			"lab serve：服务端在 accept() 之后等多少毫秒才开始读，让大的 send() 碰上满的缓冲区")},
	{Name: "call", Kind: lab.KindEnum, Default: "sendall", Choices: []string{"sendall", "send"},
		Help: lab.T("lab client: send the payload with sendall(), or with one send() that may take less (the bug)",
			"lab client：用 sendall() 发送数据，或者只调用一次 send()，它可能只发出一部分（这就是 bug）")},
}

// sendallServe is demo 13's server for a real client: it does not read for
// hold milliseconds, then reads to the end and says how many bytes arrived and
// their SHA-256, which the client can compare with what it meant to send.
func sendallServe(s *lab.Side, conn *lab.Conn) error {
	hold := time.Duration(s.Params.Int("hold")) * time.Millisecond
	s.Note(lab.Text{
		En: fmt.Sprintf("%s; for %v (--set hold=MS)", sendallNotReading.En, hold),
		Zh: fmt.Sprintf("%s；持续 %v（--set hold=毫秒）", sendallNotReading.Zh, hold),
	})
	select { // time.sleep(hold)
	case <-time.After(hold):
	case <-s.Context().Done():
		return context.Cause(s.Context())
	}
	s.Note(lab.T("the server reads now", "服务端现在开始读"))
	return sendallDrain(s, conn, lab.Text{}, nil)
}

func sendallTry(host, port string) []string {
	// A small send buffer, as the demo's client has: send() takes only
	// what fits in it and the server's small window.
	conn := fmt.Sprintf("import socket; s=socket.create_connection(('%s', %s)); s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096); ", host, port)
	return []string{
		`python3 -c "` + conn + `s.settimeout(10); print(s.send(b'x' * 1000000), 'of 1000000'); s.close()"`,
		`python3 -c "` + conn + `s.sendall(b'x' * 1000000); s.close()"`,
	}
}

// sendallPeerClient is demo 13's client against any server: the payload
// with sendall(), or with the single send() of the bug, from a small send
// buffer; then shutdown(SHUT_WR), so the server's recv returns empty after
// the last byte, and whatever the server says until it closes.
func sendallPeerClient(ctx context.Context, s *lab.Side, opt lab.PeerOptions) error {
	data := sendallData(s.Params.Int("size"))
	conn, err := dialPeer(s, opt) // client.connect((host, port))
	if err != nil {
		return err
	}
	if _, err := conn.SetSendBuffer(sendallBuf); err != nil { // client.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096)
		return err
	}
	sent := len(data)
	if s.Params.String("call") == "send" {
		s.KeyIf("short-send", func(e lab.Event) bool { return e.N < e.Req })
		n, err := conn.Send(data) // n = client.send(data)
		if err != nil {
			return err
		}
		if sent = n; n < len(data) {
			s.Note(lab.Tf("send() returned %d, not %d: the other %d bytes were never sent, and nothing but the count says so (--set call=sendall sends them all)",
				"send() 返回 %d，而不是 %d：另外 %d 个字节根本没有发出去，除了返回值什么也不会告诉你（--set call=sendall 会全部发出）", n, len(data), len(data)-n))
		} else {
			s.Note(lab.T("send() took everything at once: the server was reading, or the buffers were big enough; a larger --set size shows a short count",
				"send() 一次就全部收下了：服务端在读，或者缓冲区足够大；更大的 --set size 才能看到发不完"))
		}
	} else if err := conn.SendAll(data); err != nil { // client.sendall(data)
		if gone(err) {
			return &lab.Verdict{ID: "read-once",
				What: lab.Tf("the server closed the connection while the %d bytes were still being sent (%s)", "数据（%d 字节）还在发送时服务端就关闭了连接（%s）", len(data), lab.Classify(err)),
				Hint: lab.T("it stopped reading before the end: a single recv() returns only what has arrived so far; read in a loop until recv() returns b''",
					"它没读完就停了：一次 recv() 只能拿到目前已经到达的部分；要循环读，直到 recv() 返回 b''")}
		}
		return err
	}
	s.Note(lab.Tf("%d bytes sent, SHA-256 %x: the server should say the same", "发出了 %d 个字节，SHA-256 %x：服务端应当说出同样的值", sent, sha256.Sum256(data[:sent])))
	if err := conn.CloseWrite(); err != nil { // client.shutdown(socket.SHUT_WR)
		return err
	}
	reply, err := recvUntilEOF(conn, 64<<10)
	if err != nil {
		return err
	}
	if len(reply) > 0 {
		s.Note(lab.Tf("the server answered %q before it closed", "服务端在关闭之前回答了 %q", clip(reply)))
	}
	return conn.Close()
}
