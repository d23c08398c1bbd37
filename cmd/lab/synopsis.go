package main

import (
	"strings"

	"socketlab/lab"
)

// The synopses of the commands (commands.go): each names every flag of its
// command; "lab help" lists them, and a test checks that none is missing.
var (
	listSynopsis = lab.T(`lab list    [--format text|json]`, `lab list    [--format text|json]`)
	runSynopsis  = lab.T(`lab run     <N|slug|all> [--step] [--slow DUR] [--set key=value]... [--check]
            [--format text|json|md|svg|html] [--full] [--show LIST] [--save FILE]
            [--packets] [--pcap FILE] [--timeout DUR] [--web[=ADDR]]`,
		`lab run     <N|slug|all> [--step] [--slow 时长] [--set 参数=值]... [--check]
            [--format text|json|md|svg|html] [--full] [--show 列表] [--save 文件]
            [--packets] [--pcap 文件] [--timeout 时长] [--web[=地址]]`)
	lessonSynopsis = lab.T(`lab lesson  <N|slug> [--no-pager]`, `lab lesson  <N|slug> [--no-pager]`)
	serveSynopsis  = lab.T(`lab serve   <N|slug> [--listen ADDR] [--count N] [--idle DUR] [--max N] [--backlog N]
            [--set key=value]... [--dir DIR] [--format text|json|md|none] [--full]
            [--show LIST] [--packets] [--pcap FILE] [--web[=ADDR]]`,
		`lab serve   <N|slug> [--listen 地址] [--count N] [--idle 时长] [--max N] [--backlog N]
            [--set 参数=值]... [--dir 目录] [--format text|json|md|none] [--full]
            [--show 列表] [--packets] [--pcap 文件] [--web[=地址]]`)
	clientSynopsis = lab.T(`lab client  <N|slug> --connect ADDR [--idle DUR] [--timeout DUR] [--set key=value]...
            [--format text|json|md|none] [--full] [--show LIST] [--packets] [--pcap FILE]`,
		`lab client  <N|slug> --connect 地址 [--idle 时长] [--timeout 时长] [--set 参数=值]...
            [--format text|json|md|none] [--full] [--show 列表] [--packets] [--pcap 文件]`)
	proxySynopsis = lab.T(`lab proxy   --upstream ADDR [--listen ADDR] [--slice N] [--delay DUR] [--merge DUR]
            [--format text|json|md|none] [--full] [--show LIST] [--packets] [--pcap FILE]`,
		`lab proxy   --upstream 地址 [--listen 地址] [--slice N] [--delay 时长] [--merge 时长]
            [--format text|json|md|none] [--full] [--show 列表] [--packets] [--pcap 文件]`)
	replaySynopsis = lab.T(`lab replay  FILE [--format text|json|md|svg|html] [--step] [--slow DUR] [--full] [--show LIST]`,
		`lab replay  文件 [--format text|json|md|svg|html] [--step] [--slow 时长] [--full] [--show 列表]`)
	webSynopsis = lab.T(`lab web     [--listen ADDR] [--open] [--private]           the browser view`,
		`lab web     [--listen 地址] [--open] [--private]           浏览器视图`)
	ftpSynopsis = lab.T(`lab ftp     serve | client | adduser             the seeds' homework, a multi-user FTP:`,
		`lab ftp     serve | client | adduser             种子教程的作业：多用户 FTP：`)
	ftpAddUserSynopsis = lab.T(`lab ftp adduser [--users FILE] NAME`, `lab ftp adduser [--users 文件] 用户名`)
	ftpServeSynopsis   = lab.T(`lab ftp serve [--listen ADDR] [--root DIR] [--users FILE] [--quota SIZE] [--idle DUR]
              [--max N] [--format text|json|md|none] [--full]`,
		`lab ftp serve [--listen 地址] [--root 文件夹] [--users 文件] [--quota 大小] [--idle 时长]
              [--max N] [--format text|json|md|none] [--full]`)
	ftpClientSynopsis = lab.T(`lab ftp client --connect ADDR [--user NAME] [-c "ls; get a.txt"] [--idle DUR]
               [--format none|text|json|md]`,
		`lab ftp client --connect 地址 [--user 用户名] [-c "ls; get a.txt"] [--idle 时长]
               [--format none|text|json|md]`)
	exercisesSynopsis = lab.T(`lab exercises [--format text|json]          the exercises, ✓ for those passed here`,
		`lab exercises [--format text|json]          所有练习，✓ 表示在这里已经通过`)
	exerciseSynopsis = lab.T(`lab exercise  <slug> · lab exercise init <slug> [DIR] [--python|--go] [--force]`,
		`lab exercise  <slug> · lab exercise init <slug> [目录] [--python|--go] [--force]`)
	checkSynopsis = lab.T(`lab check     <slug> [--port N] [--wait DUR] [--timeout DUR] [--format text|json] [--dir DIR]
              -- <command> [args...]                          grade your own program`,
		`lab check     <slug> [--port N] [--wait 时长] [--timeout 时长] [--format text|json] [--dir 目录]
              -- <命令> [参数...]                              给你自己的程序评分`)
	versionSynopsis = lab.T(`lab version                          the version, the commit and the Go toolchain`,
		`lab version                          版本号、提交（commit）和 Go 工具链`)
	helpSynopsis = lab.T(`lab help    [command | trace | N]`, `lab help    [命令 | trace | N]`)
)

// synopses are the usage lines of "lab help": every command's synopsis
// (a command with subcommands: then theirs, indented), indented.
func synopses(l lab.Lang) string {
	var b strings.Builder
	add := func(t lab.Text) {
		for _, line := range strings.Split(t.In(l), "\n") {
			b.WriteString("  " + line + "\n")
		}
	}
	for _, c := range commands() {
		add(c.synopsis)
		for _, s := range c.subs {
			add(lab.Text{En: "  " + strings.ReplaceAll(s.synopsis.En, "\n", "\n  "), Zh: "  " + strings.ReplaceAll(s.synopsis.Zh, "\n", "\n  ")})
		}
	}
	return b.String()
}
