package demos

import (
	"fmt"
	"strings"

	"socketlab/lab"
)

// concurrentRun is what one part of the trace shows, per client k (index k-1).
type concurrentRun struct {
	connect, sent, answer, close []int // seq of each client's calls
	accepts                      []int // seq of the server's accepts, in order
	left                         []int // seq of the server's recv → b'' on each accepted socket
	handlers                     map[string]bool
	bySeq                        map[int]lab.Event // the part's events
}

// events returns the part's events with the seqs listed, for a finding's
// evidence.
func (r concurrentRun) events(seqs ...[]int) []lab.Event {
	var out []lab.Event
	for _, l := range seqs {
		for _, s := range l {
			if e, ok := r.bySeq[s]; ok {
				out = append(out, e)
			}
		}
	}
	return out
}

func concurrentPart(t lab.Trace, part string, n int) (concurrentRun, bool) {
	// The part runs from the "listening" barrier until the clients
	// pass the next part's (they do so only after all of this part's clients
	// have finished; the server is done with this part by then too).
	from, to := 0, len(t)+1
	for _, e := range t {
		switch {
		case (e.Op == lab.OpSignal || e.Op == lab.OpWait) && e.Name == part+"/listening" && from == 0:
			// Signal records after it releases the waiters, so the
			// client's wait may come first in the trace.
			from = e.Seq
		case from > 0 && e.Side == lab.Client && e.Op == lab.OpWait && strings.HasSuffix(e.Name, "/listening") && e.Name != part+"/listening":
			to = min(to, e.Seq)
		}
	}
	if from == 0 {
		return concurrentRun{}, false
	}
	accepted := map[int]int{} // socket id → index in accepts
	r := concurrentRun{
		connect: make([]int, n), sent: make([]int, n), answer: make([]int, n), close: make([]int, n),
		handlers: map[string]bool{}, bySeq: map[int]lab.Event{},
	}
	for _, e := range t {
		if e.Seq < from || e.Seq > to || e.Err != "" {
			continue
		}
		r.bySeq[e.Seq] = e
		if e.Side == lab.Server {
			switch {
			case e.Op == lab.OpAccept:
				accepted[e.Conn] = len(r.accepts)
				r.accepts = append(r.accepts, e.Seq)
				r.left = append(r.left, 0)
			case e.Op == lab.OpRecv && e.N == 0:
				if i, ok := accepted[e.Conn]; ok {
					r.left[i] = e.Seq
				}
			}
			if e.Who != "" {
				r.handlers[e.Who] = true
			}
			continue
		}
		var k int
		if _, err := fmt.Sscanf(e.Who, "c%d", &k); err != nil || k < 1 || k > n {
			continue
		}
		switch {
		case e.Op == lab.OpConnect:
			r.connect[k-1] = e.Seq
		case e.Op == lab.OpSendAll:
			r.sent[k-1] = e.Seq
		case e.Op == lab.OpRecv && r.answer[k-1] == 0 && e.N > 0:
			r.answer[k-1] = e.Seq
		case e.Op == lab.OpClose:
			r.close[k-1] = e.Seq
		}
	}
	ok := len(r.accepts) == n
	for k := range n {
		ok = ok && r.left[k] > 0 && r.connect[k] > 0 && r.sent[k] > 0 && r.answer[k] > 0 && r.close[k] > 0
	}
	return r, ok
}

func concurrentFindings(t lab.Trace, p lab.Params) []lab.Finding {
	n := p.Int("clients")
	var out []lab.Finding
	for _, part := range concurrentParts(p.String("mode")) {
		r, complete := concurrentPart(t, part, n)
		if !complete {
			out = append(out, check(part, false, lab.Tf("the %s part did not run to the end", "%s 部分没有运行完", part)))
			continue
		}
		if part == "serial" {
			out = append(out, serialFindings(r, n)...)
		} else {
			out = append(out, goroutineFindings(t, r, n)...)
		}
	}
	return out
}

func serialFindings(r concurrentRun, n int) []lab.Finding {
	if n < 2 {
		return []lab.Finding{check("queued", false, lab.T(
			"not shown with clients=1: with one client nobody has to wait; try --set clients=3",
			"clients=1 时看不到：只有一个客户端，没有谁需要等待；试试 --set clients=3"))}
	}
	// Client k (k ≥ 2) connected before the server accepted it, sent while
	// client k-1 was still connected, and got its answer only after the
	// server had seen k-1 leave. (Only orders the barriers force are
	// compared: a close() is recorded after its system call returns, so the
	// server may log the b'' before the leaving client logs its close.)
	ok := true
	for k := 1; k < n; k++ {
		ok = ok && r.connect[k] < r.accepts[k] && r.sent[k] < r.close[k-1] && r.answer[k] > r.left[k-1]
	}
	queued := check("queued", ok, lab.Tf(
		"serial: c2 connected and sent its message while c1 was still being served, yet got no answer until c1 left; its connection waited in the accept queue, since nobody was calling accept() (same for all %d clients)",
		"串行：c2 在 c1 还在被服务时就已连接并发出了消息，但直到 c1 离开才得到回答；它的连接在 accept 队列里等待，因为没有人在调用 accept()（%d 个客户端都是如此）", n)).
		On(r.events(r.accepts[1:], r.connect[1:], r.sent[1:], r.answer[1:], r.close[:n-1])...)
	// One at a time: each accept comes after the previous client left.
	one := true
	for k := 1; k < n; k++ {
		one = one && r.accepts[k] > r.left[k-1]
	}
	seq := check("one-at-a-time", one && len(r.handlers) == 0, lab.T(
		"serial: the server called accept() again only after its recv() had returned b'' from the previous client: one loop, one client at a time",
		"串行：服务端要等 recv() 从上一个客户端读到 b'' 之后才再次调用 accept()：一个循环，一次一个客户端")).
		On(r.events(r.accepts[1:], r.left[:n-1])...)
	return []lab.Finding{queued, seq}
}

func goroutineFindings(t lab.Trace, r concurrentRun, n int) []lab.Finding {
	lastAnswer, firstClose := 0, 1<<62
	for k := range n {
		lastAnswer = max(lastAnswer, r.answer[k])
		firstClose = min(firstClose, r.close[k])
	}
	together := check("together", n >= 2 && lastAnswer < firstClose, lab.Tf(
		"goroutines: all %d clients got their answers while all of them were still connected, which a one-at-a-time server cannot do",
		"goroutine：%d 个客户端全都还连着的时候就都得到了回答，一次只服务一个的服务端做不到这一点", n))
	if n < 2 {
		together.Text = lab.T("not shown with clients=1: one client is served either way; try --set clients=3",
			"clients=1 时看不到：只有一个客户端，两种服务端都一样；试试 --set clients=3")
	}
	together = together.On(r.events(r.accepts[1:], r.answer, r.close)...)
	handlers := check("handlers", len(r.handlers) == n, lab.Tf(
		"goroutines: the server's trace shows %d handlers (h1…h%d), one goroutine per connection, each with its own communication loop",
		"goroutine：服务端的记录里有 %d 个处理者（h1…h%d），每个连接一个 goroutine，各自运行自己的通信循环", len(r.handlers), n)).
		On(r.events(r.accepts)...)
	return []lab.Finding{together, handlers}
}

// The peer sides (lab serve, lab client).
