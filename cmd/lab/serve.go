package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"socketlab/demos"
	"socketlab/lab"
	"socketlab/lab/render"
)

// maxOpen is the most connections `lab serve --max` keeps open.
const maxOpen = 16384

// DefaultPeerIdle is how long `lab serve` and `lab client` wait for a real
// peer that makes no progress before they hang up on it.
const defaultPeerIdle = 30 * time.Second

// peerFlags are the flags shared by "lab serve" and "lab client".
type peerFlags struct {
	common
	sets    sets
	format  string
	full    bool
	show    string
	idle    time.Duration
	packets bool
	pcap    string
}

func (f *peerFlags) register(fs *flag.FlagSet) {
	f.common.register(fs)
	fs.Var(&f.sets, "set", "knob value name=value (repeatable)")
	fs.StringVar(&f.format, "format", "text", "text, json, md or none")
	fs.BoolVar(&f.full, "full", false, "show every byte and every call instead of folding")
	fs.StringVar(&f.show, "show", "", "optional detail to show: barriers, setup, go (comma-separated)")
	fs.BoolVar(&f.packets, "packets", false, "show the segments on the wire beside the calls (capture on lo)")
	fs.StringVar(&f.pcap, "pcap", "", "also write the captured packets to this pcapng file (Wireshark, tshark)")
	fs.DurationVar(&f.idle, "idle", defaultPeerIdle, "hang up on a peer that makes no progress for this long")
}

// peerSetup is what both commands resolve before they start.
type peerSetup struct {
	demo   lab.Demo
	peer   *lab.Peer
	params lab.Params
	s      settings
	out    *lockedWriter
	info   io.Writer // where the address and hints go: stdout with the text trace, else stderr
	sink   sink
}

// setupPeer checks the demo, the knobs and the common flags of serve and client.
func (e *env) setupPeer(cmd string, pos []string, f peerFlags) (peerSetup, error) {
	var ps peerSetup
	if len(pos) != 1 {
		return ps, usage(lab.Tf("lab %s <N|slug>, e.g. lab %s 1", "lab %s <N|slug>，例如 lab %s 1", cmd, cmd),
			lab.Tf("%s needs one demo", "%s 需要指定一个演示", cmd))
	}
	d, err := lookup(pos[0], false)
	if err != nil {
		return ps, err
	}
	peer := d.Peer
	if peer == nil {
		side := map[string]string{"serve": "服务端", "client": "客户端"}[cmd]
		return ps, usage(lab.Tf("demos with a real-peer side: %s", "可以和真实对端连接的演示：%s", demos.PeerDemos()),
			lab.Text{
				En: fmt.Sprintf("demo %s has no %s side", d.Name(), cmd),
				Zh: fmt.Sprintf("演示 %s 没有可以单独运行的%s", d.Name(), side),
			})
	}
	withKnobs := d
	withKnobs.Knobs = append(append([]lab.Knob(nil), d.Knobs...), peer.Knobs...)
	p, err := lab.ParseParams(withKnobs.Knobs, f.sets)
	if err != nil {
		return ps, knobError(withKnobs, err)
	}
	if f.idle <= 0 {
		return ps, usage(lab.T("durations look like 300ms or 30s", "时长的写法如 300ms 或 30s"),
			lab.T("--idle must be positive", "--idle 必须为正数"))
	}
	show, err := parseShow(f.show)
	if err != nil {
		return ps, err
	}
	s, err := e.resolve(f.common)
	if err != nil {
		return ps, err
	}
	ps = peerSetup{demo: d, peer: peer, params: p, s: s, out: &lockedWriter{w: e.stdout}}
	ps.info = ps.out
	opts := render.Options{Lang: s.lang, Width: s.width, Color: s.color, Full: f.full, Live: s.tty, Show: show}
	if ps.sink, err = newSink(ps.out, f.format, opts, formatsQuiet); err != nil {
		return ps, err
	}
	if f.format == "json" || f.format == "md" {
		ps.info = e.stderr
	}
	return ps, nil
}

