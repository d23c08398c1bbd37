package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"socketlab/lab"
	"strings"
)

// serveFlags are the flags of "lab serve".
type serveFlags struct {
	peerFlags
	listen   string
	count    int
	maxConns int
	backlog  int
	dir      string
	web      webFlag
}

func (f *serveFlags) register(fs *flag.FlagSet) {
	f.peerFlags.register(fs)
	fs.StringVar(&f.listen, "listen", "127.0.0.1:0", "address to listen on; port 0 lets the kernel pick one")
	fs.IntVar(&f.count, "count", 0, "stop after this many connections (datagrams for udp); 0 = until Ctrl-C")
	fs.IntVar(&f.maxConns, "max", lab.DefaultMaxConns, "connections open at once; more are refused (closed at once, with a note)")
	fs.IntVar(&f.backlog, "backlog", lab.SystemBacklog(), "listen(backlog): the accept queue's length (default: the system's maximum)")
	fs.StringVar(&f.dir, "dir", "", "file-upload: the folder uploads go into (default: a new temporary folder)")
	fs.Var(&f.web, "web", "also show every peer in a browser: --web, or --web=ADDR")
}

// checkRanges checks --count, --max and --backlog, each error naming its flag.
func (f *serveFlags) checkRanges() error {
	switch {
	case f.count < 0:
		return usage(lab.T("--count 0 (until Ctrl-C) or more", "--count 为 0（一直运行到 Ctrl-C）或更大"),
			lab.Tf("--count %d is out of range", "--count %d 超出范围", f.count))
	case f.maxConns < 1 || f.maxConns > maxOpen:
		return usage(lab.Tf("--max from 1 to %d", "--max 在 1 到 %d 之间", maxOpen),
			lab.Tf("--max %d is out of range", "--max %d 超出范围", f.maxConns))
	case f.backlog < 0 || f.backlog > 65535:
		return usage(lab.T("--backlog from 0 to 65535 (the kernel caps it at net.core.somaxconn)", "--backlog 在 0 到 65535 之间（内核会把它限制在 net.core.somaxconn 以内）"),
			lab.Tf("--backlog %d is out of range", "--backlog %d 超出范围", f.backlog))
	}
	return nil
}

// serveCmd is "lab serve": a demo's server side for a real client.
func (e *env) serveCmd(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var f serveFlags
	f.register(fs)
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	ps, err := e.setupPeer("serve", pos, f.peerFlags)
	if err != nil {
		return err
	}
	host, err := checkAddr("--listen", f.listen, true)
	if err != nil {
		return err
	}
	if err := f.checkRanges(); err != nil {
		return err
	}
	if !loopback(host) {
		fmt.Fprintln(e.stderr, lab.Tf("lab: warning: listening on %s, not loopback: other machines that can reach this one can connect (the lab never runs what it receives)",
			"lab：警告：在 %s 上监听，不是回环地址：能访问这台机器的其他机器都可以连进来（实验台从不执行收到的内容）", f.listen).In(ps.s.lang))
	}
	if ps.demo.Slug == "file-upload" {
		done, err := e.uploadDir(&f.dir, ps.s.lang)
		if err != nil {
			return err
		}
		defer done()
	}
	var pg *page // --web: the classroom view (web.go)
	if f.web.on {
		if pg, err = e.startPage("serve", f.web, false, ps.s, ps.o.info); err != nil {
			return err
		}
		defer pg.close()
		ps.o.sink = pg.wrap(ps.o.sink)
	}
	sess, closePcap, err := ps.session(e.ctx, "serve", f.peerFlags)
	if err != nil {
		return err
	}
	defer closePcap()
	defer ps.o.sink.Finish()
	defer sess.Finish()
	return e.serve(ps, sess, f, pg)
}

// uploadDir checks --dir for file-upload, or makes a temporary folder when
// it is not given; done removes that folder if nothing was uploaded, or
// says where the uploads stay.
func (e *env) uploadDir(dir *string, l lab.Lang) (done func(), err error) {
	if *dir != "" {
		if fi, err := os.Stat(*dir); err != nil || !fi.IsDir() {
			return nil, usage(lab.T("--dir must name a folder that exists", "--dir 必须是一个已经存在的文件夹"),
				lab.Tf("--dir %q is not a folder", "--dir %q 不是文件夹", *dir))
		}
		return func() {}, nil
	}
	if *dir, err = os.MkdirTemp("", "socketlab-serve-"); err != nil {
		return nil, fmt.Errorf("make the upload folder: %w", err)
	}
	// The uploads stay for the learner to look at; a folder that got none
	// goes (Remove fails on a folder that is not empty).
	tmp := *dir
	return func() {
		if os.Remove(tmp) != nil {
			fmt.Fprintln(e.stderr, lab.Tf("lab: the uploads stay in %s", "lab：上传的文件留在 %s", tmp).In(l))
		}
	}, nil
}

// serve serves peers until --count is reached, an error, or Ctrl-C.
func (e *env) serve(ps peerSetup, sess *lab.Session, f serveFlags, pg *page) error {
	l := ps.s.lang
	opt := lab.PeerOptions{Addr: f.listen, Count: f.count, Max: f.maxConns, Backlog: f.backlog, Idle: f.idle, Dir: f.dir,
		Peer:  sess.Side(lab.Client, ps.params),
		Ready: func(addr net.Addr) { e.serveReady(ps, sess, f, pg, addr) },
	}
	st, err := ps.peer.Serve(sess.Context(), sess.Side(lab.Server, ps.params), opt)
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

// serveReady says, once the server listens, where to connect and how.
func (e *env) serveReady(ps peerSetup, sess *lab.Session, f serveFlags, pg *page, addr net.Addr) {
	l := ps.s.lang
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
	w := ps.o.info
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
	if f.dir != "" && f.format != "text" { // the text trace's first note says it
		fmt.Fprintln(w, lab.Tf("uploads go into %s", "上传的文件放进 %s", f.dir).In(l))
	}
	fmt.Fprintln(w, lab.T("Ctrl-C stops the server (sockets closed).", "Ctrl-C 停止服务端（套接字都会关闭）。").In(l))
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
