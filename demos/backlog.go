package demos

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"socketlab/lab"
)

// dialTimeout is how long each client that dials into the full queue
// waits for connect().
const dialTimeout = 300 * time.Millisecond

// fitTimeout is the connect() timeout of the clients that fit in the
// queue. Their kernel completes the handshake at once; the timeout is long
// only so that a starved machine (CI at load 20 once took longer than
// 0.3 s to run the dialling goroutine) cannot fail them.
const fitTimeout = 10 * time.Second

// lateTimeout is how long the late client waits for connect(): past the
// SYN retransmits at 1 s, 3 s and 7 s (Linux's first SYN timeout is 1 s and
// doubles), so it is still trying when the server drains the queue, even
// when a loaded machine drains it seconds late (with 5 s, a drain later
// than 3 s failed it once under CI).
const lateTimeout = 10 * time.Second

// backlog is demo 12: listen(backlog) and the accept queue. The kernel
// completes handshakes for a listening socket even while nobody calls
// accept(), up to backlog+1 connections on Linux; later connects hang until
// their timeout. Accepting drains the queue, and a late client with a
// longer timeout, whose SYN the full queue dropped, gets in on a
// retransmitted SYN.
//
// Recipe: the late client dials once the queue is full (a barrier); the
// server drains only after /proc/net/tcp shows the late socket in
// SYN_SENT (its SYN went out and got no answer), and accepts it once the
// client says its connect() is over.
func backlog() lab.Demo {
	return lab.Demo{
		ID:    12,
		Slug:  "backlog",
		Title: lab.T("listen(backlog) and the accept queue", "listen(backlog) 与 accept 队列"),
		Brief: lab.T("with nobody accepting, backlog+1 connections complete and later ones hang (Linux: not refused); accept drains the queue",
			"没有人 accept 时，backlog+1 个连接能完成，之后的会卡住（Linux：不会被拒绝）；accept 把队列取空"),
		Knobs: []lab.Knob{
			{Name: "backlog", Kind: lab.KindInt, Default: "1", Min: 0, Max: 8,
				Help: lab.T("the server's listen(backlog)", "服务端 listen(backlog) 的参数")},
			{Name: "clients", Kind: lab.KindInt, Default: "4", Min: 1, Max: 16,
				Help: lab.T("how many clients try to connect while the server does not accept", "服务端不 accept 时尝试连接的客户端数量")},
			{Name: "late", Kind: lab.KindEnum, Default: "on", Choices: []string{"on", "off"},
				Help: lab.T("on: one more client dials into the full queue with a 5 s timeout; its SYN is dropped and sent again, and it gets in once the server drains the queue",
					"on：再来一个客户端，在队列满时连接，超时 5 秒；它的 SYN 被丢弃后内核会重发，服务端把队列取空之后它就连上了")},
		},
		Server:   backlogServer,
		Client:   backlogClient,
		Findings: backlogFindings,
	}
}

// backlogFits is how many connections the queue takes: backlog+1 on Linux
// (the queue is full only when it holds more than backlog), and never more
// than the clients that come.
func backlogFits(p lab.Params) int { return min(p.Int("backlog")+1, p.Int("clients")) }

func greeting(i int) []byte { return fmt.Appendf(nil, "hello from c%d, sent before accept()", i) }

// lateOn says whether demo 12 has its late client, c(clients+1).
func lateOn(p lab.Params) bool { return p.String("late") == "on" }

func lateGreeting(i int) []byte { return fmt.Appendf(nil, "hello from c%d, the late one", i) }

// queueFull says whether the queue is full when the later clients dial:
// they are at least backlog+1 before them.
func queueFull(p lab.Params) bool { return p.Int("clients") >= p.Int("backlog")+1 }

