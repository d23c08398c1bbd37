package demos

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"socketlab/lab"
)

// The parts of demo 20, in the order mode=all shows them.
var blockingModes = []string{"block", "timeout", "nonblock", "select", "send"}

// Demo 20's recipe.
const (
	blockTimeout  = 200 * time.Millisecond // settimeout(0.2)
	selectClients = 3                      // the clients one select loop serves
	blockBuf      = 4096                   // SO_SNDBUF and SO_RCVBUF of the send part, as in demo 13
	blockChunk    = 16 << 10               // each non-blocking send of the send part
	blockWait     = 64 << 10               // the blocking sendall that must wait
)

// noPoll makes the select part take the path of a system without poll()
// (a test sets it, to run that path here).
var noPoll = false

// blocking is demo 20: how a call waits. A blocking recv waits until bytes
// come (and an empty send sends nothing, so it goes on waiting); settimeout
// makes a wait fail with TimeoutError; setblocking(False) makes it fail at
// once with BlockingIOError; a selector lets one thread serve three
// clients, each when it is ready; and a send into full buffers waits, or
// fails at once when the socket is non-blocking.
//
// Recipe: the lab signals a barrier when the kernel says a call must wait
// (Conn.SignalWhenWaiting), so the peer acts only once this side waits; a
// timeout fires because the peer sends nothing until it has; the select
// rounds are ordered by barriers and SIOCINQ so each select() returns the
// sockets the lesson says.
func blocking() lab.Demo {
	return lab.Demo{
		ID:    20,
		Slug:  "blocking",
		Title: lab.T("Blocking, timeouts, non-blocking and select", "阻塞、超时、非阻塞与 select"),
		Brief: lab.T("a blocking recv waits; settimeout → TimeoutError; setblocking(False) → BlockingIOError; one thread with selectors serves three clients",
			"阻塞的 recv 会等待；settimeout → TimeoutError；setblocking(False) → BlockingIOError；一个线程用 selectors 同时服务三个客户端"),
		Knobs: []lab.Knob{
			{Name: "mode", Kind: lab.KindEnum, Default: "all", Choices: append([]string{"all"}, blockingModes...),
				Help: lab.T("block (a blocking recv waits), timeout (settimeout(0.2)), nonblock (setblocking(False)), select (one thread, three clients), send (a full send buffer, blocking and not), or all five, one after the other",
					"block（阻塞的 recv 会等待）、timeout（settimeout(0.2)）、nonblock（setblocking(False)）、select（一个线程，三个客户端）、send（发送缓冲区满了：阻塞与非阻塞），或者 all，五种依次演示")},
		},
		Server:   blockingServer,
		Client:   blockingClient,
		Findings: blockingFindings,
	}
}

// blockingParts are the parts a run shows.
func blockingParts(p lab.Params) []string {
	if m := p.String("mode"); m != "all" {
		return []string{m}
	}
	return blockingModes
}

// selectMessage is what client i sends in the select part; selectAgain
// what the last client sends on its own afterwards.
func selectMessage(i int) string { return fmt.Sprintf("hello from c%d", i) }

var selectAgain = fmt.Sprintf("c%d again", selectClients)

// bar names a barrier of a part: "select/c1-sent".
func bar(part, name string) string { return part + "/" + name }

func blockingServer(ctx context.Context, s *lab.Side) error {
	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Signal("listening")
	for _, part := range blockingParts(s.Params) {
		if err := s.Wait(bar(part, "begun")); err != nil { // the client has shown the part's heading
			return err
		}
		if part == "send" {
			// Every connection accepted from now on offers a small window.
			s.Step("small-window")
			if _, err := ln.SetRecvBuffer(blockBuf); err != nil { // server.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096)
				return err
			}
		}
		s.Signal(bar(part, "ready"))
		if part == "select" {
			err = selectServer(s, ln)
		} else {
			err = serveOne(s, ln, part)
		}
		if err != nil {
			return err
		}
		s.Signal(bar(part, "served"))
	}
	s.Step("stop-listening")
	return ln.Close()
}

