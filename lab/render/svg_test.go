package render

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"socketlab/lab"
)

// stickyFixture is demo 4's trace as it runs: two sends merged into one
// recv (the key call ②, after a key note ①), the handshake and the EOF,
// with a packet of the wire lane made by hand (side "wire"), and bytes a
// peer could send to break markup.
func stickyFixture(packets bool) []lab.Event {
	us := func(n int) time.Duration { return time.Duration(n) * time.Microsecond }
	evs := []lab.Event{
		{T: us(588), Side: lab.Server, Op: lab.OpSocket, Conn: 1, Call: "socket(AF_INET, SOCK_STREAM)"},
		{T: us(637), Side: lab.Server, Op: lab.OpBind, Conn: 1, Call: "bind(('127.0.0.1', 0))", Local: "127.0.0.1:58823"},
		{T: us(644), Side: lab.Server, Op: lab.OpListen, Conn: 1, Call: "listen(128)", Local: "127.0.0.1:58823"},
		{T: us(676), Side: lab.Server, Op: lab.OpSignal, Name: "listening"},
		{T: us(750), Side: lab.Client, Op: lab.OpSocket, Conn: 2, Call: "socket(AF_INET, SOCK_STREAM)", Peer: "127.0.0.1:58823"},
		{T: us(920), Side: lab.Client, Op: lab.OpConnect, Conn: 2, Call: "connect(('127.0.0.1', 58823))", Local: "127.0.0.1:37974", Peer: "127.0.0.1:58823"},
	}
	if packets {
		evs = append(evs,
			lab.Event{T: us(921), Side: lab.Wire, Op: lab.OpPacket, Conn: 2, Packet: &lab.PacketInfo{Proto: "tcp", From: lab.Client, To: lab.Server, PeerConn: 3, Flags: "SYN"}},
			lab.Event{T: us(922), Side: lab.Wire, Op: lab.OpPacket, Conn: 3, Packet: &lab.PacketInfo{Proto: "tcp", From: lab.Server, To: lab.Client, PeerConn: 2, Flags: "SYN, ACK"}},
			lab.Event{T: us(923), Side: lab.Wire, Op: lab.OpPacket, Conn: 2, Packet: &lab.PacketInfo{Proto: "tcp", From: lab.Client, To: lab.Server, PeerConn: 3, Flags: "ACK", Seq: 1, Ack: 1}},
		)
	}
	evs = append(evs,
		lab.Event{T: us(925), Side: lab.Client, Op: lab.OpNote, Text: lab.T("Go has already set TCP_NODELAY on this socket: Nagle's algorithm is off",
			"Go 已经在这个套接字上设置了 TCP_NODELAY：Nagle 算法是关闭的")},
		lab.Event{T: us(1009), Side: lab.Server, Op: lab.OpAccept, Conn: 3, Call: "accept()", Local: "127.0.0.1:58823", Peer: "127.0.0.1:37974"},
		lab.Event{T: us(1076), Side: lab.Client, Op: lab.OpSend, Conn: 2, Call: "send()", Req: 5, N: 5, Data: []byte("hello"), Step: "send-hello"},
	)
	if packets {
		evs = append(evs, lab.Event{T: us(1077), Side: lab.Wire, Op: lab.OpPacket, Conn: 2,
			Packet: &lab.PacketInfo{Proto: "tcp", From: lab.Client, To: lab.Server, PeerConn: 3, Flags: "PSH, ACK", Seq: 1, Ack: 1, Len: 5}})
	}
	evs = append(evs,
		lab.Event{T: us(1471), Side: lab.Client, Op: lab.OpSend, Conn: 2, Call: "send()", Req: 5, N: 5, Offset: 5, Data: []byte("<b>&"), Step: "send-world"},
		lab.Event{T: us(1600), Side: lab.Client, Op: lab.OpSignal, Name: "sent"},
		lab.Event{T: us(1647), Side: lab.Server, Op: lab.OpNote, Step: "where", Key: true, Text: lab.T("2 data segments arrived for 2 sends: they merged here, in the receive buffer",
			"2 次发送到达了 2 个数据段：它们是在这里、在接收缓冲区里合在一起的")},
		lab.Event{T: us(1760), Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(1024)", Req: 1024, N: 10, Data: []byte("hello<b>&\x00"), Step: "read-queued", Key: true},
		lab.Event{T: us(2148), Side: lab.Client, Op: lab.OpClose, Conn: 2, Call: "close()"},
		lab.Event{T: us(2260), Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(1024)", Req: 1024, Offset: 10, Data: []byte{}},
		lab.Event{T: us(2422), Side: lab.Server, Op: lab.OpClose, Conn: 3, Call: "close()"},
		lab.Event{T: us(2430), Side: lab.System, Op: lab.OpNote, Name: "section", Text: lab.T("Part 2: a datagram", "第 2 部分：数据报")},
		lab.Event{T: us(2440), Side: lab.Server, Op: lab.OpBind, Conn: 4, Call: "bind(('127.0.0.1', 0))", Local: "127.0.0.1:40001"},
		lab.Event{T: us(2450), Side: lab.Client, Op: lab.OpBind, Conn: 5, Call: "bind(('127.0.0.1', 0))", Local: "127.0.0.1:50001"},
		lab.Event{T: us(2460), Side: lab.Client, Op: lab.OpSendTo, Conn: 5, Call: "sendto(('127.0.0.1', 40001))", Req: 6, N: 6, Data: []byte("你好"), Peer: "127.0.0.1:40001"},
		lab.Event{T: us(2470), Side: lab.Server, Op: lab.OpRecvFrom, Conn: 4, Call: "recvfrom(4)", Req: 4, N: 4, Data: []byte("你好")[:4], Trunc: true, Peer: "127.0.0.1:50001"},
		lab.Event{T: us(2480), Side: lab.System, Op: lab.OpNote, Text: lab.T("a note from the lab across both lanes", "实验台的说明，横跨两栏")},
		lab.Event{T: us(3001), Side: lab.System, Op: lab.OpFinding, ID: "merged", OK: true, Text: lab.T("2 sends came out of 1 recv", "2 次发送从 1 次接收中出来"), Steps: []string{"read-queued"}},
		lab.Event{T: us(3020), Side: lab.System, Op: lab.OpFinding, ID: "where", OK: true, Text: lab.T("they merged in the receive buffer", "它们在接收缓冲区里合并"), Steps: []string{"where", "read-queued"}},
		lab.Event{T: us(3022), Side: lab.System, Op: lab.OpSummary, Demo: "sticky", OK: true, Findings: 2},
	)
	for i := range evs {
		evs[i].Seq = i + 1
	}
	// Findings point at seqs: resolve their steps as Run does.
	for i, e := range evs {
		if e.Op != lab.OpFinding {
			continue
		}
		for _, st := range e.Steps {
			for _, o := range evs {
				if o.Step == st {
					evs[i].Evidence = append(evs[i].Evidence, o.Seq)
				}
			}
		}
	}
	run := lab.Event{Side: lab.System, Op: lab.OpRun, Run: &lab.RunInfo{Version: lab.TraceVersion, Lab: "test", Command: "run",
		Demo: "sticky", ID: 4, Title: lab.T("Sticky packets: a stream has no messages", "粘包：字节流里没有消息"),
		Brief: lab.T("two sends, one recv", "两次发送，一次接收")}}
	return append([]lab.Event{run}, evs...)
}

// serveFixture is a lab serve trace: two peers, one after the other and
// then at once, each its own lifeline.
func serveFixture() []lab.Event {
	us := func(n int) time.Duration { return time.Duration(n) * time.Microsecond }
	evs := []lab.Event{
		{T: us(44), Side: lab.Server, Op: lab.OpSocket, Conn: 1, Call: "socket(AF_INET, SOCK_STREAM)"},
		{T: us(107), Side: lab.Server, Op: lab.OpBind, Conn: 1, Call: "bind(('127.0.0.1', 9123))", Local: "127.0.0.1:9123"},
		{T: us(111), Side: lab.Server, Op: lab.OpListen, Conn: 1, Call: "listen(4096)", Local: "127.0.0.1:9123"},
		{T: us(3294272), Side: lab.Server, Who: "c1", Op: lab.OpAccept, Conn: 2, Call: "accept()", Local: "127.0.0.1:9123", Peer: "127.0.0.1:45768"},
		{T: us(3294293), Side: lab.Client, Op: lab.OpNote, Text: lab.T("127.0.0.1:45768 connected: a program the lab does not trace", "127.0.0.1:45768 已连接：实验台不跟踪的程序")},
		{T: us(3294486), Side: lab.Server, Who: "c1", Op: lab.OpRecv, Conn: 2, Call: "recv(1024)", Req: 1024, N: 3, Data: []byte("hi\n")},
		{T: us(3294500), Side: lab.Server, Who: "c2", Op: lab.OpAccept, Conn: 3, Call: "accept()", Local: "127.0.0.1:9123", Peer: "127.0.0.1:45770"},
		{T: us(3294748), Side: lab.Server, Who: "c1", Op: lab.OpSendAll, Conn: 2, Call: "sendall()", Req: 3, N: 3, Data: []byte("HI\n")},
		{T: us(3294767), Side: lab.Server, Who: "c1", Op: lab.OpRecv, Conn: 2, Call: "recv(1024)", Req: 1024, Offset: 3, Data: []byte{}},
		{T: us(3294824), Side: lab.Server, Who: "c1", Op: lab.OpClose, Conn: 2, Call: "close()"},
		{T: us(3294929), Side: lab.Server, Who: "c2", Op: lab.OpRecv, Conn: 3, Call: "recv(1024)", Req: 1024, N: 9, Data: []byte("yo there\n")},
		{T: us(3294950), Side: lab.Server, Who: "c3", Op: lab.OpAccept, Conn: 4, Call: "accept()", Local: "127.0.0.1:9123", Peer: "127.0.0.1:45772"},
		{T: us(3299543), Side: lab.Server, Who: "c2", Op: lab.OpSendAll, Conn: 3, Call: "sendall()", Req: 9, N: 9, Data: []byte("YO THERE\n")},
		{T: us(3299719), Side: lab.Server, Who: "c2", Op: lab.OpClose, Conn: 3, Call: "close()"},
		{T: us(3299800), Side: lab.Server, Who: "c3", Op: lab.OpRecv, Conn: 4, Call: "recv(1024)", Req: 1024, Err: "read: connection reset by peer", Errno: "ECONNRESET"},
		{T: us(3299810), Side: lab.Server, Who: "c3", Op: lab.OpClose, Conn: 4, Call: "close()"},
	}
	for i := range evs {
		evs[i].Seq = i + 1
	}
	run := lab.Event{Side: lab.System, Op: lab.OpRun, Run: &lab.RunInfo{Version: lab.TraceVersion, Lab: "test", Command: "serve",
		Demo: "tcp-basic", ID: 1, Title: lab.T("A first TCP conversation", "第一次 TCP 对话")}}
	return append([]lab.Event{run}, evs...)
}

func svgOf(evs []lab.Event, o Options) string {
	var b bytes.Buffer
	s := NewSVG(&b, o, 0)
	for _, e := range evs {
		s.Emit(e)
	}
	s.Finish()
	return b.String()
}

func TestSVGGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		evs  []lab.Event
		lang lab.Lang
	}{
		{"sticky-en.svg", stickyFixture(false), lab.En},
		{"sticky-zh.svg", stickyFixture(false), lab.Zh},
		{"sticky-wire-en.svg", stickyFixture(true), lab.En},
		{"serve-en.svg", serveFixture(), lab.En},
		{"fixture-en.svg", fixture(), lab.En},
		{"fixture-zh.svg", fixture(), lab.Zh},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := svgOf(c.evs, Options{Lang: c.lang})
			checkXML(t, got)
			golden(t, c.name, []byte(got))
		})
	}
}

