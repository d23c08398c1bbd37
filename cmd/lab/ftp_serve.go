package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"socketlab/demos/ftp"
	"socketlab/lab"
	"socketlab/lab/render"
	"strings"
	"time"
)

// ftpServeFlags are the flags of "lab ftp serve".
type ftpServeFlags struct {
	common
	listen, root, users, quota, format string
	full                               bool
	idle                               time.Duration
	maxConns                           int
}

func (f *ftpServeFlags) register(fs *flag.FlagSet) {
	f.common.register(fs)
	fs.StringVar(&f.listen, "listen", "127.0.0.1:0", "address to listen on; port 0 lets the kernel pick one")
	fs.StringVar(&f.root, "root", "", "the served folder, one home folder per user inside (default: a new temporary folder, printed)")
	fs.StringVar(&f.users, "users", "", "the users file, outside the served folder (default: socketlab/ftp-users.json in your config folder)")
	fs.StringVar(&f.quota, "quota", "0", "bytes each user may store, e.g. 100MiB; 0 = no limit")
	fs.StringVar(&f.format, "format", "text", "the trace: text, json, md or none")
	fs.BoolVar(&f.full, "full", false, "show every byte and every call instead of folding")
	fs.DurationVar(&f.idle, "idle", ftpIdle, "hang up on a client that makes no progress for this long (a person at an ftp> prompt is a client too)")
	fs.IntVar(&f.maxConns, "max", lab.DefaultMaxConns, "connections open at once; more are refused")
}

// check checks the arguments and flags of lab ftp serve, each error
// naming its flag, and returns the host it listens on and the quota.
func (f *ftpServeFlags) check(pos []string) (host string, quota int64, err error) {
	if len(pos) > 0 {
		return "", 0, usage(lab.T("lab ftp serve [--listen ADDR] [--root DIR] [--users FILE] [--quota SIZE]",
			"lab ftp serve [--listen 地址] [--root 文件夹] [--users 文件] [--quota 大小]"),
			lab.Tf("unexpected argument %q", "多余的参数 %q", pos[0]))
	}
	if host, err = checkAddr("--listen", f.listen, true); err != nil {
		return "", 0, err
	}
	if quota, err = lab.ParseSize(f.quota); err != nil {
		return "", 0, usage(lab.T("--quota looks like 0 (no limit), 5000000, 64KiB, 100MiB or 2GB", "--quota 的写法如 0（不限）、5000000、64KiB、100MiB 或 2GB"),
			lab.Tf("--quota %q is not a size", "--quota %q 不是大小", f.quota))
	}
	switch {
	case f.idle <= 0:
		return "", 0, usage(lab.T("durations look like 300ms or 10m", "时长的写法如 300ms 或 10m"),
			lab.T("--idle must be positive", "--idle 必须为正数"))
	case f.maxConns < 1 || f.maxConns > maxOpen:
		return "", 0, usage(lab.Tf("--max from 1 to %d", "--max 在 1 到 %d 之间", maxOpen),
			lab.Tf("--max %d is out of range", "--max %d 超出范围", f.maxConns))
	}
	return host, quota, nil
}

// ftpServe is "lab ftp serve": the multi-user FTP server.
func (e *env) ftpServe(args []string) error {
	fs := flag.NewFlagSet("ftp serve", flag.ContinueOnError)
	var f ftpServeFlags
	f.register(fs)
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	s, err := e.resolve(f.common)
	if err != nil {
		return err
	}
	host, quota, err := f.check(pos)
	if err != nil {
		return err
	}
	us, err := e.ftpServed(&f, s.lang)
	if err != nil {
		return err
	}
	srv, err := ftp.NewServer(ftp.Config{Root: f.root, Users: us, Quota: quota})
	if err != nil {
		return &failure{msg: lab.T(err.Error(), err.Error()), cause: err}
	}
	defer srv.Close()
	o, err := e.newOutput(e.stdout, f.format, render.Options{Lang: s.lang, Width: s.width, Color: s.color, Full: f.full, Live: s.tty}, formatsQuiet)
	if err != nil {
		return err
	}
	sess := lab.NewSession(e.ctx, lab.SessionOptions{Sink: o.traced(), Info: ftpRunInfo("ftp serve")})
	defer o.sink.Finish()
	defer sess.Finish()
	if !loopback(host) {
		fmt.Fprintln(e.stderr, lab.Tf("lab: warning: listening on %s, not loopback: passwords and files cross the network in plain text (no TLS)",
			"lab：警告：在 %s 上监听，不是回环地址：密码和文件以明文在网络上传输（没有 TLS）", f.listen).In(s.lang))
	}
	return e.ftpListen(sess, srv, us, f, o.info, s.lang)
}

