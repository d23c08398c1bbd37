package demos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"socketlab/lab"
)

// concurrent is demo 11: a server that serves one client at a time next to
// one that starts a goroutine per connection (Python's
// socketserver.ThreadingTCPServer). Several clients, each a Fork tagged
// c1, c2, …, connect in order; the goroutine server's handlers are tagged
// h1, h2, ….
//
// Recipe: client k connects only after client k-1's connect returned, so
// the accept queue holds them in order. With the serial server, each client
// stays until the next one has sent its message: that client is connected,
// has sent, and gets no answer until the first leaves. With goroutines,
// every client stays until all clients have their answers, which only a
// server that serves them at the same time can give.
func concurrent() lab.Demo {
	return lab.Demo{
		ID:    11,
		Slug:  "concurrent",
		Title: lab.T("One client at a time, or all at once", "一次一个客户端，还是同时服务"),
		Brief: lab.T("a serial server makes the second client wait; a thread per connection (in the lab, a goroutine) serves all at once",
			"串行服务端让第二个客户端等待；每个连接一个线程（在实验台里是 goroutine）就能同时服务所有客户端"),
		Knobs: []lab.Knob{
			{Name: "mode", Kind: lab.KindEnum, Default: "both", Choices: []string{"both", "serial", "goroutines"},
				Help: lab.T("serial: one loop serves one client at a time; goroutines: a goroutine per connection; both: one after the other",
					"serial：一个循环一次服务一个客户端；goroutines：每个连接一个 goroutine；both：先后两种都运行")},
			{Name: "clients", Kind: lab.KindInt, Default: "3", Min: 1, Max: 8,
				Help: lab.T("how many clients connect", "连接的客户端个数")},
		},
		Server:   concurrentServer,
		Client:   concurrentClient,
		Peer:     &lab.Peer{Serve: tcpServe(concurrentServe), Client: concurrentPeerClient, Try: concurrentTry},
		Findings: concurrentFindings,
	}
}

// concurrentParts are the parts a mode runs, in order.
func concurrentParts(mode string) []string {
	if mode == "both" {
		return []string{"serial", "goroutines"}
	}
	return []string{mode}
}

func concurrentServer(ctx context.Context, s *lab.Side) error {
	n := s.Params.Int("clients")
	for _, part := range concurrentParts(s.Params.String("mode")) {
		ln, err := s.Listen("127.0.0.1:0")
		if err != nil {
			return err
		}
		s.Signal(part + "/listening")
		if part == "serial" {
			err = serveSerially(s, ln, n)
		} else {
			err = serveConcurrently(s, ln, n)
		}
		if err != nil {
			return err
		}
		s.Step("stop-listening")
		if err := ln.Close(); err != nil {
			return err
		}
	}
	return nil
}

// serveSerially is the tutorial's connection loop: while this loop serves
// one client, nobody calls accept(), so the next client waits in the queue.
//
// The accept of every client after the first is a key call: that client
// has been waiting in the queue since its connect() returned.
func serveSerially(s *lab.Side, ln *lab.Listener, n int) error {
	served := 0
	for range n { // while True:
		if served > 0 {
			s.Key("accept-queued")
		}
		conn, err := ln.Accept() // conn, addr = server.accept()
		if err != nil {
			return err
		}
		if err := handle(conn); err != nil {
			return err
		}
		served++
	}
	return nil
}

// serveConcurrently accepts and hands each connection to its own goroutine,
// what socketserver.ThreadingTCPServer does with a thread per request. The
// accept of every client after the first is a key call: it takes that
// client at once, while a handler still serves the one before.
func serveConcurrently(s *lab.Side, ln *lab.Listener, n int) error {
	errs := make(chan error, n)
	started := 0
	var err error
	for i := range n { // server.serve_forever()
		if i > 0 {
			s.Key("accept-at-once")
		}
		conn, aerr := ln.Accept()
		if aerr != nil {
			err = aerr
			break
		}
		h := s.Fork(fmt.Sprintf("h%d", i+1))
		started++
		go func() { errs <- handle(conn.HandTo(h)) }() // a new thread calls handle()
	}
	for range started {
		err = errors.Join(err, <-errs)
	}
	return err
}

