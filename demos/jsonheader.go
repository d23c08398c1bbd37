package demos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// The commands the json-header client sends, in order. The first reply's
// header is the tutorial's plus a name and a checksum; the second one has
// grown more fields, and the same reader handles it.
const (
	reportCmd = "cat report.txt"
	listCmd   = "ls -l"
)

// jsonCommands are the client's commands with the name of the sendall()
// that asks each.
var jsonCommands = []struct{ cmd, step string }{
	{reportCmd, "ask-report"},
	{listCmd, "ask-listing"},
}

// labelBody is the label of the body, the third part after labelLength and
// labelJSON (shared.go), on the sending and the receiving side.
var labelBody = lab.T("body", "数据")

// jsonHeader is demo 6: a 4-byte length, then a JSON header that describes
// the body (its size, a name, a checksum), then the body.
func jsonHeader() lab.Demo {
	return lab.Demo{
		ID:    6,
		Slug:  "json-header",
		Title: lab.T("A JSON header", "JSON 报头"),
		Brief: lab.T("header length + JSON header + body: metadata travels with the data",
			"报头长度 + JSON 报头 + 数据：描述信息跟着数据一起走"),
		Knobs: []lab.Knob{
			{Name: "size", Kind: lab.KindSize, Default: "3000", Min: 0, Max: 256 << 10,
				Help: lab.T("the size of the first reply's body (report.txt)", "第一个回复的数据（report.txt）的大小")},
			{Name: "meta", Kind: lab.KindEnum, Default: "full", Choices: []string{"full", "minimal"},
				Help: lab.T("full: the header carries a name and a SHA-256 as well; minimal: only datasize, as in the tutorial",
					"full：报头里还带名字和 SHA-256；minimal：只有 datasize，和教程一样")},
		},
		Server:   jsonHeaderServer,
		Client:   jsonHeaderClient,
		Peer:     &lab.Peer{Serve: tcpServe(commandServer("json")), Client: commandClient("json"), Try: tryCommand("json")},
		Findings: jsonHeaderFindings,
	}
}

// reportBody is the made-up report.txt: numbered ASCII lines cut to n bytes.
func reportBody(n int) []byte {
	var b bytes.Buffer
	for i := 1; b.Len() < n; i++ {
		fmt.Fprintf(&b, "report line %04d: bytes in, bytes out, nothing lost.\n", i)
	}
	return b.Bytes()[:n]
}

// jsonReply builds the header and the body that answer cmd.
func jsonReply(cmd string, p lab.Params) (wire.JSONHeader, []byte) {
	var body []byte
	var h wire.JSONHeader
	if cmd == reportCmd {
		body = reportBody(p.Int("size"))
		h.Extra = map[string]json.RawMessage{"name": json.RawMessage(`"report.txt"`)}
	} else {
		body = CannedOutput(cmd)
		// The header grows: more fields, same protocol. A peer's command
		// may hold anything: the header carries it as valid UTF-8, control
		// characters escaped as JSON escapes them.
		h.Cmd = strings.ToValidUTF8(cmd, "\uFFFD")
		h.Extra = map[string]json.RawMessage{
			"name":     jsonString(h.Cmd + " output"),
			"encoding": json.RawMessage(`"utf-8"`),
			"lines":    json.RawMessage(strconv.Itoa(bytes.Count(body, []byte("\n")))),
		}
	}
	h.DataSize = int64(len(body))
	sum := sha256.Sum256(body)
	h.SHA256 = hex.EncodeToString(sum[:])
	if p.String("meta") == "minimal" {
		h = wire.JSONHeader{DataSize: h.DataSize} // the tutorial's {"datasize": n}
	}
	return h, body
}