// serveOne accepts one client and serves it the way the part shows.
func serveOne(s *lab.Side, ln *lab.Listener, part string) error {
	conn, err := ln.Accept() // conn, addr = server.accept()
	if err != nil {
		return err
	}
	switch part {
	case "block":
		err = blockRecv(s, conn)
	case "timeout":
		err = timeoutRecv(s, conn)
	case "nonblock":
		err = nonblockRecv(s, conn)
	case "send":
		err = readWhenFull(s, conn)
	}
	if err != nil {
		return err
	}
	return conn.Close() // conn.close()
}

// blockRecv is a plain recv: it waits until the client sends.
func blockRecv(s *lab.Side, conn *lab.Conn) error {
	conn.SignalWhenWaiting(bar("block", "waiting")) // the recipe: the client goes on once this recv waits
	s.Key("waits")
	data, err := conn.Recv(1024) // data = conn.recv(1024)
	if err != nil {
		return err
	}
	s.Step("answer")
	return conn.SendAll(upper(data)) // conn.sendall(data.upper())
}

// timeoutRecv waits at most blockTimeout: the first recv times out, the
// socket stays usable, and the second gets the client's bytes.
func timeoutRecv(s *lab.Side, conn *lab.Conn) error {
	s.Step("set-timeout")
	if err := conn.SetTimeout(blockTimeout); err != nil { // conn.settimeout(0.2)
		return err
	}
	s.Key("timed-out")
	_, err := conn.Recv(1024) // data = conn.recv(1024)
	if c := lab.Classify(err); c != lab.ClassTimeout {
		if err == nil {
			return errors.New("the recv under settimeout got bytes before the client sent any")
		}
		return err
	}
	s.Note(lab.Tf("caught %s: nothing came within %g s. The socket is still open: the server can try again, or give up on this client",
		"捕获到 %s：%g 秒内什么也没来。套接字仍然是打开的：服务端可以再试一次，也可以放弃这个客户端",
		lab.ClassTimeout.Python(), blockTimeout.Seconds()))
	s.Signal(bar("timeout", "timed-out"))
	if err := s.Wait(bar("timeout", "sent")); err != nil {
		return err
	}
	if _, err := conn.WaitQueued(len("hello")); err != nil && !unsupported(err) {
		return err
	}
	s.Key("in-time")
	_, err = conn.Recv(1024) // data = conn.recv(1024)
	return err
}

// nonblockRecv does not wait: on an empty buffer recv fails at once.
func nonblockRecv(s *lab.Side, conn *lab.Conn) error {
	s.Step("non-blocking")
	if err := conn.SetBlocking(false); err != nil { // conn.setblocking(False)
		return err
	}
	s.Note(lab.T("setblocking(False), also written setblocking(0), makes the socket non-blocking; setblocking(True) or (1) makes it block again. (One of the tutorials says 0 means blocking: it is the other way round.)",
		"setblocking(False)，也就是 setblocking(0)，让套接字变成非阻塞；setblocking(True) 或 (1) 让它恢复阻塞。（有一篇教程说 0 代表阻塞：恰恰说反了。）"))
	s.Key("nothing-yet")
	_, err := conn.Recv(1024) // data = conn.recv(1024)
	if c := lab.Classify(err); c != lab.ClassWouldBlock {
		if err == nil {
			return errors.New("the non-blocking recv got bytes before the client sent any")
		}
		return err
	}
	s.Note(lab.Tf("caught %s at once: nothing to read yet, and a non-blocking recv does not wait. The program does something else and tries again later (or asks select() when to)",
		"立刻捕获到 %s：还没有可读的数据，而非阻塞的 recv 不等待。程序先去做别的事，稍后再试（或者问 select() 什么时候再试）",
		lab.ClassWouldBlock.Python()))
	s.Signal(bar("nonblock", "tried"))
	if err := s.Wait(bar("nonblock", "sent")); err != nil {
		return err
	}
	if _, err := conn.WaitQueued(len("hello")); err != nil && !unsupported(err) {
		return err
	}
	s.Key("data-ready")
	_, err = conn.Recv(1024) // data = conn.recv(1024)
	return err
}

