package demos

import (
	"fmt"
	"slices"
	"strings"

	"socketlab/lab"
)

// stickyPart is what one connection of demo 4 recorded.
type stickyPart struct {
	index    int       // which part, from 1
	ok       bool      // the connection was made
	mode     string    // the demo's mode
	sends    []int     // bytes of each send
	recvs    []int     // bytes of each recv that got data
	data     string    // what the reader got
	segsOut  []int     // the writer's TCP_INFO counts, in order
	segsIn   int       // the reader's count, -1 if unknown
	lastSend lab.Event // the writer's last send
	queued   lab.Event // the reader's SIOCINQ note (Seq 0 if none)

	// The events the findings point at.
	sendEvs  lab.Trace // the writer's sends
	recvEvs  lab.Trace // the reader's recvs that got bytes
	segEvs   lab.Trace // the kernel's counts, both ends
	segsNote lab.Event // the reader's key note on its count (Seq 0 if none)
}

// readStickyParts reads the parts of a run from the trace.
func readStickyParts(t lab.Trace, p lab.Params) []stickyPart {
	mode := p.String("mode")
	conns := t.Calls(lab.Client, lab.OpConnect)
	accepts := t.Calls(lab.Server, lab.OpAccept)
	// Each part is one connection; mode=nagle may have retried, and then
	// its last connection is the one that counts.
	var which []int
	for i := range stickyParts(mode) {
		which = append(which, i)
	}
	switch {
	case mode == "nagle" && len(conns) > 1:
		which = []int{len(conns) - 1}
	case mode == "sleep" && len(conns) > 2:
		which = []int{len(conns) - 2, len(conns) - 1}
	}
	var out []stickyPart
	for _, i := range which {
		sp := stickyPart{index: i + 1, segsIn: -1, mode: mode}
		if i >= len(conns) || i >= len(accepts) {
			out = append(out, sp)
			continue
		}
		sp.ok = true
		cid, sid := conns[i].Conn, accepts[i].Conn
		counted := false // the reader's count was just recorded: its note follows
		for _, e := range t {
			switch {
			case e.Side == lab.Client && e.Conn == cid && e.Op == lab.OpSend && e.Err == "":
				sp.sends = append(sp.sends, e.N)
				sp.lastSend = e
				sp.sendEvs = append(sp.sendEvs, e)
			case e.Side == lab.Client && e.Conn == cid && e.Op == lab.OpSegments && e.Call == lab.CallSegsOut && e.Err == "":
				sp.segsOut = append(sp.segsOut, e.Segs)
				sp.segEvs = append(sp.segEvs, e)
			case e.Side == lab.Server && e.Conn == sid && e.Op == lab.OpRecv && e.Err == "" && e.N > 0:
				sp.recvs = append(sp.recvs, e.N)
				sp.data += string(e.Data)
				sp.recvEvs = append(sp.recvEvs, e)
			case e.Side == lab.Server && e.Conn == sid && e.Op == lab.OpNote && e.Name == lab.NoteQueued:
				sp.queued = e
			case e.Side == lab.Server && e.Conn == sid && e.Op == lab.OpSegments && e.Call == lab.CallSegsIn && e.Err == "":
				sp.segsIn = e.Segs
				sp.segEvs = append(sp.segEvs, e)
				counted = true
			case counted && e.Side == lab.Server && e.Op == lab.OpNote && e.Step == "segments":
				sp.segsNote, counted = e, false
			}
		}
		out = append(out, sp)
	}
	return out
}

// segsFinal is the writer's count once the reader had everything, or -1.
func (sp stickyPart) segsFinal() int {
	if len(sp.segsOut) == 0 {
		return -1
	}
	return sp.segsOut[len(sp.segsOut)-1]
}

// known says whether the kernel's counts are there (Linux).
func (sp stickyPart) known() bool { return sp.segsFinal() >= 0 && sp.segsIn >= 0 }

// merged is the finding that the sends came out of one recv.
func (sp stickyPart) merged(id string) lab.Finding {
	want := strings.Join(stickyMessages(sp.mode), "")
	ok := sp.ok && len(sp.sends) > 1 && len(sp.recvs) == 1 && sp.data == want
	return check(id, ok, lab.Tf(
		"%d sends of %v bytes came out of %d recv(1024) call(s) returning %v: %q. TCP delivered the bytes in order but kept no boundary between the messages",
		"%d 次 send（%v 字节）从 %d 次 recv(1024) 中取出，分别返回 %v：%q。TCP 按顺序交付了字节，却没有保留消息之间的边界",
		len(sp.sends), sp.sends, len(sp.recvs), sp.recvs, sp.data)).On(sp.sendEvs...).On(sp.recvEvs...)
}

// counted is a finding read from the kernel's counts: it points at them and
// at the reader's note on its count.
func (sp stickyPart) counted(f lab.Finding) lab.Finding {
	return f.On(sp.segEvs...).On(sp.segsNote)
}

