package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"socketlab/demos/ftp"
	"socketlab/lab"
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