// readWhenFull lets the client fill the buffers, and reads only once the
// client's blocking sendall is waiting.
func readWhenFull(s *lab.Side, conn *lab.Conn) error {
	s.Note(lab.T("the server does not read yet: the client's bytes pile up in the buffers until they are full",
		"服务端暂时不读：客户端的字节堆在缓冲区里，直到缓冲区满"))
	s.Signal(bar("send", "accepted"))
	if err := s.Wait(bar("send", "waiting")); err != nil {
		return err
	}
	total := 0
	for { // read until b''
		data, err := conn.Recv(65536) // data = conn.recv(65536)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			break
		}
		total += len(data)
	}
	s.KeyNote("arrived", lab.Tf("%d bytes arrived, then b''", "收到 %d 个字节，然后是 b''", total))
	return nil
}

// selectServer is Python's selectors loop: one goroutine, one selector,
// the listening socket and every client registered in it. Each round of
// the loop serves only the sockets select() says are ready, so no call
// waits and no client waits for another.
func selectServer(s *lab.Side, ln *lab.Listener) error {
	if noPoll {
		return selectFallback(s, ln, nil)
	}
	sel := s.NewSelector() // sel = selectors.DefaultSelector()
	s.Step("register-server")
	if err := sel.RegisterListener(ln); err != nil { // sel.register(server, selectors.EVENT_READ)
		return err
	}
	var conns []*lab.Conn // c1, c2, c3, in the order they connected
	open := 0
	for round := 1; len(conns) < selectClients || open > 0; round++ { // while True:
		if err := selectRecipe(s, round, conns); err != nil {
			return err
		}
		switch round {
		case selectClients + 1:
			s.Key("select-all")
		case selectClients + 2:
			s.Key("select-one")
		}
		keys, err := sel.Select() // for key, mask in sel.select():
		if unsupported(err) {
			return selectFallback(s, ln, conns)
		}
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k.Listener != nil { // if key.fileobj is server:
				conn, err := ln.Accept() // conn, addr = server.accept()
				if err != nil {
					return err
				}
				s.Step("conn-non-blocking")
				if err := conn.SetBlocking(false); err != nil { // conn.setblocking(False)
					return err
				}
				s.Step("register")
				if err := sel.Register(conn); err != nil { // sel.register(conn, selectors.EVENT_READ)
					return err
				}
				conns = append(conns, conn)
				open++
				continue
			}
			conn := k.Conn
			s.Step("ready-recv")
			data, err := conn.Recv(1024) // data = key.fileobj.recv(1024): ready, so it does not wait
			if err != nil {
				return err
			}
			if len(data) == 0 { // the client left
				s.Step("unregister")
				if err := sel.Unregister(conn); err != nil { // sel.unregister(conn)
					return err
				}
				if err := conn.Close(); err != nil { // conn.close()
					return err
				}
				open--
				s.Signal(bar("select", fmt.Sprintf("gone-%d", indexOf(conns, conn)+1)))
				continue
			}
			if _, err := conn.Send(upper(data)); err != nil { // key.fileobj.send(data.upper())
				return err
			}
		}
	}
	return nil
}

func indexOf(conns []*lab.Conn, c *lab.Conn) int {
	for i, x := range conns {
		if x == c {
			return i
		}
	}
	return -1
}

// selectRecipe is the lab's recipe before each select() of the loop:
// rounds 1-3 wait until client k has connected (select returns the
// listening socket); round 4 until all three have sent and the kernel
// holds their bytes (select returns three sockets); round 5 until the last
// client alone has sent again (select returns one); then each round until
// the next client has closed (select returns its EOF).
func selectRecipe(s *lab.Side, round int, conns []*lab.Conn) error {
	switch {
	case round <= selectClients:
		return s.Wait(bar("select", fmt.Sprintf("c%d-connected", round)))
	case round == selectClients+1:
		s.Signal(bar("select", "accepted"))
		for i, c := range conns {
			if err := s.Wait(bar("select", fmt.Sprintf("c%d-sent", i+1))); err != nil {
				return err
			}
			if _, err := c.WaitQueued(len(selectMessage(i + 1))); err != nil && !unsupported(err) {
				return err
			}
		}
		return nil
	case round == selectClients+2:
		if err := s.Wait(bar("select", "again")); err != nil {
			return err
		}
		if _, err := conns[selectClients-1].WaitQueued(len(selectAgain)); err != nil && !unsupported(err) {
			return err
		}
		return nil
	}
	return s.Wait(bar("select", fmt.Sprintf("c%d-closed", round-selectClients-2)))
}