func jsonHeaderServer(ctx context.Context, s *lab.Side) error {
	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Signal("listening")
	conn, err := ln.Accept() // conn, addr = server.accept()
	if err != nil {
		return err
	}
	for i := 1; ; i++ {
		cmd, err := conn.Recv(1024) // cmd = conn.recv(1024)
		if err != nil {
			return err
		}
		if len(cmd) == 0 { // if not cmd: break
			break
		}
		h, body := jsonReply(string(cmd), s.Params)
		head, err := wire.AppendJSON(nil, h) // struct.pack('i', len(head_bytes)) + head_bytes
		if err != nil {
			return err
		}
		n := wire.HeaderSize
		// conn.send(struct.pack('i', len(head_bytes))); conn.send(head_bytes); conn.sendall(back_msg)
		if err := conn.SendParts(append(head, body...),
			lab.Mark{From: 0, To: n, Label: labelLength},
			lab.Mark{From: n, To: len(head), Label: labelJSON},
			lab.Mark{From: len(head), To: len(head) + len(body), Label: labelBody}); err != nil {
			return err
		}
		s.Signal(fmt.Sprintf("replied-%d", i))
	}
	if err := conn.Close(); err != nil {
		return err
	}
	s.Step("stop-listening")
	return ln.Close()
}

func jsonHeaderClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	for i, c := range jsonCommands {
		s.Section(lab.Tf("Command %d: %q", "命令 %d：%q", i+1, c.cmd))
		s.Step(c.step)
		if err := conn.SendAll([]byte(c.cmd)); err != nil { // client.send(cmd.encode('utf-8'))
			return err
		}
		// Only so the trace reads top to bottom: the reply is all sent before
		// the first recv (the reading code below would work without it).
		if err := s.Wait(fmt.Sprintf("replied-%d", i+1)); err != nil {
			return err
		}
		// The three parts, read apart: each is a key call (the first recv of
		// each, when a part takes more than one).
		s.Key("read-length")
		head, err := conn.RecvExactly(wire.HeaderSize, 0, labelLength) // head = client.recv(4)
		if err != nil {
			return err
		}
		size, err := wire.ParseHeader(head, wire.Little, wire.MaxJSONHeader) // headsize = struct.unpack('i', head)[0]
		if err != nil {
			return err
		}
		s.Key("read-json")
		headBytes, err := conn.RecvExactly(size, 0, labelJSON) // head_bytes = client.recv(headsize)
		if err != nil {
			return err
		}
		h, err := wire.ParseJSON(headBytes, 256<<10) // head_dict = json.loads(head_bytes.decode('utf-8'))
		if err != nil {
			return err
		}
		s.Note(lab.Text{
			En: fmt.Sprintf("header length %d; the JSON header has %s: now read exactly datasize = %d bytes",
				size, strings.Join(headerFields(h), ", "), h.DataSize),
			Zh: fmt.Sprintf("报头长度 %d；JSON 报头里有 %s：接下来正好读 datasize = %d 个字节",
				size, strings.Join(headerFields(h), "、"), h.DataSize)})
		if h.DataSize > 0 { // an empty body takes no recv at all
			s.Key("read-body")
		}
		// while recv_size < datasize: res = client.recv(1024) ...
		body, err := conn.RecvExactly(int(h.DataSize), 1024, labelBody)
		if err != nil {
			return err
		}
		s.Note(checksumNote(h, body))
	}
	return conn.Close()
}

// headerFields lists the names a decoded JSON header carried, in the order
// the lab writes them.
func headerFields(h wire.JSONHeader) []string {
	var names []string
	if h.Cmd != "" {
		names = append(names, "cmd")
	}
	if h.FileName != "" {
		names = append(names, "filename")
	}
	names = append(names, "datasize")
	if h.SHA256 != "" {
		names = append(names, "sha256")
	}
	return append(names, slices.Sorted(maps.Keys(h.Extra))...)
}

// checksumNote says whether body matches the header's SHA-256.
func checksumNote(h wire.JSONHeader, body []byte) lab.Text {
	if h.SHA256 == "" {
		return lab.Tf("got %d bytes; the header has no sha256, so there is nothing to check them against",
			"收到 %d 个字节；报头里没有 sha256，无从校验", len(body))
	}
	sum := sha256.Sum256(body)
	got := hex.EncodeToString(sum[:])
	if got == h.SHA256 {
		return lab.Tf("sha256 of the %d bytes received = %s…, the same as the header's: the body is intact",
			"收到的 %d 个字节的 sha256 = %s…，与报头里的一致：数据完好", len(body), got[:16])
	}
	return lab.Tf("sha256 of the %d bytes received = %s…, but the header says %s…: the body is damaged",
		"收到的 %d 个字节的 sha256 = %s…，但报头里是 %s…：数据已损坏", len(body), got[:16], h.SHA256[:min(16, len(h.SHA256))])
}