func stickyFindings(t lab.Trace, p lab.Params) []lab.Finding {
	parts := readStickyParts(t, p)
	sp := parts[0]
	var out []lab.Finding
	switch sp.mode {
	case "buffer":
		out = append(out, sp.merged("merged"))
		if sp.known() {
			ok := sp.segsFinal() == len(sp.sends) && sp.segsIn == len(sp.sends) && len(sp.recvs) == 1
			text := lab.Tf(
				"the kernel counted %d data segments sent and %d received (TCP_INFO): the messages crossed the wire apart and merged in the reader's receive buffer, where they waited together for one recv",
				"内核统计发出 %d 个、收到 %d 个携带数据的报文段（TCP_INFO）：两条消息在线路上是分开走的，是在接收方的接收缓冲区里合并的，一起等着一次 recv",
				sp.segsFinal(), sp.segsIn)
			if sp.segsFinal() < len(sp.sends) {
				text = lab.Tf(
					"the kernel counted %d data segment(s) sent for %d sends (TCP_INFO): with nagle=on the writer's kernel merged them on the wire, so this run does not show the receiver's buffer merging",
					"内核统计 %[2]d 次发送只发出了 %[1]d 个携带数据的报文段（TCP_INFO）：nagle=on 时发送方内核在线路上合并了它们，所以这次没有展示接收缓冲区里的合并",
					sp.segsFinal(), len(sp.sends))
			}
			out = append(out, sp.counted(check("where", ok, text)).On(sp.recvEvs...))
		}
	case "nagle":
		out = append(out, sp.merged("merged"))
		if sp.known() {
			out = append(out, nagleFindings(sp)...)
		}
		if captured(t) && len(sp.sendEvs) > 0 {
			out = append(out, nagleWire(connPackets(t, sp.sendEvs[0].Conn)))
		}
	case "cork":
		out = append(out, sp.merged("merged"))
		if sp.known() {
			ok := sp.segsFinal() == 1 && sp.segsIn == 1
			out = append(out, sp.counted(check("cork", ok, lab.Tf(
				"the kernel counted %d data segment(s) sent and %d received for %d sends: TCP_CORK held the bytes until the writer uncorked, so the writer's own kernel merged the messages into one segment before the wire",
				"%[3]d 次发送，内核统计发出 %[1]d 个、收到 %[2]d 个携带数据的报文段：TCP_CORK 把字节扣住直到发送方解除，所以是发送方自己的内核在上线路之前把消息合成了一个报文段",
				sp.segsFinal(), sp.segsIn, len(sp.sends)))))
		}
	case "sleep":
		apart := check("apart", sp.ok && slices.Equal(sp.recvs, sp.sends) && len(sp.sends) == 2, lab.Tf(
			"part 1: the writer slept %v between its sends and the reader was already waiting: %d recv calls returned %v bytes, the messages came apart",
			"第 1 部分：发送方在两次发送之间睡了 %v，接收方已经在等：%d 次 recv 返回 %v 字节，消息分开到达",
			sleepGap, len(sp.recvs), sp.recvs)).On(sp.sendEvs...).On(sp.recvEvs...)
		if !apart.OK {
			apart.Text = lab.Tf("part 1: even with the writer sleeping %v between its sends, %d recv call(s) returned %v bytes: the reader was paused longer than the sleep on every attempt. A sleep does not decide when the reader reads",
				"第 1 部分：即使发送方在两次发送之间睡了 %v，%d 次 recv 仍返回 %v 字节：每次尝试中接收方被暂停的时间都比睡眠长。睡眠决定不了接收方什么时候读",
				sleepGap, len(sp.recvs), sp.recvs)
		}
		if sp.index > 1 {
			apart.Text.En += fmt.Sprintf(" (on connection %d: before it, the reader was paused longer than the sleep and the messages merged, see the notes)", sp.index)
			apart.Text.Zh += fmt.Sprintf("（在第 %d 个连接上：之前接收方被暂停得比睡眠还久，消息合并了，见说明）", sp.index)
		}
		out = append(out, apart)
		if len(parts) > 1 {
			late := parts[1]
			f := late.merged("hidden")
			f.Text = lab.Tf(
				"part 2: the same sleep, but the reader came late: %d sends came out of %d recv returning %v (%q). The sleep changed the timing, not the protocol: it hides the bug and costs %v per message; only a framing (demo 5) fixes it",
				"第 2 部分：同样的睡眠，但接收方读得晚：%d 次 send 从 %d 次 recv 中取出，返回 %v（%q）。睡眠改变的是时机，不是协议：它只是把问题藏起来，每条消息还要多花 %v；只有分帧（演示 5）才能解决",
				len(late.sends), len(late.recvs), late.recvs, late.data, sleepGap)
			out = append(out, f)
		}
	}
	return out
}