// selectFallback serves the select part where the lab has no poll(): a
// goroutine per connection (demo 11), which the note and the findings say
// is not what the part shows.
func selectFallback(s *lab.Side, ln *lab.Listener, conns []*lab.Conn) error {
	s.Note(lab.T("the lab cannot show select() on this system: it serves these clients with a goroutine per connection instead (demo 11)",
		"实验台在这个系统上无法展示 select()：改为每个连接一个 goroutine 来服务这些客户端（演示 11）"))
	for len(conns) < selectClients {
		if err := s.Wait(bar("select", fmt.Sprintf("c%d-connected", len(conns)+1))); err != nil {
			return err
		}
		conn, err := ln.Accept()
		if err != nil {
			return err
		}
		conns = append(conns, conn)
	}
	s.Signal(bar("select", "accepted"))
	errs := make(chan error, len(conns))
	for i, c := range conns {
		h := s.Fork(fmt.Sprintf("h%d", i+1))
		c := c.HandTo(h)
		go func() {
			err := handle(c)
			h.Signal(bar("select", fmt.Sprintf("gone-%d", i+1)))
			errs <- err
		}()
	}
	var err error
	for range conns {
		err = errors.Join(err, <-errs)
	}
	return err
}

func blockingClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	for _, part := range blockingParts(s.Params) {
		s.Section(blockingSections[part])
		s.Signal(bar(part, "begun"))
		if err := s.Wait(bar(part, "ready")); err != nil {
			return err
		}
		var err error
		switch part {
		case "block":
			err = blockClient(s)
		case "timeout":
			err = lateClient(s, "timeout", "timed-out")
		case "nonblock":
			err = lateClient(s, "nonblock", "tried")
		case "select":
			err = selectClientsRun(s)
		case "send":
			err = fillClient(s)
		}
		if err != nil {
			return err
		}
		if err := s.Wait(bar(part, "served")); err != nil { // the server is done with this part
			return err
		}
	}
	return nil
}

// blockingSections head the parts of demo 20.
var blockingSections = map[string]lab.Text{
	"block": lab.T("block: the server's recv waits; the client's first send is empty",
		"block：服务端的 recv 在等待；客户端的第一次发送是空的"),
	"timeout": lab.Tf("timeout: settimeout(%g) on the server; the client is slow", "timeout：服务端 settimeout(%g)；客户端迟迟不发", blockTimeout.Seconds()),
	"nonblock": lab.T("nonblock: setblocking(False) on the server; recv before and after the client sends",
		"nonblock：服务端 setblocking(False)；在客户端发送之前和之后各 recv 一次"),
	"select": lab.Tf("select: one server thread, one selector, %d clients at once", "select：一个服务端线程，一个选择器，同时 %d 个客户端", selectClients),
	"send":   lab.T("send: a full send buffer, non-blocking and then blocking", "send：发送缓冲区满了，先非阻塞，再阻塞"),
}

// blockClient sends only once the server's recv waits: first nothing
// (the tutorial's empty input), then hello.
func blockClient(s *lab.Side) error {
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	if err := s.Wait(bar("block", "waiting")); err != nil {
		return err
	}
	s.Key("empty-send")
	if _, err := conn.Send([]byte("")); err != nil { // client.send(''.encode()): the learner pressed Enter
		return err
	}
	s.Note(lab.T("send(b'') sent nothing: no byte, no packet. The server's recv cannot tell and goes on waiting (the tutorial's hang; its fix: `if not msg: continue`)",
		"send(b'') 什么也没发：没有字节，也没有报文。服务端的 recv 察觉不到，继续等待（就是教程里卡住的情形；它的解决办法：`if not msg: continue`）"))
	s.Step("send-hello")
	if err := conn.SendAll([]byte("hello")); err != nil { // client.sendall(b'hello')
		return err
	}
	s.Step("answer")
	if _, err := conn.Recv(1024); err != nil { // client.recv(1024)
		return err
	}
	return conn.Close()
}

