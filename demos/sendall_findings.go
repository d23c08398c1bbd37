package demos

import (
	"socketlab/lab"
)

// Demo 13's findings: the short send, the loop that is sendall(), the
// timeout that stops sendall() part way, the write that sends the rest,
// and every byte arriving.

// sendallRun is what demo 13's findings read: the client's send() calls
// on its first connection and its sendall() calls on its second.
type sendallRun struct {
	t             lab.Trace
	size          int
	data          []byte
	accepts       lab.Trace
	sends, writes lab.Trace
}

// on is the calls side made with op on the socket of the i-th of conns.
func (r *sendallRun) on(side lab.Role, op lab.Op, conns lab.Trace, i int) lab.Trace {
	if i >= len(conns) {
		return nil
	}
	id := conns[i].Conn
	return r.t.Filter(func(e lab.Event) bool { return e.Side == side && e.Op == op && e.Conn == id })
}

func sendallFindings(t lab.Trace, p lab.Params) []lab.Finding {
	r := &sendallRun{t: t, size: p.Int("size"), data: sendallData(p.Int("size")), accepts: t.Calls(lab.Server, lab.OpAccept)}
	dials := t.Calls(lab.Client, lab.OpConnect)
	r.sends = r.on(lab.Client, lab.OpSend, dials, 0)
	r.writes = r.on(lab.Client, lab.OpSendAll, dials, 1)
	return []lab.Finding{sendallShortFinding(r), sendallLoop(r), sendallDeadlineFinding(r), sendallWrite(r), sendallArrived(r)}
}

// sendallShortFinding: one send() to a peer that does not read returned a
// short count.
func sendallShortFinding(r *sendallRun) lab.Finding {
	sends, size := r.sends, r.size
	var short lab.Finding
	if len(sends) > 0 && sends[0].N < sends[0].Req && sends[0].Err == "" {
		short = check("short", true, lab.Tf(
			"one send() of %d bytes (with settimeout) to a peer that was not reading returned %d: a short count, no error; the caller sends the rest (a blocking send() would wait for all, on Linux)",
			"带 settimeout 的一次 send() 向不读数据的对端发 %d 个字节，返回 %d：发不完，也没有错误；剩下的由调用者再发（阻塞的 send() 在 Linux 上会等到全部发完）",
			sends[0].Req, sends[0].N)).On(sends[0])
	} else {
		first := 0
		if len(sends) > 0 {
			first = sends[0].N
		}
		short = check("short", false, lab.Tf(
			"not shown: the first send() took %d of %d bytes (all of it fit, or this system's send loops); try a larger --set size",
			"看不到：第一次 send() 收下了 %d / %d 个字节（全都放得下，或者这个系统的 send 会循环）；试试更大的 --set size",
			first, size))
	}
	return short
}

// sendallLoop: a loop of send() calls sent everything.
func sendallLoop(r *sendallRun) lab.Finding {
	sends, size := r.sends, r.size
	total, ok := 0, sends.CallCount() >= 2
	for _, e := range sends {
		total += e.N
		ok = ok && e.Err == ""
	}
	loop := check("loop", ok && total == size, lab.Tf(
		"a loop of %d send() calls, each passing what was not yet taken, sent all %d bytes: that loop is sendall()",
		"%d 次 send() 组成的循环，每次都把还没被收下的部分交出去，发完了全部 %d 个字节：这个循环就是 sendall()",
		sends.CallCount(), size)).On(sends...)
	if sends.CallCount() == 1 && total == size {
		loop.Text = lab.T("not shown: the first send() took everything, so no loop was needed; try a larger --set size",
			"看不到：第一次 send() 就全部收下了，不需要循环；试试更大的 --set size")
	}
	return loop
}

// sendallDeadlineFinding: under a timeout, sendall() gave up part way.
func sendallDeadlineFinding(r *sendallRun) lab.Finding {
	writes := r.writes
	var deadline lab.Finding
	if len(writes) > 0 && writes[0].N > 0 && writes[0].N < writes[0].Req && lab.ClassOf(writes[0].Errno) == lab.ClassTimeout {
		deadline = check("deadline", true, lab.Tf(
			"with settimeout(%g), sendall() gave up with a timeout (Python: TimeoutError) after the kernel had taken %d of %d bytes: a partial send, and Python does not tell you how much",
			"设了 settimeout(%g) 的 sendall() 因超时放弃（Python：TimeoutError），这时内核已经收下了 %d / %d 个字节：只发了一部分，而 Python 不告诉你是多少",
			sendallDeadline.Seconds(), writes[0].N, writes[0].Req)).On(writes[0])
	} else {
		deadline = check("deadline", false, lab.T(
			"not shown: the deadline did not stop the write part way (everything fit, or nothing did); try a larger --set size",
			"看不到：超时没有在中途打断写入（全都放得下，或者一点也没放进去）；试试更大的 --set size"))
	}
	return deadline
}

// sendallWrite: without the timeout, one sendall() sent the rest.
func sendallWrite(r *sendallRun) lab.Finding {
	writes, size := r.writes, r.size
	goWrite := len(writes) == 2 && writes[1].Err == "" && writes[1].N == writes[1].Req && writes[1].Req > 0
	if len(writes) > 0 && writes[0].Err == "" && writes[0].N == size {
		goWrite = true // everything fit at once: Write returned it all anyway
	}
	return check("write", goWrite, lab.T(
		"without a timeout, one sendall() took everything left: it loops over short sends for you",
		"没有超时时，一次 sendall() 就交出了剩下的全部：它替你处理发不完的情况")).On(writes.Last())
}

// sendallArrived: every byte arrived on each connection, in order.
func sendallArrived(r *sendallRun) lab.Finding {
	size, data, accepts, on := r.size, r.data, r.accepts, r.on
	// The trace keeps only the first bytes of a big stream: compare the
	// Digest of everything the server read with the payload's.
	want := lab.DigestOf(data)
	arrived := len(accepts) == 2
	for i := range 2 {
		got := on(lab.Server, lab.OpRecv, accepts, i)
		arrived = arrived && moved(got) == int64(size) && got.Last().N == 0 && got.Last().Err == "" && sumOf(got) == want
	}
	return check("arrived", arrived, lab.Tf(
		"once the server read, all %d bytes arrived on each connection, in order, none lost: a short send loses nothing, it just has not sent yet",
		"服务端开始读之后，每个连接上的 %d 个字节都按顺序到达，一个不少：send 发不完不会丢数据，只是还没发",
		size)).At("arrived")
}