func concurrentClient(ctx context.Context, s *lab.Side) error {
	n := s.Params.Int("clients")
	for _, part := range concurrentParts(s.Params.String("mode")) {
		if err := s.Wait(part + "/listening"); err != nil {
			return err
		}
		if part == "serial" {
			s.Section(lab.Tf("Serial server: one loop, one client at a time (%d clients)",
				"串行服务端：一个循环，一次一个客户端（%d 个客户端）", n))
		} else {
			s.Section(lab.Tf("A goroutine per connection, like socketserver.ThreadingTCPServer (%d clients)",
				"每个连接一个 goroutine，就像 socketserver.ThreadingTCPServer（%d 个客户端）", n))
		}
		errs := make(chan error, n)
		for i := 1; i <= n; i++ {
			c := s.Fork(fmt.Sprintf("c%d", i))
			go func() { errs <- oneClient(c, part, i, n) }()
		}
		var err error
		for range n {
			err = errors.Join(err, <-errs)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// oneClient connects after the client before it, sends one message, reads
// the answer and leaves by the part's rule.
func oneClient(s *lab.Side, part string, i, n int) error {
	bar := func(k int, what string) string { return fmt.Sprintf("%s/c%d-%s", part, k, what) }
	if i > 1 {
		if err := s.Wait(bar(i-1, "connected")); err != nil { // queue up in order
			return err
		}
	}
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	s.Signal(bar(i, "connected"))
	msg := fmt.Sprintf("hello from c%d", i)
	if err := conn.SendAll([]byte(msg)); err != nil { // client.sendall(msg.encode())
		return err
	}
	s.Signal(bar(i, "sent"))
	for got := 0; got < len(msg); {
		if part == "serial" && i > 1 && got == 0 {
			s.Step("wait-turn") // until the serial server is done with the client before
		}
		data, err := conn.Recv(1024) // data = client.recv(1024)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			return lab.Errorf(lab.Tf("c%d: the server closed before answering", "c%d：服务端还没回答就关闭了", i), nil)
		}
		got += len(data)
	}
	s.Signal(bar(i, "answered"))
	switch {
	case part == "goroutines":
		for k := 1; k <= n; k++ { // stay until every client has its answer
			if err := s.Wait(bar(k, "answered")); err != nil {
				return err
			}
		}
	case i < n:
		if err := s.Wait(bar(i+1, "sent")); err != nil { // stay until the next one has sent
			return err
		}
	}
	return conn.Close() // client.close()
}

// concurrentServe is the handler of the goroutine server as `lab serve 11`
// runs it: every connection in a goroutine (lane) of its own, answered by
// the handle() that lab run 11's servers use.
func concurrentServe(s *lab.Side, conn *lab.Conn) error { return handle(conn) }

// concurrentTry opens two connections and gets the second one's answer
// before the first one has even sent: only a server that serves both at
// once can give it.
func concurrentTry(host, port string) []string {
	return []string{
		fmt.Sprintf("nc %s %s", host, port),
		fmt.Sprintf(`python3 -c "import socket; a=socket.create_connection(('%s', %s)); b=socket.create_connection(('%s', %s)); b.sendall(b'second'); print(b.recv(1024)); a.sendall(b'first'); print(a.recv(1024))"`, host, port, host, port),
	}
}

// concurrentPatience is how long `lab client 11` waits for a client's
// answer while the clients before it are still connected, before it
// suspects a server that serves one client at a time. A serial server
// makes the client wait forever, so this only delays that verdict; it is
// long so that a concurrent server on a loaded machine (a class's laptop,
// CI under -race) is never taken for a serial one.
const concurrentPatience = 10 * time.Second

// concurrentPeerClient is demo 11's client against any server: all the
// clients connect and send at once, and none closes before every one has
// its answer, which only a server that serves them at the same time can
// give. A client whose answer does not come while the others stay is the
// sign of a serial server; its answer arriving once the first client
// closes proves it.
func concurrentPeerClient(ctx context.Context, s *lab.Side, opt lab.PeerOptions) error {
	n := s.Params.Int("clients")
	type client struct {
		side *lab.Side
		conn *lab.Conn
		msg  []byte
	}
	cs := make([]client, 0, n)
	defer func() {
		for _, c := range cs {
			c.side.Retire()
		}
	}()
	s.Section(lab.Tf("%d clients connect and send at once; none closes before all have their answers",
		"%d 个客户端同时连接并发送；在所有人都得到回答之前，谁也不关闭", n))
	for i := 1; i <= n; i++ {
		f := s.Fork(fmt.Sprintf("c%d", i))
		conn, err := dialPeer(f, opt) // client.connect((host, port))
		opt.Peer = nil
		if err != nil {
			f.Retire()
			return err
		}
		cs = append(cs, client{f, conn, fmt.Appendf(nil, "hello from c%d", i)})
	}
	for _, c := range cs {
		if err := c.conn.SendAll(c.msg); err != nil { // client.sendall(msg.encode())
			return err
		}
	}
	for i, c := range cs {
		want := upper(c.msg)
		got, err := recvWithin(c.conn, len(want), concurrentPatience, opt) // data = client.recv(1024)
		var le *lab.LimitError
		if i > 0 && errors.As(err, &le) {
			return concurrentSerial(cs[0].side, cs[0].conn, c.side, c.conn, i+1, le.Limit, opt)
		}
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			if len(got) == 0 {
				return fmt.Errorf("c%d: the server closed before answering", i+1)
			}
			return fmt.Errorf("c%d: the server answered %q; demo 11's server answers the same bytes upper-cased, %q", i+1, clip(got), clip(want))
		}
	}
	s.Note(lab.Tf("all %d clients have their answers while all of them are still connected: the server serves them at the same time",
		"%d 个客户端全都还连着的时候就都得到了回答：服务端同时为它们服务", n))
	for _, c := range cs {
		if err := c.conn.Close(); err != nil { // client.close()
			return err
		}
	}
	return nil
}

// concurrentSerial tells a serial server from one that does not answer:
// client k has waited for limit while the first client stays connected;
// the first leaves, and k's answer coming then proves that the server
// serves one client at a time.
func concurrentSerial(first *lab.Side, c1 *lab.Conn, s *lab.Side, ck *lab.Conn, k int, limit time.Duration, opt lab.PeerOptions) error {
	first.Note(lab.Tf("c%d has had no answer for %v while c1 stays connected; c1 leaves now, to see whether c%d's answer comes then",
		"c%d 已经 %v 没有得到回答，而 c1 还连着；现在 c1 离开，看看 c%d 的回答会不会随之而来", k, limit, k))
	if err := c1.Close(); err != nil {
		return err
	}
	want := upper(fmt.Appendf(nil, "hello from c%d", k))
	got, err := recvReply(ck, len(want))
	if err != nil || len(got) == 0 {
		return &lab.Verdict{ID: "no-answer",
			What: lab.Tf("c%d got no answer, not even after c1 had left (%s)", "c%d 没有得到回答，c1 离开之后也没有（%s）", k, endOf(err)),
			Hint: lab.T("the server answers only its first client: put accept() in a loop, and give each connection a thread of its own (threading.Thread, or socketserver.ThreadingTCPServer)",
				"服务端只回答第一个客户端：把 accept() 放进循环，并给每个连接一个自己的线程（threading.Thread，或 socketserver.ThreadingTCPServer）")}
	}
	s.Note(lab.Tf("c%d's answer came only after c1 had left", "c%d 的回答直到 c1 离开之后才到", k))
	return &lab.Verdict{ID: "serial",
		What: lab.Tf("c%d got no answer for %v while c1 was connected, and got it as soon as c1 left", "c1 连着的时候，c%d 等了 %v 也没有回答，c1 一离开它就得到了回答", k, limit),
		Hint: lab.T("the server serves one client at a time: while it is in one client's loop, nobody calls accept() and the others wait in the queue. Hand each connection to a thread of its own (threading.Thread(target=handle, args=(conn,)).start(), or socketserver.ThreadingTCPServer)",
			"服务端一次只服务一个客户端：它在一个客户端的循环里时，没有人调用 accept()，其他客户端只能在队列里等。给每个连接一个自己的线程（threading.Thread(target=handle, args=(conn,)).start()，或 socketserver.ThreadingTCPServer）")}
}
