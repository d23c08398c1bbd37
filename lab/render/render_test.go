package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"socketlab/lab"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fixture is a fixed run: every kind of event the renderers draw.
func fixture() []lab.Event {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	hello := []byte("hello, 你好")
	big := bytes.Repeat([]byte("0123456789"), 10)
	evs := []lab.Event{
		{T: ms(0.05), Side: lab.Server, Op: lab.OpSocket, Conn: 1, Call: "socket(AF_INET, SOCK_STREAM)"},
		{T: ms(0.1), Side: lab.Server, Op: lab.OpBind, Conn: 1, Call: "bind(('127.0.0.1', 0))", Local: "127.0.0.1:40000"},
		{T: ms(0.2), Side: lab.Server, Op: lab.OpListen, Conn: 1, Call: "listen()", Local: "127.0.0.1:40000"},
		{T: ms(0.3), Side: lab.Server, Op: lab.OpSignal, Name: "listening"},
		{T: ms(0.4), Side: lab.Client, Op: lab.OpWait, Name: "listening"},
		{T: ms(0.5), Side: lab.System, Op: lab.OpNote, Name: "section", Text: lab.T("Part 1: talk", "第 1 部分：对话")},
		{T: ms(0.6), Side: lab.Client, Op: lab.OpConnect, Conn: 2, Call: "connect(('127.0.0.1', 40000))", Local: "127.0.0.1:50000", Peer: "127.0.0.1:40000"},
		{T: ms(0.7), Side: lab.Server, Op: lab.OpAccept, Conn: 3, Call: "accept()", Local: "127.0.0.1:40000", Peer: "127.0.0.1:50000"},
		{T: ms(0.8), Side: lab.Client, Op: lab.OpNote, Text: lab.T("text must be encoded before it is sent: this note is long enough to wrap in a narrow lane", "文字必须先编码才能发送：这条说明足够长，在窄的栏里会折行")},
		{T: ms(0.9), Side: lab.Client, Op: lab.OpSend, Conn: 2, Call: "send()", Req: len(hello), N: len(hello), Data: hello},
		{T: ms(1.0), Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(7)", Req: 7, N: 7, Data: hello[:7], Step: "first-read", Key: true},
		{T: ms(1.1), Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(7)", Req: 7, N: 6, Data: hello[7:], Offset: 7},
		{T: ms(1.2), Side: lab.Server, Op: lab.OpSendAll, Conn: 3, Call: "sendall()", Req: 104, N: 104,
			Data:  append([]byte{100, 0, 0, 0}, big...),
			Marks: []lab.Mark{{From: 0, To: 4, Label: lab.T("header", "报头")}, {From: 4, To: 104, Label: lab.T("payload", "数据")}}},
		{T: ms(1.3), Side: lab.Client, Op: lab.OpSend, Conn: 2, Call: "send()", Req: 4 << 20, N: 10240, Data: big[:8], Err: "write: i/o timeout"},
		{T: ms(1.4), Side: lab.Server, Op: lab.OpClose, Conn: 3, Call: "close()"},
		{T: ms(1.5), Side: lab.Client, Op: lab.OpRecv, Conn: 2, Call: "recv(1024)", Req: 1024, N: 0, Data: []byte{}},
		{T: ms(1.6), Side: lab.Client, Op: lab.OpSendTo, Conn: 4, Call: "sendto(('127.0.0.1', 40001))", Req: 0, N: 0, Data: []byte{}, Peer: "127.0.0.1:40001"},
		{T: ms(1.7), Side: lab.Server, Op: lab.OpRecvFrom, Conn: 5, Call: "recvfrom(4)", Req: 4, N: 4, Data: big[:4], Trunc: true, Peer: "127.0.0.1:50001"},
		{T: ms(1.8), Side: lab.Server, Op: lab.OpSegments, Conn: 3, Segs: 2},
		{T: ms(1.9), Side: lab.System, Op: lab.OpNote, Text: lab.T("a note from the lab across all lanes", "实验台的说明，横跨所有栏")},
		{T: ms(1.91), Side: lab.Client, Who: "c2", Op: lab.OpConnect, Conn: 6, Call: "connect(('127.0.0.1', 40000))", Local: "127.0.0.1:50002", Peer: "127.0.0.1:40000"},
		{T: ms(1.92), Side: lab.Server, Who: "h2", Op: lab.OpRecv, Conn: 7, Call: "recv(1024)", Req: 1024, N: 5, Data: []byte("hello")},
		// A big transfer, of which the renderer was given the first bytes
		// of each call: the first FoldAt calls of each socket are drawn,
		// the rest folded.
		{T: ms(1.93), Side: lab.Client, Op: lab.OpSendAll, Conn: 2, Call: "sendall()", Req: 65536, N: 65536, Data: big[:16]},
		{T: ms(1.94), Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(65536)", Req: 65536, N: 30000, Data: big[:16]},
		{T: ms(1.95), Side: lab.Client, Op: lab.OpSendAll, Conn: 2, Call: "sendall()", Req: 65536, N: 65536, Data: big[:16], Offset: 65536},
		{T: ms(1.96), Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(65536)", Req: 65536, N: 65536, Data: big[:16], Offset: 30000},
		{T: ms(1.961), Side: lab.Client, Op: lab.OpSendAll, Conn: 2, Call: "sendall()", Req: 65536, N: 65536, Data: big[:16], Offset: 131072},
		{T: ms(1.962), Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(65536)", Req: 65536, N: 65536, Data: big[:16], Offset: 95536},
		{T: ms(1.963), Side: lab.Client, Op: lab.OpSendAll, Conn: 2, Call: "sendall()", Req: 65536, N: 65536, Data: big[:16], Offset: 196608},
		{T: ms(1.964), Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(65536)", Req: 65536, N: 65536, Data: big[:16], Offset: 161072},
		{T: ms(1.965), Side: lab.Client, Op: lab.OpSendAll, Conn: 2, Call: "sendall()", Req: 65536, N: 65536, Data: big[:16], Offset: 262144},
		{T: ms(1.966), Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(65536)", Req: 65536, N: 65536, Data: big[:16], Offset: 226608},
		{T: ms(1.97), Side: lab.Client, Op: lab.OpSendAll, Conn: 2, Call: "sendall()", Req: 100, N: 100, Data: big[:16], Offset: 327680},
		{T: ms(1.98), Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(65536)", Req: 65536, N: 35636, Data: big[:16], Offset: 292144},
		{T: ms(1.99), Side: lab.Server, Op: lab.OpClose, Conn: 3, Call: "close()"},
		{T: ms(2.0), Side: lab.System, Op: lab.OpFinding, ID: "merged", OK: true, Text: lab.T("2 sends arrived in 1 recv", "2 次发送在 1 次接收中到达"), Evidence: []int{11}},
		{T: ms(2.1), Side: lab.System, Op: lab.OpFinding, ID: "cut", OK: false, Text: lab.T("nothing was cut", "没有截断")},
		{T: ms(2.2), Side: lab.System, Op: lab.OpSummary, Demo: "fixture", OK: false, Findings: 2},
	}
	for i := range evs {
		evs[i].Seq = i + 1
	}
	run := lab.Event{Side: lab.System, Op: lab.OpRun, Run: &lab.RunInfo{Version: lab.TraceVersion, Lab: "test", Command: "run",
		Demo: "fixture", ID: 99, Title: lab.T("Every kind of event", "每一种事件"), Brief: lab.T("a fixed trace for the renderers", "给渲染器用的固定跟踪"),
		Params: map[string]string{"size": "10"}}}
	return append([]lab.Event{run}, evs...)
}

func emitAll(s lab.Sink) {
	for _, e := range fixture() {
		s.Emit(e)
	}
	if f, ok := s.(interface{ Finish() }); ok {
		f.Finish()
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestTextGolden(t *testing.T) {
	for _, o := range []Options{
		{Lang: lab.En, Width: 120},
		{Lang: lab.Zh, Width: 120},
		{Lang: lab.En, Width: 80},
		{Lang: lab.Zh, Width: 80},
		{Lang: lab.En, Width: 120, Color: true},
		{Lang: lab.En, Width: 120, Full: true},
	} {
		name := fmt.Sprintf("text-%s-%d", o.Lang, o.Width)
		if o.Color {
			name += "-color"
		}
		if o.Full {
			name += "-full"
		}
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			r := NewText(&b, o)
			emitAll(r)
			if r.Err() != nil {
				t.Fatal(r.Err())
			}
			golden(t, name, b.Bytes())
			if !o.Color && strings.Contains(b.String(), "\x1b[") {
				t.Error("colour codes without colour")
			}
			if o.Color && !strings.Contains(b.String(), "\x1b[38;5;160m") {
				t.Error("no client colour with colour on")
			}
		})
	}
}

// TestTextFitsWidth checks every line of the trace fits the terminal, in
// both languages, at every width from the narrowest.
func TestTextFitsWidth(t *testing.T) {
	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		for w := 40; w <= 200; w += 7 {
			var b bytes.Buffer
			emitAll(NewText(&b, Options{Lang: l, Width: w, Color: true}))
			for _, line := range strings.Split(b.String(), "\n") {
				if got := Width(line); got > w {
					t.Errorf("%s width %d: line is %d cells: %q", l, w, got, StripANSI(line))
				}
			}
		}
	}
}

func TestJSONGolden(t *testing.T) {
	var b bytes.Buffer
	j := NewJSON(&b, lab.En)
	emitAll(j)
	golden(t, "trace.jsonl", b.Bytes())

	// The contract: every line is an object with seq, t_us, side and op;
	// data ops carry call, req, n and data_hex.
	for i, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		for _, k := range []string{"seq", "t_us", "side", "op"} {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d has no %s: %s", i+1, k, line)
			}
		}
		switch m["op"] {
		case "send", "sendall", "recv", "sendto", "recvfrom":
			for _, k := range []string{"conn", "call", "req", "n", "data_hex"} {
				if _, ok := m[k]; !ok {
					t.Errorf("line %d (%s) has no %s", i+1, m["op"], k)
				}
			}
		}
	}
}

func TestMarkdownGolden(t *testing.T) {
	var b bytes.Buffer
	emitAll(NewMarkdown(&b, Options{Lang: lab.En}))
	golden(t, "trace.md", b.Bytes())
}

func TestAnnounceFitsWidth(t *testing.T) {
	a := lab.Announcement{Side: lab.Server, Call: "recv(1024)", Note: lab.T(strings.Repeat("wait for bytes ", 20), strings.Repeat("等待数据", 30))}
	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		for _, w := range []int{40, 80, 120} {
			s := NewText(io.Discard, Options{Width: w}).Announce(a, l)
			for _, line := range strings.Split(s, "\n") {
				if Width(line) > w {
					t.Errorf("%s/%d: %q is wider than %d", l, w, line, w)
				}
			}
		}
	}
}

// TestProgressBar: on a terminal, folded calls of a transfer draw a bar in
// place, and the next line erases it; off a terminal nothing is drawn.
func TestProgressBar(t *testing.T) {
	var evs []lab.Event
	for i := 1; i <= 6; i++ {
		evs = append(evs, lab.Event{Seq: i, Side: lab.Client, Op: lab.OpSendAll, Conn: 2, Call: "sendall()", Req: 100, N: 100,
			Data: []byte("ab"), Offset: int64(100 * (i - 1)), Total: 800, Done: int64(100 * i)})
	}
	evs = append(evs, lab.Event{Seq: 7, Side: lab.Client, Op: lab.OpClose, Conn: 2, Call: "close()"})
	for _, live := range []bool{true, false} {
		var b bytes.Buffer
		r := NewText(&b, Options{Lang: lab.En, Width: 120, Live: live})
		for _, e := range evs {
			r.Emit(e)
		}
		r.Finish()
		out := b.String()
		if got := strings.Contains(out, "\r"); got != live {
			t.Errorf("live=%v: bar drawn = %v:\n%q", live, got, out)
		}
		if live {
			for _, want := range []string{" 62%  500 B / 800 B", " 75%  600 B / 800 B", "\r\x1b[K"} {
				if !strings.Contains(out, want) {
					t.Errorf("no %q in %q", want, out)
				}
			}
			if strings.Index(out, "\r\x1b[K") > strings.Index(out, "close()") {
				t.Error("the bar was not erased before the next line")
			}
		}
		if !strings.Contains(unwrap(out), "⋯ 2 more sendall(), 200 B, seq 5–6") {
			t.Errorf("live=%v: no fold line:\n%s", live, out)
		}
	}
}

// unwrap joins the lines of a trace, so a test can look for a sentence
// that wrapped in its lane.
func unwrap(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		b.WriteString(strings.TrimSpace(l))
		b.WriteByte(' ')
	}
	return b.String()
}

// hexRow matches a hex row of the text trace, wherever it sits in its lane.
var hexRow = regexp.MustCompile(`([0-9a-f]{4,8})  ((?:[0-9a-f ]{2} ?)+) \|(.*)\|$`)

// TestTextHexFollowsTheStream draws the same bytes as recv calls of every
// chunk size and overlays the hex rows the trace shows by their offsets:
// the picture must be the same whatever the chunking, as hex.Dumper's is.
// (With the stream offset dropped, every chunk would start at 0000.)
func TestTextHexFollowsTheStream(t *testing.T) {
	data := []byte("The quick brown fox jumps over the lazy dog; 你好，世界! 0123456789")
	picture := func(stride int) map[string][]rune {
		var b bytes.Buffer
		r := NewText(&b, Options{Lang: lab.En, Width: 120, Full: true})
		seq := 0
		for off := 0; off < len(data); off += stride {
			chunk := data[off:min(off+stride, len(data))]
			seq++
			r.Emit(lab.Event{Seq: seq, Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(64)", Req: 64, N: len(chunk), Data: chunk, Offset: int64(off)})
		}
		r.Finish()
		rows := map[string][]rune{}
		for _, line := range strings.Split(b.String(), "\n") {
			m := hexRow.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			cells := []rune(m[2] + "|" + m[3])
			have := rows[m[1]]
			if have == nil {
				have = []rune(strings.Repeat(" ", len(cells)))
			}
			for i, c := range cells {
				if c != ' ' && i < len(have) {
					have[i] = c
				}
			}
			rows[m[1]] = have
		}
		return rows
	}
	whole := picture(len(data))
	if len(whole) < 4 {
		t.Fatalf("only %d hex rows for %d bytes", len(whole), len(data))
	}
	for stride := 1; stride < len(data); stride++ {
		got := picture(stride)
		for label, row := range whole {
			if string(got[label]) != string(row) {
				t.Fatalf("stride %d: row %s is %q, want %q", stride, label, string(got[label]), string(row))
			}
		}
		if len(got) != len(whole) {
			t.Fatalf("stride %d: %d rows, want %d", stride, len(got), len(whole))
		}
	}
}

// TestNoWidthPanics: every width, however odd, draws the fixture and the
// proxy fixture without a panic and within the width (40 at the least).
func TestNoWidthPanics(t *testing.T) {
	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		for w := -5; w <= 300; w++ {
			for _, evs := range [][]lab.Event{fixture(), proxyFixture()} {
				var b bytes.Buffer
				r := NewText(&b, Options{Lang: l, Width: w, Full: w%2 == 0})
				for _, e := range evs {
					r.Emit(e)
				}
				r.Finish()
				limit := max(w, 40)
				if w <= 0 {
					limit = 120
				}
				for _, line := range strings.Split(b.String(), "\n") {
					if Width(line) > limit {
						t.Fatalf("%s width %d: %q is %d cells", l, w, line, Width(line))
					}
				}
				var m bytes.Buffer
				md := NewMarkdown(&m, Options{Lang: l, Width: w})
				for _, e := range evs {
					md.Emit(e)
				}
				md.Finish()
			}
		}
	}
}
