package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"socketlab/demos"
	"socketlab/lab"
	"socketlab/lab/render"
)

// The help texts of "lab help NAME" for the commands of this file's
// neighbours (commands.go lists every command with its help).
var (
	runHelp = lab.T(`lab run <N|slug|all> runs a demo and shows its trace.

  --step          stop before each socket call: Enter (or n, →, space) = go,
                  c = run to the end, q = quit (with a pipe on stdin: one line per key)
  --slow DUR      pause before each socket call (e.g. 300ms), for a live audience; on a
                  terminal: space = pause/resume, n or → = one call while paused,
                  c = full speed, q = quit. The ms column leaves the pauses out.
  --set k=v       change a knob ("lab help N" lists them with their ranges)
  --format F      text (lanes), json (one event per line), md (a Markdown handout),
                  svg (the sequence diagram) or html (one file: diagram, findings,
                  lesson, every call's bytes; opens offline)
  --web[=ADDR]    also draw the run live in a browser (the address is printed; on
                  stderr when stdout carries json, md, svg or html); a key on the page
                  or in the terminal steps both. The page stays until Ctrl-C or its Quit
  --check         exit 1 when a finding does not hold
  --full          show every byte and every call instead of folding
  --packets       the segments on the wire beside the calls (captured on lo; without
                  the privilege to capture, TCP_INFO around each call, and it says so)
  --pcap FILE     also write those packets to a pcapng file (Wireshark, tshark)
  --show LIST     detail hidden by default: barriers (the lab's wait/signal), setup
                  (options the lab sets for itself), go (how the lab does it in Go)
  --save FILE     also save the JSON trace, to replay later: lab replay FILE
  --width N       columns; below 100 the lanes interleave
  --color C       auto (default: only on a terminal, never with NO_COLOR), always, never
  --lang L        en or zh
  --timeout DUR   give up when no socket call finishes for this long (default 5s)
`, `lab run <N|slug|all> 运行一个演示并显示它的调用跟踪。

  --step          每次套接字调用前暂停：回车（或 n、→、空格）= 执行，
                  c = 运行到结束，q = 退出（标准输入是管道时：每行一个按键）
  --slow 时长     每次套接字调用前停顿（如 300ms），适合课堂演示；在终端里：
                  空格 = 暂停/继续，暂停时 n 或 → = 执行一次调用，c = 全速，q = 退出。
                  毫秒栏不计停顿的时间。
  --set k=v       修改参数（"lab help N" 列出参数及其范围）
  --format F      text（双栏）、json（每行一个事件）、md（Markdown 讲义）、
                  svg（时序图）或 html（一个文件：时序图、结论、讲解、每次调用的字节；
                  离线可打开）
  --web[=地址]    同时在浏览器里实时画出这次运行（会打印地址；标准输出是 json、md、svg
                  或 html 时打印到标准错误）；在页面或终端按键，两边一起前进。
                  页面一直保留，直到按 Ctrl-C 或页面上的"退出"
  --check         有结论不成立时以 1 退出
  --full          显示全部字节和全部调用，不折叠
  --packets       在调用旁边显示线路上的报文段（在 lo 上抓包；没有抓包权限时，
                  改为每次调用前后的 TCP_INFO，并会说明）
  --pcap 文件     同时把这些报文写进 pcapng 文件（Wireshark、tshark 可打开）
  --show 列表     默认隐藏的细节：barriers（实验台的等待/信号）、setup（实验台为自己
                  设置的选项）、go（实验台在 Go 里的做法）
  --save 文件     同时保存 JSON 跟踪记录，以后重放：lab replay 文件
  --width N       列数；小于 100 时两栏合为一栏
  --color C       auto（默认：仅在终端中，且没有 NO_COLOR 时）、always、never
  --lang L        en 或 zh
  --timeout 时长  多久没有任何套接字调用完成就放弃（默认 5s）
`)
	versionHelp = lab.T(`lab version prints the lab's version, the commit it was built from and the
Go toolchain. Release builds (.ci/release) stamp the version from git; a build
from a clone takes the commit from Go's build information ("dev" otherwise).
`, `lab version 打印实验台的版本号、构建时的提交（commit）和 Go 工具链。
发布构建（.ci/release）从 git 取得版本号；从克隆的仓库直接构建时，
提交取自 Go 的构建信息（否则显示 "dev"）。
`)
	listHelp = lab.T(`lab list [--format text|json] lists the demos with their knobs (lab help N:
each knob's default, range and meaning).

  --width N, --color C, --lang L   as for lab run
`, `lab list [--format text|json] 列出所有演示及其参数（lab help N：每个参数的默认值、
范围和含义）。

  --width N、--color C、--lang L   与 lab run 相同
`)
	proxyHelp = lab.T(`lab proxy --upstream ADDR sits between your client and your server and shows
both directions with every read boundary: each recv() the proxy made and each
send() it forwarded, one connection per tag [c1], [c2], …

  --upstream ADDR  where your server listens, e.g. 127.0.0.1:9000 (required)
  --listen ADDR    where your client connects (default 127.0.0.1:0: a free port,
                   printed); a non-loopback address gets a warning
  --slice N        forward every chunk as N-byte send() calls (Nagle is off):
                   --slice 1 exposes code that assumes one send = one recv
  --delay DUR      wait DUR before each forwarded write (e.g. 50ms), so the
                   pieces arrive one by one
  --merge DUR      hold arriving bytes for DUR, then forward them in one write:
                   provokes "sticky packets"
  --format F       text (lanes), json, md, or none (quiet: totals at the end)
  --full, --show LIST, --packets, --pcap FILE, --width N, --color C, --lang L
                   as for lab run

Half-closes (shutdown(SHUT_WR)) and resets (ECONNRESET) are passed on.
Ctrl-C stops the proxy, closes every socket and exits 0.
`, `lab proxy --upstream 地址 位于你的客户端和服务端之间，显示两个方向的数据和每一次读取的边界：
代理做的每次 recv() 和它转发的每次 send()，每个连接一个标签 [c1]、[c2]……

  --upstream 地址  你的服务端监听的地址，如 127.0.0.1:9000（必填）
  --listen 地址    你的客户端连接的地址（默认 127.0.0.1:0：一个空闲端口，会打印出来）；
                   不是回环地址时会给出警告
  --slice N        把每块数据拆成 N 字节一次的 send() 转发（Nagle 已关闭）：
                   --slice 1 能暴露"一次 send 就是一次 recv"的错误假设
  --delay 时长     每次转发写入前等待这么久（如 50ms），让各片逐个到达
  --merge 时长     把这段时间内到达的字节攒起来，一次写出：故意制造"粘包"
  --format F       text（双栏）、json、md，或 none（安静：只在结束时给出总数）
  --full、--show 列表、--packets、--pcap 文件、--width N、--color C、--lang L
                   与 lab run 相同

半关闭（shutdown(SHUT_WR)）和重置（ECONNRESET）都会转告对方。
Ctrl-C 停止代理，关闭所有套接字，以 0 退出。
`)
	replayHelp = lab.T(`lab replay FILE draws a trace saved with "lab run N --format json > FILE" (or
--save FILE) again, exactly as the live run was drawn: record the perfect run
before class, or send a trace to your teacher. FILE "-" reads stdin.

  --format F      text, md, json (the trace again, checked), svg or html (as for lab run)
  --step, --slow DUR   pace it as a live run, with the demo's step notes
  --width N, --color C, --lang L, --full, --show LIST   as for lab run

A line that is not the lab's JSON (cut short, edited by hand, from a newer
lab) is refused with its line number, exit 2.
`, `lab replay 文件 把用 "lab run N --format json > 文件"（或 --save 文件）保存的跟踪记录
重新画出来，和现场运行时一模一样：课前录下最理想的一次运行，或者把跟踪记录发给老师。
文件写 "-" 表示从标准输入读取。

  --format F      text、md、json（检查后原样输出）、svg 或 html（与 lab run 相同）
  --step、--slow 时长   像现场运行一样控制节奏，并显示演示的单步说明
  --width N、--color C、--lang L、--full、--show 列表   与 lab run 相同

不是实验台写出的 JSON 行（被截断、被手工修改、来自更新的版本）会被拒绝，
并给出行号，以 2 退出。
`)
	lessonHelp = lab.T(`lab lesson <N|slug> [--lang en|zh] [--no-pager] prints the lesson of a demo.

In a terminal, a lesson longer than the screen goes through $PAGER, or less -R
when PAGER is unset, or else a small built-in pager (space/f: next page,
b: back, Enter/j: one line, q: quit). Piped (lab lesson 3 | cat) it is
printed as it is, never paged.

  --no-pager      print it without a pager, even in a terminal
  --width N       columns to wrap it to
  --color C       auto (default), always, never
  --lang L        en or zh
`, `lab lesson <N|slug> [--lang en|zh] [--no-pager] 显示一个演示的讲解。

在终端里，比一屏长的讲解交给 $PAGER 分页显示；没有设置 PAGER 时用 less -R；
没有 less 时用内置的简单分页器（空格/f：下一页，b：上一页，回车/j：下一行，
q：退出）。输出到管道时（lab lesson 3 | cat）原样打印，从不分页。

  --no-pager      不用分页器，即使在终端里也直接打印
  --width N       按多少列折行
  --color C       auto（默认）、always、never
  --lang L        en 或 zh
`)
)

