package demos

import (
	"runtime"
	"strings"

	"socketlab/lab"
)

// handshakeRun is what the findings of demo 17 read from its trace.
type handshakeRun struct {
	packets bool // the trace has captured packets
	connect lab.Event
	accept  lab.Event
	client  int // the client's socket
	server  int // the server's accepted socket
	first   lab.Role
	second  lab.Role
	states  map[lab.Role][]lab.Event // each end's TCP state readings, in order
}

func readHandshake(t lab.Trace, p lab.Params) handshakeRun {
	h := handshakeRun{packets: captured(t), first: lab.Client, second: lab.Server, states: map[lab.Role][]lab.Event{}}
	if p.String("closer") == "server" {
		h.first, h.second = lab.Server, lab.Client
	}
	if c := t.Step("handshake"); len(c) > 0 {
		h.connect, h.client = c[0], c[0].Conn
	}
	if a := t.Step("accept-later"); len(a) > 0 {
		h.accept, h.server = a[0], a[0].Conn
	}
	for _, e := range t {
		if e.Op == lab.OpTCPInfo && e.Side != lab.Wire && e.Packet != nil &&
			(e.Side == lab.Client && e.Conn == h.client || e.Side == lab.Server && e.Conn == h.server && h.server != 0) {
			h.states[e.Side] = append(h.states[e.Side], e)
		}
	}
	return h
}

// stateIn is the state a reading shows, "nothing" for no reading.
func stateIn(e lab.Event) string {
	if e.Packet == nil {
		return "nothing"
	}
	return e.Packet.State
}

// known says whether TCP states were read in this run.
func (h handshakeRun) known() bool { return len(h.states[lab.Client])+len(h.states[lab.Server]) > 0 }

// stateAfter is an end's first state reading after seq that is want (any
// state if want is ""), or a zero event.
func (h handshakeRun) stateAfter(r lab.Role, seq int, want string) lab.Event {
	for _, e := range h.states[r] {
		if e.Seq > seq && (want == "" || e.Packet.State == want) {
			return e
		}
	}
	return lab.Event{}
}

// notShown says what a run could show neither from packets nor from TCP
// states (a system without Linux's TCP_INFO, and no capture).
func notShown(id string, what lab.Text) lab.Finding {
	return check(id, false, sentence(
		"not shown: %s needs a packet capture (--packets as root) or the TCP states (Linux's TCP_INFO and socket table), and this run has neither", []any{what.En},
		"看不到：%s需要抓包（以 root 身份 --packets）或者 TCP 状态（Linux 的 TCP_INFO 和套接字表），这次运行两样都没有", []any{what.Zh}))
}

func handshakeFindings(t lab.Trace, p lab.Params) []lab.Finding {
	h := readHandshake(t, p)
	return []lab.Finding{
		handshakeFinding(t, h),
		closeFirstFinding(t, h),
		eofFinding(t, h),
		closeSecondFinding(t, h),
		timeWaitFinding(t, h),
		refusedFinding(t, h),
		restartFinding(t, h, p),
	}
}