// ftpServed settles the served folder (--root, else a new temporary one)
// and the users file (--users, else the default), which must lie outside
// it and hold a user, and returns its users.
func (e *env) ftpServed(f *ftpServeFlags, l lab.Lang) (*ftp.Users, error) {
	var err error
	if f.users == "" {
		if f.users, err = e.defaultUsersFile(); err != nil {
			return nil, err
		}
	}
	if f.root == "" {
		if f.root, err = os.MkdirTemp("", "socketlab-ftp-"); err != nil {
			return nil, fmt.Errorf("make the served folder: %w", err)
		}
		fmt.Fprintln(e.stderr, lab.Tf("lab ftp: serving %s, a new temporary folder (kept when the server stops)",
			"lab ftp：提供 %s，一个新建的临时文件夹（服务端停止后保留）", f.root).In(l))
	} else if fi, err := os.Stat(f.root); err != nil || !fi.IsDir() {
		return nil, usage(lab.T("--root must name a folder that exists", "--root 必须是一个已经存在的文件夹"),
			lab.Tf("--root %q is not a folder", "--root %q 不是文件夹", f.root))
	}
	if inside(f.users, f.root) {
		return nil, usage(lab.T("keep the users file outside the served folder, e.g. the default one (leave --users out)",
			"把用户文件放在提供的文件夹之外，例如用默认的（不写 --users）"),
			lab.Tf("the users file %s is inside the served folder %s: a user could reach it", "用户文件 %s 在提供的文件夹 %s 里面：用户可能拿到它", f.users, f.root))
	}
	us, err := ftp.ReadUsers(f.users)
	if errors.Is(err, iofs.ErrNotExist) || err == nil && us.Len() == 0 {
		return nil, &failure{msg: lab.Tf("no users in %s", "%s 里没有用户", f.users),
			hint: lab.Tf("add one first: lab ftp adduser --users %s NAME", "先添加一个：lab ftp adduser --users %s 用户名", f.users)}
	}
	if err != nil {
		return nil, &failure{msg: lab.T(err.Error(), err.Error()), cause: err}
	}
	return us, nil
}

// ftpListen listens, says where, and serves until Ctrl-C.
func (e *env) ftpListen(sess *lab.Session, srv *ftp.Server, us *ftp.Users, f ftpServeFlags, info io.Writer, l lab.Lang) error {
	ln, err := sess.Side(lab.Server, lab.Params{}).Listen(f.listen)
	if err != nil {
		return &failure{msg: lab.Tf("listen on %s: %v", "在 %s 上监听失败：%v", f.listen, err), cause: err}
	}
	sess.Flush()
	addr := ln.Addr().String()
	fmt.Fprintln(info, lab.Tf("lab ftp serve: listening on %s for %s; users from %s",
		"lab ftp serve：正在 %s 上监听，用户：%s；用户文件 %s", addr, strings.Join(us.Names(), ", "), f.users).In(l))
	fmt.Fprintln(info, lab.Tf("connect with: lab ftp client --connect %s --user %s", "连接：lab ftp client --connect %s --user %s",
		addr, us.Names()[0]).In(l))
	fmt.Fprintln(info, lab.T("Ctrl-C stops the server.", "Ctrl-C 停止服务端。").In(l))
	st, err := ln.Serve(lab.ServeOptions{Idle: f.idle, Max: f.maxConns}, srv.Handle)
	if e.ctx.Err() != nil {
		sess.End("ftp", []lab.Finding{{ID: "served", OK: true, Text: lab.Tf("served %d connection(s); %d ended with an error",
			"服务了 %d 个连接；其中 %d 个以错误结束", st.Conns, st.Failed)}}, nil)
		fmt.Fprintln(e.stderr, lab.T("lab: stopped; sockets closed.", "lab：已停止；套接字已关闭。").In(l))
		return nil
	}
	return err
}