// lateClient sends hello only after the server's first recv has failed
// (the barrier after), then leaves once the server is done.
func lateClient(s *lab.Side, part, after string) error {
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	if err := s.Wait(bar(part, after)); err != nil {
		return err
	}
	s.Step("send-hello")
	if err := conn.SendAll([]byte("hello")); err != nil { // client.sendall(b'hello')
		return err
	}
	s.Signal(bar(part, "sent"))
	if err := s.Wait(bar(part, "served")); err != nil {
		return err
	}
	return conn.Close()
}

// selectClientsRun starts the clients of the select part, each a fork.
func selectClientsRun(s *lab.Side) error {
	errs := make(chan error, selectClients)
	for i := 1; i <= selectClients; i++ {
		c := s.Fork(fmt.Sprintf("c%d", i))
		go func() { errs <- selectClient(c, i) }()
	}
	var err error
	for range selectClients {
		err = errors.Join(err, <-errs)
	}
	return err
}

// selectClient is client i of the select part: it connects after the one
// before it, sends once all are accepted, reads its answer; the last one
// sends again on its own; then they leave one at a time.
func selectClient(s *lab.Side, i int) error {
	if i > 1 {
		if err := s.Wait(bar("select", fmt.Sprintf("c%d-connected", i-1))); err != nil {
			return err
		}
	}
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	s.Signal(bar("select", fmt.Sprintf("c%d-connected", i)))
	if err := s.Wait(bar("select", "accepted")); err != nil {
		return err
	}
	msg := selectMessage(i)
	if err := conn.SendAll([]byte(msg)); err != nil { // client.sendall(msg.encode())
		return err
	}
	s.Signal(bar("select", fmt.Sprintf("c%d-sent", i)))
	if err := readAnswer(conn, len(msg)); err != nil {
		return err
	}
	s.Signal(bar("select", fmt.Sprintf("c%d-answered", i)))
	if i == selectClients {
		for k := 1; k <= selectClients; k++ { // everyone has an answer
			if err := s.Wait(bar("select", fmt.Sprintf("c%d-answered", k))); err != nil {
				return err
			}
		}
		s.Step("again")
		if err := conn.SendAll([]byte(selectAgain)); err != nil { // client.sendall(b'c3 again')
			return err
		}
		s.Signal(bar("select", "again"))
		s.Key("answer-again")
		if err := readAnswer(conn, len(selectAgain)); err != nil {
			return err
		}
		s.Signal(bar("select", "answered-again"))
	}
	// Leave one at a time, after the last client's second answer.
	if err := s.Wait(bar("select", "answered-again")); err != nil {
		return err
	}
	if i > 1 {
		if err := s.Wait(bar("select", fmt.Sprintf("gone-%d", i-1))); err != nil {
			return err
		}
	}
	if err := conn.Close(); err != nil { // client.close()
		return err
	}
	s.Signal(bar("select", fmt.Sprintf("c%d-closed", i)))
	return nil
}

// readAnswer reads an answer of n bytes with recv(1024) calls.
func readAnswer(conn *lab.Conn, n int) error {
	for got := 0; got < n; {
		data, err := conn.Recv(1024) // data = client.recv(1024)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			return lab.Errorf(lab.Tf("the server closed after %d of %d bytes of the answer", "服务端在回答的 %d / %d 个字节之后就关闭了", got, n), nil)
		}
		got += len(data)
	}
	return nil
}