// handshakeFinding: the kernels made the connection before accept().
func handshakeFinding(t lab.Trace, h handshakeRun) lab.Finding {
	if h.connect.Seq == 0 || h.accept.Seq == 0 || h.connect.Err != "" || h.accept.Err != "" {
		return check("handshake", false, lab.T("the connection was not made", "连接没有建立起来")).At("handshake", "accept-later")
	}
	// Even without packets or states the order shows it: the server
	// called accept() only once connect() had returned.
	ok := h.accept.Seq > h.connect.Seq
	var queue lab.Trace
	for _, e := range t {
		if e.Op == lab.OpNote && e.Name == lab.NoteAcceptQueue && e.Seq < h.accept.Seq {
			queue = append(queue, e)
		}
	}
	queued := lab.T("", "")
	if len(queue) > 0 {
		q := queue[len(queue)-1]
		ok = ok && q.N == 1
		queued = lab.Tf(" Before accept(), TCP_INFO of the listening socket counted %d connection waiting in its accept queue.",
			"调用 accept() 之前，监听套接字的 TCP_INFO 显示 accept 队列里有 %d 个连接在等。", q.N)
	}
	var f lab.Finding
	if h.packets {
		pk := connPackets(t, h.client)
		syn, synack, ack := firstPacket(pk, "SYN", "c2s"), firstPacket(pk, "SYN, ACK", "s2c"), firstPacket(pk, "ACK", "c2s")
		ok = ok && syn.Seq > h.connect.Seq && synack.Seq > syn.Seq && ack.Seq > synack.Seq && ack.Seq < h.accept.Seq
		f = check("handshake", ok, sentence(
			"the three-way handshake (三次握手): under connect() the client's kernel sent SYN, the server's kernel answered SYN-ACK, and the client's ACK completed the connection, all before the server called accept(): the kernels make the connection, accept() only takes it off the queue (demo 12).%s", []any{queued.En},
			"三次握手：在 connect() 下面，客户端内核发出 SYN，服务端内核回 SYN-ACK，客户端的 ACK 完成了连接，这一切都在服务端调用 accept() 之前：连接是内核建立的，accept() 只是把它从队列里取走（演示 12）。%s", []any{queued.Zh}))
		if syn.Seq > 0 && synack.Seq > 0 && ack.Seq > 0 {
			f = f.On(syn, synack, ack)
		}
	} else {
		est := h.stateAfter(lab.Client, h.connect.Seq, "")
		st := lab.T("connected (its TCP state cannot be read here)", "已连接（这里读不到它的 TCP 状态）")
		if h.known() {
			ok = ok && stateIn(est) == "ESTABLISHED" && est.Seq < h.accept.Seq
			st = lab.T(stateIn(est), stateIn(est))
		}
		f = check("handshake", ok, sentence(
			"the three-way handshake (三次握手): connect() returned, the client's socket %s, before the server even called accept(): the kernels did the handshake (SYN, SYN-ACK, ACK: --packets shows them), accept() only took the finished connection off the queue (demo 12).%s", []any{st.En, queued.En},
			"三次握手：服务端还没调用 accept()，connect() 就已经返回，客户端套接字 %s：握手是内核做的（SYN、SYN-ACK、ACK：--packets 可以看到），accept() 只是把建好的连接从队列里取走（演示 12）。%s", []any{st.Zh, queued.Zh}))
		if est.Seq > 0 {
			f = f.On(est)
		}
	}
	return f.At("handshake", "accept-later").On(queue...)
}

// closeFirstFinding: the first closer's close() sent FIN and the other
// end's kernel ACKed it: FIN_WAIT2 on the first closer, CLOSE_WAIT on the
// other.
func closeFirstFinding(t lab.Trace, h handshakeRun) lab.Finding {
	fe, fz := roleNames(h.first)
	se, sz := roleNames(h.second)
	cl := t.Step("close-first")
	if len(cl) != 1 || cl[0].Err != "" || cl[0].Side != h.first {
		return check("close-first", false, sentence("the %s did not close first", []any{fe}, "%s没有先关闭", []any{fz})).At("close-first")
	}
	if !h.packets && !h.known() {
		return notShown("close-first", lab.T("the first FIN and its ACK", "第一个 FIN 和它的 ACK")).At("close-first")
	}
	ok := true
	var ev lab.Trace
	var text lab.Text
	if h.packets {
		fin, ack := finAndAck(connPackets(t, h.client), h.first, cl[0].Seq)
		ok = fin.Seq > 0 && ack.Seq > 0
		if ok {
			text = sentence("the four-way close (四次挥手), first half: the %s's close() sent FIN (seq %d); the %s's kernel answered %s ms later with an ACK of its own (ack %d): its program had not closed, so no FIN of its own could carry that ACK.",
				[]any{fe, fin.Packet.Seq, se, msBetween(fin, ack), ack.Packet.Ack},
				"四次挥手前一半：%s的 close() 发出 FIN（seq %d）；%s的内核在 %s 毫秒后单独回了一个 ACK（ack %d）：它的程序还没有关闭，没有它自己的 FIN 可以捎带这个 ACK。",
				[]any{fz, fin.Packet.Seq, sz, msBetween(fin, ack), ack.Packet.Ack})
			ev = append(ev, fin, ack)
		} else {
			text = sentence("the capture did not show the %s's FIN and its ACK after close().", []any{fe},
				"抓包没有看到%s close() 之后的 FIN 和它的 ACK。", []any{fz})
		}
	}
	if h.known() {
		fw1 := h.stateAfter(h.first, cl[0].Seq, "FIN_WAIT1")
		fw2 := h.stateAfter(h.first, cl[0].Seq, "FIN_WAIT2")
		cw := h.stateAfter(h.second, fw2.Seq, "CLOSE_WAIT")
		eof := t.Step("read-eof")
		ok = ok && fw2.Seq > 0 && cw.Seq > 0 && len(eof) == 1 && cw.Seq < eof[0].Seq
		was := lab.T("", "")
		if fw1.Seq > 0 {
			was = lab.T(" (FIN_WAIT1 until then)", "（在那之前是 FIN_WAIT1）")
			ev = append(ev, fw1)
		}
		st := sentence(" The %s's state became FIN_WAIT2 once that ACK came%s; the %s's end was CLOSE_WAIT: it has been told the %s is done sending, and it may still send.",
			[]any{fe, was.En, se, fe},
			"收到那个 ACK 之后，%s的状态变成 FIN_WAIT2%s；%s那一端处于 CLOSE_WAIT：它已经知道%s发完了，而它自己还可以继续发送。",
			[]any{fz, was.Zh, sz, fz})
		if !h.packets {
			st = sentence("the four-way close (四次挥手), first half: the %s closed first (its kernel sends FIN: --packets shows it)."+st.En,
				[]any{fe}, "四次挥手前一半：%s先关闭（它的内核发出 FIN：--packets 可以看到）。"+st.Zh, []any{fz})
		}
		text = lab.T(strings.TrimSpace(text.En+st.En), text.Zh+st.Zh)
		for _, e := range []lab.Event{fw2, cw} {
			if e.Seq > 0 {
				ev = append(ev, e)
			}
		}
	}
	return check("close-first", ok, text).At("close-first").On(ev...)
}

