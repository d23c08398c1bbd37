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
	return conn.RecvExactly(size, buf, labelOutput) // while recv_size < datasize: ...
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
	return conn.RecvExactly(int(h.DataSize), buf, labelOutput) // while recv_size < datasize: ...
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

// answer is what the client read for one command.
type answer struct {
	raw    []byte    // every byte its reads returned
	output []byte    // the bytes labelled as output (all of raw when unframed)
	reads  int       // the reads that returned output bytes
	calls  lab.Trace // its reads
}

// remoteCmdAnswers splits the client's reads by the command they answered:
// the reads made after the client sent command i and before command i+1,
// and the reads after the last command (the drain).
func remoteCmdAnswers(t lab.Trace) (answers []answer, drained []byte, drain lab.Trace) {
	reads := clientReads(t, 1)
	sends := t.Calls(lab.Client, lab.OpSendAll)
	answers = make([]answer, len(sends))
	var shutdown int
	for _, e := range t.Calls(lab.Client, lab.OpShutdown) {
		shutdown = e.Seq
	}
	for _, e := range reads {
		if shutdown > 0 && e.Seq > shutdown {
			drained = append(drained, e.Data...)
			drain = append(drain, e)
			continue
		}
		for i := len(sends) - 1; i >= 0; i-- {
			if e.Seq < sends[i].Seq {
				continue
			}
			a := &answers[i]
			a.calls = append(a.calls, e)
			a.raw = append(a.raw, e.Data...)
			out := e.Data
			if len(e.Marks) > 0 {
				out = nil
				for _, m := range e.Marks {
					if m.Label.En == labelOutput.En {
						out = append(out, e.Part(m)...)
					}
				}
			}
			a.output = append(a.output, out...)
			if len(out) > 0 {
				a.reads++
			}
			break
		}
	}
	return answers, drained, drain
}

// unframe removes the framing from a reply as the server sent it, using the
// marks it labelled its parts with.
func unframe(e lab.Event) []byte {
	if len(e.Marks) == 0 {
		return e.Data
	}
	last := e.Marks[len(e.Marks)-1]
	return e.Part(last)
}

