package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"socketlab/demos/ftp"
	"socketlab/lab"
	"socketlab/lab/render"
)

// lab ftp serve|client|adduser: the seeds' homework, a multi-user FTP
// (demos/ftp has the protocol, the server and the client; this file the
// command line around them: flags, passwords, the terminal).

// ftpIdle is how long lab ftp serve waits for a client that sends nothing:
// long, because the client may be a person thinking at the ftp> prompt
// (a minimum-rate rule never cuts off a person typing, DECISIONS 14).
const ftpIdle = 10 * time.Minute

// passwordEnv is where a script puts the password.
const passwordEnv = "LAB_FTP_PASSWORD"

// defaultUsersFile is the users file when --users is not given: in the
// user's config folder, outside any served folder (DECISIONS 20).
func (e *env) defaultUsersFile() (string, error) {
	dir := e.getenv("XDG_CONFIG_HOME")
	if dir == "" {
		var err error
		if dir, err = os.UserConfigDir(); err != nil {
			return "", &failure{msg: lab.T("no config folder for the users file: give --users FILE",
				"找不到存放用户文件的配置文件夹：请用 --users 文件 指定"), cause: err}
		}
	}
	return filepath.Join(dir, "socketlab", "ftp-users.json"), nil
}

// stdinLines reads stdin line by line, shared by the password and the
// commands that follow it.
type stdinLines struct {
	r  *bufio.Reader
	tt bool // stdin is a terminal
	fd int
}

func (e *env) lines() *stdinLines {
	l := &stdinLines{r: bufio.NewReader(e.stdin)}
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		l.tt, l.fd = true, int(f.Fd())
	}
	return l
}

// line reads one line without its end; io.EOF when there is none.
func (l *stdinLines) line() (string, error) {
	s, err := l.r.ReadString('\n')
	if err != nil && (s == "" || err != io.EOF) {
		return "", err
	}
	return strings.TrimRight(s, "\r\n"), nil
}

// password gets a password: LAB_FTP_PASSWORD, else a prompt without echo
// on a terminal (twice when confirm), else the first line of stdin.
func (e *env) password(in *stdinLines, prompt lab.Text, confirm bool) (string, error) {
	if pw := e.getenv(passwordEnv); pw != "" {
		return pw, nil
	}
	if !in.tt {
		pw, err := in.line()
		if err != nil {
			return "", &failure{msg: lab.Tf("no password: set %s, or give it as the first line of stdin",
				"没有密码：请设置 %s，或者把它作为标准输入的第一行", passwordEnv)}
		}
		return pw, nil
	}
	// Echo goes off before the prompt is shown (raw mode, then x/term's
	// line reader), so keys typed ahead of the prompt are not echoed either.
	ask := func(p lab.Text) (string, error) {
		old, err := term.MakeRaw(in.fd)
		if err != nil {
			return "", err
		}
		defer term.Restore(in.fd, old)
		t := term.NewTerminal(struct {
			io.Reader
			io.Writer
		}{in.r, e.stderr}, "")
		return t.ReadPassword(p.In(e.lang))
	}
	pw, err := ask(prompt)
	if err != nil {
		return "", err
	}
	if confirm {
		again, err := ask(lab.T("again: ", "再输入一次："))
		if err != nil {
			return "", err
		}
		if again != pw {
			return "", &failure{msg: lab.T("the two passwords differ; nothing was changed", "两次输入的密码不一样；什么也没有改")}
		}
	}
	return pw, nil
}

