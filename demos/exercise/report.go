package exercise

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"socketlab/lab"
	"socketlab/lab/grade"
	"socketlab/lab/render"
)

// Statuses of a case and of a whole check (exercism's results.json:
// "error" for the check only when no case could run).
const (
	StatusPass  = "pass"
	StatusFail  = "fail"
	StatusError = "error"
)

// Result is one case's outcome.
type Result struct {
	ID              string
	Name            lab.Text
	Status          string
	Message         lab.Text // what went wrong
	Hint            lab.Text // the likely bug
	Sent, Want, Got []byte
	Trace           []string // the end of the case's trace, one call a line
	Output          string   // what the program printed during the case (its tail)
	fatal           bool     // the lab could not run the case: stop
}

// Report is a whole check.
type Report struct {
	Slug    string
	Status  string
	Message lab.Text // why the check could not run, or a summary
	Output  string   // the program's output when it could not start
	Tests   []Result
}

// Passed counts the cases that passed.
func (r Report) Passed() int {
	n := 0
	for _, t := range r.Tests {
		if t.Status == StatusPass {
			n++
		}
	}
	return n
}

func (r *Report) add(res Result, o Options) {
	r.Tests = append(r.Tests, res)
	if o.OnCase != nil {
		o.OnCase(res)
	}
}

func (r *Report) settle(ctx context.Context) {
	switch {
	case len(r.Tests) == 0:
		r.Status = StatusError
		if r.Message.IsZero() && ctx.Err() != nil {
			r.Message = lab.T("interrupted before any case ran", "还没运行任何用例就被中断了")
		}
	case r.Passed() == len(r.Tests) && ctx.Err() == nil:
		r.Status = StatusPass
		r.Message = lab.Tf("all %d cases passed", "全部 %d 个用例通过", len(r.Tests))
	case ctx.Err() != nil:
		r.Status = StatusFail
		r.Message = lab.Tf("interrupted: %d cases ran", "已中断：运行了 %d 个用例", len(r.Tests))
	default:
		r.Status = StatusFail
		if r.Message.IsZero() {
			r.Message = lab.Tf("%d of %d cases passed", "%d / %d 个用例通过", r.Passed(), len(r.Tests))
		}
	}
}

// runCase runs one case in a traced session of its own and says how it went.
func runCase(ctx context.Context, c Case, o Options, role lab.Role, prog *grade.Program, run func(*T) error) Result {
	cctx, cancel := context.WithTimeout(ctx, o.Timeout+5*time.Second)
	defer cancel()
	sess := lab.NewSession(cctx, lab.SessionOptions{Keep: true})
	t := &T{Side: sess.Side(role, lab.Params{}), Timeout: o.Timeout, Dir: o.Dir, Work: o.work, ctx: cctx, stop: cancel, sess: sess, prog: prog}
	err := safely(func() error { return run(t) })
	sess.Close()
	sess.Finish()
	res := Result{ID: c.ID, Name: c.Name, Status: StatusPass}
	if err == nil {
		return res
	}
	res.Status, res.Hint = StatusFail, c.Hint
	var se *setupError
	var m *Mismatch
	switch {
	case ctx.Err() != nil: // Ctrl-C: this case has no verdict
		res.Status, res.Message, res.Hint = StatusError, lab.T("interrupted", "已中断"), lab.Text{}
	case errors.As(err, &se):
		res.Status, res.Message, res.fatal = StatusError, se.msg, true
	case errors.As(err, &m):
		res.Message, res.Sent, res.Want, res.Got = m.What, m.Sent, m.Want, m.Got
		if !m.Hint.IsZero() {
			res.Hint = m.Hint
		}
	default:
		res.Message = explain(err)
	}
	events := sess.Events()
	if res.Sent == nil && res.Got == nil && res.Want == nil {
		res.Sent, res.Got = moved(events, role)
	}
	res.Trace = excerpt(events, 10)
	if t.prog != nil && prog == nil { // a client's run: its output
		res.Output = tailString(t.prog.Output().Both)
	}
	return res
}

// safely turns a panic in a case into an error, so that the program is
// still stopped and the other cases still run.
func safely(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the lab's case failed: %v", p)
		}
	}()
	return f()
}

// explain says an error of the lab's side in both languages: the network's
// errors have a name a learner can look up.
func explain(err error) lab.Text {
	switch lab.Classify(err) {
	case lab.ClassTimeout:
		return lab.Tf("no answer in time (%v)", "没有及时回答（%v）", err)
	case lab.ClassReset:
		return lab.Tf("your program reset the connection (%v)", "你的程序重置了连接（%v）", err)
	case lab.ClassRefused:
		return lab.Tf("nothing listens any more (%v)", "已经没有程序在监听（%v）", err)
	}
	return lab.Tf("%v", "%v", err)
}

