package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"socketlab/lab"
)

// command is one command of the lab: the one table that dispatch, "lab
// help", "lab help NAME", the unknown-command hint and the tests read.
type command struct {
	name string
	// synopsis is its lines in "lab help": "lab NAME" and every flag of
	// its own (--lang, --color and --width, which every command takes,
	// are said once below them).
	synopsis lab.Text
	help     lab.Text // "lab help NAME"; a subcommand may leave it to its parent's
	run      func(e *env, args []string) error
	subs     []*command // ftp serve, ftp client, ftp adduser
	aliases  []string   // --version, --help …
}

// commands are the lab's commands, in the order "lab help" lists them.
// (A package-level function, not a variable: the commands' functions
// reach the table again, through help.)
func commands() []*command {
	return []*command{
		{name: "list", synopsis: listSynopsis, help: listHelp, run: (*env).list},
		{name: "run", synopsis: runSynopsis, help: runHelp, run: (*env).runCmd},
		{name: "lesson", synopsis: lessonSynopsis, help: lessonHelp, run: (*env).lesson},
		{name: "serve", synopsis: serveSynopsis, help: serveHelp, run: (*env).serveCmd},
		{name: "client", synopsis: clientSynopsis, help: clientHelp, run: (*env).clientCmd},
		{name: "proxy", synopsis: proxySynopsis, help: proxyHelp, run: (*env).proxyCmd},
		{name: "replay", synopsis: replaySynopsis, help: replayHelp, run: (*env).replayCmd},
		{name: "web", synopsis: webSynopsis, help: webHelp, run: (*env).webCmd},
		{name: "ftp", synopsis: ftpSynopsis, help: ftpHelp, subs: []*command{
			{name: "serve", synopsis: ftpServeSynopsis, run: (*env).ftpServe},
			{name: "client", synopsis: ftpClientSynopsis, run: (*env).ftpClient},
			{name: "adduser", synopsis: ftpAddUserSynopsis, run: (*env).ftpAddUser},
		}},
		{name: "exercises", synopsis: exercisesSynopsis, help: exercisesHelp, run: (*env).exercisesCmd},
		{name: "exercise", synopsis: exerciseSynopsis, help: exerciseHelp, run: (*env).exerciseCmd},
		{name: "check", synopsis: checkSynopsis, help: checkHelp, run: (*env).checkCmd},
		{name: "version", synopsis: versionSynopsis, help: versionHelp, run: (*env).versionCmd, aliases: []string{"--version"}},
		{name: "help", synopsis: helpSynopsis, help: helpHelp, run: (*env).help, aliases: []string{"-h", "--help", "-help"}},
	}
}

// findCommand looks a name up in cmds, aliases too.
func findCommand(cmds []*command, name string) *command {
	for _, c := range cmds {
		if c.name == name {
			return c
		}
		for _, a := range c.aliases {
			if a == name {
				return c
			}
		}
	}
	return nil
}

// commandNames are the names of cmds, for a hint.
func commandNames(cmds []*command) []string {
	var names []string
	for _, c := range cmds {
		names = append(names, c.name)
	}
	return names
}

func (e *env) dispatch(args []string) error {
	if len(args) == 0 || isMenuFlag(args[0]) {
		return e.menu(args)
	}
	e.lang, _ = helpArgs(args, e.lang) // the errors before a command parses its flags: lab nosuch --lang zh
	c := findCommand(commands(), args[0])
	if c == nil {
		return unknownCommand(args[0])
	}
	path, rest := []string{c.name}, args[1:]
	if c.subs != nil {
		sub, err := findSub(c, rest)
		if err != nil {
			return err
		}
		if sub == nil { // lab ftp help, lab ftp --help
			return e.help(path)
		}
		c, path, rest = sub, append(path, sub.name), rest[1:]
	}
	err := c.run(e, rest)
	if errors.Is(err, flag.ErrHelp) { // lab run --help: the command's help, exit 0
		return e.help(path)
	}
	return err
}

// findSub is the subcommand args start with, or nil when they ask for
// help: lab ftp help, lab ftp --help.
func findSub(c *command, args []string) (*command, error) {
	names := strings.Join(commandNames(c.subs), " | ")
	if len(args) == 0 {
		return nil, usage(lab.Tf(`lab %s %s (run "lab help %s")`, `lab %s %s（运行 "lab help %s"）`, c.name, names, c.name),
			lab.Tf("%s needs a subcommand", "%s 需要一个子命令", c.name))
	}
	switch args[0] {
	case "help", "-h", "--help", "-help":
		return nil, nil
	}
	if sub := findCommand(c.subs, args[0]); sub != nil {
		return sub, nil
	}
	return nil, usage(lab.Tf("lab %s %s", "lab %s %s", c.name, names),
		lab.Tf("unknown %s subcommand %q", "未知的 %s 子命令 %q", c.name, args[0]))
}

// unknownCommand is the error of a name that is no command: the hint
// names the command it most likely meant, if one is close, and all of them.
func unknownCommand(name string) error {
	names := commandNames(commands())
	all := lab.Text{
		En: fmt.Sprintf(`commands: %s (run "lab help")`, strings.Join(names, ", ")),
		Zh: fmt.Sprintf(`命令：%s（运行 "lab help" 查看说明）`, strings.Join(names, "、")),
	}
	if near := nearest(name, names); near != "" {
		all = join(lab.Tf(`did you mean "lab %s"? `, `是不是想用 "lab %s"？`, near), all)
	}
	return usage(all, lab.Tf("unknown command %q", "未知命令 %q", name))
}

// nearest is the name closest to s, if it is at most two edits away (and
// s is not shorter than three letters), else "".
func nearest(s string, names []string) string {
	best, bestD := "", 3
	if len(s) < 3 {
		return ""
	}
	for _, n := range names {
		if d := editDistance(strings.ToLower(s), n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// versionCmd is "lab version": the version, the commit and the toolchain.
func (e *env) versionCmd(args []string) error {
	_, err := fmt.Fprintln(e.stdout, versionLine())
	return err
}