// checkXML parses the document as XML, as a browser's DOMParser does.
func checkXML(t *testing.T, doc string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
	}
}

// svgArrows are the data arrows of a diagram, "from→to" by seq.
func svgArrows(doc, class string) []string {
	re := regexp.MustCompile(`<g class="arrow ` + class + `" data-from="(\d+)" data-to="(\d+)">`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(doc, -1) {
		out = append(out, m[1]+"→"+m[2])
	}
	return out
}

func TestSVGArrows(t *testing.T) {
	evs := stickyFixture(false)
	doc := svgOf(evs, Options{Lang: lab.En})
	seq := func(step string) int {
		for _, e := range evs {
			if e.Step == step {
				return e.Seq
			}
		}
		t.Fatalf("no step %s", step)
		return 0
	}
	recv := seq("read-queued")
	want := []string{fmt.Sprintf("%d→%d", seq("send-hello"), recv), fmt.Sprintf("%d→%d", seq("send-world"), recv), "20→21"}
	if got := svgArrows(doc, "arrow-data"); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("data arrows %v, want %v (both sends into the one recv, and the datagram)", got, want)
	}
	if got := strings.Count(doc, `class="merge"`); got != 1 {
		t.Errorf("%d merge wedges, want 1 (the recv that got both sends)", got)
	}
	if got := svgArrows(doc, "arrow-connect"); len(got) != 1 || got[0] != "6→8" {
		t.Errorf("connect arrows %v, want [6→8]", got)
	}
	if got := svgArrows(doc, "arrow-eof"); len(got) != 1 || got[0] != "14→15" {
		t.Errorf("EOF arrows %v, want [14→15] (close() → recv of b'')", got)
	}
	// The markers the text lanes draw: ① on the key note, ② on the recv.
	for _, m := range []string{fmt.Sprintf(`data-seq="%d" data-marker="1"`, seq("where")), fmt.Sprintf(`data-seq="%d" data-marker="2"`, recv)} {
		if !strings.Contains(doc, m) {
			t.Errorf("no row with %s", m)
		}
	}
	if strings.Contains(doc, "<b>") || !strings.Contains(doc, "&lt;b&gt;&amp;") {
		t.Errorf("peer bytes must be escaped text, never markup")
	}
	if strings.Contains(doc, "life-wire") {
		t.Errorf("a wire lane without packets")
	}
	wired := svgOf(stickyFixture(true), Options{Lang: lab.En})
	for _, want := range []string{"life-wire", ">SYN ▶<", ">◀ SYN, ACK<", ">PSH, ACK 5 B ▶<"} {
		if !strings.Contains(wired, want) {
			t.Errorf("the wire lane lacks %q", want)
		}
	}
}