func (e *env) ftpAddUser(args []string) error {
	fs := flag.NewFlagSet("ftp adduser", flag.ContinueOnError)
	var c common
	c.register(fs)
	users := fs.String("users", "", "the users file (default: socketlab/ftp-users.json in your config folder)")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if _, err := e.resolve(c); err != nil {
		return err
	}
	if len(pos) != 1 {
		return usage(lab.T("lab ftp adduser [--users FILE] NAME", "lab ftp adduser [--users 文件] 用户名"),
			lab.T("adduser needs one user name", "adduser 需要一个用户名"))
	}
	name := pos[0]
	if err := ftp.CheckName(name); err != nil {
		return usage(lab.T("e.g. lab ftp adduser alice", "例如 lab ftp adduser alice"), lab.T(err.Error(),
			fmt.Sprintf("用户名 %q：请用 1 到 32 个小写字母、数字、_ 或 -，以字母开头", name)))
	}
	if *users == "" {
		if *users, err = e.defaultUsersFile(); err != nil {
			return err
		}
	}
	pw, err := e.password(e.lines(), lab.Tf("password for %s: ", "%s 的密码：", name), true)
	if err != nil {
		return err
	}
	if err := ftp.CheckPassword(pw); err != nil {
		return &failure{msg: lab.T("the password is empty or longer than 1024 bytes; nothing was changed",
			"密码为空或超过 1024 字节；什么也没有改")}
	}
	existed, err := ftp.AddUser(*users, name, pw, ftp.DefaultParams)
	if err != nil {
		return &failure{msg: lab.T(err.Error(), err.Error()), cause: err}
	}
	if existed {
		fmt.Fprintln(e.stdout, lab.Tf("changed the password of %s in %s (only a salted scrypt hash is stored)",
			"已修改 %s 在 %s 中的密码（只保存加盐的 scrypt 哈希）", name, *users).In(e.lang))
	} else {
		fmt.Fprintln(e.stdout, lab.Tf("added %s to %s (only a salted scrypt hash is stored)",
			"已把 %s 加入 %s（只保存加盐的 scrypt 哈希）", name, *users).In(e.lang))
	}
	return nil
}

// inside says whether path is dir or inside it, after symbolic links.
func inside(path, dir string) bool {
	real := func(p string) string {
		abs, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			return r
		}
		// The file may not exist yet: resolve its folder.
		if r, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
			return filepath.Join(r, filepath.Base(abs))
		}
		return abs
	}
	rel, err := filepath.Rel(real(dir), real(path))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func ftpRunInfo(cmd string) *lab.RunInfo {
	return &lab.RunInfo{Lab: version, Command: cmd, Demo: "ftp", ID: 18,
		Title: lab.T("The seeds' homework: a multi-user FTP", "种子教程的作业：多用户 FTP")}
}

