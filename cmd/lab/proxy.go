package main

import (
	"flag"
	"fmt"
	"time"

	"socketlab/lab"
	"socketlab/lab/render"
)

// Limits of the proxy's flags: beyond them a value is a typo, not a plan.
const (
	maxSlice = 65536
	maxWait  = time.Minute // --delay and --merge
)

// proxyFlags are the flags of "lab proxy".
type proxyFlags struct {
	common
	listen, upstream string
	slice            int
	delay, merge     time.Duration
	format           string
	full             bool
	show             string
	packets          bool
	pcap             string
}

func (f *proxyFlags) register(fs *flag.FlagSet) {
	f.common.register(fs)
	fs.StringVar(&f.listen, "listen", "127.0.0.1:0", "address to listen on; port 0 lets the kernel pick one")
	fs.StringVar(&f.upstream, "upstream", "", "the server's address, host:port: every connection is forwarded there")
	fs.IntVar(&f.slice, "slice", 0, "forward each chunk as N-byte send() calls (0 = as it came)")
	fs.DurationVar(&f.delay, "delay", 0, "wait this long before each forwarded write, e.g. 50ms")
	fs.DurationVar(&f.merge, "merge", 0, "hold arriving bytes this long and forward them in one write, e.g. 200ms")
	fs.StringVar(&f.format, "format", "text", "text, json, md or none (quiet: only the totals at the end)")
	fs.BoolVar(&f.full, "full", false, "show every byte and every call instead of folding")
	fs.StringVar(&f.show, "show", "", "optional detail to show: barriers, setup, go (comma-separated)")
	fs.BoolVar(&f.packets, "packets", false, "show the segments on the wire beside the calls (capture on lo)")
	fs.StringVar(&f.pcap, "pcap", "", "also write the captured packets to this pcapng file (Wireshark, tshark)")
}

// check checks the arguments and flags of lab proxy and returns the host
// it listens on.
func (f *proxyFlags) check(pos []string) (host string, err error) {
	if len(pos) > 0 {
		return "", usage(lab.T("lab proxy --upstream HOST:PORT [--listen HOST:PORT] [--slice N] [--delay DUR] [--merge DUR]",
			"lab proxy --upstream 主机:端口 [--listen 主机:端口] [--slice N] [--delay 时长] [--merge 时长]"),
			lab.Tf("unexpected argument %q", "多余的参数 %q", pos[0]))
	}
	if f.upstream == "" {
		return "", usage(lab.T("lab proxy --upstream 127.0.0.1:9000 (where your server listens)",
			"lab proxy --upstream 127.0.0.1:9000（你的服务端监听的地址）"),
			lab.T("proxy needs --upstream", "proxy 需要 --upstream"))
	}
	if host, err = checkAddr("--listen", f.listen, true); err != nil {
		return "", err
	}
	if _, err := checkAddr("--upstream", f.upstream, false); err != nil {
		return "", err
	}
	if f.listen == f.upstream {
		return "", usage(lab.T("listen on another port than the server's", "请在和服务端不同的端口上监听"),
			lab.Tf("--listen and --upstream are both %s: the proxy would forward to itself",
				"--listen 和 --upstream 都是 %s：代理会把数据转发给自己", f.listen))
	}
	return host, f.checkRanges()
}

// checkRanges checks --slice, --delay and --merge, each error naming its flag.
func (f *proxyFlags) checkRanges() error {
	if f.slice < 0 || f.slice > maxSlice {
		return usage(lab.Tf("--slice from 1 to %d, or 0 for off", "--slice 取 1 到 %d，或 0 表示不拆分", maxSlice),
			lab.Tf("--slice %d is out of range", "--slice %d 超出范围", f.slice))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--delay", f.delay}, {"--merge", f.merge}} {
		if d.v < 0 || d.v > maxWait {
			return usage(lab.T("durations from 0 to 1m, e.g. --delay 50ms --merge 200ms", "时长取 0 到 1m，例如 --delay 50ms --merge 200ms"),
				lab.Tf("%s %v is out of range", "%s %v 超出范围", d.name, d.v))
		}
	}
	return nil
}