func TestSVGServeLifelines(t *testing.T) {
	doc := svgOf(serveFixture(), Options{Lang: lab.En})
	for _, who := range []string{"c1", "c2", "c3"} {
		if !strings.Contains(doc, `text-anchor="middle" font-weight="bold">`+who+`</text>`) {
			t.Errorf("no lifeline head for %s", who)
		}
	}
	// c3 arrives while c2 is connected and c1 has gone: it takes c1's slot,
	// so two slots suffice.
	s := NewSVG(nil, Options{Lang: lab.En}, 0)
	for _, e := range serveFixture() {
		s.Emit(e)
	}
	if len(s.slots) != 2 {
		t.Errorf("%d peer slots, want 2", len(s.slots))
	}
	if got := len(svgArrows(doc, "arrow-data")); got != 4 {
		t.Errorf("%d data arrows, want 4 (two recvs, two sendalls)", got)
	}
}

// A live diagram keeps its last rows only and says how many it dropped;
// what it keeps is still a well-formed document.
func TestSVGMaxRows(t *testing.T) {
	s := NewSVG(nil, Options{Lang: lab.En}, 5)
	for _, e := range stickyFixture(false) {
		s.Emit(e)
	}
	s.Finish()
	if _, ok := s.Rows(0); ok {
		t.Errorf("Rows(0) after rows were dropped must ask for the document")
	}
	rows, ok := s.Rows(s.Next() - 2)
	if !ok || len(rows) != 2 {
		t.Errorf("Rows(next-2) = %d rows, %v", len(rows), ok)
	}
	doc := s.Document(true)
	checkXML(t, doc)
	if !strings.Contains(doc, "earlier rows are not shown") {
		t.Errorf("the document does not say rows were dropped")
	}
}

