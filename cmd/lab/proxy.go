package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"socketlab/lab"
	"socketlab/lab/render"
)

// Limits of the proxy's flags: beyond them a value is a typo, not a plan.
const (
	maxSlice = 65536
	maxWait  = time.Minute // --delay and --merge
)

// proxyCmd is "lab proxy": it forwards TCP between a learner's client and
// server and shows both directions with every read boundary.
func (e *env) proxyCmd(args []string) error {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	var c common
	c.register(fs)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on; port 0 lets the kernel pick one")
	upstream := fs.String("upstream", "", "the server's address, host:port: every connection is forwarded there")
	slice := fs.Int("slice", 0, "forward each chunk as N-byte send() calls (0 = as it came)")
	delay := fs.Duration("delay", 0, "wait this long before each forwarded write, e.g. 50ms")
	merge := fs.Duration("merge", 0, "hold arriving bytes this long and forward them in one write, e.g. 200ms")
	format := fs.String("format", "text", "text, json, md or none (quiet: only the totals at the end)")
	full := fs.Bool("full", false, "show every byte and every call instead of folding")
	showFlag := fs.String("show", "", "optional detail to show: barriers, setup, go (comma-separated)")
	packets := fs.Bool("packets", false, "show the segments on the wire beside the calls (capture on lo)")
	pcapPath := fs.String("pcap", "", "also write the captured packets to this pcapng file (Wireshark, tshark)")
	pos, err := e.parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return e.help([]string{"proxy"})
	}
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage(lab.T("lab proxy --upstream HOST:PORT [--listen HOST:PORT] [--slice N] [--delay DUR] [--merge DUR]",
			"lab proxy --upstream 主机:端口 [--listen 主机:端口] [--slice N] [--delay 时长] [--merge 时长]"),
			lab.Tf("unexpected argument %q", "多余的参数 %q", pos[0]))
	}
	if *upstream == "" {
		return usage(lab.T("lab proxy --upstream 127.0.0.1:9000 (where your server listens)",
			"lab proxy --upstream 127.0.0.1:9000（你的服务端监听的地址）"),
			lab.T("proxy needs --upstream", "proxy 需要 --upstream"))
	}
	host, err := checkAddr("--listen", *listen, true)
	if err != nil {
		return err
	}
	if _, err := checkAddr("--upstream", *upstream, false); err != nil {
		return err
	}
	if *listen == *upstream {
		return usage(lab.T("listen on another port than the server's", "请在和服务端不同的端口上监听"),
			lab.Tf("--listen and --upstream are both %s: the proxy would forward to itself",
				"--listen 和 --upstream 都是 %s：代理会把数据转发给自己", *listen))
	}
	switch {
	case *slice < 0 || *slice > maxSlice:
		return usage(lab.Tf("--slice from 1 to %d, or 0 for off", "--slice 取 1 到 %d，或 0 表示不拆分", maxSlice),
			lab.Tf("--slice %d is out of range", "--slice %d 超出范围", *slice))
	case *delay < 0 || *delay > maxWait || *merge < 0 || *merge > maxWait:
		return usage(lab.T("durations from 0 to 1m, e.g. --delay 50ms --merge 200ms", "时长取 0 到 1m，例如 --delay 50ms --merge 200ms"),
			lab.Tf("--delay %v or --merge %v is out of range", "--delay %v 或 --merge %v 超出范围", *delay, *merge))
	}
	show, err := parseShow(*showFlag)
	if err != nil {
		return err
	}
	s, err := e.resolve(c)
	if err != nil {
		return err
	}
	l := s.lang

	out := &lockedWriter{w: e.stdout}
	var info io.Writer = out // the address and totals: with the text trace, or alone
	opts := render.Options{Lang: l, Width: s.width, Color: s.color, Full: *full, Live: s.tty, Show: show}
	sk, err := newSink(out, *format, opts, formatsQuiet)
	if err != nil {
		return err
	}
	var sink lab.Sink = sk
	switch *format {
	case "json", "md":
		info = e.stderr
	case "none":
		sink = nil
	}
	defer sk.Finish()
	if !loopback(host) {
		fmt.Fprintln(e.stderr, lab.Tf("lab: warning: listening on %s, not loopback: other machines that can reach this one can connect and send bytes through to %s",
			"lab：警告：在 %s 上监听，不是回环地址：能访问这台机器的其他机器都可以连进来，并把字节经代理送到 %s", *listen, *upstream).In(l))
	}

	sess, closePcap, err := wireOn(lab.NewSession(e.ctx, lab.SessionOptions{Sink: sink, Info: &lab.RunInfo{Lab: version, Command: "proxy", Demo: "proxy",
		Params: map[string]string{"upstream": *upstream, "slice": fmt.Sprint(*slice), "delay": delay.String(), "merge": merge.String()}}}),
		*packets, *pcapPath)
	if err != nil {
		return err
	}
	defer closePcap()
	defer sess.Finish()
	side := sess.Side(lab.Proxy, lab.Params{})
	ln, err := side.ListenWith(*listen, lab.ListenOptions{Reuse: true, Setup: true})
	if err != nil {
		return err
	}
	sess.Flush()
	fmt.Fprintln(info, lab.Tf("lab proxy: listening on %s, forwarding to %s; connect your client to %[1]s",
		"lab proxy：正在 %s 上监听，转发到 %s；让你的客户端连接 %[1]s", ln.Addr(), *upstream).In(l))
	fmt.Fprintln(info, lab.T("Ctrl-C stops the proxy (sockets closed).", "Ctrl-C 停止代理（套接字都会关闭）。").In(l))

	var st lab.ProxyStats
	err = side.Proxy(ln, lab.ProxyOptions{Upstream: *upstream, Slice: *slice, Delay: *delay, Merge: *merge, Quiet: sink == nil}, &st)
	totals := lab.Tf("forwarded %d connection(s): %d bytes client → server, %d bytes server → client; %d reset, %d could not reach the server",
		"转发了 %d 个连接：客户端 → 服务端 %d 字节，服务端 → 客户端 %d 字节；%d 个被重置，%d 个连不上服务端",
		st.Conns.Load(), st.Up.Load(), st.Down.Load(), st.Resets.Load(), st.Failed.Load())
	if err != nil && e.ctx.Err() == nil {
		sess.End("proxy", nil, err)
		return fmt.Errorf("proxy: %w", err)
	}
	findings := []lab.Finding{{ID: "forwarded", OK: true, Text: totals}}
	if n := st.Early.Load(); n > 0 {
		findings = append(findings, lab.Finding{ID: "partial-message", OK: false, Text: lab.Tf(
			"in %d connection(s) the server answered before the client's message had fully arrived (the first: %d answer(s) to one %d-byte send, forwarded in pieces): it probably treats each recv() as a whole message; read until the message is complete (its length header, or its delimiter). (A server that echoes raw bytes may do this: there it is right.)",
			"在 %[1]d 个连接里，客户端的消息还没完全到达，服务端就回答了（第一个：对一次 %[3]d 字节、被分成小块转发的发送回答了 %[2]d 次）：它很可能把每次 recv() 当成一条完整的消息；应当一直读到消息完整为止（按长度报头，或按分隔符）。（原样回显字节的服务端可能也会这样：那是对的。）",
			n, st.EarlyAnswers.Load(), st.EarlySize.Load())})
	}
	sess.End("proxy", findings, nil)
	sess.Finish()
	if sink == nil {
		fmt.Fprintln(info, lab.T("lab proxy: ", "lab proxy：").In(l)+totals.In(l))
	}
	fmt.Fprintln(e.stderr, lab.T("lab: stopped; sockets closed.", "lab：已停止；套接字已关闭。").In(l))
	return nil
}
