package demos

import (
	"fmt"
	"strings"
	"time"

	"socketlab/lab"
)

// blockingFindings reads demo 20's parts from the trace, one function per
// part.
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