// finAndAck finds, after seq, the first FIN sent by from and the bare ACK
// of it sent back.
func finAndAck(pk lab.Trace, from lab.Role, seq int) (fin, ack lab.Event) {
	for _, e := range pk {
		switch {
		case e.Seq < seq:
		case fin.Seq == 0 && e.Packet.From == from && hasFlag(e, "FIN"):
			fin = e
		case fin.Seq > 0 && e.Packet.From != from && e.Packet.Flags == "ACK" && e.Packet.Ack == fin.Packet.Seq+1:
			return fin, e
		}
	}
	return fin, lab.Event{}
}

// eofFinding: the second closer's recv returned b”, the FIN.
func eofFinding(t lab.Trace, h handshakeRun) lab.Finding {
	se, sz := roleNames(h.second)
	r := t.Step("read-eof")
	ok := len(r) == 1 && r[0].N == 0 && r[0].Err == "" && r[0].Side == h.second
	return check("eof", ok, sentence("the %s's recv(1024) returned b'' (0 bytes, no error): that is how a program learns of the FIN; its socket stays open until it closes it",
		[]any{se}, "%s的 recv(1024) 返回 b''（0 字节，没有错误）：程序就是这样得知对方的 FIN 的；它的套接字在它自己关闭之前一直开着", []any{sz})).At("read-eof")
}

// closeSecondFinding: the second closer's close() sent FIN, the first
// closer ACKed it at once, and the second closer's end went away.
func closeSecondFinding(t lab.Trace, h handshakeRun) lab.Finding {
	fe, fz := roleNames(h.first)
	se, sz := roleNames(h.second)
	cl := t.Step("close-second")
	if len(cl) != 1 || cl[0].Err != "" || cl[0].Side != h.second {
		return check("close-second", false, sentence("the %s did not close second", []any{se}, "%s没有第二个关闭", []any{sz})).At("close-second")
	}
	if !h.packets && !h.known() {
		return notShown("close-second", lab.T("the second FIN and its ACK", "第二个 FIN 和它的 ACK")).At("close-second")
	}
	ok := true
	var ev lab.Trace
	var text lab.Text
	if h.packets {
		fin, ack := finAndAck(connPackets(t, h.client), h.second, cl[0].Seq)
		ok = fin.Seq > 0 && ack.Seq > 0
		if ok {
			text = sentence("the four-way close (四次挥手), second half: the %s's close() sent its FIN (seq %d) and the %s's kernel ACKed it at once (ack %d, %s ms later).",
				[]any{se, fin.Packet.Seq, fe, ack.Packet.Ack, msBetween(fin, ack)},
				"四次挥手后一半：%s的 close() 发出它的 FIN（seq %d），%s的内核立即确认（ack %d，%s 毫秒后）。",
				[]any{sz, fin.Packet.Seq, fz, ack.Packet.Ack, msBetween(fin, ack)})
			ev = append(ev, fin, ack)
		} else {
			text = sentence("the capture did not show the %s's FIN and its ACK after close().", []any{se},
				"抓包没有看到%s close() 之后的 FIN 和它的 ACK。", []any{sz})
		}
	}
	if h.known() {
		after := h.stateAfter(h.second, cl[0].Seq, "")
		var st lab.Text
		switch stateIn(after) {
		case "CLOSE":
			st = sentence(" The %s's end was in LAST_ACK only until that ACK came, and on loopback it came before close() returned: the kernel listed the connection no more (CLOSED).",
				[]any{se}, "%s那一端只在收到那个 ACK 之前处于 LAST_ACK，而在回环接口上 ACK 在 close() 返回之前就到了：内核里已经没有这个连接（CLOSED）。", []any{sz})
		case "LAST_ACK":
			st = sentence(" The %s's end was LAST_ACK: waiting for the ACK of its FIN.",
				[]any{se}, "%s那一端处于 LAST_ACK：在等它那个 FIN 的 ACK。", []any{sz})
		default:
			ok = false
			st = sentence(" The %s's end was %s after close(), not LAST_ACK or gone.",
				[]any{se, stateIn(after)}, "close() 之后%s那一端处于 %s，既不是 LAST_ACK 也没有消失。", []any{sz, stateIn(after)})
		}
		if !h.packets {
			st = sentence("the four-way close (四次挥手), second half: the %s closed (its kernel sends FIN, the %s's kernel ACKs it: --packets shows them)."+st.En,
				[]any{se, fe}, "四次挥手后一半：%s关闭（它的内核发出 FIN，%s的内核确认：--packets 可以看到）。"+st.Zh, []any{sz, fz})
		}
		text = lab.T(strings.TrimSpace(text.En+st.En), text.Zh+st.Zh)
		if after.Seq > 0 {
			ev = append(ev, after)
		}
	}
	return check("close-second", ok, text).At("close-second").On(ev...)
}

