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

// lateTimeout is how long the late client waits for connect(): past the
// SYN retransmits at 1 s and 3 s (Linux's first SYN timeout is 1 s and
// doubles), so it is still trying when the server drains the queue.
const lateTimeout = 5 * time.Second

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
	conn, err := c.DialTimeout(addr, lateTimeout) // c.settimeout(5); c.connect(addr)
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
	var late sync.WaitGroup
	var lateConn *lab.Conn
	var lateErr error
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
	if lateOn(s.Params) {
		c := s.Fork(fmt.Sprintf("c%d", clients+1))
		late.Go(func() { lateConn, lateErr = lateDial(c, addr, clients+1) })
	}
	if rest > 0 {
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

func backlogFindings(t lab.Trace, p lab.Params) []lab.Finding {
	bl, clients, fits := p.Int("backlog"), p.Int("clients"), backlogFits(p)
	connects := t.Filter(func(e lab.Event) bool {
		return e.Side == lab.Client && e.Op == lab.OpConnect && e.Step != "late-connect"
	})
	accepts := t.Calls(lab.Server, lab.OpAccept).Filter(func(e lab.Event) bool { return e.Step != "accept-late" })
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
		qOK = qOK && len(queues) >= 2 && queues[0].N == fits && queues[0].Req == bl && queues[len(queues)-1].N == 0
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
	reads = reads[:min(len(reads), len(accepts))] // the late client's comes after
	for i, e := range reads {
		if string(e.Data) == string(greeting(i+1)) {
			got++
		}
	}
	drain := check("drain", len(accepts) == fits && got == fits, lab.Tf(
		"then the server called accept() %d times and took the queued connections in order; each recv found the greeting its client had sent before being accepted",
		"随后服务端调用了 %d 次 accept()，按顺序取走排队的连接；每次 recv 都读到了客户端在被 accept 之前就发出的问候",
		len(accepts))).At("drain").On(reads...)
	out := []lab.Finding{queued, hang, drain}
	if captured(t) {
		out = append(out, hangWire(t, failed))
	}
	if lateOn(p) {
		out = append(out, lateFinding(t, p, firstAccept))
	}
	return out
}

// hangWire reads the connects that timed out from the captured packets:
// each SYN went out and nothing came back, neither SYN-ACK nor RST.
func hangWire(t lab.Trace, failed lab.Trace) lab.Finding {
	ok := len(failed) > 0
	var ev lab.Trace
	syns := 0
	for _, c := range failed {
		for _, e := range connPackets(t, c.Conn) {
			switch {
			case e.Packet.Dir == "c2s" && e.Packet.Flags == "SYN":
				syns++
				ev = append(ev, e)
			case e.Packet.Dir == "s2c":
				ok = false // an answer: SYN-ACK or RST
				ev = append(ev, e)
			}
		}
	}
	ok = ok && syns >= len(failed)
	f := check("wire", ok, lab.Tf(
		"on the wire: the %d connect(s) that hung sent %d SYN(s) and got nothing back, no SYN-ACK and no RST: the full queue dropped them in silence, so they were never refused",
		"线路上：卡住的 %d 次 connect 一共发出 %d 个 SYN，什么回答也没有，既没有 SYN-ACK 也没有 RST：满了的队列悄悄把它们丢掉了，所以它们从来没有被拒绝",
		len(failed), syns)).On(ev...)
	if len(failed) == 0 {
		f.Text = lab.T("on the wire: no connect hung in this run, so there is no dropped SYN to show",
			"线路上：这次没有 connect 卡住，所以没有被丢弃的 SYN 可看")
	}
	return f
}

// lateFinding: the late client's SYN was dropped while the queue was
// full, its kernel sent it again, and it got in once the server drained
// the queue. From the packets when captured, else from /proc/net/tcp's
// SYN_SENT and the order of the calls.
func lateFinding(t lab.Trace, p lab.Params, firstAccept int) lab.Finding {
	name := fmt.Sprintf("c%d", p.Int("clients")+1)
	lc := t.Step("late-connect")
	if len(lc) != 1 {
		return check("late", false, lab.Tf("the late client %s did not connect", "迟到的客户端 %s 没有连接", name)).At("late-connect")
	}
	c := lc[0]
	if !queueFull(p) {
		return check("late", false, lab.Tf(
			"not shown: the queue had room when %s dialled (clients=%d fit in backlog+1=%d), so it got in at once; try --set clients=%d",
			"看不到：%s 连接时队列还有空位（clients=%d 放得进 backlog+1=%d），所以它立即连上了；试试 --set clients=%d",
			name, p.Int("clients"), p.Int("backlog")+1, p.Int("backlog")+3)).At("late-connect")
	}
	if c.Err != "" {
		return check("late", false, lab.Tf(
			"the late client %s timed out too (%s): no SYN of it got in within %v",
			"迟到的客户端 %s 也超时了（%s）：%v 内它的 SYN 一个也没进去", name, c.Errno, lateTimeout)).At("late-connect")
	}
	var took time.Duration
	for _, e := range t {
		if e.Op == lab.OpSocket && e.Conn == c.Conn {
			took = c.T - e.T
		}
	}
	var read lab.Trace
	for _, e := range t.Calls(lab.Server, lab.OpRecv) {
		if string(e.Data) == string(lateGreeting(p.Int("clients")+1)) {
			read = append(read, e)
		}
	}
	ok := c.Seq > firstAccept && firstAccept > 0 && len(read) == 1
	ms := float64(took.Microseconds()) / 1000
	var f lab.Finding
	if captured(t) {
		pk := connPackets(t, c.Conn)
		var syns lab.Trace
		for _, e := range pk {
			if e.Packet.Dir == "c2s" && e.Packet.Flags == "SYN" {
				syns = append(syns, e)
			}
		}
		synack := firstPacket(pk, "SYN, ACK", "s2c")
		ok = ok && len(syns) >= 2 && synack.Seq > firstAccept && synack.Seq > syns[len(syns)-1].Seq && syns[len(syns)-1].Packet.Retrans
		gap := "?"
		if len(syns) >= 2 {
			gap = msBetween(syns[0], syns[1])
		}
		f = check("late", ok, lab.Tf(
			"the late client %s, with a %v timeout, dialled into the full queue too: its SYN got no answer, and its kernel sent the same SYN again %s ms later (%d SYNs in all: retransmits, 1 s apart at first, then twice as far). One that came after the server had started draining the queue was answered SYN-ACK: connect() returned after %.0f ms, and the server accepted it and read its greeting. A patient client gets in late instead of failing",
			"迟到的客户端 %s 超时 %v，也在队列满时连接：它的 SYN 没有回答，它的内核在 %s 毫秒后把同一个 SYN 又发了一次（一共 %d 个 SYN：重传，起初相隔 1 秒，之后间隔加倍）。服务端开始取队列之后到达的那个 SYN 得到了 SYN-ACK：connect() 在 %.0f 毫秒后返回，服务端 accept 了它并读到了它的问候。有耐心的客户端是晚一点连上，而不是失败",
			name, lateTimeout, gap, len(syns), ms)).On(syns...).On(synack)
	} else {
		var sent lab.Trace
		for _, e := range t {
			if e.Op == lab.OpNote && e.Name == lab.NoteSynSent && e.N >= 1 && e.Seq < firstAccept {
				sent = append(sent, e)
			}
		}
		if runtime.GOOS == "linux" {
			ok = ok && len(sent) == 1
		}
		f = check("late", ok, lab.Tf(
			"the late client %s, with a %v timeout, dialled into the full queue too: it was still in SYN_SENT when the server began to drain (its SYN had been dropped; its kernel sends it again, 1 s later at first: --packets shows the retransmits). Once the queue had room a SYN got in: connect() returned after %.0f ms, after the server's first accept(), and the server accepted it and read its greeting. A patient client gets in late instead of failing",
			"迟到的客户端 %s 超时 %v，也在队列满时连接：服务端开始取队列时它还处于 SYN_SENT（它的 SYN 被丢弃了；内核会重发，起初在 1 秒之后：--packets 可以看到重传）。队列一有空位，一个 SYN 就进去了：connect() 在 %.0f 毫秒后返回，晚于服务端的第一次 accept()，服务端 accept 了它并读到了它的问候。有耐心的客户端是晚一点连上，而不是失败",
			name, lateTimeout, ms)).On(sent...)
	}
	return f.At("late-connect", "accept-late").On(read...)
}
