package demos

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"socketlab/lab"
	"socketlab/lab/render"
	"socketlab/lessons"
)

// What a Chinese trace may keep in English: the parts that are not prose.
// proseOnly removes them, in this order, and leaves the prose.
var notProse = []*regexp.Regexp{
	// Bytes as Python prints them (possibly cut with …), and the utf-8 and
	// hex rows under them: data.
	regexp.MustCompile(`b'(?:[^'\\]|\\.)*(?:'|…|$)`),
	regexp.MustCompile(`b"(?:[^"\\]|\\.)*(?:"|…|$)`),
	regexp.MustCompile(`utf-8: .*$`),
	regexp.MustCompile(`[0-9a-f]{4}  (?:[0-9a-f]{2} +)+\|[^|]*\|`),
	// Code and quoted data.
	regexp.MustCompile("`[^`]*`"),
	regexp.MustCompile(`"[^"]*"`),
	regexp.MustCompile(`“[^”]*”`),
	regexp.MustCompile(`'[^']*'`),
	// Call labels, with one level of nested parentheses: recv(1024),
	// sendto(('127.0.0.1', 9)), getsockopt(SOL_SOCKET, SO_RCVBUF).
	regexp.MustCompile(`[\w.]+\((?:[^()]|\([^()]*\))*\)`),
	// Python's own words after an exception's name, as Python prints them
	// (up to Chinese punctuation): "struct.error: unpack requires …",
	// "OSError: [Errno 9] Bad file descriptor".
	regexp.MustCompile(`\b[\w.]*(?:Error|Exception|error|timeout): [^。；，（）\n]*`),
	// HTTP header names and hyphenated names (modes, steps, finding ids):
	// Content-Length, write-after-close.
	regexp.MustCompile(`\b[A-Z][a-z]+(?:-[A-Z][a-z]+)+\b`),
	regexp.MustCompile(`\b[a-z0-9]+(?:-[a-z0-9]+)+\b`),
	// Names: ECONNRESET, SO_RCVBUF, ConnectionRefusedError, socket.timeout,
	// /proc/net/udp, --show, mode=overflow, host:port.
	regexp.MustCompile(`\b[A-Z][A-Z0-9_]+\b`),
	regexp.MustCompile(`\b\w*_\w*\b`),
	regexp.MustCompile(`\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+\b`),
	regexp.MustCompile(`\b\w+(?:\.\w+)+\b`),
	regexp.MustCompile(`/[\w.-]+(?:/[\w.-]+)+`),
	regexp.MustCompile(`--?[a-z][\w-]*`),
	regexp.MustCompile(`\b[\w-]+=[^\s，。；：、）]*`),
}

// englishRun finds three or more English words in a row, separated only by
// spaces and ASCII punctuation (a gap of three spaces is a lane border).
// Numbers may stand between the words: "frame length 2147483647 exceeds limit".
var englishRun = regexp.MustCompile(`[A-Za-z]+(?:[ ,;:!?()/-]{1,2}(?:[0-9][0-9,.]*[ ,;:!?()/-]{1,2})*[A-Za-z]+){2,}`)

// englishProse returns the first run of English prose left in s once the
// allowed parts are gone, or "".
func englishProse(s string, allowed ...string) string {
	for _, a := range allowed {
		if a != "" {
			s = strings.ReplaceAll(s, a, " ")
		}
	}
	for _, re := range notProse {
		s = re.ReplaceAllString(s, " ")
	}
	return englishRun.FindString(s)
}

func TestEnglishProseDetector(t *testing.T) {
	for _, c := range []struct {
		in      string
		english bool
	}{
		{"recv(1024) → 0 字节：b''（对方已关闭：EOF）", false},
		{"✗ ECONNREFUSED：连接被拒绝（Python：ConnectionRefusedError）", false},
		{"b'lab: cat: command not found (the lab runs nothing)\\n'", false},
		{"utf-8: hello world and more", false},
		{"0000  68 65 6c 6c 6f 20 77 6f  |hello wo|", false},
		{"print(res.decode()) 为 \"cat\" 显示了 \"command not found here\"", false},
		{"sendto(('127.0.0.1', 41785)) → 1,000 字节", false},
		{"用 `lab run 2 --set mode=overflow` 看丢包", false},
		{"socket.timeout 和 struct.error 都是异常", false},
		{"/proc/net/udp 的 drops 列", false},
		{"frame length 2147483647 exceeds limit 67108864", true},
		{"在 Windows 上（Windows has no EPIPE）", true},
		{"TCP_INFO: 2 waiting in the queue, backlog 1.", true},
		{"服务端 unsafe file name 被拒绝", true},
		{"Python 抛出 struct.error: unpack requires a buffer of 4 bytes", false},
		{"（Python：OSError: [Errno 9] Bad file descriptor）", false},
		{"✓ ③ length: Content-Length: 14 划出了正文", false},
		{"✓ ④ epipe: write-after-close：第一次", false},
		{"（/proc/net/udp 的 drops 列）", false},
		{"the lab refuses to decode it", true},
	} {
		if got := englishProse(c.in); (got != "") != c.english {
			t.Errorf("englishProse(%q) = %q, want English: %v", c.in, got, c.english)
		}
	}
}