func (e *env) ftpServe(args []string) error {
	fs := flag.NewFlagSet("ftp serve", flag.ContinueOnError)
	var c common
	c.register(fs)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on; port 0 lets the kernel pick one")
	root := fs.String("root", "", "the served folder, one home folder per user inside (default: a new temporary folder, printed)")
	users := fs.String("users", "", "the users file, outside the served folder (default: socketlab/ftp-users.json in your config folder)")
	quota := fs.String("quota", "0", "bytes each user may store, e.g. 100MiB; 0 = no limit")
	format := fs.String("format", "text", "the trace: text, json, md or none")
	full := fs.Bool("full", false, "show every byte and every call instead of folding")
	idle := fs.Duration("idle", ftpIdle, "hang up on a client that makes no progress for this long (a person at an ftp> prompt is a client too)")
	maxConns := fs.Int("max", lab.DefaultMaxConns, "connections open at once; more are refused")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	s, err := e.resolve(c)
	if err != nil {
		return err
	}
	l := s.lang
	if len(pos) > 0 {
		return usage(lab.T("lab ftp serve [--listen ADDR] [--root DIR] [--users FILE] [--quota SIZE]",
			"lab ftp serve [--listen 地址] [--root 文件夹] [--users 文件] [--quota 大小]"),
			lab.Tf("unexpected argument %q", "多余的参数 %q", pos[0]))
	}
	host, err := checkAddr("--listen", *listen, true)
	if err != nil {
		return err
	}
	q, err := lab.ParseSize(*quota)
	if err != nil {
		return usage(lab.T("--quota looks like 0 (no limit), 5000000, 64KiB, 100MiB or 2GB", "--quota 的写法如 0（不限）、5000000、64KiB、100MiB 或 2GB"),
			lab.Tf("--quota %q is not a size", "--quota %q 不是大小", *quota))
	}
	if *idle <= 0 || *maxConns < 1 || *maxConns > maxOpen {
		return usage(lab.Tf("--idle positive, --max from 1 to %d", "--idle 为正数，--max 在 1 到 %d 之间", maxOpen),
			lab.T("--idle or --max is out of range", "--idle 或 --max 超出范围"))
	}
	if *users == "" {
		if *users, err = e.defaultUsersFile(); err != nil {
			return err
		}
	}
	if *root == "" {
		if *root, err = os.MkdirTemp("", "socketlab-ftp-"); err != nil {
			return fmt.Errorf("make the served folder: %w", err)
		}
		fmt.Fprintln(e.stderr, lab.Tf("lab ftp: serving %s, a new temporary folder (kept when the server stops)",
			"lab ftp：提供 %s，一个新建的临时文件夹（服务端停止后保留）", *root).In(l))
	} else if fi, err := os.Stat(*root); err != nil || !fi.IsDir() {
		return usage(lab.T("--root must name a folder that exists", "--root 必须是一个已经存在的文件夹"),
			lab.Tf("--root %q is not a folder", "--root %q 不是文件夹", *root))
	}
	if inside(*users, *root) {
		return usage(lab.T("keep the users file outside the served folder, e.g. the default one (leave --users out)",
			"把用户文件放在提供的文件夹之外，例如用默认的（不写 --users）"),
			lab.Tf("the users file %s is inside the served folder %s: a user could reach it", "用户文件 %s 在提供的文件夹 %s 里面：用户可能拿到它", *users, *root))
	}
	us, err := ftp.ReadUsers(*users)
	if errors.Is(err, iofs.ErrNotExist) || err == nil && us.Len() == 0 {
		return &failure{msg: lab.Tf("no users in %s", "%s 里没有用户", *users),
			hint: lab.Tf("add one first: lab ftp adduser --users %s NAME", "先添加一个：lab ftp adduser --users %s 用户名", *users)}
	}
	if err != nil {
		return &failure{msg: lab.T(err.Error(), err.Error()), cause: err}
	}
	srv, err := ftp.NewServer(ftp.Config{Root: *root, Users: us, Quota: q})
	if err != nil {
		return &failure{msg: lab.T(err.Error(), err.Error()), cause: err}
	}
	defer srv.Close()
	out := &lockedWriter{w: e.stdout}
	info := io.Writer(out)
	if *format == "json" || *format == "md" {
		info = e.stderr
	}
	sk, err := newSink(out, *format, render.Options{Lang: l, Width: s.width, Color: s.color, Full: *full, Live: s.tty}, formatsQuiet)
	if err != nil {
		return err
	}
	var lsk lab.Sink = sk
	if _, none := sk.(noSink); none {
		lsk = nil
	}
	sess := lab.NewSession(e.ctx, lab.SessionOptions{Sink: lsk, Info: ftpRunInfo("ftp serve")})
	defer sk.Finish()
	defer sess.Finish()
	if !loopback(host) {
		fmt.Fprintln(e.stderr, lab.Tf("lab: warning: listening on %s, not loopback: passwords and files cross the network in plain text (no TLS)",
			"lab：警告：在 %s 上监听，不是回环地址：密码和文件以明文在网络上传输（没有 TLS）", *listen).In(l))
	}
	side := sess.Side(lab.Server, lab.Params{})
	ln, err := side.Listen(*listen)
	if err != nil {
		return &failure{msg: lab.Tf("listen on %s: %v", "在 %s 上监听失败：%v", *listen, err), cause: err}
	}
	sess.Flush()
	addr := ln.Addr().String()
	fmt.Fprintln(info, lab.Tf("lab ftp serve: listening on %s for %s; users from %s",
		"lab ftp serve：正在 %s 上监听，用户：%s；用户文件 %s", addr, strings.Join(us.Names(), ", "), *users).In(l))
	fmt.Fprintln(info, lab.Tf("connect with: lab ftp client --connect %s --user %s", "连接：lab ftp client --connect %s --user %s",
		addr, us.Names()[0]).In(l))
	fmt.Fprintln(info, lab.T("Ctrl-C stops the server.", "Ctrl-C 停止服务端。").In(l))
	st, err := ln.Serve(lab.ServeOptions{Idle: *idle, Max: *maxConns}, srv.Handle)
	if e.ctx.Err() != nil {
		sess.End("ftp", []lab.Finding{{ID: "served", OK: true, Text: lab.Tf("served %d connection(s); %d ended with an error",
			"服务了 %d 个连接；其中 %d 个以错误结束", st.Conns, st.Failed)}}, nil)
		fmt.Fprintln(e.stderr, lab.T("lab: stopped; sockets closed.", "lab：已停止；套接字已关闭。").In(l))
		return nil
	}
	return err
}