// fillClient fills the buffers with non-blocking sends until the kernel
// says EAGAIN, then makes one blocking sendall, which waits until the
// server reads.
func fillClient(s *lab.Side) error {
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	s.Step("small-buffer")
	if _, err := conn.SetSendBuffer(blockBuf); err != nil { // client.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096)
		return err
	}
	if err := s.Wait(bar("send", "accepted")); err != nil {
		return err
	}
	s.Step("non-blocking")
	if err := conn.SetBlocking(false); err != nil { // client.setblocking(False)
		return err
	}
	chunk := sendallData(blockChunk)
	sent := 0
	for { // while True:
		s.KeyIf("full", func(e lab.Event) bool { return lab.ClassOf(e.Errno) == lab.ClassWouldBlock })
		n, err := conn.Send(chunk)                    // sent += client.send(chunk)
		if lab.Classify(err) == lab.ClassWouldBlock { // except BlockingIOError: break
			break
		}
		if err != nil {
			return err
		}
		sent += n
	}
	s.Note(lab.Tf("caught %s: the buffers are full after %d bytes. A non-blocking send never waits: it takes what fits, or raises",
		"捕获到 %s：缓冲区在 %d 个字节之后满了。非阻塞的 send 从不等待：放得下多少就收多少，一点也放不下就抛出异常",
		lab.ClassWouldBlock.Python(), sent))
	s.Step("blocking")
	if err := conn.SetBlocking(true); err != nil { // client.setblocking(True)
		return err
	}
	conn.SignalWhenWaiting(bar("send", "waiting")) // the recipe: the server reads once this sendall waits
	s.Key("send-waits")
	if err := conn.SendAll(sendallData(blockWait)); err != nil { // client.sendall(data)
		return err
	}
	return conn.Close() // client.close()
}

func blockingFindings(t lab.Trace, p lab.Params) []lab.Finding {
	var out []lab.Finding
	for _, part := range blockingParts(p) {
		switch part {
		case "block":
			out = append(out, blockFindings(t)...)
		case "timeout":
			out = append(out, timeoutFindings(t)...)
		case "nonblock":
			out = append(out, nonblockFindings(t)...)
		case "select":
			out = append(out, selectFindings(t)...)
		case "send":
			out = append(out, sendFindings(t)...)
		}
	}
	return out
}

// before is the last event of the same side and socket before e that
// matches keep, or the zero Event.
func before(t lab.Trace, e lab.Event, keep func(lab.Event) bool) lab.Event {
	var found lab.Event
	for _, x := range t {
		if x.Seq >= e.Seq {
			break
		}
		if x.Side == e.Side && x.Who == e.Who && x.Conn == e.Conn && keep(x) {
			found = x
		}
	}
	return found
}

// ms writes a short duration for a finding: "201.0 ms", "35 µs".
func ms(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%d µs", d.Microseconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func blockFindings(t lab.Trace) []lab.Finding {
	recv := t.Step("waits").Last()
	note := before(t, recv, func(e lab.Event) bool { return e.Op == lab.OpNote && e.Name == lab.NoteWaiting })
	empty := t.Step("empty-send").Last()
	var hello lab.Event // the client's first send after the empty one
	if later := t.Filter(func(e lab.Event) bool { return e.Step == "send-hello" && e.Seq > empty.Seq }); len(later) > 0 {
		hello = later[0]
	}
	waited := note.Seq > 0 && empty.Seq > note.Seq && hello.Seq > empty.Seq && recv.Seq > hello.Seq &&
		recv.Err == "" && string(recv.Data) == "hello"
	return []lab.Finding{
		check("waits", waited, lab.Tf(
			"the server's recv(1024) found the receive buffer empty and waited (blocked) for %s; it returned only when the client's b'hello' came",
			"服务端的 recv(1024) 发现接收缓冲区是空的，于是等待（阻塞）了 %s；直到客户端的 b'hello' 到来才返回",
			ms(recv.T-note.T))).On(note, recv),
		check("empty-send", empty.Op == lab.OpSend && empty.Req == 0 && empty.N == 0 && empty.Err == "" && waited, lab.T(
			"send(b'') returned 0 and sent nothing, so the waiting recv did not return for it: an empty input does not wake the peer, it leaves both sides waiting",
			"send(b'') 返回 0，什么也没发出，所以等待中的 recv 并没有因此返回：空输入叫不醒对方，只会让两边都在等")).On(empty),
	}
}