// jsonWire is one reply as the server builds it: its header and body, and
// the bytes it puts on the wire.
type jsonWire struct {
	h    wire.JSONHeader
	body []byte
	hlen int    // bytes of the JSON header
	raw  []byte // the 4-byte header length, the JSON header, the body
}

// jsonReplies are the replies to the client's commands, as jsonReply builds them.
func jsonReplies(p lab.Params) ([]jsonWire, error) {
	var out []jsonWire
	for _, c := range jsonCommands {
		h, body := jsonReply(c.cmd, p)
		head, err := wire.AppendJSON(nil, h)
		if err != nil {
			return nil, err
		}
		out = append(out, jsonWire{h, body, len(head) - wire.HeaderSize, append(head, body...)})
	}
	return out, nil
}

// segment is a run of bytes under one label.
type segment struct {
	label string
	n     int
}

// segments joins the marks of the events into runs of one label, in
// stream order. Marks describe every byte a call moved, kept or not.
func segments(t lab.Trace) []segment {
	var out []segment
	for _, e := range t {
		for _, m := range e.Marks {
			out = appendSegment(out, m.Label.En, m.To-m.From)
		}
	}
	return out
}

func appendSegment(s []segment, label string, n int) []segment {
	switch {
	case n == 0:
		return s
	case len(s) > 0 && s[len(s)-1].label == label:
		s[len(s)-1].n += n
		return s
	}
	return append(s, segment{label, n})
}

// sumIs reports whether sum is the SHA-256 of b.
func sumIs(sum *[32]byte, b []byte) bool {
	return sum != nil && *sum == sha256.Sum256(b)
}

// labelled returns the events with a mark labelled label.
func labelled(t lab.Trace, label lab.Text) lab.Trace {
	return t.Filter(func(e lab.Event) bool {
		return slices.ContainsFunc(e.Marks, func(m lab.Mark) bool { return m.Label.En == label.En })
	})
}