func backlogServer(ctx context.Context, s *lab.Side) error {
	ln, err := s.ListenBacklog("127.0.0.1:0", s.Params.Int("backlog")) // server.listen(1)
	if err != nil {
		return err
	}
	s.Signal("listening")
	s.Note(lab.T("the server does not call accept() yet: connections can only wait in the queue",
		"服务端暂时不调用 accept()：连接只能在队列里等"))
	if err := s.Wait("first-in"); err != nil {
		return err
	}
	fits := backlogFits(s.Params)
	// Make sure the kernel has queued them all before the others dial.
	if _, _, err := ln.WaitAcceptQueue(fits, 2*time.Second); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	s.Signal("queue-full")
	if err := s.Wait("dials-done"); err != nil {
		return err
	}
	late := lateOn(s.Params)
	if late && queueFull(s.Params) {
		// The late client's SYN went out and the full queue dropped it.
		if _, err := ln.WaitSynSent(1, 2*time.Second); err != nil && !errors.Is(err, errors.ErrUnsupported) {
			return err
		}
	}
	s.Note(lab.T("now the server accepts: each accept() takes the oldest connection off the queue",
		"现在服务端开始 accept：每次 accept() 从队列头取走最早的连接"))
	for range fits {
		s.Key("drain")
		conn, err := ln.Accept() // conn, addr = server.accept()
		if err != nil {
			return err
		}
		if _, err := conn.Recv(1024); err != nil { // data = conn.recv(1024)
			return err
		}
		if err := conn.Close(); err != nil {
			return err
		}
	}
	if late {
		if err := acceptLate(s, ln); err != nil {
			return err
		}
	}
	if _, _, err := ln.AcceptQueue(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	s.Step("stop-listening")
	if err := ln.Close(); err != nil {
		return err
	}
	s.Signal("drained")
	return nil
}

// acceptLate takes the late client's connection, once the client says its
// connect() is over: it is in the queue if a retransmitted SYN got in.
func acceptLate(s *lab.Side, ln *lab.Listener) error {
	if err := s.Wait("late-done"); err != nil {
		return err
	}
	queued, _, err := ln.AcceptQueue()
	if err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	if err == nil && queued == 0 {
		return nil // the late client gave up: nothing to accept
	}
	s.Key("accept-late")
	conn, err := ln.Accept() // conn, addr = server.accept()
	if err != nil {
		return err
	}
	if _, err := conn.Recv(1024); err != nil { // data = conn.recv(1024)
		return err
	}
	return conn.Close()
}

// lateDial is the late client: a longer timeout, so its kernel keeps
// sending the SYN the full queue drops until the server makes room.
func lateDial(c *lab.Side, addr string, i int) (*lab.Conn, error) {
	c.Key("late-connect")
	conn, err := c.DialTimeout(addr, lateTimeout) // c.settimeout(10); c.connect(addr)
	if err != nil {
		switch lab.Classify(err) {
		case lab.ClassTimeout:
			c.Note(lab.Tf("the late client gave up too: no SYN of it got in within %v", "迟到的客户端也放弃了：%v 内它的 SYN 一个也没进去", lateTimeout))
		case lab.ClassRefused:
			c.Note(lab.T("refused: this system answered the SYN of a full queue with RST, so there was nothing to retry (Linux drops it, and the kernel sends the SYN again)",
				"被拒绝：这个系统对满队列的 SYN 回了 RST，所以没有什么可重试的（Linux 会丢弃它，内核会重发 SYN）"))
		default:
			return nil, err
		}
		return nil, nil
	}
	c.Step("greet-late")
	if _, err := conn.Send(lateGreeting(i)); err != nil { // c.send(b'hello ...')
		return nil, err
	}
	return conn, nil
}

func backlogClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	addr := s.ServerAddr()
	clients, fits := s.Params.Int("clients"), backlogFits(s.Params)
	conns, err := backlogFill(s, addr, fits)
	if err != nil {
		return err
	}
	s.Signal("first-in")
	if err := s.Wait("queue-full"); err != nil {
		return err
	}
	var late sync.WaitGroup
	var lateConn *lab.Conn
	var lateErr error
	rest := clients - fits
	backlogFullSection(s, clients, fits)
	if lateOn(s.Params) {
		c := s.Fork(fmt.Sprintf("c%d", clients+1))
		late.Go(func() { lateConn, lateErr = lateDial(c, addr, clients+1) })
	}
	if rest > 0 {
		if err := backlogOverflow(s, addr, fits, rest); err != nil {
			return err
		}
	}
	s.Signal("dials-done")
	if lateOn(s.Params) {
		late.Wait()
		if lateErr != nil {
			return lateErr
		}
		s.Signal("late-done")
		if lateConn != nil {
			conns = append(conns, lateConn)
		}
	}
	if err := s.Wait("drained"); err != nil {
		return err
	}
	for _, conn := range conns {
		if err := conn.Close(); err != nil {
			return err
		}
	}
	return nil
}

