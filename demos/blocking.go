package demos

import (
	"context"
	"errors"
	"fmt"
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