// The parts of "lab help" around the commands' synopses (synopsis.go).
var (
	mainIntro = lab.T(`Socket Lab runs real client and server code over loopback and shows every
socket call and every byte, side by side.

usage:
  lab                                  the menu (in a terminal; otherwise the list)
`, `Socket Lab 在回环网络上运行真实的客户端和服务端代码，并排显示每一次套接字调用和每一个字节。

用法：
  lab                                  菜单（在终端里；否则显示列表）
`)
	mainOutro = lab.T(`Every command also takes --lang en|zh, --color auto|always|never and --width N.

"lab help trace" explains the signs of a trace; "lab help 4" a demo's knobs.
exit codes: 0 success · 1 a run failed, --check found a finding missing, or lab check a case failing · 2 bad usage · 130 interrupted (--check, lab check)
`, `每个命令都还接受 --lang en|zh、--color auto|always|never 和 --width N。

"lab help trace" 解释跟踪记录中的符号；"lab help 4" 列出演示的参数。
退出码：0 成功 · 1 运行失败、--check 发现结论不成立或 lab check 有用例失败 · 2 用法错误 · 130 被中断（--check、lab check）
`)
	helpHelp = lab.T(`lab help [command | trace | N] explains the lab: alone, every command with its
flags; with a command (lab help serve, lab help ftp serve), that command; with
trace, the signs of a trace and the keys of --step and --slow; with a demo
(lab help 4), what it teaches and each knob's default, range and meaning.
lab COMMAND --help says the same as lab help COMMAND.

  --lang L        en or zh
`, `lab help [命令 | trace | N] 说明实验台：单独使用时列出每个命令及其选项；跟一个命令时
（lab help serve、lab help ftp serve）说明这个命令；跟 trace 时解释跟踪记录中的符号以及
--step 和 --slow 的按键；跟一个演示时（lab help 4）说明它讲什么，以及每个参数的默认值、
范围和含义。lab 命令 --help 与 lab help 命令 相同。

  --lang L        en 或 zh
`)
)

