package main

import (
	"fmt"
	"strings"

	"github.com/fatih/color"

	"socketlab/lab"
)

var helpTexts = map[string]lab.Text{
	"": lab.T(`Socket Lab runs real client and server code over loopback and shows every
socket call and every byte, side by side.

usage:
  lab                                  the menu (in a terminal; otherwise the list)
  lab list    [--format text|json]
  lab run     <N|slug|all> [--step] [--slow DUR] [--set key=value]...
              [--format text|json|md] [--check] [--color auto|always|never]
              [--lang en|zh] [--width N] [--full] [--timeout DUR]
  lab lesson  <N|slug> [--lang en|zh] [--no-pager]
  lab serve   <N|slug> [--listen ADDR] [--count N] [--idle DUR] [--set key=value]...
  lab client  <N|slug> --connect ADDR [--idle DUR] [--set key=value]...
  lab proxy   --upstream ADDR [--listen ADDR] [--slice N] [--delay DUR] [--merge DUR]
              [--format text|json|md|none]
  lab version | lab help [command]

exit codes: 0 success · 1 a run failed or --check found a finding missing · 2 bad usage
`, `Socket Lab 在回环网络上运行真实的客户端和服务端代码，并排显示每一次套接字调用和每一个字节。

用法：
  lab                                  菜单（在终端里；否则显示列表）
  lab list    [--format text|json]
  lab run     <N|slug|all> [--step] [--slow 时长] [--set 参数=值]...
              [--format text|json|md] [--check] [--color auto|always|never]
              [--lang en|zh] [--width 列数] [--full] [--timeout 时长]
  lab lesson  <N|slug> [--lang en|zh] [--no-pager]
  lab serve   <N|slug> [--listen 地址] [--count N] [--idle 时长] [--set 参数=值]...
  lab client  <N|slug> --connect 地址 [--idle 时长] [--set 参数=值]...
  lab proxy   --upstream 地址 [--listen 地址] [--slice N] [--delay 时长] [--merge 时长]
              [--format text|json|md|none]
  lab version | lab help [命令]

退出码：0 成功 · 1 运行失败或 --check 发现结论不成立 · 2 用法错误
`),
	"run": lab.T(`lab run <N|slug|all> runs a demo and shows its trace.

  --step          stop before each socket call: Enter = go, c = run to the end, q = quit
                  (with a pipe on stdin: one line per key)
  --slow DUR      pause before each socket call (e.g. 300ms), for a live audience
  --set k=v       change a knob (see "lab list" or the error hint for names and ranges)
  --format F      text (lanes), json (one event per line) or md (a Markdown table)
  --check         exit 1 when a finding does not hold
  --full          show every byte instead of folding long payloads
  --width N       columns; below 100 the lanes interleave
  --color C       auto (default: only on a terminal, never with NO_COLOR), always, never
  --lang L        en or zh
  --timeout DUR   give up when no socket call finishes for this long (default 5s)
`, `lab run <N|slug|all> 运行一个演示并显示它的调用轨迹。

  --step          每次套接字调用前暂停：回车 = 执行，c = 运行到结束，q = 退出
                  （标准输入是管道时：每行一个按键）
  --slow 时长     每次套接字调用前停顿（如 300ms），适合课堂演示
  --set k=v       修改参数（名称和范围见 "lab list" 或错误提示）
  --format F      text（双栏）、json（每行一个事件）或 md（Markdown 表格）
  --check         有结论不成立时以 1 退出
  --full          显示全部字节，不折叠长数据
  --width N       列数；小于 100 时两栏合为一栏
  --color C       auto（默认：仅在终端中，且没有 NO_COLOR 时）、always、never
  --lang L        en 或 zh
  --timeout 时长  多久没有任何套接字调用完成就放弃（默认 5s）
`),
	"list": lab.T(`lab list [--format text|json] lists the demos with their knobs.
`, `lab list [--format text|json] 列出所有演示及其参数。
`),
	"proxy": lab.T(`lab proxy --upstream ADDR sits between your client and your server and shows
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
  --full, --width N, --color C, --lang L   as for lab run

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
  --full、--width N、--color C、--lang L   与 lab run 相同

半关闭（shutdown(SHUT_WR)）和重置（ECONNRESET）都会转告对方。
Ctrl-C 停止代理，关闭所有套接字，以 0 退出。
`),
	"serve":  serveHelp,
	"client": clientHelp,
	"lesson": lab.T(`lab lesson <N|slug> [--lang en|zh] [--no-pager] prints the lesson of a demo.

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
`),
}

func (e *env) help(args []string) error {
	l := lab.LangFromEnv(e.getenv)
	topic := ""
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case strings.HasPrefix(a, "-") && name == "lang": // --lang=zh or --lang zh
			if !hasVal && i+1 < len(args) {
				i++
				val = args[i]
			}
			if pl, err := lab.ParseLang(val); err == nil {
				l = pl
			}
		case strings.HasPrefix(a, "-"):
			rest = append(rest, a)
		default:
			topic = a
		}
	}
	e.lang = l
	t, ok := helpTexts[topic]
	if !ok {
		return usage(lab.T("help topics: run, list, lesson, serve, client, proxy", "帮助主题：run、list、lesson、serve、client、proxy"),
			lab.Tf("no help for %q", "没有关于 %q 的帮助", topic))
	}
	_, err := fmt.Fprint(e.stdout, t.In(l))
	return err
}

// styleMarkdown makes a lesson easier to read in a terminal: headings bold.
func styleMarkdown(md string, s settings) string {
	if !s.color {
		return md
	}
	bold := color.New(color.Bold, color.FgCyan)
	bold.EnableColor()
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "#") {
			lines[i] = bold.Sprint(l)
		}
	}
	return strings.Join(lines, "\n")
}