// backlogFill is the first phase: clients c1…c<fits> connect one by one
// while the server does not accept, and each sends its greeting.
func backlogFill(s *lab.Side, addr string, fits int) ([]*lab.Conn, error) {
	s.Section(lab.Tf("listen(%d): clients c1…c%d connect one by one while the server does not accept",
		"listen(%d)：服务端不 accept，客户端 c1…c%d 依次连接", s.Params.Int("backlog"), fits))
	var conns []*lab.Conn
	for i := 1; i <= fits; i++ {
		c := s.Fork(fmt.Sprintf("c%d", i))
		conn, err := c.DialTimeout(addr, fitTimeout) // c.settimeout(10); c.connect(addr)
		if err != nil {
			return nil, err
		}
		// A send that succeeds shows the connection is established,
		// although the server has not called accept().
		c.Key("greet")
		if _, err := conn.Send(greeting(i)); err != nil { // c.send(b'hello ...')
			return nil, err
		}
		conns = append(conns, conn)
	}
	return conns, nil
}

// backlogFullSection heads the second phase: who dials into the full queue.
func backlogFullSection(s *lab.Side, clients, fits int) {
	rest := clients - fits
	switch {
	case rest > 0 && lateOn(s.Params):
		s.Section(lab.Tf("the queue is full: c%d…c%d dial at once, each with a %v timeout, and c%d, the late client, with a %v timeout",
			"队列已满：c%d…c%d 同时连接，每个超时时间 %v；迟到的客户端 c%d 也连接，超时时间 %v", fits+1, clients, dialTimeout, clients+1, lateTimeout))
	case rest > 0:
		s.Section(lab.Tf("the queue is full: c%d…c%d dial at once, each with a %v timeout",
			"队列已满：c%d…c%d 同时连接，每个超时时间 %v", fits+1, clients, dialTimeout))
	case lateOn(s.Params):
		s.Section(lab.Tf("c%d, the late client, dials with a %v timeout", "迟到的客户端 c%d 连接，超时时间 %v", clients+1, lateTimeout))
	}
}

// backlogOverflow is the second phase: the rest clients that do not fit
// dial at once into the full queue, and each notes how its connect ended.
func backlogOverflow(s *lab.Side, addr string, fits, rest int) error {
	var wg sync.WaitGroup
	errs := make([]error, rest)
	for k := range rest {
		c := s.Fork(fmt.Sprintf("c%d", fits+1+k))
		wg.Go(func() {
			conn, err := c.DialTimeout(addr, dialTimeout) // c.settimeout(0.3); c.connect(addr)
			// Another system may let it in.
			if err == nil {
				errs[k] = conn.Close()
				return
			}
			switch lab.Classify(err) {
			case lab.ClassTimeout:
				c.KeyNote("hang", lab.Tf("no answer: the queue was full, so Linux dropped the SYN and connect() gave up after %v. Not refused: no RST came back",
					"没有回应：队列满了，Linux 丢弃了 SYN，connect() 在 %v 后放弃。不是被拒绝：没有收到 RST", dialTimeout))
			case lab.ClassRefused:
				c.KeyNote("hang", lab.T("refused: this system answered the SYN of a full queue with RST (Linux would have let it hang)",
					"被拒绝：这个系统对满队列的 SYN 回了 RST（Linux 会让它挂着）"))
			default:
				errs[k] = err
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if runtime.GOOS != "linux" {
		s.Note(lab.T("(Linux leaves them hanging; macOS and the BSDs may refuse or time out; Windows refuses with WinError 10061 when its queue is full)",
			"（Linux 让它们一直挂着；macOS 和 BSD 可能拒绝也可能超时；Windows 在队列满时拒绝，错误 WinError 10061）"))
	}
	return nil
}