// session starts the session of serve or client: its run line names the
// demo, the sink is nil for --format none, and --packets and --pcap turn
// the wire on. close closes the --pcap file.
func (ps peerSetup) session(ctx context.Context, cmd string, f peerFlags) (sess *lab.Session, close func(), err error) {
	var sk lab.Sink = ps.sink
	if _, none := ps.sink.(noSink); none {
		sk = nil
	}
	d := ps.demo
	sess = lab.NewSession(ctx, lab.SessionOptions{Sink: sk, Info: &lab.RunInfo{Lab: version, Command: cmd,
		Demo: d.Slug, ID: d.ID, Title: d.Title, Brief: d.Brief, Params: ps.params.Values()}})
	return wireOn(sess, f.packets, f.pcap)
}

// wireOn turns the wire of a session on as --packets and --pcap ask.
func wireOn(sess *lab.Session, packets bool, path string) (*lab.Session, func(), error) {
	pcap, close, err := openPcap(path)
	if err != nil {
		sess.Finish()
		return nil, nil, err
	}
	if packets || pcap != nil {
		if err := sess.Packets(pcap); err != nil {
			close()
			sess.Finish()
			if pf := pcapRefused(err); pf != nil {
				return nil, nil, pf
			}
			return nil, nil, err
		}
	}
	return sess, close, nil
}

