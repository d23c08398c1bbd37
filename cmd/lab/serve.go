package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"socketlab/demos"
	"socketlab/lab"
	"socketlab/lab/render"
)

// DefaultPeerIdle is how long `lab serve` and `lab client` wait for a real
// peer that makes no progress before they hang up on it.
const defaultPeerIdle = 30 * time.Second

// peerFlags are the flags shared by "lab serve" and "lab client".
type peerFlags struct {
	common
	sets   sets
	format string
	full   bool
	idle   time.Duration
}

func (f *peerFlags) register(fs *flag.FlagSet) {
	f.common.register(fs)
	fs.Var(&f.sets, "set", "knob value name=value (repeatable)")
	fs.StringVar(&f.format, "format", "text", "text, json or md")
	fs.BoolVar(&f.full, "full", false, "show every byte instead of folding long payloads")
	fs.DurationVar(&f.idle, "idle", defaultPeerIdle, "hang up on a peer that makes no progress for this long")
}

// peerSetup is what both commands resolve before they start.
type peerSetup struct {
	demo   lab.Demo
	peer   demos.Peer
	params lab.Params
	s      settings
	out    *lockedWriter
	info   io.Writer // where the address and hints go: stdout with the text trace, else stderr
	sink   lab.Sink
}

// setupPeer checks the demo, the knobs and the common flags of serve and client.
func (e *env) setupPeer(cmd string, pos []string, f peerFlags) (peerSetup, error) {
	var ps peerSetup
	if len(pos) != 1 {
		return ps, usagef(fmt.Sprintf("lab %s <N|slug>, e.g. lab %s 1", cmd, cmd), "%s needs one demo", cmd)
	}
	d, err := lookup(pos[0])
	if err != nil {
		return ps, err
	}
	peer, ok := demos.PeerOf(d)
	if !ok {
		return ps, usagef("demos with a real-peer side: "+demos.PeerDemos(), "demo %s has no %s side", d.Name(), cmd)
	}
	withKnobs := d
	withKnobs.Knobs = append(append([]lab.Knob(nil), d.Knobs...), peer.Knobs...)
	p, err := lab.ParseParams(withKnobs.Knobs, f.sets)
	if err != nil {
		return ps, usagef(knobHint(withKnobs), "demo %s: %v", d.Name(), err)
	}
	if f.idle <= 0 {
		return ps, usagef("durations look like 300ms or 30s", "--idle must be positive")
	}
	if f.format != "text" && f.format != "json" && f.format != "md" {
		return ps, usagef("--format text, json or md", "unknown --format %q", f.format)
	}
	s, err := e.resolve(f.common)
	if err != nil {
		return ps, err
	}
	ps = peerSetup{demo: d, peer: peer, params: p, s: s, out: &lockedWriter{w: e.stdout}}
	ps.info = ps.out
	opts := render.Options{Lang: s.lang, Width: s.width, Color: s.color, Full: f.full}
	switch f.format {
	case "json":
		ps.sink, ps.info = render.NewJSON(ps.out, s.lang), e.stderr
	case "md":
		ps.sink, ps.info = render.NewMarkdown(ps.out, opts), e.stderr
	default:
		ps.sink = render.NewText(ps.out, opts)
	}
	return ps, nil
}

