package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"socketlab/demos/ftp"
	"socketlab/lab"
	"socketlab/lab/render"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

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

// ftpClientFlags are the flags of "lab ftp client".
type ftpClientFlags struct {
	common
	connect, user, script, format string
	idle                          time.Duration
}

func (f *ftpClientFlags) register(fs *flag.FlagSet) {
	f.common.register(fs)
	fs.StringVar(&f.connect, "connect", "", "the server's address, host:port (required)")
	fs.StringVar(&f.user, "user", "", "log in as this user (asked when not given, on a terminal)")
	fs.StringVar(&f.script, "c", "", `commands to run, separated by ";" (e.g. "put a.txt; ls; get a.txt b.txt"); stops at the first that fails, exit 1`)
	fs.StringVar(&f.format, "format", "none", "the trace of the client's calls, on stderr: none, text, json or md")
	fs.DurationVar(&f.idle, "idle", 2*time.Minute, "give up when the server makes no progress for this long (it hashes a file before a get's reply)")
}

// check checks the arguments and flags of lab ftp client; tty says stdin
// is a terminal, where the user name can be asked.
func (f *ftpClientFlags) check(pos []string, tty bool) error {
	switch {
	case len(pos) > 0:
		return usage(lab.T(`lab ftp client --connect ADDR [--user NAME] [-c "ls; get a.txt"]`, `lab ftp client --connect 地址 [--user 用户名] [-c "ls; get a.txt"]`),
			lab.Tf("unexpected argument %q (put commands in -c \"…\")", "多余的参数 %q（命令请放在 -c \"…\" 里）", pos[0]))
	case f.connect == "":
		return usage(lab.T("--connect ADDR: the address lab ftp serve printed", "--connect 地址：lab ftp serve 打印出的地址"),
			lab.T("ftp client needs --connect", "ftp client 需要 --connect"))
	}
	if _, err := checkAddr("--connect", f.connect, false); err != nil {
		return err
	}
	switch {
	case f.idle <= 0:
		return usage(lab.T("durations look like 300ms or 30s", "时长的写法如 300ms 或 30s"), lab.T("--idle must be positive", "--idle 必须为正数"))
	case f.user == "" && !tty:
		return usage(lab.T("give --user NAME when stdin is not a terminal", "标准输入不是终端时请用 --user 用户名"),
			lab.T("who logs in?", "用谁的身份登录？"))
	case f.user != "":
		if err := ftp.CheckName(f.user); err != nil {
			return usage(lab.T("e.g. --user alice", "例如 --user alice"), lab.T(err.Error(), err.Error()))
		}
	}
	return nil
}

// ftpClient is "lab ftp client": log in, then run commands from -c, a
// terminal or a pipe.
func (e *env) ftpClient(args []string) error {
	fs := flag.NewFlagSet("ftp client", flag.ContinueOnError)
	var f ftpClientFlags
	f.register(fs)
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	s, err := e.resolve(f.common)
	if err != nil {
		return err
	}
	in := e.lines()
	if err := f.check(pos, in.tt); err != nil {
		return err
	}
	o, err := e.newOutput(e.stderr, f.format, render.Options{Lang: s.lang, Width: s.width, Color: false}, formatsQuiet)
	if err != nil {
		return err
	}
	sess := lab.NewSession(e.ctx, lab.SessionOptions{Sink: o.traced(), Info: ftpRunInfo("ftp client")})
	defer o.sink.Finish()
	defer sess.Finish()
	sh, err := e.ftpDial(sess, in, f, s.lang)
	if err != nil {
		return err
	}
	if err := e.ftpLogin(sh, in, f.user); err != nil {
		return err
	}
	if f.script != "" {
		return e.ftpScript(sh, f.script)
	}
	return e.ftpLines(sh, in)
}

// ftpDial connects to the server and returns the shell that runs the
// commands over that connection.
func (e *env) ftpDial(sess *lab.Session, in *stdinLines, f ftpClientFlags, l lab.Lang) (*ftp.Shell, error) {
	side := sess.Side(lab.Client, lab.Params{})
	conn, err := side.Dial(f.connect)
	if err != nil {
		return nil, &failure{msg: lab.Tf("%v", "连接失败：%v", err),
			hint: lab.T("is lab ftp serve running there?", "那里有 lab ftp serve 在运行吗？"), cause: err}
	}
	conn.SetIdle(f.idle)
	cl := &ftp.Client{S: side, C: conn}
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := &progressBar{w: e.stderr}
		cl.Progress = bar.show
	}
	sh := &ftp.Shell{Client: cl, Out: e.stdout, Lang: l}
	sh.Password = func(u string) (string, error) {
		return e.password(in, lab.Tf("password for %s: ", "%s 的密码：", u), false)
	}
	return sh, nil
}

// ftpLogin logs in as user, asked for on the terminal when it is "".
func (e *env) ftpLogin(sh *ftp.Shell, in *stdinLines, user string) error {
	if user == "" {
		fmt.Fprint(e.stderr, lab.T("user: ", "用户名：").In(sh.Lang))
		u, err := in.line()
		if err != nil {
			return &failure{msg: lab.T("no user name", "没有用户名")}
		}
		user = strings.TrimSpace(u)
	}
	if err := sh.Run("login " + user); err != nil {
		e.ftpFail(err, sh.Lang)
		return &failError{quiet: true}
	}
	return nil
}

// ftpScript runs the commands of -c, stopping at the first that fails.
func (e *env) ftpScript(sh *ftp.Shell, script string) error {
	for _, cmd := range strings.Split(script, ";") {
		if err := sh.Run(cmd); err != nil {
			if errors.Is(err, ftp.ErrQuit) {
				return nil
			}
			e.ftpFail(err, sh.Lang)
			return &failError{quiet: true}
		}
	}
	sh.Run("quit")
	return nil
}

// ftpLines runs commands line by line: at an ftp> prompt with history on a
// terminal, else one a line from the pipe (exit 1 if any failed).
func (e *env) ftpLines(sh *ftp.Shell, in *stdinLines) error {
	lines := in.line
	if in.tt {
		lines = terminalLines(in, e.stdout, "ftp> ")
		fmt.Fprintln(e.stdout, lab.T("type help for the commands; ↑ recalls earlier lines; quit or Ctrl-D ends",
			"输入 help 查看命令；↑ 调出之前输入的行；quit 或 Ctrl-D 结束").In(sh.Lang))
	}
	failed := false
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
			e.ftpFail(err, sh.Lang)
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

// ftpFail prints a command's error in the learner's language.
func (e *env) ftpFail(err error, l lab.Lang) {
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