// moved is what the lab's side sent and received, for a failure that did
// not say.
func moved(tr lab.Trace, role lab.Role) (sent, got []byte) {
	last := 0 // the last socket that moved data: an earlier client's bytes are not this one's
	for _, e := range tr {
		if e.Side == role && e.Op.IsData() {
			last = e.Conn
		}
	}
	for _, e := range tr {
		if e.Side != role || e.Err != "" || e.Conn != last {
			continue
		}
		if len(e.Data) < e.N { // the trace kept only the start: too long to show anyway
			return nil, nil
		}
		switch e.Op {
		case lab.OpSend, lab.OpSendAll, lab.OpSendTo:
			sent = append(sent, e.Data...)
		case lab.OpRecv, lab.OpRecvFrom:
			got = append(got, e.Data...)
		}
	}
	if got == nil && sent != nil {
		got = []byte{}
	}
	return sent, got
}

// excerpt is the last calls of a case's trace, one a line:
// "client #3 recv(1024) → 5 b'HELLO'".
func excerpt(tr lab.Trace, n int) []string {
	var lines []string
	for _, e := range tr {
		if e.Call == "" || e.Side == lab.Wire {
			continue
		}
		l := fmt.Sprintf("%-6s #%d %s", e.Side, e.Conn, e.Call)
		if e.Op.IsData() {
			l += fmt.Sprintf(" → %d", e.N)
			if len(e.Data) > 0 {
				l += " " + clipString(render.PyBytes(e.Data), 60)
			}
		}
		if e.Err != "" {
			l += " ✗ " + clipString(e.Err, 80)
		}
		lines = append(lines, l)
	}
	return lines[max(len(lines)-n, 0):]
}

func clipString(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// tailString is the last lines of a program's output.
func tailString(b []byte) string {
	s := strings.TrimRight(string(b), "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > 12 {
		lines = lines[len(lines)-12:]
	}
	return clipString(strings.Join(lines, "\n"), 2000)
}

// startFailure says why a server could not be graded at all.
func startFailure(err error, proto string, port int) (lab.Text, string) {
	var f *grade.Failure
	if !errors.As(err, &f) {
		return lab.Tf("could not watch your program: %v", "无法观察你的程序：%v", err), ""
	}
	out := tailString(f.Output)
	what := lab.T("listen on a TCP port", "在 TCP 端口上监听")
	if proto == "udp" {
		what = lab.T("bind a UDP socket", "绑定 UDP 套接字")
	}
	switch {
	case errors.Is(err, grade.ErrExited):
		msg := lab.Tf("your program ended (%v) before it listened", "你的程序还没开始监听就结束了（%v）", f.Exit)
		if strings.Contains(out, "Address already in use") || strings.Contains(out, "address already in use") {
			msg = join(msg, lab.Tf("; port %d was in use: a TIME_WAIT left by an earlier run without SO_REUSEADDR lasts up to 60 s (set SO_REUSEADDR, or give another --port)",
				"；端口 %d 被占用：之前没有设置 SO_REUSEADDR 的运行留下的 TIME_WAIT 最多持续 60 秒（设置 SO_REUSEADDR，或换一个 --port）", port))
		}
		return msg, out
	case errors.Is(err, grade.ErrNeverListened):
		msg := lab.Tf("your program did not %s within %v", "你的程序在 %[2]v 内没有%[1]s", what.En, f.Waited.Round(time.Second))
		msg.Zh = fmt.Sprintf("你的程序在 %v 内没有%s", f.Waited.Round(time.Second), what.Zh)
		if len(f.Sockets) > 0 {
			msg = join(msg, lab.Tf(" (it has %v instead)", "（它有的是 %v）", f.Sockets[0]))
		}
		if f.Spinning() {
			msg = join(msg, lab.T(", and it used the CPU all the time", "，而且一直占着 CPU"))
		}
		return join(msg, lab.Tf("; it should use port %d (LAB_PORT, or the {port} argument)", "；它应该使用端口 %d（LAB_PORT，或参数 {port}）", port)), out
	case errors.Is(err, grade.ErrNeedPort):
		return lab.T("this system cannot tell which port your program listens on: give it with --port", "这个系统无法得知你的程序在哪个端口监听：用 --port 给出端口"), out
	}
	return lab.Tf("%v", "%v", err), out
}

// afterFailure says what a server did wrong while it had nothing to do.
func afterFailure(err error) (lab.Text, lab.Text) {
	var f *grade.Failure
	errors.As(err, &f)
	switch {
	case errors.Is(err, grade.ErrSpinning):
		return lab.T("after the case your program kept using the CPU with nothing to do", "用例结束后你的程序无事可做，却一直占着 CPU"),
			lab.T("it loops on recv() returning b'': the client has closed, so break out of the loop (if not data: break) and go back to accept()",
				"它在 recv() 返回 b'' 时不停循环：客户端已经关闭，应当跳出循环（if not data: break），回到 accept()")
	case errors.Is(err, grade.ErrExited):
		return lab.Tf("your program ended (%v) after this case", "这个用例之后你的程序结束了（%v）", f.Exit),
			lab.T("a server keeps serving: put accept() in a loop, and let one client's error (ConnectionResetError, BrokenPipeError) end only that connection",
				"服务端要一直服务：把 accept() 放进循环，一个客户端出的错（ConnectionResetError、BrokenPipeError）只结束那一个连接")
	}
	return lab.Tf("%v", "%v", err), lab.Text{}
}

func join(ts ...lab.Text) lab.Text {
	var out lab.Text
	for _, t := range ts {
		out.En += t.En
		out.Zh += t.Zh
	}
	return out
}