// No label is wider than its column, in either language.
func TestSVGLabelsFit(t *testing.T) {
	re := regexp.MustCompile(`<text class="label (call|bytes|note|err|warn|part|call key)" x="[0-9.]+" y="[0-9.]+" fill="[^"]+"[^>]*>(.*?)</text>`)
	tags := regexp.MustCompile(`<[^>]+>`)
	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		doc := svgOf(fixture(), Options{Lang: l})
		for _, m := range re.FindAllStringSubmatch(doc, -1) {
			text := tags.ReplaceAllString(m[2], "")
			text = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&#39;", "'", "&#34;", `"`).Replace(text)
			if Width(text) > svgLabel {
				t.Errorf("%s: %q is %d cells, wider than a lane (%d)", l, text, Width(text), svgLabel)
			}
		}
	}
}

// externalRef finds anything in an HTML file that would reach outside it:
// an address, a src or href that is not a fragment, a url() that is not a
// fragment or data.
var externalRef = regexp.MustCompile(`(?i)(://|\bsrc\s*=|\bhref\s*=\s*["']?[^"'#\s>]|url\(\s*["']?[^"'#d\s)]|@import)`)

// checkSelfContained fails when the HTML file refers to anything outside
// itself.
func checkSelfContained(t *testing.T, name, doc string) {
	t.Helper()
	if m := externalRef.FindAllStringIndex(doc, 5); m != nil {
		for _, at := range m {
			t.Errorf("%s: an external reference at %d: %q", name, at[0], doc[max(0, at[0]-40):min(len(doc), at[1]+40)])
		}
	}
}