// TestChineseEverywhere runs every demo in every mode in Chinese and fails
// on English prose outside data, code, call labels and error names: in the
// text the learner reads, and in every note and finding of the trace. The
// system's own error words are allowed only behind a translated
// explanation (a known errno). Titles, briefs, knob help and step notes are
// checked as written.
func TestChineseEverywhere(t *testing.T) {
	for _, d := range All() {
		t.Run(d.Slug, func(t *testing.T) {
			check := func(where, s string, allowed ...string) {
				t.Helper()
				for _, l := range strings.Split(s, "\n") {
					if w := englishProse(l, allowed...); w != "" {
						t.Errorf("%s: English %q in %q", where, w, strings.Join(strings.Fields(l), " "))
					}
				}
			}
			check("title", d.Title.Zh)
			check("brief", d.Brief.Zh)
			for _, k := range d.Knobs {
				check("knob "+k.Name, k.Help.Zh)
			}
			steps, err := lessons.Steps("zh", d.ID, d.Slug)
			if err != nil {
				t.Fatal(err)
			}
			for k, note := range steps {
				check("step note "+k, note)
			}
			for _, sets := range settings(d) {
				var out bytes.Buffer
				res := runDemo(t, d, lab.Options{Sink: render.NewText(&out, render.Options{Lang: lab.Zh, Width: 400})}, sets...)
				where := strings.Join(append([]string{"run"}, sets...), " ")
				var raw []string // the system's words behind a translated errno
				for _, e := range res.Trace {
					if c := lab.ClassOf(e.Errno); e.Err != "" && c != lab.ClassNone && c != lab.ClassOther {
						raw = append(raw, e.Err)
					}
					if e.Op == lab.OpNote || e.Op == lab.OpFinding {
						check(where+": "+e.Op.String(), e.Text.Zh)
					}
				}
				for _, f := range res.Findings {
					check(where+": finding "+f.ID, f.Text.Zh)
				}
				check(where, out.String(), raw...)
			}
		})
	}
}

// TestGlossaryTerms: the Chinese lessons, step notes and the demos' Chinese
// use the words of docs/glossary.md, not their variants.
func TestGlossaryTerms(t *testing.T) {
	variants := map[string]string{"轨迹": "跟踪", "追踪": "跟踪", "旋钮": "参数", "侦听": "监听", "数据段": "报文段",
		"动手试试": "试一试", "服务器端": "服务端"}
	check := func(where, s string) {
		for v, want := range variants {
			if strings.Contains(s, v) {
				t.Errorf("%s says %s: the glossary's word is %s", where, v, want)
			}
		}
	}
	for _, d := range All() {
		md, err := lessons.Lesson("zh", d.ID, d.Slug)
		if err != nil {
			t.Fatal(err)
		}
		check("zh lesson "+d.Slug, md)
		steps, _ := lessons.Steps("zh", d.ID, d.Slug)
		for k, note := range steps {
			check("zh step note "+d.Slug+" "+k, note)
		}
		check("demo "+d.Slug, d.Title.Zh+d.Brief.Zh)
		for _, k := range d.Knobs {
			check("knob "+d.Slug+" "+k.Name, k.Help.Zh)
		}
	}
}

// TestGoNotesHidden: notes about how the lab does it in Go are hidden from
// the text a learner reads unless --show go, and always in the trace.
func TestGoNotesHidden(t *testing.T) {
	for _, c := range []struct {
		slug string
		sets []string
	}{{"sticky", nil}, {"udp", nil}, {"sendall", nil}} {
		d, _ := Lookup(c.slug)
		for _, show := range [][]string{nil, {lab.DetailGo}} {
			var out bytes.Buffer
			res := runDemo(t, d, lab.Options{Sink: render.NewText(&out, render.Options{Lang: lab.En, Width: 400, Show: show})}, c.sets...)
			n := 0
			for _, e := range res.Trace {
				if e.Op != lab.OpNote || e.Detail != lab.DetailGo {
					continue
				}
				n++
				if shown := strings.Contains(out.String(), e.Text.En); shown != (show != nil) {
					t.Errorf("%s --show %v: Go note %q shown: %v", c.slug, show, e.Text.En, shown)
				}
			}
			if n == 0 {
				t.Errorf("%s: no Go note in the trace", c.slug)
			}
		}
	}
}
