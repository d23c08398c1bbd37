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

// dialTimeout is how long each client of demo 12 waits for connect().
const dialTimeout = 300 * time.Millisecond

// backlog is demo 12: listen(backlog) and the accept queue. The kernel
// completes handshakes for a listening socket even while nobody calls
// accept(), up to backlog+1 connections on Linux; later connects hang until
// their timeout. Accepting drains the queue.
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

func backlogClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	addr := s.ServerAddr()
	clients, fits := s.Params.Int("clients"), backlogFits(s.Params)
	s.Section(lab.Tf("listen(%d): clients c1…c%d connect one by one while the server does not accept",
		"listen(%d)：服务端不 accept，客户端 c1…c%d 依次连接", s.Params.Int("backlog"), fits))
	var conns []*lab.Conn
	for i := 1; i <= fits; i++ {
		c := s.Fork(fmt.Sprintf("c%d", i))
		conn, err := c.DialTimeout(addr, dialTimeout) // c.settimeout(0.3); c.connect(addr)
		if err != nil {
			return err
		}
		// A send that succeeds shows the connection is established,
		// although the server has not called accept().
		c.Key("greet")
		if _, err := conn.Send(greeting(i)); err != nil { // c.send(b'hello ...')
			return err
		}
		conns = append(conns, conn)
	}
	s.Signal("first-in")
	if err := s.Wait("queue-full"); err != nil {
		return err
	}
	if rest := clients - fits; rest > 0 {
		s.Section(lab.Tf("the queue is full: c%d…c%d dial at once, each with a %v timeout",
			"队列已满：c%d…c%d 同时连接，每个超时时间 %v", fits+1, clients, dialTimeout))
		var wg sync.WaitGroup
		errs := make([]error, rest)
		for k := range rest {
			c := s.Fork(fmt.Sprintf("c%d", fits+1+k))
			wg.Go(func() {
				conn, err := c.DialTimeout(addr, dialTimeout)
				if err == nil { // another system may let it in
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
	}
	s.Signal("dials-done")
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

func backlogFindings(t lab.Trace, p lab.Params) []lab.Finding {
	bl, clients, fits := p.Int("backlog"), p.Int("clients"), backlogFits(p)
	connects := t.Filter(func(e lab.Event) bool { return e.Side == lab.Client && e.Op == lab.OpConnect })
	accepts := t.Calls(lab.Server, lab.OpAccept)
	firstAccept := 0
	if len(accepts) > 0 {
		firstAccept = accepts[0].Seq
	}
	var ok, timedOut, refused int
	var queuedConns, failed lab.Trace
	for _, e := range connects {
		switch {
		case e.Err == "" && e.Seq < firstAccept:
			ok++
			queuedConns = append(queuedConns, e)
		case lab.ClassOf(e.Errno) == lab.ClassTimeout:
			timedOut++
			failed = append(failed, e)
		case lab.ClassOf(e.Errno) == lab.ClassRefused:
			refused++
			failed = append(failed, e)
		}
	}
	queues := t.Filter(func(e lab.Event) bool { return e.Op == lab.OpNote && e.Name == lab.NoteAcceptQueue })
	linux := runtime.GOOS == "linux"

	// Each queued client's greeting was taken whole before any accept().
	greets := t.Step("greet")
	qOK := ok == fits && len(greets) == fits
	for _, e := range greets {
		qOK = qOK && e.Err == "" && e.N == e.Req && e.Seq < firstAccept
	}
	var qText lab.Text
	if linux {
		qOK = qOK && len(queues) == 2 && queues[0].N == fits && queues[0].Req == bl && queues[1].N == 0
		if len(queues) > 0 {
			qText = lab.Tf(" TCP_INFO: %d waiting, backlog %d.", " TCP_INFO：%d 个在排队，backlog 为 %d。", queues[0].N, queues[0].Req)
		}
	}
	queued := check("queued", qOK, lab.Text{
		En: fmt.Sprintf("listen(%d) with nobody calling accept(): %d connect() calls completed anyway; the kernel did the handshakes and queued them, and each client could even send.%s",
			bl, ok, qText.En),
		Zh: fmt.Sprintf("listen(%d) 并且没有人调用 accept()：仍有 %d 次 connect() 成功了；握手由内核完成，连接排在队列里，每个客户端甚至都能发送数据。%s",
			bl, ok, qText.Zh)}).On(queuedConns...).At("greet")
	if len(queues) > 0 {
		queued = queued.On(queues[0])
	}

	rest := clients - fits
	var hang lab.Finding
	switch {
	case rest <= 0:
		hang = check("hang", false, lab.Tf(
			"not shown: %d clients all fit in the queue (backlog+1 = %d); try --set clients=%d",
			"看不到：%d 个客户端全都放得进队列（backlog+1 = %d）；试试 --set clients=%d", clients, bl+1, bl+3))
	case linux:
		hang = check("hang", timedOut == rest && refused == 0, lab.Tf(
			"the other %d connects got no answer and timed out after %v: Linux drops the SYN of a full queue instead of refusing, so the client hangs (macOS/BSD may refuse or time out; Windows refuses with WinError 10061)",
			"其余 %d 次 connect 没有得到任何回应，%v 后超时：队列满时 Linux 直接丢弃 SYN，而不是拒绝，所以客户端一直挂着（macOS/BSD 可能拒绝也可能超时；Windows 以 WinError 10061 拒绝）",
			timedOut, dialTimeout))
	default:
		hang = check("hang", timedOut+refused == rest, lab.Tf(
			"of the other %d connects, %d timed out and %d were refused on this system (Linux lets them all hang; Windows refuses with WinError 10061)",
			"其余 %d 次 connect 在这个系统上有 %d 次超时、%d 次被拒绝（Linux 让它们全部挂着；Windows 以 WinError 10061 拒绝）",
			rest, timedOut, refused))
	}
	if rest > 0 {
		hang = hang.On(failed...).At("hang")
	}

	got := 0
	reads := t.Calls(lab.Server, lab.OpRecv)
	for i, e := range reads {
		if string(e.Data) == string(greeting(i+1)) {
			got++
		}
	}
	drain := check("drain", len(accepts) == fits && got == fits, lab.Tf(
		"then the server called accept() %d times and took the queued connections in order; each recv found the greeting its client had sent before being accepted",
		"随后服务端调用了 %d 次 accept()，按顺序取走排队的连接；每次 recv 都读到了客户端在被 accept 之前就发出的问候",
		len(accepts))).At("drain").On(reads...)
	return []lab.Finding{queued, hang, drain}
}