// help is "lab help [command [subcommand] | trace | N] [--lang L]".
func (e *env) help(args []string) error {
	l, topics := helpArgs(args, lab.LangFromEnv(e.getenv))
	e.lang = l
	if len(topics) == 0 {
		_, err := fmt.Fprint(e.stdout, mainIntro.In(l)+synopses(l)+"\n"+mainOutro.In(l))
		return err
	}
	if t, ok := commandHelp(topics); ok { // a command first
		_, err := fmt.Fprint(e.stdout, t.In(l))
		return err
	}
	width := 80
	if st, err := e.resolve(common{color: "never"}); err == nil {
		width = st.width
	}
	e.lang = l
	topic := topics[0]
	if topic == "trace" { // then a topic
		return writeLegend(e.stdout, l, width)
	}
	if d, err := demos.Lookup(topic); err == nil { // then a demo
		return writeDemoHelp(e.stdout, d, l, width)
	}
	names := commandNames(commands())
	return usage(lab.Text{
		En: fmt.Sprintf("help topics: %s, trace, or a demo (lab help 4)", strings.Join(names, ", ")),
		Zh: fmt.Sprintf("帮助主题：%s、trace，或一个演示（lab help 4）", strings.Join(names, "、")),
	}, lab.Tf("no help for %q", "没有关于 %q 的帮助", topic))
}