// proxyCmd is "lab proxy": it forwards TCP between a learner's client and
// server and shows both directions with every read boundary.
func (e *env) proxyCmd(args []string) error {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	var f proxyFlags
	f.register(fs)
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	host, err := f.check(pos)
	if err != nil {
		return err
	}
	show, err := parseShow(f.show)
	if err != nil {
		return err
	}
	s, err := e.resolve(f.common)
	if err != nil {
		return err
	}
	o, err := e.newOutput(e.stdout, f.format, render.Options{Lang: s.lang, Width: s.width, Color: s.color, Full: f.full, Live: s.tty, Show: show}, formatsQuiet)
	if err != nil {
		return err
	}
	defer o.sink.Finish()
	if !loopback(host) {
		fmt.Fprintln(e.stderr, lab.Tf("lab: warning: listening on %s, not loopback: other machines that can reach this one can connect and send bytes through to %s",
			"lab：警告：在 %s 上监听，不是回环地址：能访问这台机器的其他机器都可以连进来，并把字节经代理送到 %s", f.listen, f.upstream).In(s.lang))
	}
	sess, closePcap, err := wireOn(lab.NewSession(e.ctx, lab.SessionOptions{Sink: o.traced(), Info: &lab.RunInfo{Lab: version, Command: "proxy", Demo: "proxy",
		Params: map[string]string{"upstream": f.upstream, "slice": fmt.Sprint(f.slice), "delay": f.delay.String(), "merge": f.merge.String()}}}),
		f.packets, f.pcap)
	if err != nil {
		return err
	}
	defer closePcap()
	defer sess.Finish()
	return e.proxy(sess, f, o, s.lang)
}

// proxy listens, forwards until Ctrl-C and sums up what it saw.
func (e *env) proxy(sess *lab.Session, f proxyFlags, o *output, l lab.Lang) error {
	side := sess.Side(lab.Proxy, lab.Params{})
	ln, err := side.ListenWith(f.listen, lab.ListenOptions{Reuse: true, Setup: true})
	if err != nil {
		return err
	}
	sess.Flush()
	fmt.Fprintln(o.info, lab.Tf("lab proxy: listening on %s, forwarding to %s; connect your client to %[1]s",
		"lab proxy：正在 %s 上监听，转发到 %s；让你的客户端连接 %[1]s", ln.Addr(), f.upstream).In(l))
	fmt.Fprintln(o.info, lab.T("Ctrl-C stops the proxy (sockets closed).", "Ctrl-C 停止代理（套接字都会关闭）。").In(l))
	quiet := o.traced() == nil
	var st lab.ProxyStats
	err = side.Proxy(ln, lab.ProxyOptions{Upstream: f.upstream, Slice: f.slice, Delay: f.delay, Merge: f.merge, Quiet: quiet}, &st)
	if err != nil && e.ctx.Err() == nil {
		sess.End("proxy", nil, err)
		return fmt.Errorf("proxy: %w", err)
	}
	findings := proxyFindings(&st)
	sess.End("proxy", findings, nil)
	sess.Finish()
	if quiet {
		fmt.Fprintln(o.info, lab.T("lab proxy: ", "lab proxy：").In(l)+findings[0].Text.In(l))
	}
	fmt.Fprintln(e.stderr, lab.T("lab: stopped; sockets closed.", "lab：已停止；套接字已关闭。").In(l))
	return nil
}

// proxyFindings sum up a proxy's run: the totals, and a server that
// answered a message before it had arrived whole.
func proxyFindings(st *lab.ProxyStats) []lab.Finding {
	totals := lab.Tf("forwarded %d connection(s): %d bytes client → server, %d bytes server → client; %d reset, %d could not reach the server",
		"转发了 %d 个连接：客户端 → 服务端 %d 字节，服务端 → 客户端 %d 字节；%d 个被重置，%d 个连不上服务端",
		st.Conns.Load(), st.Up.Load(), st.Down.Load(), st.Resets.Load(), st.Failed.Load())
	findings := []lab.Finding{{ID: "forwarded", OK: true, Text: totals}}
	if n := st.Early.Load(); n > 0 {
		findings = append(findings, lab.Finding{ID: "partial-message", OK: false, Text: lab.Tf(
			"in %d connection(s) the server answered before the client's message had fully arrived (the first: %d answer(s) to one %d-byte send, forwarded in pieces): it probably treats each recv() as a whole message; read until the message is complete (its length header, or its delimiter). (A server that echoes raw bytes may do this: there it is right.)",
			"在 %[1]d 个连接里，客户端的消息还没完全到达，服务端就回答了（第一个：对一次 %[3]d 字节、被分成小块转发的发送回答了 %[2]d 次）：它很可能把每次 recv() 当成一条完整的消息；应当一直读到消息完整为止（按长度报头，或按分隔符）。（原样回显字节的服务端可能也会这样：那是对的。）",
			n, st.EarlyAnswers.Load(), st.EarlySize.Load())})
	}
	return findings
}