func TestHTMLExport(t *testing.T) {
	lesson := func(l lab.Lang, id int, slug string) string {
		return fmt.Sprintf("# %d %s (%s)\n\nA `recv(1024)` gets **both** sends.\n", id, slug, l)
	}
	for _, evs := range [][]lab.Event{stickyFixture(false), stickyFixture(true), serveFixture(), fixture()} {
		var b bytes.Buffer
		h := NewHTML(&b, Options{Lang: lab.Zh}, lesson)
		for _, e := range evs {
			h.Emit(e)
		}
		h.Finish()
		if h.Err() != nil {
			t.Fatal(h.Err())
		}
		doc := b.String()
		checkSelfContained(t, "export", doc)
		for _, want := range []string{`<html lang="zh-CN" data-lang="zh">`, `<section class="diagram l-en"`, `<section class="diagram l-zh"`,
			`id="lab-details"`, "labDetail(", `data-set-lang="zh"`} {
			if !strings.Contains(doc, want) {
				t.Errorf("the export lacks %q", want)
			}
		}
		if strings.Contains(doc, "<b>&") {
			t.Errorf("peer bytes in the export are markup")
		}
	}
	var b bytes.Buffer
	h := NewHTML(&b, Options{Lang: lab.En}, lesson)
	for _, e := range stickyFixture(false) {
		h.Emit(e)
	}
	h.Finish()
	doc := b.String()
	for _, want := range []string{"<h2>4 sticky (en)</h2>", "<h2>4 sticky (zh)</h2>", `<span class="markers">②</span>`, `<span class="markers">①②</span>`,
		"demo sticky: all 2 findings hold", "演示 sticky：全部 2 项结论成立"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the export lacks %q", want)
		}
	}
}

// The check itself finds what it must.
func TestHTMLSelfContainedCheck(t *testing.T) {
	for _, bad := range []string{`<img src="x.png">`, `<a href="https://example.com">`, `<a href=page.html>`, `background: url(http://x/y.png)`,
		`url('//cdn.example/x.css')`, `@import "x.css";`, `<script src="app.js"></script>`} {
		if !externalRef.MatchString(bad) {
			t.Errorf("%q was not caught", bad)
		}
	}
	for _, good := range []string{`<a href="#top">`, `fill: url(#grad)`, `url(data:image/png;base64,AAAA)`, `xml:space="preserve"`} {
		if externalRef.MatchString(good) {
			t.Errorf("%q was caught", good)
		}
	}
}
