package main

import (
	"encoding/json"
	"flag"
	"regexp"
	"strings"
	"testing"

	"socketlab/lab"
	"socketlab/lab/render"
)

// englishEnv makes the in-process runs independent of the caller's locale.
func englishEnv(t *testing.T) {
	t.Setenv("LANG", "C.UTF-8")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("NO_COLOR", "")
	t.Setenv("COLUMNS", "")
}

// TestBadInput: every mistake gets one error line and one hint, exit 2,
// never a panic.
func TestBadInput(t *testing.T) {
	englishEnv(t)
	tests := []struct {
		args []string
		err  string
		hint string
	}{
		{[]string{"run", "99"}, `unknown demo "99"`, "valid demos: 1 tcp-basic, 2 udp"},
		{[]string{"run", "nosuch"}, `unknown demo "nosuch"`, "valid demos:"},
		{[]string{"run", "0"}, `unknown demo "0"`, "valid demos:"},
		{[]string{"run"}, "run needs one demo", "lab run <N|slug|all>"},
		{[]string{"run", "1", "2"}, "run needs one demo", ""},
		{[]string{"run", "3", "--set", "buf=0"}, "buf=0 is out of range (valid: 1..65536)", "knobs of 3 small-buffer: buf (1..65536)"},
		{[]string{"run", "3", "--set", "buf=abc"}, `buf="abc" is not a whole number`, "knobs of 3 small-buffer"},
		{[]string{"run", "3", "--set", "nosuch=1"}, `unknown knob "nosuch" (valid: buf, msg)`, "knobs of 3 small-buffer"},
		{[]string{"run", "3", "--set", "buf"}, "want name=value", ""},
		{[]string{"run", "1", "--bogus"}, "unknown flag --bogus", `lab help run`},
		{[]string{"run", "1", "--slow", "soon"}, `--slow "soon" is not a duration (e.g. 300ms or 2s)`, ""},
		{[]string{"run", "1", "--slow", "300"}, "--slow 300: add a unit: 300ms or 300s", ""},
		{[]string{"run", "1", "--slow", "-1s"}, "--slow -1s: must not be negative", ""},
		{[]string{"run", "1", "--timeout", "0"}, "--timeout 0s: must be positive", ""},
		{[]string{"run", "1", "--width", "abc"}, `--width "abc" is not a whole number`, ""},
		{[]string{"run", "1", "--step=maybe"}, "--step takes no value, or =true/=false", ""},
		{[]string{"run", "1", "--format"}, "--format needs a value", ""},
		{[]string{"serve", "1", "--idle", "5"}, "--idle 5: add a unit: 5ms or 5s", ""},
		{[]string{"run", "1", "--format", "xml"}, `unknown --format "xml"`, "text, json, md, svg or html"},
		{[]string{"run", "1", "--lang", "fr"}, `unknown language "fr"`, "--lang en"},
		{[]string{"run", "1", "--color", "sometimes"}, `unknown --color "sometimes"`, ""},
		{[]string{"run", "1", "--width", "10"}, "--width 10 is too narrow", ""},
		{[]string{"run", "all", "--set", "buf=1"}, "--set cannot be used with all", ""},
		{[]string{"lesson", "99"}, `unknown demo "99"`, "valid demos:"},
		{[]string{"lesson"}, "lesson needs one demo", ""},
		{[]string{"list", "x"}, `unexpected argument "x"`, ""},
		{[]string{"list", "--format", "yaml"}, `unknown --format "yaml"`, ""},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`, "commands: list, run, lesson"},
		{[]string{"help", "nosuch"}, `no help for "nosuch"`, ""},
		// Each flag that is wrong is named alone.
		{[]string{"serve", "1", "--max", "0"}, "--max 0 is out of range", "--max from 1 to 16384"},
		{[]string{"serve", "1", "--count", "-1"}, "--count -1 is out of range", "--count 0 (until Ctrl-C) or more"},
		{[]string{"ftp", "serve", "--max", "0"}, "--max 0 is out of range", "--max from 1 to 16384"},
		{[]string{"ftp", "serve", "--idle", "0s"}, "--idle must be positive", ""},
		{[]string{"proxy", "--upstream", "127.0.0.1:9000", "--merge", "2m"}, "--merge 2m0s is out of range", "durations from 0 to 1m"},
		{[]string{"proxy", "--upstream", "127.0.0.1:9000", "--delay", "-1s"}, "--delay -1s is out of range", ""},
		{[]string{"replay", "-", "--slow", "-1s"}, "--slow -1s: must not be negative", ""},
		{[]string{"client", "1", "--connect", "127.0.0.1:9", "--timeout", "0s"}, "--timeout must be positive", ""},
		{[]string{"lab-nosuch"}, `unknown command "lab-nosuch"`, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			checkUsage(t, tt.args, tt.err, tt.hint, false)
		})
	}
}

// checkUsage runs the lab with args and checks a usage error: exit 2,
// nothing on stdout, a "lab: error:" line containing wantErr, then at most
// one "lab: hint:" line containing wantHint (required when needHint).
func checkUsage(t *testing.T, args []string, wantErr, wantHint string, needHint bool) {
	t.Helper()
	code, stdout, stderr := runLab(t, "", args...)
	if code != exitUsage {
		t.Errorf("exit %d, want %d; stderr: %s", code, exitUsage, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout should be empty, got %q", stdout)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if !strings.HasPrefix(lines[0], "lab: error: ") || !strings.Contains(lines[0], wantErr) {
		t.Errorf("first line %q, want lab: error: …%s…", lines[0], wantErr)
	}
	if len(lines) > 2 || (len(lines) == 2 && !strings.HasPrefix(lines[1], "lab: hint: ")) {
		t.Errorf("want an error line and at most one hint line, got:\n%s", stderr)
	}
	if (wantHint != "" || needHint) && (len(lines) < 2 || !strings.Contains(lines[1], wantHint)) {
		t.Errorf("want a hint mentioning %q, got:\n%s", wantHint, stderr)
	}
}

func TestListJSON(t *testing.T) {
	englishEnv(t)
	code, stdout, _ := runLab(t, "", "list", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	prev := 0 // ids grow in teaching order; a number may be missing (a demo still to come)
	for i, line := range lines {
		var d jsonDemo
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if d.ID <= prev || d.Slug == "" || d.Title == "" || d.Knobs == nil {
			t.Errorf("line %d: %+v", i+1, d)
		}
		for _, k := range d.Knobs {
			if k.Name == "" || k.Help == "" || k.Range == "" || k.Kind == "" {
				t.Errorf("demo %s knob %+v is incomplete", d.Slug, k)
			}
		}
		prev = d.ID
	}
	if len(lines) < 3 {
		t.Errorf("%d demos listed", len(lines))
	}
}

func TestListText(t *testing.T) {
	englishEnv(t)
	for _, lang := range []string{"en", "zh"} {
		code, stdout, _ := runLab(t, "", "list", "--lang", lang, "--width", "80")
		if code != 0 || !strings.Contains(stdout, "tcp-basic") || !strings.Contains(stdout, "small-buffer") {
			t.Fatalf("exit %d:\n%s", code, stdout)
		}
		if lang == "zh" && !strings.Contains(stdout, "第一次 TCP 对话") {
			t.Errorf("no Chinese title:\n%s", stdout)
		}
		for _, line := range strings.Split(stdout, "\n") {
			if w := render.Width(line); w > 80 {
				t.Errorf("%s: line of %d cells at width 80: %q", lang, w, line)
			}
		}
	}
}

type traceLine struct {
	Seq     int    `json:"seq"`
	TUS     *int64 `json:"t_us"`
	Side    string `json:"side"`
	Op      string `json:"op"`
	Conn    int    `json:"conn"`
	Call    string `json:"call"`
	Req     *int   `json:"req"`
	N       *int   `json:"n"`
	DataHex string `json:"data_hex"`
	Trunc   *bool  `json:"trunc"`
	OK      *bool  `json:"ok"`
	Demo    string `json:"demo"`
	Err     string `json:"err"`
}

func parseTrace(t *testing.T, s string) []traceLine {
	t.Helper()
	var out []traceLine
	for i, line := range strings.Split(strings.TrimSpace(s), "\n") {
		var e traceLine
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, line)
		}
		if e.Seq != i || e.TUS == nil || e.Side == "" || e.Op == "" {
			t.Fatalf("line %d lacks the required fields: %s", i+1, line)
		}
		if i == 0 && (e.Op != "run" || e.Side != "lab") {
			t.Fatalf("line 1 is not the run line: %s", line)
		}
		out = append(out, e)
	}
	return out
}

// TestRunJSON compares the JSON trace of demo 1 with what the sockets must
// have done: the server received exactly what the client sent, and the
// client got it back upper-cased.
func TestRunJSON(t *testing.T) {
	englishEnv(t)
	code, stdout, stderr := runLab(t, "", "run", "1", "--format", "json", "--set", "msg=abc 你好")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	tr := parseTrace(t, stdout)
	var sent, got, reply string
	for _, e := range tr {
		switch {
		case e.Side == "client" && e.Op == "send":
			sent = e.DataHex
		case e.Side == "server" && e.Op == "recv":
			got = e.DataHex
			if *e.Req != 1024 || e.Call != "recv(1024)" || *e.N != len(e.DataHex)/2 {
				t.Errorf("server recv: %+v", e)
			}
		case e.Side == "client" && e.Op == "recv":
			reply = e.DataHex
		}
	}
	if sent != "61626320e4bda0e5a5bd" || got != sent || reply != "41424320e4bda0e5a5bd" {
		t.Errorf("sent %s, server got %s, reply %s", sent, got, reply)
	}
	last := tr[len(tr)-1]
	if last.Op != "summary" || last.Demo != "tcp-basic" || last.OK == nil || !*last.OK {
		t.Errorf("last line: %+v", last)
	}
}

func TestCheckFailsWhenPhenomenonMissing(t *testing.T) {
	englishEnv(t)
	code, stdout, _ := runLab(t, "", "run", "udp", "--set", "size=500", "--check")
	if code != exitFail {
		t.Errorf("exit %d, want %d", code, exitFail)
	}
	if !strings.Contains(stdout, "✗") {
		t.Errorf("no ✗ finding in:\n%s", stdout)
	}
	if code, _, _ := runLab(t, "", "run", "udp", "--set", "size=500"); code != 0 {
		t.Errorf("without --check: exit %d, want 0", code)
	}
	if code, _, stderr := runLab(t, "", "run", "all", "--check"); code != 0 {
		t.Errorf("run all --check: exit %d: %s", code, stderr)
	}
}

func TestStepThroughPipe(t *testing.T) {
	englishEnv(t)
	// Go for socket, bind, listen and one call more; quit at the next.
	code, stdout, stderr := runLab(t, "\n\n\n\nq\n", "run", "1", "--step")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "stopped; sockets closed") {
		t.Errorf("stderr: %q", stderr)
	}
	if n := strings.Count(stdout, "▸"); n != 5 {
		t.Errorf("%d announcements, want 5:\n%s", n, stdout)
	}
	if strings.Contains(stdout, "What happened") {
		t.Error("the run went on after q")
	}
	// c runs to the end.
	code, stdout, _ = runLab(t, "c\n", "run", "1", "--step")
	if code != 0 || !strings.Contains(stdout, "all 3 findings hold") || strings.Count(stdout, "▸") != 1 {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
}

func TestColorAndLanguage(t *testing.T) {
	englishEnv(t)
	_, plain, _ := runLab(t, "", "run", "1")
	if strings.Contains(plain, "\x1b[") {
		t.Error("colour codes in output that is not a terminal")
	}
	_, colored, _ := runLab(t, "", "run", "1", "--color", "always")
	if !strings.Contains(colored, "\x1b[38;5;160m") || !strings.Contains(colored, "\x1b[38;5;32m") {
		t.Error("--color always: no client red or server blue")
	}
	_, zh, _ := runLab(t, "", "run", "1", "--lang", "zh")
	if !strings.Contains(zh, "发生了什么") || strings.Contains(zh, "What happened") {
		t.Error("--lang zh: not Chinese")
	}
	t.Setenv("LANG", "zh_CN.UTF-8")
	if _, zh, _ := runLab(t, "", "run", "1"); !strings.Contains(zh, "发生了什么") {
		t.Error("LANG=zh_CN: not Chinese")
	}
	_, md, _ := runLab(t, "", "run", "1", "--format", "md", "--lang", "en")
	if !strings.HasPrefix(md, "## 1 tcp-basic — ") || !strings.Contains(md, "| ms | client | server |") || !strings.Contains(md, "### What happened") {
		t.Errorf("markdown:\n%s", md)
	}
}

func TestNarrowIsOneLane(t *testing.T) {
	englishEnv(t)
	_, out, _ := runLab(t, "", "run", "1", "--width", "80")
	for _, line := range strings.Split(out, "\n") {
		if w := len([]rune(line)); w > 80 {
			t.Errorf("line of %d runes at width 80: %q", w, line)
		}
	}
	if !strings.Contains(out, " server  ") || !strings.Contains(out, " client  ") {
		t.Errorf("one lane should tag sides:\n%s", out)
	}
}

func TestLessonHelpVersion(t *testing.T) {
	englishEnv(t)
	for _, args := range [][]string{{"lesson", "1"}, {"lesson", "udp", "--lang", "zh"}, {"help"}, {"help", "run"}, {"version"}, {"help", "version"},
		{"run", "--help"}, {"list", "-h"}, {"lesson", "--help"}, {"serve", "--help"}, {"client", "--help"}, {"proxy", "--help"}} {
		code, out, stderr := runLab(t, "", args...)
		if code != 0 || out == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, stderr)
		}
	}
	_, out, _ := runLab(t, "", "lesson", "1", "--lang", "zh")
	if !strings.HasPrefix(out, "# 1 tcp-basic") {
		t.Errorf("lesson 1 zh starts %q", out[:min(len(out), 40)])
	}
}

// Every flag a command takes is in its help and in its synopsis (lab
// help), in both languages: every command of the table, subcommands too.
func TestHelpNamesEveryFlag(t *testing.T) {
	englishEnv(t)
	defer func() { parsing = nil }()
	type entry struct {
		path []string
		c    *command
	}
	var all []entry
	for _, c := range commands() {
		if c.subs == nil {
			all = append(all, entry{[]string{c.name}, c})
		}
		for _, s := range c.subs {
			all = append(all, entry{[]string{c.name, s.name}, s})
		}
	}
	common := map[string]bool{"lang": true, "color": true, "width": true}
	for _, en := range all {
		name := strings.Join(en.path, " ")
		var names []string
		parsing = func(fs *flag.FlagSet) {
			fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		}
		code, _, stderr := runLab(t, "", append(en.path, "--help")...)
		parsing = nil
		if code != 0 {
			t.Errorf("lab %s --help: exit %d: %s", name, code, stderr)
		}
		if len(names) == 0 && name != "version" && name != "help" {
			t.Errorf("lab %s --help parsed no flags", name)
		}
		for _, lang := range []string{"en", "zh"} {
			l := lab.Lang(lang)
			_, help, _ := runLab(t, "", append(append([]string{"help"}, en.path...), "--lang", lang)...)
			_, main, _ := runLab(t, "", "help", "--lang", lang)
			syn := en.c.synopsis.In(l)
			if help == "" || syn == "" || !strings.Contains(main, strings.SplitN(syn, "\n", 2)[0]) {
				t.Errorf("lab %s --lang %s: help %d bytes, synopsis %q not in lab help", name, lang, len(help), syn)
			}
			for _, n := range names {
				re := regexp.MustCompile(`(^|[^-\w])-` + map[bool]string{true: "-?", false: "-"}[len(n) == 1] + regexp.QuoteMeta(n) + `\b`)
				if !re.MatchString(help) {
					t.Errorf("lab help %s --lang %s does not name --%s", name, lang, n)
				}
				if !common[n] && !re.MatchString(syn) {
					t.Errorf("the synopsis of lab %s (%s) does not name --%s:\n%s", name, lang, n, syn)
				}
				if common[n] && !re.MatchString(main) {
					t.Errorf("lab help --lang %s does not say every command takes --%s", lang, n)
				}
			}
		}
	}
}

// lab version names the stamped version and commit (.ci/release sets them).
func TestVersionStamped(t *testing.T) {
	defer func(v, c string) { version, commit = v, c }(version, commit)
	version, commit = "v9.8.7", "0123456789abcdef0123"
	_, out, _ := runLab(t, "", "version")
	if want := "lab v9.8.7 (commit 0123456789ab, go"; !strings.HasPrefix(out, want) {
		t.Errorf("lab version = %q, want it to start %q", out, want)
	}
}

// TestRealBinaryPipe runs the real program with a pipe on stdin: the bare
// command prints the list and exits 0 without waiting for input.
func TestRealBinaryPipe(t *testing.T) {
	cmd := labCommand(t, "run", "2", "--check")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "all 4 findings hold") {
		t.Errorf("output:\n%s", out)
	}
}

// TestBadInputChinese: the mistakes of TestBadInput (and of serve, client
// and proxy) said in Chinese, chosen by LANG or by --lang zh: the same
// prefixes and exit code, and no English sentence left, except the flag and
// net packages' own reasons.
func TestBadInputChinese(t *testing.T) {
	up := "--upstream=127.0.0.1:9000"
	tests := []struct {
		args    []string
		err     string
		hint    string
		envOnly bool // --lang cannot choose: it is itself wrong, or never parsed
		goText  bool // the error quotes an English reason from the flag or net package
	}{
		{[]string{"run", "99"}, `没有演示 "99"`, "可用的演示：1 tcp-basic", false, false},
		{[]string{"run", "nosuch"}, `没有演示 "nosuch"`, "（或 all）", false, false},
		{[]string{"run", "0"}, `没有演示 "0"`, "可用的演示：", false, false},
		{[]string{"run"}, "run 需要指定一个演示", "lab run <N|slug|all>，例如 lab run 1", false, false},
		{[]string{"run", "1", "2"}, "run 需要指定一个演示", "", false, false},
		{[]string{"run", "3", "--set", "buf=0"}, "演示 3 small-buffer：buf=0 超出范围（有效值：1..65536）",
			"演示 3 small-buffer 的参数：buf（1..65536）、msg（文字，最多", false, false},
		{[]string{"run", "3", "--set", "buf=abc"}, `buf="abc" 不是整数`, "演示 3 small-buffer 的参数", false, false},
		{[]string{"run", "3", "--set", "nosuch=1"}, `未知参数 "nosuch"（有效的参数：buf、msg）`, "的参数", false, false},
		{[]string{"run", "3", "--set", "buf"}, `--set "buf"：应写成 名称=值`, "", false, false},
		{[]string{"run", "1", "--bogus"}, "没有 --bogus 这个选项", `运行 "lab help run" 查看它的选项`, false, true},
		{[]string{"run", "1", "--slow", "soon"}, "--slow \"soon\" 不是时长", "", false, true},
		{[]string{"run", "1", "--slow", "-1s"}, "--slow -1s：不能为负数", "时长的写法如 300ms 或 2s", false, false},
		{[]string{"run", "1", "--slow", "300"}, "--slow 300：请加上单位：300ms 或 300s", `运行 "lab help run" 查看它的选项`, false, false},
		{[]string{"serve", "1", "--max", "0"}, "--max 0 超出范围", "--max 在 1 到 16384 之间", false, false},
		{[]string{"ftp", "serve", "--max", "0"}, "--max 0 超出范围", "--max 在 1 到 16384 之间", false, false},
		{[]string{"ftp", "serve", "--idle", "0s"}, "--idle 必须为正数", "时长的写法如 300ms 或 10m", false, false},
		{[]string{"serv"}, `未知命令 "serv"`, `是不是想用 "lab serve"？`, true, false},
		{[]string{"run", "1", "--format", "xml"}, `未知的 --format 值 "xml"`, "--format text、json、md、svg 或 html", false, false},
		{[]string{"run", "1", "--lang", "fr"}, `未知的语言 "fr"（有效值：en、zh）`, "--lang en 或 --lang zh", true, false},
		{[]string{"run", "1", "--color", "sometimes"}, `未知的 --color 值 "sometimes"`, "--color auto、always 或 never", false, false},
		{[]string{"run", "1", "--width", "10"}, "--width 10 太窄", "--width 至少为 40", false, false},
		{[]string{"run", "all", "--set", "buf=1"}, "--set 不能和 all 一起使用", "只有运行单个演示时才能设置参数", false, false},
		{[]string{"lesson", "99"}, `没有演示 "99"`, "可用的演示：", false, false},
		{[]string{"lesson"}, "lesson 需要指定一个演示", "例如 lab lesson 3", false, false},
		{[]string{"list", "x"}, `多余的参数 "x"`, "lab list 不接受参数", false, false},
		{[]string{"list", "--format", "yaml"}, `未知的 --format 值 "yaml"`, "--format text 或 json", false, false},
		{[]string{"frobnicate"}, `未知命令 "frobnicate"`, "命令：list、run、lesson", true, false},
		{[]string{"help", "nosuch"}, `没有关于 "nosuch" 的帮助`, "帮助主题：list、run", false, false},
		{[]string{"serve", "12"}, "演示 12 backlog 没有可以单独运行的服务端", "可以和真实对端连接的演示：1 tcp-basic", false, false},
		{[]string{"serve", "1", "--listen", "127.0.0.1"}, `--listen "127.0.0.1" 不是地址：`, "地址的写法如 127.0.0.1:9000", false, true},
		{[]string{"serve", "1", "--count", "-1"}, "--count -1 超出范围", "--count 为 0（一直运行到 Ctrl-C）或更大", false, false},
		{[]string{"serve", "15", "--set", "proto=ftp"}, `proto="ftp" 不是可选的值`, "的参数：", false, false},
		{[]string{"client", "1"}, "client 需要 --connect", "（即 lab serve 打印出的地址）", false, false},
		{[]string{"client", "1", "--connect", "127.0.0.1:0"}, "端口必须是 1 到 65535 之间的数字", "（即 lab serve 打印出的地址）", false, false},
		{[]string{"client", "12", "--connect", "127.0.0.1:80"}, "没有可以单独运行的客户端", "可以和真实对端连接的演示", false, false},
		{[]string{"proxy"}, "proxy 需要 --upstream", "（你的服务端监听的地址）", false, false},
		{[]string{"proxy", up, "extra"}, `多余的参数 "extra"`, "lab proxy --upstream 主机:端口", false, false},
		{[]string{"proxy", up, "--listen", "127.0.0.1:9000"}, "代理会把数据转发给自己", "请在和服务端不同的端口上监听", false, false},
		{[]string{"proxy", up, "--slice", "-1"}, "--slice -1 超出范围", "或 0 表示不拆分", false, false},
		{[]string{"proxy", up, "--merge", "2m"}, "超出范围", "时长取 0 到 1m", false, false},
		{[]string{"proxy", up, "--format", "xml"}, `未知的 --format 值 "xml"`, "--format text、json、md 或 none", false, false},
	}
	// Words of the English messages; the Chinese ones quote only command
	// and flag names, values and demo names.
	english := regexp.MustCompile(`\b(unknown|needs?|valid|range|whole|number|must|positive|cannot|unexpected|argument|narrow|knobs?|demos?|commands|topics|want|looks?|like|or|is|not|no|the|of|for|its|with|takes|from|port|which|would|itself|another|durations|folder|address|printed|listens)\b`)
	for _, tt := range tests {
		ways := map[string][]string{"LANG=zh_CN.UTF-8": tt.args}
		if !tt.envOnly {
			// --lang zh right after the command, so it is parsed before any mistake.
			cmd := 1 // after the command (and its subcommand)
			if tt.args[0] == "ftp" {
				cmd = 2
			}
			ways["--lang zh"] = append(append(append([]string{}, tt.args[:cmd]...), "--lang", "zh"), tt.args[cmd:]...)
			ways["--lang zh at the end"] = append(append([]string{}, tt.args...), "--lang", "zh")
		}
		for way, args := range ways {
			t.Run(way+" "+strings.Join(tt.args, " "), func(t *testing.T) {
				englishEnv(t)
				if way == "LANG=zh_CN.UTF-8" {
					t.Setenv("LANG", "zh_CN.UTF-8")
				}
				code, stdout, stderr := runLab(t, "", args...)
				if code != exitUsage {
					t.Errorf("exit %d, want %d; stderr: %s", code, exitUsage, stderr)
				}
				if stdout != "" {
					t.Errorf("stdout should be empty, got %q", stdout)
				}
				lines := strings.Split(strings.TrimSpace(stderr), "\n")
				msg, ok := strings.CutPrefix(lines[0], "lab: error: ")
				if !ok || !strings.Contains(msg, tt.err) {
					t.Errorf("first line %q, want lab: error: …%s…", lines[0], tt.err)
				}
				if len(lines) > 2 || (len(lines) == 2 && !strings.HasPrefix(lines[1], "lab: hint: ")) {
					t.Errorf("want an error line and at most one hint line, got:\n%s", stderr)
				}
				hint := ""
				if len(lines) == 2 {
					hint = strings.TrimPrefix(lines[1], "lab: hint: ")
				}
				if tt.hint != "" && !strings.Contains(hint, tt.hint) {
					t.Errorf("hint should mention %q, got:\n%s", tt.hint, stderr)
				}
				if tt.goText {
					msg, _, _ = strings.Cut(msg, "：") // keep the Chinese wrapper only
				}
				for _, s := range []string{msg, hint} {
					if w := english.FindString(s); w != "" {
						t.Errorf("English word %q left in %q", w, s)
					}
				}
			})
		}
	}
}
