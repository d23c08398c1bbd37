package demos

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// remoteCommands are what the remote-cmd client types, in order: a long
// output, a short one, and one the table does not know.
var remoteCommands = []string{"ls -l", "whoami", "cat /etc/passwd"}

// remoteSteps name the client's calls for each command: the sendall() that
// types it, the read of its answer with framing=none, and the first read of
// its output behind a header.
var remoteSteps = []struct{ typed, answer, output string }{
	{"type-ls", "answer-ls", "output-ls"},
	{"type-whoami", "answer-whoami", "output-whoami"},
	{"type-passwd", "answer-passwd", "output-passwd"},
}

// partOutput is the part id of a framed reply's output (lab.Mark.Part),
// which the findings match, on the client's reads.
const partOutput = "output"

// remoteCmd is demo 10: the tutorial's ssh-like server, made safe. A reply
// longer than the client's buffer spills into the next reply unless each
// reply carries its length.
func remoteCmd() lab.Demo {
	return lab.Demo{
		ID:    10,
		Slug:  "remote-cmd",
		Title: lab.T("A remote command server, safely", "安全版远程命令服务"),
		Brief: lab.T("the tutorial's ssh-like server: without framing, answers fall out of step",
			"教程里的类 ssh 服务：没有报头，回答就会错位"),
		Knobs: []lab.Knob{
			{Name: "framing", Kind: lab.KindEnum, Default: "none", Choices: []string{"none", "struct", "json"},
				Help: lab.T("none: raw output (the tutorial's bug); struct: a 4-byte length first; json: header length + JSON header first",
					"none：直接发输出（教程里的毛病）；struct：先发 4 字节长度；json：先发报头长度和 JSON 报头")},
			{Name: "buf", Kind: lab.KindInt, Default: "1024", Min: 1, Max: 65536,
				Help: lab.T("how many bytes the client's recv(buf) asks for", "客户端每次 recv(buf) 最多要多少字节")},
		},
		Server:   remoteCmdServer,
		Client:   remoteCmdClient,
		Peer:     &lab.Peer{Serve: tcpServe(commandServer("")), Client: commandClient(""), Try: tryCommand("")},
		Findings: remoteCmdFindings,
	}
}