// checkAddr validates a host:port flag. The port may be 0 only where the
// kernel may pick one (--listen).
func checkAddr(flagName, addr string, zeroPort bool) (host string, err error) {
	hint := lab.T("an address looks like 127.0.0.1:9000 or [::1]:9000", "地址的写法如 127.0.0.1:9000 或 [::1]:9000")
	if flagName == "--connect" {
		hint = join(hint, lab.T(" (the address lab serve printed)", "（即 lab serve 打印出的地址）"))
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		// The net package's reason ("missing port in address") stays as it is.
		return "", &usageError{hint: hint, cause: err,
			msg: lab.Tf("%s %q: %v", "%s %q 不是地址：%v", flagName, addr, err)}
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || n == 0 && !zeroPort {
		return "", usage(hint, lab.Tf("%s %q: the port must be a number from 1 to 65535",
			"%s %q：端口必须是 1 到 65535 之间的数字", flagName, addr))
	}
	if flagName == "--connect" && host == "" {
		return "", usage(hint, lab.Tf("%s %q: which host?", "%s %q：缺少主机", flagName, addr))
	}
	return host, nil
}

// loopback reports whether host names this machine only.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (e *env) serveCmd(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var f peerFlags
	f.register(fs)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on; port 0 lets the kernel pick one")
	count := fs.Int("count", 0, "stop after this many connections (datagrams for udp); 0 = until Ctrl-C")
	maxConns := fs.Int("max", lab.DefaultMaxConns, "connections open at once; more are refused (closed at once, with a note)")
	backlog := fs.Int("backlog", lab.SystemBacklog(), "listen(backlog): the accept queue's length (default: the system's maximum)")
	dir := fs.String("dir", "", "file-upload: the folder uploads go into (default: a new temporary folder)")
	var webf webFlag
	fs.Var(&webf, "web", "also show every peer in a browser: --web, or --web=ADDR")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	ps, err := e.setupPeer("serve", pos, f)
	if err != nil {
		return err
	}
	host, err := checkAddr("--listen", *listen, true)
	if err != nil {
		return err
	}
	switch {
	case *count < 0:
		return usage(lab.T("--count 0 (until Ctrl-C) or more", "--count 为 0（一直运行到 Ctrl-C）或更大"),
			lab.Tf("--count %d is out of range", "--count %d 超出范围", *count))
	case *maxConns < 1 || *maxConns > maxOpen:
		return usage(lab.Tf("--max from 1 to %d", "--max 在 1 到 %d 之间", maxOpen),
			lab.Tf("--max %d is out of range", "--max %d 超出范围", *maxConns))
	case *backlog < 0 || *backlog > 65535:
		return usage(lab.T("--backlog from 0 to 65535 (the kernel caps it at net.core.somaxconn)", "--backlog 在 0 到 65535 之间（内核会把它限制在 net.core.somaxconn 以内）"),
			lab.Tf("--backlog %d is out of range", "--backlog %d 超出范围", *backlog))
	}
	l := ps.s.lang
	if !loopback(host) {
		fmt.Fprintln(e.stderr, lab.Tf("lab: warning: listening on %s, not loopback: other machines that can reach this one can connect (the lab never runs what it receives)",
			"lab：警告：在 %s 上监听，不是回环地址：能访问这台机器的其他机器都可以连进来（实验台从不执行收到的内容）", *listen).In(l))
	}
	if ps.demo.Slug == "file-upload" {
		if *dir == "" {
			if *dir, err = os.MkdirTemp("", "socketlab-serve-"); err != nil {
				return fmt.Errorf("make the upload folder: %w", err)
			}
			// The uploads stay for the learner to look at; a folder that
			// got none goes (Remove fails on a folder that is not empty).
			defer func(dir string) {
				if os.Remove(dir) != nil {
					fmt.Fprintln(e.stderr, lab.Tf("lab: the uploads stay in %s", "lab：上传的文件留在 %s", dir).In(ps.s.lang))
				}
			}(*dir)
		} else if fi, err := os.Stat(*dir); err != nil || !fi.IsDir() {
			return usage(lab.T("--dir must name a folder that exists", "--dir 必须是一个已经存在的文件夹"),
				lab.Tf("--dir %q is not a folder", "--dir %q 不是文件夹", *dir))
		}
	}

	var pg *page // --web: the classroom view (web.go)
	if webf.on {
		if pg, err = e.startPage("serve", webf, false, ps.s, ps.info); err != nil {
			return err
		}
		defer pg.close()
		ps.sink = pg.wrap(ps.sink)
	}
	sess, closePcap, err := ps.session(e.ctx, "serve", f)
	if err != nil {
		return err
	}
	defer closePcap()
	defer ps.sink.Finish()
	defer sess.Finish()
	server := sess.Side(lab.Server, ps.params)
	opt := lab.PeerOptions{Addr: *listen, Count: *count, Max: *maxConns, Backlog: *backlog, Idle: f.idle, Dir: *dir,
		Peer: sess.Side(lab.Client, ps.params),
		Ready: func(addr net.Addr) {
			h, p, _ := net.SplitHostPort(addr.String())
			if ip := net.ParseIP(h); ip != nil && ip.IsUnspecified() {
				h = "127.0.0.1" // connect from this machine
				if ip.To4() == nil {
					h = "::1"
				}
			}
			sess.Flush() // the title first
			if pg != nil {
				pg.hub.SetInfo(webServeInfo(net.JoinHostPort(h, p)))
			}
			w := ps.info
			fmt.Fprintln(w, lab.Tf("lab serve %s: listening on %s; connect to %s",
				"lab serve %s：正在 %s 上监听；连接到 %s", ps.demo.Name(), addr, net.JoinHostPort(h, p)).In(l))
			fmt.Fprintln(w, lab.T("try, from another terminal:", "在另一个终端里试试：").In(l))
			python := false
			for _, line := range ps.peer.Try(h, p) {
				fmt.Fprintf(w, "  %s\n", line)
				python = python || strings.HasPrefix(line, "python3 ")
			}
			if python {
				fmt.Fprintln(w, lab.T("(on Windows, type py instead of python3)", "（在 Windows 上把 python3 换成 py）").In(l))
			}
			if *dir != "" && f.format != "text" { // the text trace's first note says it
				fmt.Fprintln(w, lab.Tf("uploads go into %s", "上传的文件放进 %s", *dir).In(l))
			}
			fmt.Fprintln(w, lab.T("Ctrl-C stops the server (sockets closed).", "Ctrl-C 停止服务端（套接字都会关闭）。").In(l))
		},
	}
	st, err := ps.peer.Serve(sess.Context(), server, opt)
	if e.ctx.Err() != nil { // Ctrl-C: the normal way to stop a server
		sess.End(ps.demo.Slug, servedFindings(ps.demo, st), nil)
		sess.Close()
		fmt.Fprintln(e.stderr, lab.T("lab: stopped; sockets closed.", "lab：已停止；套接字已关闭。").In(l))
		return nil
	}
	if err != nil {
		sess.End(ps.demo.Slug, nil, err)
		return fmt.Errorf("serve %s: %w", ps.demo.Name(), err)
	}
	sess.End(ps.demo.Slug, servedFindings(ps.demo, st), nil)
	return nil
}