func timeoutFindings(t lab.Trace) []lab.Finding {
	recv := t.Step("timed-out").Last()
	set := before(t, recv, func(e lab.Event) bool { return e.Op == lab.OpSetOpt && strings.HasPrefix(e.Call, "settimeout(") })
	took := recv.T - set.T
	timeout := lab.ClassTimeout
	ok := set.Seq > 0 && recv.Op == lab.OpRecv && recv.N == 0 && lab.ClassOf(recv.Errno) == timeout && took >= blockTimeout
	later := t.Step("in-time").Last()
	return []lab.Finding{
		check("timeout", ok, lab.Tf(
			"after %s the server's recv gave up when no byte had come for %g s: it raised %s (Windows %s) after %s, with no bytes",
			"%[1]s 之后，服务端的 recv 在 %[2]g 秒内一个字节也没等到就放弃了：%[5]s 之后抛出 %[3]s（Windows %[4]s），没有数据",
			set.Call, blockTimeout.Seconds(), timeout.Python(), timeout.Windows(), ms(took))).On(set, recv),
		check("after-timeout", ok && later.Op == lab.OpRecv && later.Err == "" && string(later.Data) == "hello", lab.T(
			"a timeout does not close the socket: the next recv on it got the client's b'hello'",
			"超时不会关闭套接字：它上面的下一次 recv 收到了客户端的 b'hello'")).On(later),
	}
}

func nonblockFindings(t lab.Trace) []lab.Finding {
	recv := t.Step("nothing-yet").Last()
	set := before(t, recv, func(e lab.Event) bool { return e.Op == lab.OpSetOpt && e.Call == "setblocking(False)" })
	would := lab.ClassWouldBlock
	ok := set.Seq > 0 && recv.Op == lab.OpRecv && recv.N == 0 && lab.ClassOf(recv.Errno) == would
	ready := t.Step("data-ready").Last()
	return []lab.Finding{
		check("recv-would-block", ok, lab.Tf(
			"after setblocking(False) a recv on the empty buffer did not wait: it raised %s (EAGAIN; Windows %s) %s later",
			"setblocking(False) 之后，对空缓冲区的 recv 并不等待：%[3]s 之后就抛出了 %[1]s（EAGAIN；Windows %[2]s）",
			would.Python(), would.Windows(), ms(recv.T-set.T))).On(set, recv),
		check("ready-data", ok && ready.Op == lab.OpRecv && ready.Err == "" && string(ready.Data) == "hello", lab.T(
			"with the bytes already there, the same non-blocking recv returned them at once: non-blocking means \"never wait\", not \"never get data\"",
			"数据已经在那里时，同样的非阻塞 recv 立刻把它们返回了：非阻塞的意思是“从不等待”，而不是“读不到数据”")).On(ready),
	}
}

