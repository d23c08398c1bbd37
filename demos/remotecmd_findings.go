package demos

import (
	"bytes"
	"fmt"
	"strings"

	"socketlab/lab"
)

// Demo 10's findings: the client's reads split by the command they
// answered, then one short function per finding.

// answer is what the client read for one command.
type answer struct {
	raw    []byte    // every byte its reads returned
	output []byte    // the bytes of part output (all of raw when unframed)
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
					if m.Part == partOutput {
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

// remoteRun is what demo 10's findings read: the client's answers, split
// by the command they answered, and the bytes it drained at the end.
type remoteRun struct {
	t       lab.Trace
	buf     int
	framing string
	big     []byte // the first command's output, longer than one recv
	answers []answer
	drained []byte
	drain   lab.Trace
}

func remoteCmdFindings(t lab.Trace, p lab.Params) []lab.Finding {
	r := &remoteRun{t: t, buf: p.Int("buf"), framing: p.String("framing"), big: CannedOutput(remoteCommands[0])}
	safe := remoteSafe(t)
	r.answers, r.drained, r.drain = remoteCmdAnswers(t)
	if len(r.answers) != len(remoteCommands) {
		bad := lab.T("the client did not send every command", "客户端没有发出所有命令")
		return []lab.Finding{check("cut", false, bad), check("drift", false, bad), safe}
	}
	if r.framing == "none" {
		return []lab.Finding{remoteCut(r), remoteDrift(r), remoteStream(r), safe}
	}
	return []lab.Finding{remoteFramedCut(r), remoteInStep(r), safe}
}

// remoteSafe: each reply was the table's text for the command received.
func remoteSafe(t lab.Trace) lab.Finding {
	cmds := t.Calls(lab.Server, lab.OpRecv)
	replies := t.Calls(lab.Server, lab.OpSendAll)
	safeOK := len(replies) == len(remoteCommands) && len(cmds) == len(remoteCommands)+1
	for i := 0; safeOK && i < len(replies); i++ {
		safeOK = string(cmds[i].Data) == remoteCommands[i] && bytes.Equal(unframe(replies[i]), CannedOutput(remoteCommands[i]))
	}
	last := remoteCommands[len(remoteCommands)-1]
	safeOK = safeOK && bytes.Contains(CannedOutput(last), []byte("command not found"))
	return check("safe", safeOK, lab.Tf(
		"every answer came from the lab's fixed table of texts; %q got \"command not found\": the server never starts a shell or a program, whatever the client sends",
		"每个回答都来自实验台固定的文本表；%q 得到的是 \"command not found\"：无论客户端发什么，服务端都不会启动 shell 或任何程序",
		last)).At("not-found").On(cmds...).On(replies...)
}

// cutOK reports whether, unframed, the first answer was cut: the client's
// first reads got only the head of the big output.
func (r *remoteRun) cutOK() bool {
	first := r.answers[0].raw
	return len(first) < len(r.big) && bytes.HasPrefix(r.big, first)
}

// remoteCut, unframed: one recv returned only part of the long answer.
func remoteCut(r *remoteRun) lab.Finding {
	cut := check("cut", r.cutOK(), lab.Tf(
		"the answer to %q is %d bytes, but one recv(%d) returned only %d of them: the rest stayed in the client's buffer",
		"%q 的回答有 %d 个字节，但一次 recv(%d) 只拿到其中 %d 个：其余的留在客户端的缓冲区里",
		remoteCommands[0], len(r.big), r.buf, len(r.answers[0].raw)))
	if !r.cutOK() {
		cut = check("cut", false, lab.Tf(
			"not shown with buf=%d: the %d-byte answer fitted in one recv; try --set buf=1024 (a longer output would spill again)",
			"buf=%d 时看不到：%d 字节的回答一次 recv 就装下了；试试 --set buf=1024（输出再长一点还会溢出）",
			r.buf, len(r.big)))
	}
	return cut.On(r.answers[0].calls...)
}

// remoteDrift, unframed: the second answer began with the rest of the first.
func remoteDrift(r *remoteRun) lab.Finding {
	rest := r.big[min(len(r.answers[0].raw), len(r.big)):]
	second := r.answers[1].raw
	driftOK := r.cutOK() && len(second) > 0 && bytes.HasPrefix(rest, second[:min(len(second), len(rest))])
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
			"buf=%d 时看不到：每个回答一次 recv 就装下了，所以恰好都没有错位", r.buf))
	}
	return drift.On(r.answers[1].calls...)
}

// remoteStream, unframed: end to end, no byte was lost or reordered.
func remoteStream(r *remoteRun) lab.Finding {
	var all []byte
	for _, a := range r.answers {
		all = append(all, a.raw...)
	}
	all = append(all, r.drained...)
	var want []byte
	for _, c := range remoteCommands {
		want = append(want, CannedOutput(c)...)
	}
	stream := check("stream", bytes.Equal(all, want), lab.T(
		"no byte was lost or reordered: read end to end, the client got exactly the three outputs one after the other; only the boundaries between them were lost",
		"没有丢失也没有乱序的字节：从头到尾连起来，客户端收到的正是三个输出首尾相接；丢掉的只是它们之间的边界"))
	for _, a := range r.answers {
		stream = stream.On(a.calls...)
	}
	return stream.On(r.drain...)
}

// remoteFramedCut, framed: the long answer took several reads, all of it.
func remoteFramedCut(r *remoteRun) lab.Finding {
	outputReads := r.answers[0].reads
	var cut lab.Finding
	if len(r.big) > r.buf {
		cut = check("cut", outputReads >= 2, lab.Tf(
			"the %d-byte answer to %q still did not fit one recv(%d): the header said how many bytes to wait for, so the client read %d times until it had them all",
			"%[2]q 的 %[1]d 字节回答仍然不能一次 recv(%[3]d) 装下：报头说明了要等多少字节，所以客户端读了 %[4]d 次，直到收齐",
			len(r.big), remoteCommands[0], r.buf, outputReads))
	} else {
		cut = check("cut", false, lab.Tf(
			"not shown with buf=%d: the %d-byte answer fitted in one recv",
			"buf=%d 时看不到：%d 字节的回答一次 recv 就装下了", r.buf, len(r.big)))
	}
	return cut.On(r.answers[0].calls...)
}

// remoteInStep, framed: each answer was read whole before the next command.
func remoteInStep(r *remoteRun) lab.Finding {
	inStep := len(r.drained) == 0
	for i, c := range remoteCommands {
		inStep = inStep && bytes.Equal(r.answers[i].output, CannedOutput(c))
	}
	step := check("in-step", inStep, lab.Tf(
		"in step: with a %s header each answer was read in full before the next command, so %q showed %q",
		"没有错位：有了 %s 报头，每个回答都在下一条命令之前完整读完，所以 %q 显示的是 %q",
		r.framing, remoteCommands[1], strings.TrimSpace(string(r.answers[1].output))))
	for _, a := range r.answers {
		step = step.On(a.calls...)
	}
	return step
}
