package demos

import (
	"fmt"
	"runtime"
	"time"

	"socketlab/lab"
)

// Demo 12's findings: the queue that fills without accept(), the connects
// that hang, the drain, and (with --packets or the late client) the SYNs
// behind them.

// backlogRun is what demo 12's findings read from one trace: the first
// clients' connects, sorted by how they ended, and the server's accepts.
type backlogRun struct {
	t                     lab.Trace
	bl, clients, fits     int
	accepts               lab.Trace // the server's accept() calls, the late client's apart
	firstAccept           int       // the seq of the first, 0 if none
	ok, timedOut, refused int
	queuedConns, failed   lab.Trace
	queues                lab.Trace // the accept-queue notes (TCP_INFO)
}

func newBacklogRun(t lab.Trace, p lab.Params) *backlogRun {
	r := &backlogRun{t: t, bl: p.Int("backlog"), clients: p.Int("clients"), fits: backlogFits(p)}
	connects := t.Filter(func(e lab.Event) bool {
		return e.Side == lab.Client && e.Op == lab.OpConnect && e.Step != "late-connect"
	})
	r.accepts = t.Calls(lab.Server, lab.OpAccept).Filter(func(e lab.Event) bool { return e.Step != "accept-late" })
	if len(r.accepts) > 0 {
		r.firstAccept = r.accepts[0].Seq
	}
	for _, e := range connects {
		switch {
		case e.Err == "" && e.Seq < r.firstAccept:
			r.ok++
			r.queuedConns = append(r.queuedConns, e)
		case lab.ClassOf(e.Errno) == lab.ClassTimeout:
			r.timedOut++
			r.failed = append(r.failed, e)
		case lab.ClassOf(e.Errno) == lab.ClassRefused:
			r.refused++
			r.failed = append(r.failed, e)
		}
	}
	r.queues = t.Filter(func(e lab.Event) bool { return e.Op == lab.OpNote && e.Name == lab.NoteAcceptQueue })
	return r
}

func backlogFindings(t lab.Trace, p lab.Params) []lab.Finding {
	r := newBacklogRun(t, p)
	out := []lab.Finding{backlogQueued(r), backlogHang(r), backlogDrain(r)}
	if captured(t) {
		out = append(out, hangWire(t, r.failed))
	}
	if lateOn(p) {
		out = append(out, lateFinding(t, p, r.firstAccept))
	}
	return out
}

// backlogQueued: each queued client's greeting was taken whole before any
// accept().
func backlogQueued(r *backlogRun) lab.Finding {
	greets := r.t.Step("greet")
	qOK := r.ok == r.fits && len(greets) == r.fits
	for _, e := range greets {
		qOK = qOK && e.Err == "" && e.N == e.Req && e.Seq < r.firstAccept
	}
	queues := r.queues
	var qText lab.Text
	if runtime.GOOS == "linux" {
		qOK = qOK && len(queues) >= 2 && queues[0].N == r.fits && queues[0].Req == r.bl && queues[len(queues)-1].N == 0
		if len(queues) > 0 {
			qText = lab.Tf(" TCP_INFO: %d waiting, backlog %d.", " TCP_INFO：%d 个在排队，backlog 为 %d。", queues[0].N, queues[0].Req)
		}
	}
	queued := check("queued", qOK, lab.Text{
		En: fmt.Sprintf("listen(%d) with nobody calling accept(): %d connect() calls completed anyway; the kernel did the handshakes and queued them, and each client could even send.%s",
			r.bl, r.ok, qText.En),
		Zh: fmt.Sprintf("listen(%d) 并且没有人调用 accept()：仍有 %d 次 connect() 成功了；握手由内核完成，连接排在队列里，每个客户端甚至都能发送数据。%s",
			r.bl, r.ok, qText.Zh)}).On(r.queuedConns...).At("greet")
	if len(queues) > 0 {
		queued = queued.On(queues[0])
	}
	return queued
}

// backlogHang: the connects that did not fit got no answer (Linux) or
// were refused (elsewhere).
func backlogHang(r *backlogRun) lab.Finding {
	rest := r.clients - r.fits
	var hang lab.Finding
	switch {
	case rest <= 0:
		hang = check("hang", false, lab.Tf(
			"not shown: %d clients all fit in the queue (backlog+1 = %d); try --set clients=%d",
			"看不到：%d 个客户端全都放得进队列（backlog+1 = %d）；试试 --set clients=%d", r.clients, r.bl+1, r.bl+3))
	case runtime.GOOS == "linux":
		hang = check("hang", r.timedOut == rest && r.refused == 0, lab.Tf(
			"the other %d connects got no answer and timed out after %v: Linux drops the SYN of a full queue instead of refusing, so the client hangs (macOS/BSD may refuse or time out; Windows refuses with WinError 10061)",
			"其余 %d 次 connect 没有得到任何回应，%v 后超时：队列满时 Linux 直接丢弃 SYN，而不是拒绝，所以客户端一直挂着（macOS/BSD 可能拒绝也可能超时；Windows 以 WinError 10061 拒绝）",
			r.timedOut, dialTimeout))
	default:
		hang = check("hang", r.timedOut+r.refused == rest, lab.Tf(
			"of the other %d connects, %d timed out and %d were refused on this system (Linux lets them all hang; Windows refuses with WinError 10061)",
			"其余 %d 次 connect 在这个系统上有 %d 次超时、%d 次被拒绝（Linux 让它们全部挂着；Windows 以 WinError 10061 拒绝）",
			rest, r.timedOut, r.refused))
	}
	if rest > 0 {
		hang = hang.On(r.failed...).At("hang")
	}
	return hang
}

// backlogDrain: accept() took the queued connections in order, each with
// the greeting its client sent before it was accepted.
func backlogDrain(r *backlogRun) lab.Finding {
	got := 0
	reads := r.t.Calls(lab.Server, lab.OpRecv)
	reads = reads[:min(len(reads), len(r.accepts))] // the late client's comes after
	for i, e := range reads {
		if string(e.Data) == string(greeting(i+1)) {
			got++
		}
	}
	return check("drain", len(r.accepts) == r.fits && got == r.fits, lab.Tf(
		"then the server called accept() %d times and took the queued connections in order; each recv found the greeting its client had sent before being accepted",
		"随后服务端调用了 %d 次 accept()，按顺序取走排队的连接；每次 recv 都读到了客户端在被 accept 之前就发出的问候",
		len(r.accepts))).At("drain").On(reads...)
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