func selectFindings(t lab.Trace) []lab.Finding {
	sels := t.Filter(func(e lab.Event) bool {
		return e.Side == lab.Server && e.Op == lab.OpSelect && e.Call == "sel.select()"
	})
	if len(sels) == 0 || sels[0].Err != "" {
		text := lab.T("not shown: the lab could not call select() on this system, so a goroutine per connection served the clients instead",
			"看不到：实验台在这个系统上无法调用 select()，改由每个连接一个 goroutine 来服务这些客户端")
		return []lab.Finding{check("one-thread", false, text), check("all-ready", false, text), check("one-ready", false, text)}
	}
	from, to := sels[0].Seq, sels.Last().Seq
	server := t.Filter(func(e lab.Event) bool { return e.Side == lab.Server && e.Seq >= from && e.Seq <= to })
	accepts := server.Filter(func(e lab.Event) bool { return e.Op == lab.OpAccept && e.Err == "" })
	firstClose := to + 1
	for _, e := range server {
		if e.Op == lab.OpClose {
			firstClose = min(firstClose, e.Seq)
		}
	}
	forks := false
	for _, e := range server {
		forks = forks || e.Who != ""
	}
	atOnce := len(accepts) == selectClients && accepts.Last().Seq < firstClose && !forks
	all := t.Step("select-all").Last()
	recvs := server.Filter(func(e lab.Event) bool { return e.Op == lab.OpRecv && e.Seq > all.Seq })
	served := all.N == selectClients && len(recvs) >= selectClients
	conns := map[int]bool{}
	for _, e := range recvs[:min(len(recvs), selectClients)] {
		served = served && e.Err == "" && e.N > 0
		conns[e.Conn] = true
	}
	served = served && len(conns) == selectClients
	one := t.Step("select-one").Last()
	again := t.Step("answer-again").Last()
	left := t.Filter(func(e lab.Event) bool { return e.Side == lab.Client && e.Op == lab.OpClose && e.Who != "" })
	quiet := len(left) == selectClients
	for _, e := range left {
		quiet = quiet && e.Seq > again.Seq
	}
	return []lab.Finding{
		check("one-thread", atOnce, lab.Tf(
			"one server thread, no other (in the lab, one goroutine): it had all %d clients connected at once and served them all through one selector",
			"只有一个服务端线程（在实验台里是一个 goroutine）：%d 个客户端同时连着，它通过一个选择器服务了所有客户端", selectClients)).On(accepts...),
		check("all-ready", served, lab.Tf(
			"once every client had sent, one select() returned %d ready sockets, and the loop's recv on each returned a message at once: no recv waited",
			"每个客户端都发送之后，一次 select() 返回了 %d 个就绪的套接字，循环在每个上面的 recv 都立刻拿到了消息：没有一次 recv 需要等待",
			all.N)).On(all).On(recvs[:min(len(recvs), selectClients)]...),
		check("one-ready", one.N == 1 && again.Err == "" && string(again.Data) == strings.ToUpper(selectAgain) && quiet, lab.Tf(
			"when only c%d sent again, select() returned its socket alone and the server answered it while the other clients stayed connected and silent: a loop sitting in a blocking recv on c1 could not have",
			"只有 c%d 再次发送时，select() 只返回了它的套接字，服务端回复了它，而其他客户端仍然连着、一声不吭：一个卡在 c1 的阻塞 recv 里的循环做不到这一点",
			selectClients)).On(one, again),
	}
}

func sendFindings(t lab.Trace) []lab.Finding {
	full := t.Step("full")
	last := full.Last()
	would := lab.ClassWouldBlock
	took := 0
	for _, e := range full {
		took += e.N
	}
	waits := t.Step("send-waits").Last()
	note := before(t, waits, func(e lab.Event) bool { return e.Op == lab.OpNote && e.Name == lab.NoteWaiting })
	reads := t.Filter(func(e lab.Event) bool { return e.Side == lab.Server && e.Op == lab.OpRecv && e.Call == "recv(65536)" })
	waited := waits.Op == lab.OpSendAll && waits.Waited && waits.Err == "" && waits.N == waits.Req &&
		note.Seq > 0 && len(reads) > 0 && note.Seq < reads[0].Seq
	arrived := t.Step("arrived").Last()
	got := int64(0)
	for _, e := range reads {
		got += int64(e.N)
	}
	out := []lab.Finding{
		check("send-would-block", last.Op == lab.OpSend && last.N == 0 && lab.ClassOf(last.Errno) == would, lab.Tf(
			"non-blocking, the client's sends took %d bytes in %d call(s) while the server did not read; then the buffers were full and the next send raised %s at once, taking nothing",
			"非阻塞时，服务端不读，客户端的 send 用 %[2]d 次调用交出了 %[1]d 个字节；然后缓冲区满了，下一次 send 立刻抛出 %[3]s，一个字节也没收",
			took, len(full)-1, would.Python())).On(last),
		check("send-waits", waited, lab.T(
			"blocking again, sendall into the full buffers waited (blocked) until the server read, then took every byte: the same call that raised BlockingIOError now just waits",
			"恢复阻塞后，向满缓冲区的 sendall 一直等待（阻塞）到服务端开始读，然后交出了全部字节：刚才抛出 BlockingIOError 的调用，现在只是等待")).On(note, waits),
		check("send-arrived", arrived.Seq > 0 && got == int64(took+waits.N), lab.Tf(
			"all %d bytes the client's sends took arrived, in order: a full buffer delays bytes, it loses none",
			"客户端的 send 交出的 %d 个字节全部按顺序到达：缓冲区满只会推迟字节，不会丢掉它们", took+waits.N)).At("arrived"),
	}
	return out
}
