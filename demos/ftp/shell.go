package ftp

import (
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"socketlab/lab"
)

// A Shell runs the lab client's commands, one line at a time: the ftp>
// prompt and `lab ftp client -c "put a.txt; ls"` alike.
type Shell struct {
	Client *Client
	Out    io.Writer
	Lang   lab.Lang
	// Password asks for the password of a login typed in the shell.
	Password func(user string) (string, error)
	User     string // who is logged in
}

// ErrQuit is returned by Run for quit: the session is over.
var ErrQuit = errors.New("quit")

// A UsageError is a command line the shell cannot run: it was not sent.
type UsageError struct{ Text lab.Text }

func (e *UsageError) Error() string { return e.Text.En }

func (sh *Shell) say(t lab.Text) { fmt.Fprintln(sh.Out, t.In(sh.Lang)) }

// Words splits a command line into words; "double" or 'single' quotes
// keep spaces in a name.
func Words(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in, quote, has := false, rune(0), false
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, has = r, true
		case r == ' ' || r == '\t':
			if in || has {
				words = append(words, cur.String())
				cur.Reset()
			}
			in, has = false, false
			continue
		default:
			cur.WriteRune(r)
		}
		in = true
	}
	if quote != 0 {
		return nil, errors.New("a quote is not closed")
	}
	if in || has {
		words = append(words, cur.String())
	}
	return words, nil
}

// Help writes the command table.
func (sh *Shell) Help() {
	sh.say(lab.T("commands (the same names go over the wire as \"cmd\"):", "命令（同样的名字作为 \"cmd\" 发给服务端）："))
	for _, c := range Commands {
		fmt.Fprintf(sh.Out, "  %-20s %s\n", c.Args, c.Help.In(sh.Lang))
	}
	fmt.Fprintf(sh.Out, "  %-20s %s\n", "help", lab.T("this list", "这份列表").In(sh.Lang))
}

// Run runs one command line. A refused or failed command is an error
// (a *ReplyError when the server refused it, a *UsageError when it was not
// sent); ErrQuit after quit.
func (sh *Shell) Run(line string) error {
	w, err := Words(line)
	if err != nil {
		return &UsageError{lab.Tf("%v", "%v", err)}
	}
	if len(w) == 0 {
		return nil
	}
	name, args := w[0], w[1:]
	if name == "help" || name == "?" {
		sh.Help()
		return nil
	}
	if name == "exit" || name == "bye" {
		name = "quit"
	}
	c, ok := Lookup(name)
	if !ok {
		return &UsageError{lab.Tf("unknown command %q: type help for the list", "未知命令 %q：输入 help 查看列表", name)}
	}
	lo, hi := argCount(c.Args)
	if len(args) < lo || len(args) > hi {
		return &UsageError{lab.Tf("usage: %s", "用法：%s", c.Args)}
	}
	run, ok := shellCommands[name]
	if !ok { // a command of the table the shell cannot type
		return &UsageError{lab.Tf("%s is not a shell command", "%s 不是 shell 命令", name)}
	}
	return run(sh, args)
}

// shellCommands run the shell's commands, one function each; the
// command table (Commands) is the list of their names.
var shellCommands = map[string]func(sh *Shell, args []string) error{
	"login": (*Shell).login,
	"ls":    (*Shell).ls,
	"cd":    simpleCommand("cd"),
	"mkdir": simpleCommand("mkdir"),
	"rm":    simpleCommand("rm"),
	"pwd":   simpleCommand("pwd"),
	"quota": simpleCommand("quota"),
	"put":   (*Shell).put,
	"get":   (*Shell).get,
	"quit":  (*Shell).quit,
}

func (sh *Shell) login(args []string) error {
	user := sh.User
	if len(args) > 0 {
		user = args[0]
	}
	if user == "" {
		return &UsageError{lab.T("usage: login USER", "用法：login 用户名")}
	}
	pw, err := sh.Password(user)
	if err != nil {
		return err
	}
	rep, err := sh.Client.Login(user, pw)
	if err != nil {
		return err
	}
	sh.User = user
	sh.say(lab.T(rep.Msg, rep.Text(lab.Zh)))
	return nil
}

func (sh *Shell) ls(args []string) error {
	r := Request{Cmd: "ls"}
	if len(args) > 0 {
		r.Path = args[0]
	}
	rep, err := sh.Client.Do(r)
	if err != nil {
		return err
	}
	for _, e := range rep.Entries {
		if e.Dir {
			fmt.Fprintf(sh.Out, "  %12s  %s/\n", "", e.Name)
		} else {
			fmt.Fprintf(sh.Out, "  %12d  %s\n", e.Size, e.Name)
		}
	}
	sh.say(lab.T(rep.Msg, rep.Text(lab.Zh)))
	return nil
}

// simpleCommand is a command with at most a path and a reply to show: cd,
// mkdir, rm, pwd, quota.
func simpleCommand(cmd string) func(sh *Shell, args []string) error {
	return func(sh *Shell, args []string) error {
		r := Request{Cmd: cmd}
		if len(args) > 0 {
			r.Path = args[0]
		}
		rep, err := sh.Client.Do(r)
		if err != nil {
			return err
		}
		sh.say(lab.T(rep.Msg, rep.Text(lab.Zh)))
		return nil
	}
}

func (sh *Shell) put(args []string) error {
	remote := ""
	if len(args) > 1 {
		remote = args[1]
	}
	rep, err := sh.Client.Put(args[0], remote)
	if err != nil {
		return err
	}
	sh.say(lab.T(rep.Msg, rep.Text(lab.Zh)))
	fmt.Fprintf(sh.Out, "  md5 %s  sha256 %s\n", rep.MD5, rep.SHA256)
	return nil
}

func (sh *Shell) get(args []string) error {
	local := path.Base(args[0])
	if len(args) > 1 {
		local = args[1]
	}
	rep, err := sh.Client.Get(args[0], local)
	if err != nil {
		return err
	}
	t := lab.Tf("got %s, %d bytes; md5 and sha256 match", "已下载 %s，%d 字节；md5 和 sha256 一致", local, *rep.FileSize)
	if rep.Offset != nil && *rep.Offset > 0 {
		t = lab.Tf("got %s, %d bytes, resumed at byte %d; md5 and sha256 of the whole file match",
			"已下载 %s，%d 字节，从第 %d 字节续传；整个文件的 md5 和 sha256 一致", local, *rep.FileSize, *rep.Offset)
	}
	sh.say(t)
	fmt.Fprintf(sh.Out, "  md5 %s  sha256 %s\n", rep.MD5, rep.SHA256)
	return nil
}

func (sh *Shell) quit([]string) error {
	rep, err := sh.Client.Do(Request{Cmd: "quit"})
	if err == nil {
		sh.say(lab.T(rep.Msg, rep.Text(lab.Zh)))
	}
	return ErrQuit
}

// argCount reads how many words a command takes from its Args: "put
// LOCAL [REMOTE]" takes 1 or 2.
func argCount(args string) (lo, hi int) {
	for _, w := range strings.Fields(args)[1:] {
		hi++
		if !strings.HasPrefix(w, "[") {
			lo++
		}
	}
	return lo, hi
}