// nagleFindings checks mode=nagle: the writer's count after each send shows
// which sends left at once, and the final count how many segments in all.
func nagleFindings(sp stickyPart) []lab.Finding {
	after := sp.segsOut[:min(len(sp.segsOut), len(sp.sends))]
	held := len(after) == 3 && slices.Equal(after, []int{1, 1, 1}) && sp.segsFinal() == 2 && sp.segsIn == 2
	text := lab.Tf(
		"the kernel counted 1 segment after sending \"x\", still 1 after \"hello\" and \"world\", and 2 once the reader had everything: segments [1, 10]. Nagle's algorithm held the small sends while \"x\" was unacknowledged and sent them together: this merge happened on the wire",
		"发送 \"x\" 后内核计数为 1，发送 \"hello\" 和 \"world\" 后仍是 1，接收方收齐后为 2：两个报文段，分别是 1 和 10 字节。\"x\" 还没被确认时，Nagle 算法扣住了后面的小块数据，再一起发出：这次合并发生在线路上")
	if !held {
		text = lab.Tf(
			"Nagle did not hold the sends this run: the kernel's counts after each send were %v and %d at the end (Nagle merging gives [1 1 1] then 2). With nagle=off every send leaves at once; in step mode a pause longer than the delayed ACK lets it come back first",
			"这次 Nagle 没有扣住数据：每次发送后内核计数为 %v，最后为 %d（Nagle 合并时是 [1 1 1]，最后为 2）。nagle=off 时每次发送立即发出；单步模式下停顿超过延迟确认的时间，确认会先回来",
			after, sp.segsFinal())
	}
	if sp.index > 1 {
		text.En += fmt.Sprintf(" (connection %d: the earlier attempts were paused past the delayed ACK, see the notes)", sp.index)
		text.Zh += fmt.Sprintf("（第 %d 个连接：之前的尝试被暂停得超过了延迟确认，见说明）", sp.index)
	}
	out := []lab.Finding{sp.counted(check("nagle", held, text))}
	if held && sp.queued.Seq > 0 {
		// From the send of "x", the segment whose ACK the reader delayed:
		// the held bytes could leave only once that ACK came back.
		wait := sp.queued.T - sp.sendEvs[0].T
		out = append(out, check("stall", true, lab.Tf(
			"every send returned at once, but \"hello\" and \"world\" reached the reader about %.0f ms after \"x\" was sent: they waited for the delayed ACK of \"x\" (Linux delays an ACK by about 40 ms, its minimum delayed-ACK time). Nagle × delayed ACK is a classic latency trap",
			"每次 send 都立即返回，但 \"hello\" 和 \"world\" 在 \"x\" 发出大约 %.0f 毫秒后才到达接收方：它们在等 \"x\" 的延迟确认（Linux 把确认延迟大约 40 毫秒，这是它最短的延迟确认时间）。Nagle 叠加延迟确认是一个经典的延迟陷阱",
			float64(wait.Microseconds())/1000)).On(sp.sendEvs[0], sp.lastSend, sp.queued))
	}
	return out
}

// nagleWire reads mode=nagle from the captured packets: "x" leaves
// alone, the reader's kernel ACKs it late (a delayed ACK), and only then
// does the held segment leave with "hello" and "world" in it.
func nagleWire(pk lab.Trace) lab.Finding {
	var x, ack, held lab.Event
	for _, e := range pk {
		switch {
		case x.Seq == 0 && e.Packet.Dir == "c2s" && e.Packet.Len == 1:
			x = e
		case x.Seq > 0 && ack.Seq == 0 && e.Packet.Dir == "s2c" && e.Packet.Len == 0 && e.Packet.Ack == x.Packet.Seq+1:
			ack = e
		case x.Seq > 0 && held.Seq == 0 && e.Packet.Dir == "c2s" && e.Packet.Len > 0:
			held = e
		}
	}
	if x.Seq == 0 || ack.Seq == 0 || held.Seq == 0 || held.Seq < ack.Seq || held.Packet.TS.Before(ack.Packet.TS) {
		f := check("wire", false, lab.T(
			"on the wire, Nagle did not hold a segment back this run: no data segment waited for the ACK of \"x\" (with nagle=off each send leaves at once)",
			"线路上，这次 Nagle 没有扣住报文段：没有哪个数据报文段在等 \"x\" 的 ACK（nagle=off 时每次 send 立即发出）"))
		return f.On(x, ack, held)
	}
	return check("wire", true, lab.Tf(
		"on the wire: \"x\" left alone (1 byte); the reader's kernel ACKed it %s ms later, a delayed ACK; only after that ACK did one %d-byte segment leave with \"hello\" and \"world\". Nagle's algorithm held them while \"x\" was unacknowledged",
		"线路上：\"x\" 单独发出（1 字节）；接收方内核在 %s 毫秒后才确认它，这是延迟确认；直到那个 ACK 到了，\"hello\" 和 \"world\" 才合成一个 %d 字节的报文段发出。\"x\" 未被确认期间，Nagle 算法扣住了它们",
		msBetween(x, ack), held.Packet.Len)).On(x, ack, held)
}

// The peer sides (lab serve, lab client).
