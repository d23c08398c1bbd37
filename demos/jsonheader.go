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
		head, err := conn.RecvExactlyPart(wire.HeaderSize, 0, partLength, labelLength) // head = client.recv(4)
		if err != nil {
			return err
		}
		size, err := wire.ParseHeader(head, wire.Little, wire.MaxJSONHeader) // headsize = struct.unpack('i', head)[0]
		if err != nil {
			return err
		}
		s.Key("read-json")
		headBytes, err := conn.RecvExactlyPart(size, 0, partJSON, labelJSON) // head_bytes = client.recv(headsize)
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
		body, err := conn.RecvExactlyPart(int(h.DataSize), 1024, partBody, labelBody)
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