// servedFindings sum up a serve: how many peers came and how many went wrong.
func servedFindings(d lab.Demo, st lab.ServeStats) []lab.Finding {
	what := lab.Tf("served %d connection(s); %d ended with an error (✗ in its lane)",
		"服务了 %d 个连接；其中 %d 个以错误结束（见其栏中的 ✗）", st.Conns, st.Failed)
	if d.Slug == "udp" {
		what = lab.Tf("answered %d datagram(s); %d answer(s) failed", "回答了 %d 个数据报；%d 个回答失败", st.Conns, st.Failed)
	}
	out := []lab.Finding{{ID: "served", OK: true, Text: what}}
	// A verdict on each client that went wrong: the bug, named.
	for _, c := range st.Clients {
		out = append(out, lab.Finding{ID: c.Who + "-" + c.ID, OK: false, Text: lab.Text{En: "[" + c.Who + "] " + c.Text.En, Zh: "[" + c.Who + "] " + c.Text.Zh}})
	}
	if more := st.Failed - len(st.Clients); more > 0 && len(st.Clients) >= lab.MaxVerdicts {
		out = append(out, lab.Finding{ID: "more", OK: false, Text: lab.Tf("and %d more client(s) went wrong (see ✗ in their lanes)", "还有 %d 个客户端出了错（见其栏中的 ✗）", more)})
	}
	return out
}

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
	l := ps.s.lang
	sess, closePcap, err := ps.session(e.ctx, "client", f)
	if err != nil {
		return err
	}
	defer closePcap()
	defer ps.sink.Finish()
	defer sess.Finish()
	client := sess.Side(lab.Client, ps.params)
	if *timeout <= 0 {
		return usage(lab.T("durations look like 300ms or 1m", "时长的写法如 300ms 或 1m"),
			lab.T("--timeout must be positive", "--timeout 必须为正数"))
	}
	opt := lab.PeerOptions{Addr: *connect, Idle: f.idle, Timeout: *timeout, Peer: sess.Side(lab.Server, ps.params)}
	err = ps.peer.Client(sess.Context(), client, opt)
	if e.ctx.Err() != nil {
		sess.Close()
		fmt.Fprintln(e.stderr, lab.T("lab: stopped; sockets closed.", "lab：已停止；套接字已关闭。").In(l))
		return nil
	}
	var v *lab.Verdict
	if errors.As(err, &v) { // the server's bug, named: a finding that fails
		sess.End(ps.demo.Slug, []lab.Finding{{ID: v.ID, OK: false, Text: v.Text()}}, nil)
		return &failure{cause: err, msg: join(lab.Tf("client %s: ", "client %s：", ps.demo.Name()), v.What), hint: v.Hint}
	}
	var le *lab.LimitError
	if errors.As(err, &le) {
		sess.End(ps.demo.Slug, nil, err)
		return &failure{cause: err,
			msg: join(lab.Tf("client %s: ", "client %s：", ps.demo.Name()), le.Explain()),
			hint: lab.Tf("is the server at %s waiting for something else? lab serve %d shows what demo %d's server sends; --timeout and --idle change the limits",
				"%s 上的服务端是不是在等别的东西？lab serve %d 会显示演示 %d 的服务端发什么；--timeout 和 --idle 可以调整时限", *connect, ps.demo.ID, ps.demo.ID)}
	}
	if err != nil {
		sess.End(ps.demo.Slug, nil, err)
		err = fmt.Errorf("client %s: %w", ps.demo.Name(), err)
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return fmt.Errorf("%w%s", err, lab.Tf(" (is a server listening there? lab serve %d starts one and prints its address)",
				"（那里有服务端在监听吗？lab serve %d 会启动一个并打印它的地址）", ps.demo.ID).In(l))
		}
		return err
	}
	sess.End(ps.demo.Slug, []lab.Finding{{ID: "protocol", OK: true, Text: lab.Tf(
		"the server at %s answered as demo %s's protocol says: every answer was well formed",
		"%s 上的服务端按演示 %s 的协议回答：每个回答都符合格式", *connect, ps.demo.Name())}}, nil)
	return nil
}