// timeWaitFinding: the end that closed first holds TIME_WAIT.
func timeWaitFinding(t lab.Trace, h handshakeRun) lab.Finding {
	fe, fz := roleNames(h.first)
	se, sz := roleNames(h.second)
	cl := t.Step("close-second")
	if !h.known() || len(cl) != 1 {
		return notShown("time-wait", lab.T("TIME_WAIT", "TIME_WAIT")).At("close-first")
	}
	tw := h.stateAfter(h.first, cl[0].Seq, "")
	ok := tw.Seq > 0 && tw.Packet.State == "TIME_WAIT"
	got := "nothing"
	if tw.Seq > 0 {
		got = tw.Packet.State
	}
	f := check("time-wait", ok, sentence(
		"TIME_WAIT is on the %s, the end that closed first (ss: %s): its kernel keeps the closed connection for a while (60 s on Linux), so a late segment of it cannot be mistaken for part of a new one. The %s, which closed second, keeps nothing",
		[]any{fe, got, se},
		"TIME_WAIT 在%s这边，也就是先关闭的一端（ss：%s）：它的内核把已关闭的连接再保留一阵（Linux 上 60 秒），免得这个连接迟到的报文段被当成新连接的一部分。后关闭的%s什么也不保留",
		[]any{fz, got, sz})).At("close-first")
	if tw.Seq > 0 {
		f = f.On(tw)
	}
	return f
}

// refusedFinding: a connect to a port nobody listens on is answered by RST.
func refusedFinding(t lab.Trace, h handshakeRun) lab.Finding {
	r := t.Step("refused")
	c := lab.ClassRefused
	if len(r) != 1 || lab.ClassOf(r[0].Errno) != c {
		return check("refused", false, lab.T("the connect to the closed port was not refused", "连接已关闭的端口没有被拒绝")).At("refused")
	}
	if !h.packets {
		return check("refused", true, lab.Tf(
			"with nobody listening on the port, connect() failed at once with %s: Python %s, Windows %s. The kernel answered the SYN with RST (--packets shows it); a full accept queue (demo 12) gives no answer at all",
			"端口上没有人监听时，connect() 立即失败，错误是 %s：Python 里是 %s，Windows 上是 %s。内核用 RST 回答了 SYN（--packets 可以看到）；accept 队列满时（演示 12）则根本没有回答",
			c, c.Python(), c.Windows())).At("refused")
	}
	pk := connPackets(t, r[0].Conn)
	syn := firstPacket(pk, "SYN", "c2s")
	var rst lab.Event
	for _, e := range pk {
		if e.Seq > syn.Seq && e.Packet.Dir == "s2c" && hasFlag(e, "RST") {
			rst = e
			break
		}
	}
	ok := syn.Seq > r[0].Seq && rst.Seq > syn.Seq
	f := check("refused", ok, lab.Tf(
		"with nobody listening on the port, the client's SYN was answered by [%s] from the server's kernel, and connect() failed at once with %s: Python %s, Windows %s. A full accept queue (demo 12) gives no answer at all",
		"端口上没有人监听时，客户端的 SYN 得到服务端内核回的 [%s]，connect() 立即失败，错误是 %s：Python 里是 %s，Windows 上是 %s。accept 队列满时（演示 12）则根本没有回答",
		flagsOf(rst), c, c.Python(), c.Windows())).At("refused")
	if ok {
		f = f.On(syn, rst)
	}
	return f
}