func remoteCmdServer(ctx context.Context, s *lab.Side) error {
	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Signal("listening")
	conn, err := ln.Accept() // conn, addr = server.accept()
	if err != nil {
		return err
	}
	framing := s.Params.String("framing")
	for i := 1; ; i++ {
		cmd, err := conn.Recv(1024) // cmd = conn.recv(1024)
		if err != nil {
			return err
		}
		if len(cmd) == 0 { // if not cmd: break
			break
		}
		// Never a shell: the tutorial's subprocess.Popen(cmd, shell=True)
		// becomes a look-up in a fixed table of harmless texts.
		out := CannedOutput(string(cmd))
		if !isCanned(string(cmd)) {
			s.Key("not-found") // the reply that shows nothing was run
		}
		switch framing {
		case "none":
			err = conn.SendAll(out) // conn.send(back_msg)
		case "struct":
			head, _ := wire.AppendHeader(nil, wire.Little, len(out)) // struct.pack('i', len(back_msg))
			err = conn.SendParts(append(head, out...),
				lab.Mark{From: 0, To: len(head), Label: labelHeader},
				lab.Mark{From: len(head), To: len(head) + len(out), Label: labelOutput})
		case "json":
			head, herr := wire.AppendJSON(nil, wire.JSONHeader{DataSize: int64(len(out))})
			if herr != nil {
				return herr
			}
			n := wire.HeaderSize
			err = conn.SendParts(append(head, out...),
				lab.Mark{From: 0, To: n, Label: labelLength},
				lab.Mark{From: n, To: len(head), Label: labelJSON},
				lab.Mark{From: len(head), To: len(head) + len(out), Label: labelOutput})
		}
		if err != nil {
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

// isCanned reports whether cmd is in the lab's command table.
func isCanned(cmd string) bool {
	_, ok := cannedOutputs[strings.TrimSpace(cmd)]
	return ok
}

// nameAnswer names the client's read of the answer to command i: its one
// recv with framing=none, or the first read of its output behind a header.
// The key calls are those that show what the demo teaches: the long answer
// cut by recv(buf), then the short one out of step (framing=none) or in
// step (with a header).
func nameAnswer(s *lab.Side, i int, framed bool) {
	long := len(CannedOutput(remoteCommands[0]))
	want := CannedOutput(remoteCommands[i])
	st := remoteSteps[i]
	switch {
	case i == 0 && !framed:
		s.KeyIf(st.answer, func(e lab.Event) bool { return e.N < long })
	case i == 0:
		s.KeyIf(st.output, func(e lab.Event) bool { return e.N < long })
	case i == 1 && !framed:
		s.KeyIf(st.answer, func(e lab.Event) bool { return e.N > 0 && !bytes.HasPrefix(e.Data, want) })
	case i == 1:
		s.KeyIf(st.output, func(e lab.Event) bool { return bytes.Equal(e.Data, want) })
	case !framed:
		s.Step(st.answer)
	default:
		s.Step(st.output)
	}
}

func remoteCmdClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	buf := s.Params.Int("buf")
	framing := s.Params.String("framing")
	for i, cmd := range remoteCommands {
		s.Section(lab.Tf(">>: %s", ">>: %s", cmd))
		s.Step(remoteSteps[i].typed)
		if err := conn.SendAll([]byte(cmd)); err != nil { // client.send(cmd.encode('utf-8'))
			return err
		}
		// The recipe: read only after the server has written its whole
		// answer, so everything it sent is already waiting here.
		if err := s.Wait(fmt.Sprintf("replied-%d", i+1)); err != nil {
			return err
		}
		var res []byte
		switch framing {
		case "none":
			nameAnswer(s, i, false)
			res, err = conn.Recv(buf) // res = client.recv(1024)
		case "struct":
			res, err = readStructReply(s, conn, buf, i)
		case "json":
			res, err = readJSONReply(s, conn, buf, i)
		}
		if err != nil {
			return err
		}
		sc := screen(res)
		s.Note(lab.T(fmt.Sprintf("print(res.decode()) shows %d bytes for %q: %s", len(res), cmd, sc.En),
			fmt.Sprintf("print(res.decode()) 为 %q 显示了 %d 个字节：%s", cmd, len(res), sc.Zh)))
	}
	// Done typing: say so, then read whatever is still on its way.
	if err := conn.CloseWrite(); err != nil { // client.shutdown(socket.SHUT_WR)
		return err
	}
	var left int
	s.Step("drain")
	for {
		data, err := conn.Recv(buf)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			break
		}
		left += len(data)
	}
	if left > 0 {
		s.Note(lab.Tf("%d bytes of answers were still unread when the client stopped typing: it was behind",
			"客户端不再输入命令时，还有 %d 个字节的回答没读：它一直落后", left))
	}
	return conn.Close()
}

// readStructReply reads a struct-framed reply to command i: 4 bytes of
// length, then exactly that many bytes, at most buf per recv.
func readStructReply(s *lab.Side, conn *lab.Conn, buf, i int) ([]byte, error) {
	s.Step("read-header")
	head, err := conn.RecvExactly(wire.HeaderSize, 0, labelHeader) // head = client.recv(4)
	if err != nil {
		return nil, err
	}
	size, err := wire.ParseHeader(head, wire.Little, 1<<20) // datasize = struct.unpack('i', head)[0]
	if err != nil {
		return nil, err
	}
	if size > 0 {
		nameAnswer(s, i, true)
	}
	return conn.RecvExactlyPart(size, buf, partOutput, labelOutput) // while recv_size < datasize: ...
}

// readJSONReply reads a JSON-framed reply to command i: header length, JSON
// header, then datasize bytes, at most buf per recv.
func readJSONReply(s *lab.Side, conn *lab.Conn, buf, i int) ([]byte, error) {
	s.Step("read-length")
	head, err := conn.RecvExactly(wire.HeaderSize, 0, labelLength) // head = client.recv(4)
	if err != nil {
		return nil, err
	}
	size, err := wire.ParseHeader(head, wire.Little, wire.MaxJSONHeader) // headsize = struct.unpack('i', head)[0]
	if err != nil {
		return nil, err
	}
	s.Step("read-json")
	headBytes, err := conn.RecvExactly(size, 0, labelJSON) // head_bytes = client.recv(headsize)
	if err != nil {
		return nil, err
	}
	h, err := wire.ParseJSON(headBytes, 1<<20) // head_dict = json.loads(head_bytes.decode('utf-8'))
	if err != nil {
		return nil, err
	}
	if h.DataSize > 0 {
		nameAnswer(s, i, true)
	}
	return conn.RecvExactlyPart(int(h.DataSize), buf, partOutput, labelOutput) // while recv_size < datasize: ...
}

// screen shows what printing res would show: its first and last line.
func screen(res []byte) lab.Text {
	text := strings.TrimRight(lab.PyDecode(res), "\n")
	lines := strings.Split(text, "\n")
	if len(lines) <= 2 {
		q := fmt.Sprintf("%q", text)
		return lab.T(q, q)
	}
	return lab.Tf("%q … %q (%d lines)", "%q … %q（%d 行）", lines[0], lines[len(lines)-1], len(lines))
}