func remoteCmdFindings(t lab.Trace, p lab.Params) []lab.Finding {
	buf := p.Int("buf")
	framing := p.String("framing")
	big := CannedOutput(remoteCommands[0])

	// Safe: each reply was the table's text for the command received.
	cmds := t.Calls(lab.Server, lab.OpRecv)
	replies := t.Calls(lab.Server, lab.OpSendAll)
	safeOK := len(replies) == len(remoteCommands) && len(cmds) == len(remoteCommands)+1
	for i := 0; safeOK && i < len(replies); i++ {
		safeOK = string(cmds[i].Data) == remoteCommands[i] && bytes.Equal(unframe(replies[i]), CannedOutput(remoteCommands[i]))
	}
	last := remoteCommands[len(remoteCommands)-1]
	safeOK = safeOK && bytes.Contains(CannedOutput(last), []byte("command not found"))
	safe := check("safe", safeOK, lab.Tf(
		"every answer came from the lab's fixed table of texts; %q got \"command not found\": the server never starts a shell or a program, whatever the client sends",
		"每个回答都来自实验台固定的文本表；%q 得到的是 \"command not found\"：无论客户端发什么，服务端都不会启动 shell 或任何程序",
		last)).At("not-found").On(cmds...).On(replies...)

	answers, drained, drain := remoteCmdAnswers(t)
	if len(answers) != len(remoteCommands) {
		bad := lab.T("the client did not send every command", "客户端没有发出所有命令")
		return []lab.Finding{check("cut", false, bad), check("drift", false, bad), safe}
	}
	first := answers[0].raw

	if framing == "none" {
		cutOK := len(first) < len(big) && bytes.HasPrefix(big, first)
		cut := check("cut", cutOK, lab.Tf(
			"the answer to %q is %d bytes, but one recv(%d) returned only %d of them: the rest stayed in the client's buffer",
			"%q 的回答有 %d 个字节，但一次 recv(%d) 只拿到其中 %d 个：其余的留在客户端的缓冲区里",
			remoteCommands[0], len(big), buf, len(first)))
		if !cutOK {
			cut = check("cut", false, lab.Tf(
				"not shown with buf=%d: the %d-byte answer fitted in one recv; try --set buf=1024 (a longer output would spill again)",
				"buf=%d 时看不到：%d 字节的回答一次 recv 就装下了；试试 --set buf=1024（输出再长一点还会溢出）",
				buf, len(big)))
		}
		cut = cut.On(answers[0].calls...)
		rest := big[min(len(first), len(big)):]
		second := answers[1].raw
		driftOK := cutOK && len(second) > 0 && bytes.HasPrefix(rest, second[:min(len(second), len(rest))])
		shown := screen(second[:min(len(second), len(rest))])
		whoami := strings.TrimSpace(string(CannedOutput(remoteCommands[1])))
		drift := check("drift", driftOK, lab.T(
			fmt.Sprintf("out of step: what the client showed for %q began with the rest of %q's output (%s), not with %q",
				remoteCommands[1], remoteCommands[0], shown.En, whoami),
			fmt.Sprintf("错位了：客户端为 %q 显示的内容，开头是 %q 的输出剩下的部分（%s），而不是 %q",
				remoteCommands[1], remoteCommands[0], shown.Zh, whoami)))
		if !driftOK {
			drift = check("drift", false, lab.Tf(
				"not shown with buf=%d: each answer fitted in one recv, so every answer happened to be in step",
				"buf=%d 时看不到：每个回答一次 recv 就装下了，所以恰好都没有错位", buf))
		}
		drift = drift.On(answers[1].calls...)
		var all []byte
		for _, a := range answers {
			all = append(all, a.raw...)
		}
		all = append(all, drained...)
		var want []byte
		for _, c := range remoteCommands {
			want = append(want, CannedOutput(c)...)
		}
		stream := check("stream", bytes.Equal(all, want), lab.T(
			"no byte was lost or reordered: read end to end, the client got exactly the three outputs one after the other; only the boundaries between them were lost",
			"没有丢失也没有乱序的字节：从头到尾连起来，客户端收到的正是三个输出首尾相接；丢掉的只是它们之间的边界"))
		for _, a := range answers {
			stream = stream.On(a.calls...)
		}
		stream = stream.On(drain...)
		return []lab.Finding{cut, drift, stream, safe}
	}

	inStep := len(drained) == 0
	for i, c := range remoteCommands {
		inStep = inStep && bytes.Equal(answers[i].output, CannedOutput(c))
	}
	outputReads := answers[0].reads
	var cut lab.Finding
	if len(big) > buf {
		cut = check("cut", outputReads >= 2, lab.Tf(
			"the %d-byte answer to %q still did not fit one recv(%d): the header said how many bytes to wait for, so the client read %d times until it had them all",
			"%[2]q 的 %[1]d 字节回答仍然不能一次 recv(%[3]d) 装下：报头说明了要等多少字节，所以客户端读了 %[4]d 次，直到收齐",
			len(big), remoteCommands[0], buf, outputReads))
	} else {
		cut = check("cut", false, lab.Tf(
			"not shown with buf=%d: the %d-byte answer fitted in one recv",
			"buf=%d 时看不到：%d 字节的回答一次 recv 就装下了", buf, len(big)))
	}
	cut = cut.On(answers[0].calls...)
	step := check("in-step", inStep, lab.Tf(
		"in step: with a %s header each answer was read in full before the next command, so %q showed %q",
		"没有错位：有了 %s 报头，每个回答都在下一条命令之前完整读完，所以 %q 显示的是 %q",
		framing, remoteCommands[1], strings.TrimSpace(string(answers[1].output))))
	for _, a := range answers {
		step = step.On(a.calls...)
	}
	return []lab.Finding{cut, step, safe}
}