// helpArgs are the language (--lang, else l) and the topics of lab help;
// other flags are ignored, and so is all after "--". Commands read it too,
// to say their errors in the language asked for wherever --lang stands.
func helpArgs(args []string, l lab.Lang) (lab.Lang, []string) {
	var topics []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case a == "--": // what follows is another program's (lab check)
			return l, topics
		case strings.HasPrefix(a, "-") && name == "lang": // --lang=zh or --lang zh
			if !hasVal && i+1 < len(args) {
				i++
				val = args[i]
			}
			if pl, err := lab.ParseLang(val); err == nil {
				l = pl
			}
		case !strings.HasPrefix(a, "-"):
			topics = append(topics, a)
		}
	}
	return l, topics
}

// commandHelp is the help of the command topics name: lab help serve, lab
// help ftp serve (a subcommand without a help of its own has its parent's).
func commandHelp(topics []string) (lab.Text, bool) {
	c := findCommand(commands(), topics[0])
	if c == nil {
		return lab.Text{}, false
	}
	if len(topics) > 1 {
		if sub := findCommand(c.subs, topics[1]); sub != nil && !sub.help.IsZero() {
			return sub.help, true
		}
	}
	return c.help, true
}

// writeLegend is "lab help trace": what every sign of a trace means, and
// the keys of step mode and --slow.
func writeLegend(w io.Writer, l lab.Lang, width int) error {
	fmt.Fprintln(w, lab.T("How to read a trace", "如何阅读跟踪记录").In(l))
	fmt.Fprintln(w)
	signW := 0
	for _, g := range render.Legend(l) {
		signW = max(signW, render.Width(g.Sign))
	}
	for _, g := range render.Legend(l) {
		for i, line := range render.Wrap(g.Text, max(20, width-signW-5)) {
			sign := g.Sign
			if i > 0 {
				sign = ""
			}
			fmt.Fprintf(w, "  %s  %s\n", render.Pad(sign, signW), line)
		}
	}
	fmt.Fprintln(w)
	keys := lab.T("Keys in step mode (--step): Enter, n, → or space = one call · c = run to the end · q = quit.\n"+
		"Keys during --slow: space = pause/resume · n or → = one call while paused · c = full speed · q = quit.",
		"单步模式（--step）的按键：回车、n、→ 或空格 = 执行一次调用 · c = 运行到结束 · q = 退出。\n"+
			"--slow 时的按键：空格 = 暂停/继续 · 暂停时 n 或 → = 执行一次调用 · c = 全速 · q = 退出。")
	_, err := fmt.Fprintln(w, strings.Join(render.Wrap(keys.In(l), width), "\n"))
	return err
}

// writeDemoHelp is "lab help N": what the demo teaches and its knobs, each
// with its default, its range and what it means.
func writeDemoHelp(w io.Writer, d lab.Demo, l lab.Lang, width int) error {
	wrap := func(s string, indent int) {
		for _, line := range render.Wrap(s, max(20, width-indent)) {
			fmt.Fprintf(w, "%s%s\n", strings.Repeat(" ", indent), line)
		}
	}
	fmt.Fprintf(w, "%d %s — %s\n", d.ID, d.Slug, d.Title.In(l))
	wrap(d.Brief.In(l), 0)
	fmt.Fprintln(w)
	if len(d.Knobs) == 0 {
		fmt.Fprintln(w, lab.T("This demo has no knobs.", "这个演示没有参数。").In(l))
	}
	knobs := func(ks []lab.Knob) {
		for _, k := range ks {
			wrap(lab.Tf("--set %s=…   default: %s · valid: %s", "--set %s=…   默认：%s · 有效值：%s",
				k.Name, shownDefault(k.Default), k.RangeIn(l)).In(l), 2)
			wrap(k.Help.In(l), 6)
		}
	}
	knobs(d.Knobs)
	if d.Peer != nil && len(d.Peer.Knobs) > 0 {
		fmt.Fprintln(w)
		wrap(lab.Tf("lab serve %d and lab client %d take these too:", "lab serve %d 和 lab client %d 还接受这些参数：", d.ID, d.ID).In(l), 0)
		knobs(d.Peer.Knobs)
	}
	fmt.Fprintln(w)
	wrap(lab.Tf("Run it: lab run %d · step by step: lab run %d --step · its lesson: lab lesson %d",
		"运行：lab run %d · 单步：lab run %d --step · 讲解：lab lesson %d", d.ID, d.ID, d.ID).In(l), 0)
	return nil
}

// shownDefault is a knob's default as help prints it: quoted when it holds
// a space or a control character (a line end would break the line).
func shownDefault(v string) string {
	if v == "" || strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return strconv.Quote(v)
	}
	return v
}