// jsonHeaderFindings checks the client's stream against the replies the
// server builds by counts and the stream digest (lab.Event.Sum), not by
// its bytes: with size up to 256 KiB, the trace keeps only the head of the
// later calls.
func jsonHeaderFindings(t lab.Trace, p lab.Params) []lab.Finding {
	sent := t.Calls(lab.Server, lab.OpSendAll)
	reads := clientReads(t, 1)
	replies, err := jsonReplies(p)
	// The stream the client must have read: both replies end to end.
	var stream []byte
	var ends []int64
	for _, r := range replies {
		stream = append(stream, r.raw...)
		ends = append(ends, int64(len(stream)))
	}
	whole := err == nil && len(sent) == len(replies) && len(reads) > 0
	for i := 0; whole && i < len(sent); i++ {
		whole = sent[i].N == len(replies[i].raw) && sumIs(sent[i].Sum, stream[:ends[i]])
	}
	last := reads.Last()
	whole = whole && last.Offset+int64(last.N) == int64(len(stream)) && sumIs(last.Sum, stream)
	if !whole {
		bad := lab.T("the client did not receive two whole replies", "客户端没有收到两个完整的回复")
		return []lab.Finding{check("parts", false, bad), check("meta", false, bad),
			check("checksum", false, bad), check("grow", false, bad)}
	}
	first, second := replies[0], replies[1]
	// The client's reads of each reply.
	of := func(i int) lab.Trace {
		return reads.Filter(func(e lab.Event) bool {
			from := int64(0)
			if i > 0 {
				from = ends[i-1]
			}
			return from <= e.Offset && e.Offset < ends[i]
		})
	}

	// The three parts: labelled on both sides, with matching sizes, read
	// back in the order they were sent.
	marked := true
	var want []segment
	for i, e := range sent {
		r := replies[i]
		marked = marked && len(e.Marks) == 3 &&
			e.Marks[0].From == 0 && e.Marks[0].To == wire.HeaderSize && e.Marks[1].To == wire.HeaderSize+r.hlen &&
			e.Marks[2].To-e.Marks[2].From == len(r.body)
		want = appendSegment(want, labelLength.En, wire.HeaderSize)
		want = appendSegment(want, labelJSON.En, r.hlen)
		want = appendSegment(want, labelBody.En, len(r.body))
	}
	marked = marked && slices.Equal(segments(reads), want)
	bodies := labelled(reads, labelBody)
	parts := check("parts", marked, lab.Tf(
		"each reply was one sendall() of three parts: the 4-byte header length (saying %d, then %d), the JSON header (%d and %d bytes) and the body (%d and %d bytes); the client read them back in that order, the bodies with %d recv calls",
		"每个回复是一次 sendall() 发出的三部分：4 字节的报头长度（值为 %d，然后 %d）、JSON 报头（%d 和 %d 字节）和数据（%d 和 %d 字节）；客户端按同样的顺序读回，数据部分用了 %d 次 recv",
		first.hlen, second.hlen, first.hlen, second.hlen, len(first.body), len(second.body), len(bodies))).
		At("read-length", "read-json", "read-body").On(sent...)

	// The stream matched, so the client read the very headers built here.
	raw := string(first.raw[wire.HeaderSize : wire.HeaderSize+first.hlen])
	size := p.Int("size")
	hasMeta := first.h.SHA256 != "" && first.h.Extra["name"] != nil
	meta := check("meta", hasMeta && first.h.DataSize == int64(size), lab.Tf(
		"the header described the body: %s (datasize = %d)",
		"报头描述了数据：%s（datasize = %d）", raw, size))
	if !hasMeta {
		meta = check("meta", false, lab.Tf(
			"not shown with meta=minimal: the header was only %s, as in the tutorial; try --set meta=full to send a name and a checksum along",
			"meta=minimal 时看不到：报头只有 %s，和教程一样；试试 --set meta=full，把名字和校验和一起发过去",
			raw))
	}
	meta = meta.On(labelled(of(0), labelJSON)...).On(sent[0])

	intact := true
	for _, r := range replies {
		sum := sha256.Sum256(r.body)
		intact = intact && r.h.SHA256 == hex.EncodeToString(sum[:])
	}
	var sum lab.Finding
	switch {
	case !hasMeta:
		sum = check("checksum", false, lab.T(
			"not shown with meta=minimal: without a sha256 in the header the receiver cannot tell a damaged body from a good one",
			"meta=minimal 时看不到：报头里没有 sha256，接收方分不出数据是好是坏"))
	default:
		sum = check("checksum", intact && bytes.Equal(first.body, reportBody(size)), lab.T(
			"the receiver hashed each body it read and got the header's SHA-256 both times: the bytes arrived whole and unchanged",
			"接收方对读到的每段数据算哈希，两次都与报头里的 SHA-256 一致：字节完整无误地到达"))
	}
	sum = sum.On(bodies...)

	var added []string
	for _, name := range headerFields(second.h) {
		if !slices.Contains(headerFields(first.h), name) {
			added = append(added, name)
		}
	}
	grow := check("grow", len(added) > 0 && bytes.Equal(second.body, CannedOutput(listCmd)), lab.Text{
		En: fmt.Sprintf("the second header had grown (%s added) and the same reading code handled it: the 4-byte length says how much JSON follows, whatever is in it",
			strings.Join(added, ", ")),
		Zh: fmt.Sprintf("第二个报头变大了（多了 %s），同一段读取代码照样能处理：4 字节的长度说明后面有多少 JSON，不管里面写了什么",
			strings.Join(added, "、"))})
	if len(added) == 0 {
		grow = check("grow", false, lab.T(
			"not shown with meta=minimal: both headers were {\"datasize\": n}; try --set meta=full",
			"meta=minimal 时看不到：两个报头都是 {\"datasize\": n}；试试 --set meta=full"))
	}
	grow = grow.On(labelled(of(1), labelJSON)...).On(sent[1])
	return []lab.Finding{parts, meta, sum, grow}
}