// restartFinding: a server restarted on its port meets the TIME_WAIT the
// first closer left, if the first closer was the server.
func restartFinding(t lab.Trace, h handshakeRun, p lab.Params) lab.Finding {
	r := t.Step("restart")
	if len(r) != 1 {
		return check("restart", false, lab.T("the server did not restart", "服务端没有重启")).At("restart")
	}
	e := r[0]
	c := lab.ClassAddrInUse
	reuse := p.String("reuse") == "on"
	failed := lab.ClassOf(e.Errno) == c
	var tw lab.Trace
	if cl := t.Step("close-second"); len(cl) == 1 {
		if x := h.stateAfter(h.first, cl[0].Seq, "TIME_WAIT"); x.Seq > 0 {
			tw = append(tw, x)
		}
	}
	linux := runtime.GOOS == "linux"
	switch {
	case h.first == lab.Server && !reuse:
		f := check("restart", failed, lab.Tf(
			"restarting the server on its port failed: bind() → %s (Python %s; Windows %s), because the server closed first and its old connection of that port is in TIME_WAIT. reuse=on sets SO_REUSEADDR, on the old listener and the new one",
			"在原端口上重启服务端失败：bind() → %s（Python %s；Windows %s），因为服务端先关闭，它那个端口的旧连接处于 TIME_WAIT。reuse=on 会设置 SO_REUSEADDR，旧的监听套接字和新的都设置",
			c, c.Python(), c.Windows()))
		if !failed {
			f.Text = sentence("the restarted server bound its port although the server closed first without SO_REUSEADDR (bind: %s)%s", []any{orNone(e.Errno), linuxOnly(linux).En},
				"服务端先关闭且没有设置 SO_REUSEADDR，重启后却照样绑定了端口（bind：%s）%s", []any{orNone(e.Errno), linuxOnly(linux).Zh})
		}
		return f.At("restart").On(tw...)
	case h.first == lab.Server:
		f := check("restart", !failed && e.Err == "", lab.T(
			"the restarted server bound its port despite the TIME_WAIT there: both listening sockets set SO_REUSEADDR before bind(). On Linux the old one must have set it too: a TIME_WAIT left by a listener without it blocks even a new socket with it",
			"尽管端口上有 TIME_WAIT，重启的服务端还是绑定成功了：两个监听套接字都在 bind() 之前设置了 SO_REUSEADDR。在 Linux 上旧的那个也必须设置过：没有设置它的监听套接字留下的 TIME_WAIT，连设置了它的新套接字也会挡住"))
		if failed || e.Err != "" {
			f.Text = lab.Tf("the restart failed (%s) although both listeners set SO_REUSEADDR", "两个监听套接字都设置了 SO_REUSEADDR，重启却失败了（%s）", orNone(e.Errno))
		}
		return f.At("restart").On(tw...)
	}
	without := lab.T(", even without SO_REUSEADDR", "，即使没有 SO_REUSEADDR")
	if reuse {
		without = lab.T(" (SO_REUSEADDR was not needed)", "（用不着 SO_REUSEADDR）")
	}
	f := check("restart", !failed && e.Err == "", sentence(
		"the restarted server bound its port at once%s: the client closed first, so the TIME_WAIT is on the client's port and nothing holds the server's (set closer=server to see the restart fail)", []any{without.En},
		"重启的服务端立即绑定了端口%s：先关闭的是客户端，所以 TIME_WAIT 在客户端的端口上，服务端的端口没有被占着（设置 closer=server 可以看到重启失败）", []any{without.Zh}))
	if failed || e.Err != "" {
		f.Text = lab.Tf("the restart failed (%s) although the server closed second", "服务端是后关闭的，重启却失败了（%s）", orNone(e.Errno))
	}
	return f.At("restart")
}

func orNone(s string) string {
	if s == "" {
		return "no error"
	}
	return s
}

// linuxOnly is a remark for a system that is not Linux.
func linuxOnly(linux bool) lab.Text {
	if linux {
		return lab.T("", "")
	}
	return lab.T(": this system treats TIME_WAIT differently from Linux", "：这个系统对 TIME_WAIT 的处理和 Linux 不同")
}