// progressBar draws a transfer's progress on w (a terminal) in place.
type progressBar struct {
	w    io.Writer
	mu   sync.Mutex
	last time.Time
}

func (p *progressBar) show(name string, done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if done < total && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	pct := 100.0
	if total > 0 {
		pct = float64(done) * 100 / float64(total)
	}
	const width = 30
	fill := int(pct * width / 100)
	fmt.Fprintf(p.w, "\r%-20.20s [%s%s] %5.1f%% %s/%s", name, strings.Repeat("#", fill), strings.Repeat(" ", width-fill),
		pct, human(done), human(total))
	if done >= total {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1fGiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1fKiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}

func (e *env) ftpClient(args []string) error {
	fs := flag.NewFlagSet("ftp client", flag.ContinueOnError)
	var c common
	c.register(fs)
	connect := fs.String("connect", "", "the server's address, host:port (required)")
	user := fs.String("user", "", "log in as this user (asked when not given, on a terminal)")
	script := fs.String("c", "", `commands to run, separated by ";" (e.g. "put a.txt; ls; get a.txt b.txt"); stops at the first that fails, exit 1`)
	format := fs.String("format", "none", "the trace of the client's calls, on stderr: none, text, json or md")
	idle := fs.Duration("idle", 2*time.Minute, "give up when the server makes no progress for this long (it hashes a file before a get's reply)")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	s, err := e.resolve(c)
	if err != nil {
		return err
	}
	l := s.lang
	if len(pos) > 0 {
		return usage(lab.T(`lab ftp client --connect ADDR [--user NAME] [-c "ls; get a.txt"]`, `lab ftp client --connect 地址 [--user 用户名] [-c "ls; get a.txt"]`),
			lab.Tf("unexpected argument %q (put commands in -c \"…\")", "多余的参数 %q（命令请放在 -c \"…\" 里）", pos[0]))
	}
	if *connect == "" {
		return usage(lab.T("--connect ADDR: the address lab ftp serve printed", "--connect 地址：lab ftp serve 打印出的地址"),
			lab.T("ftp client needs --connect", "ftp client 需要 --connect"))
	}
	if _, err := checkAddr("--connect", *connect, false); err != nil {
		return err
	}
	if *idle <= 0 {
		return usage(lab.T("durations look like 300ms or 30s", "时长的写法如 300ms 或 30s"), lab.T("--idle must be positive", "--idle 必须为正数"))
	}
	in := e.lines()
	if *user == "" && !in.tt {
		return usage(lab.T("give --user NAME when stdin is not a terminal", "标准输入不是终端时请用 --user 用户名"),
			lab.T("who logs in?", "用谁的身份登录？"))
	}
	if *user != "" {
		if err := ftp.CheckName(*user); err != nil {
			return usage(lab.T("e.g. --user alice", "例如 --user alice"), lab.T(err.Error(), err.Error()))
		}
	}
	sk, err := newSink(e.stderr, *format, render.Options{Lang: l, Width: s.width, Color: false}, formatsQuiet)
	if err != nil {
		return err
	}
	var lsk lab.Sink = sk
	if _, none := sk.(noSink); none {
		lsk = nil
	}
	sess := lab.NewSession(e.ctx, lab.SessionOptions{Sink: lsk, Info: ftpRunInfo("ftp client")})
	defer sk.Finish()
	defer sess.Finish()
	side := sess.Side(lab.Client, lab.Params{})
	conn, err := side.Dial(*connect)
	if err != nil {
		return &failure{msg: lab.Tf("%v", "连接失败：%v", err),
			hint: lab.T("is lab ftp serve running there?", "那里有 lab ftp serve 在运行吗？"), cause: err}
	}
	conn.SetIdle(*idle)
	cl := &ftp.Client{S: side, C: conn}
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := &progressBar{w: e.stderr}
		cl.Progress = bar.show
	}
	sh := &ftp.Shell{Client: cl, Out: e.stdout, Lang: l}
	sh.Password = func(u string) (string, error) {
		return e.password(in, lab.Tf("password for %s: ", "%s 的密码：", u), false)
	}
	fail := func(err error) {
		var re *ftp.ReplyError
		var ue *ftp.UsageError
		var ce *ftp.Error
		switch {
		case errors.As(err, &ce):
			fmt.Fprintf(e.stderr, "lab: error: %s\n", ce.Text.In(l))
		case errors.As(err, &re):
			fmt.Fprintf(e.stderr, "lab: error: %s\n", re.Text(l))
		case errors.As(err, &ue):
			fmt.Fprintf(e.stderr, "lab: error: %s\n", ue.Text.In(l))
		default:
			fmt.Fprintf(e.stderr, "lab: error: %v\n", err)
		}
	}
	// Log in first.
	u := *user
	if u == "" {
		fmt.Fprint(e.stderr, lab.T("user: ", "用户名：").In(l))
		if u, err = in.line(); err != nil {
			return &failure{msg: lab.T("no user name", "没有用户名")}
		}
		u = strings.TrimSpace(u)
	}
	if err := sh.Run("login " + u); err != nil {
		fail(err)
		return &failError{quiet: true}
	}
	failed := false
	if *script != "" {
		for _, cmd := range strings.Split(*script, ";") {
			if err := sh.Run(cmd); err != nil {
				if errors.Is(err, ftp.ErrQuit) {
					return nil
				}
				fail(err)
				return &failError{quiet: true}
			}
		}
		sh.Run("quit")
		return nil
	}
	var lines func() (string, error)
	if in.tt {
		lines = terminalLines(in, e.stdout, "ftp> ")
		fmt.Fprintln(e.stdout, lab.T("type help for the commands; ↑ recalls earlier lines; quit or Ctrl-D ends",
			"输入 help 查看命令；↑ 调出之前输入的行；quit 或 Ctrl-D 结束").In(l))
	} else {
		lines = in.line
	}
	for {
		line, err := lines()
		if err != nil {
			sh.Run("quit")
			break
		}
		if err := sh.Run(line); err != nil {
			if errors.Is(err, ftp.ErrQuit) {
				break
			}
			fail(err)
			failed = true
			var ne net.Error
			if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "closed") {
				return &failError{quiet: true} // the connection is gone
			}
		}
	}
	if failed && !in.tt {
		return &failError{quiet: true}
	}
	return nil
}

// terminalLines reads lines at a terminal with editing and history
// (golang.org/x/term's line editor, raw mode while a line is typed only:
// a transfer still stops with Ctrl-C).
func terminalLines(in *stdinLines, out io.Writer, prompt string) func() (string, error) {
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{in.r, out}, prompt)
	return func() (string, error) {
		old, err := term.MakeRaw(in.fd)
		if err != nil {
			return in.line()
		}
		defer term.Restore(in.fd, old)
		return t.ReadLine()
	}
}
