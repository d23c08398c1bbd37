package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"time"

	"socketlab/lab"
)

// clientCmd is "lab client": a demo's client side against a real server.
func (e *env) clientCmd(args []string) error {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	var f peerFlags
	f.register(fs)
	connect := fs.String("connect", "", "the server's address, host:port")
	timeout := fs.Duration("timeout", time.Minute, "give up on an answer that has not come within this long (one still coming at 1 KiB/s or more is not cut)")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	ps, err := e.setupPeer("client", pos, f)
	if err != nil {
		return err
	}
	if *connect == "" {
		return usage(lab.Tf("lab client %d --connect 127.0.0.1:PORT (the address lab serve printed)",
			"lab client %d --connect 127.0.0.1:端口（即 lab serve 打印出的地址）", ps.demo.ID),
			lab.T("client needs --connect", "client 需要 --connect"))
	}
	if _, err := checkAddr("--connect", *connect, false); err != nil {
		return err
	}
	if *timeout <= 0 {
		return usage(lab.T("durations look like 300ms or 1m", "时长的写法如 300ms 或 1m"),
			lab.T("--timeout must be positive", "--timeout 必须为正数"))
	}
	sess, closePcap, err := ps.session(e.ctx, "client", f)
	if err != nil {
		return err
	}
	defer closePcap()
	defer ps.o.sink.Finish()
	defer sess.Finish()
	opt := lab.PeerOptions{Addr: *connect, Idle: f.idle, Timeout: *timeout, Peer: sess.Side(lab.Server, ps.params)}
	err = ps.peer.Client(sess.Context(), sess.Side(lab.Client, ps.params), opt)
	if e.ctx.Err() != nil {
		sess.Close()
		fmt.Fprintln(e.stderr, lab.T("lab: stopped; sockets closed.", "lab：已停止；套接字已关闭。").In(ps.s.lang))
		return nil
	}
	return clientOutcome(ps, sess, *connect, err)
}

// clientOutcome ends the client's session with what the server's answers
// showed: the protocol kept, or the bug named (exit 1, with a hint).
func clientOutcome(ps peerSetup, sess *lab.Session, connect string, err error) error {
	d := ps.demo
	var v *lab.Verdict
	var le *lab.LimitError
	var op *net.OpError
	switch {
	case errors.As(err, &v): // the server's bug, named: a finding that fails
		sess.End(d.Slug, []lab.Finding{{ID: v.ID, OK: false, Text: v.Text()}}, nil)
		return &failure{cause: err, msg: join(lab.Tf("client %s: ", "client %s：", d.Name()), v.What), hint: v.Hint}
	case errors.As(err, &le):
		sess.End(d.Slug, nil, err)
		return &failure{cause: err,
			msg: join(lab.Tf("client %s: ", "client %s：", d.Name()), le.Explain()),
			hint: lab.Tf("is the server at %s waiting for something else? lab serve %d shows what demo %d's server sends; --timeout and --idle change the limits",
				"%s 上的服务端是不是在等别的东西？lab serve %d 会显示演示 %d 的服务端发什么；--timeout 和 --idle 可以调整时限", connect, d.ID, d.ID)}
	case err != nil:
		sess.End(d.Slug, nil, err)
		err = fmt.Errorf("client %s: %w", d.Name(), err)
		if errors.As(err, &op) && op.Op == "dial" {
			return withHint(err, lab.Tf("is a server listening there? lab serve %d starts one and prints its address",
				"那里有服务端在监听吗？lab serve %d 会启动一个并打印它的地址", d.ID))
		}
		return err
	}
	sess.End(d.Slug, []lab.Finding{{ID: "protocol", OK: true, Text: lab.Tf(
		"the server at %s answered as demo %s's protocol says: every answer was well formed",
		"%s 上的服务端按演示 %s 的协议回答：每个回答都符合格式", connect, d.Name())}}, nil)
	return nil
}