// checkAddr validates a host:port flag. The port may be 0 only where the
// kernel may pick one (--listen).
func checkAddr(flagName, addr string, zeroPort bool) (host string, err error) {
	hint := "an address looks like 127.0.0.1:9000 or [::1]:9000"
	if flagName == "--connect" {
		hint += " (the address lab serve printed)"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", usagef(hint, "%s %q: %v", flagName, addr, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || n == 0 && !zeroPort {
		return "", usagef(hint, "%s %q: the port must be a number from 1 to 65535", flagName, addr)
	}
	if flagName == "--connect" && host == "" {
		return "", usagef(hint, "%s %q: which host?", flagName, addr)
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
	maxConns := fs.Int("max", lab.DefaultMaxConns, "connections served at once; more wait in the accept queue")
	dir := fs.String("dir", "", "file-upload: the folder uploads go into (default: a new temporary folder)")
	pos, err := parse(fs, args)
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
	if *count < 0 || *maxConns < 1 || *maxConns > 1024 {
		return usagef("--count 0 or more, --max from 1 to 1024", "--count %d or --max %d is out of range", *count, *maxConns)
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
		} else if fi, err := os.Stat(*dir); err != nil || !fi.IsDir() {
			return usagef("--dir must name a folder that exists", "--dir %q is not a folder", *dir)
		}
	}

	if ps.info == ps.out {
		fmt.Fprintf(ps.out, "%s\n", titleLine(ps.demo, ps.s))
	}
	sess := lab.NewSession(e.ctx, lab.SessionOptions{Sink: ps.sink})
	defer sess.Close()
	server := sess.Side(lab.Server, ps.params)
	opt := demos.PeerOptions{Addr: *listen, Count: *count, Max: *maxConns, Idle: f.idle, Dir: *dir,
		Peer: sess.Side(lab.Client, ps.params),
		Ready: func(addr net.Addr) {
			h, p, _ := net.SplitHostPort(addr.String())
			if ip := net.ParseIP(h); ip != nil && ip.IsUnspecified() {
				h = "127.0.0.1" // connect from this machine
				if ip.To4() == nil {
					h = "::1"
				}
			}
			w := ps.info
			fmt.Fprintln(w, lab.Tf("lab serve %s: listening on %s; connect to %s",
				"lab serve %s：正在 %s 上监听；连接到 %s", ps.demo.Name(), addr, net.JoinHostPort(h, p)).In(l))
			fmt.Fprintln(w, lab.T("try, from another terminal:", "在另一个终端里试试：").In(l))
			for _, line := range ps.peer.Try(h, p) {
				fmt.Fprintf(w, "  %s\n", line)
			}
			if *dir != "" {
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
	return []lab.Finding{{ID: "served", OK: true, Text: what}}
}

func (e *env) clientCmd(args []string) error {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	var f peerFlags
	f.register(fs)
	connect := fs.String("connect", "", "the server's address, host:port")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	ps, err := e.setupPeer("client", pos, f)
	if err != nil {
		return err
	}
	if *connect == "" {
		return usagef(fmt.Sprintf("lab client %d --connect 127.0.0.1:PORT (the address lab serve printed)", ps.demo.ID), "client needs --connect")
	}
	if _, err := checkAddr("--connect", *connect, false); err != nil {
		return err
	}
	l := ps.s.lang
	if ps.info == ps.out {
		fmt.Fprintf(ps.out, "%s\n", titleLine(ps.demo, ps.s))
	}
	sess := lab.NewSession(e.ctx, lab.SessionOptions{Sink: ps.sink})
	defer sess.Close()
	client := sess.Side(lab.Client, ps.params)
	opt := demos.PeerOptions{Addr: *connect, Idle: f.idle, Peer: sess.Side(lab.Server, ps.params)}
	err = ps.peer.Client(sess.Context(), client, opt)
	if e.ctx.Err() != nil {
		sess.Close()
		fmt.Fprintln(e.stderr, lab.T("lab: stopped; sockets closed.", "lab：已停止；套接字已关闭。").In(l))
		return nil
	}
	if err != nil {
		sess.End(ps.demo.Slug, nil, err)
		err = fmt.Errorf("client %s: %w", ps.demo.Name(), err)
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return fmt.Errorf("%w (is a server listening there? lab serve %d starts one and prints its address)", err, ps.demo.ID)
		}
		return err
	}
	sess.End(ps.demo.Slug, []lab.Finding{{ID: "protocol", OK: true, Text: lab.Tf(
		"the server at %s answered as demo %s's protocol says: every answer was well formed",
		"%s 上的服务端按演示 %s 的协议回答：每个回答都符合格式", *connect, ps.demo.Name())}}, nil)
	return nil
}
