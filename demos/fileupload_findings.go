package demos

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// Demo 15's findings: what the trace of lab run 15 shows of its two
// connections.

// uploadParts is what the trace shows of the two connections.
type uploadParts struct {
	ackConn, jsonConn lab.Trace // the client's calls on each
	ackServ, jsonServ lab.Trace // the server's
	serverNotes       lab.Trace
}

func splitUpload(t lab.Trace) (uploadParts, bool) {
	var p uploadParts
	connects := t.Calls(lab.Client, lab.OpConnect)
	accepts := t.Calls(lab.Server, lab.OpAccept)
	if len(connects) != 2 || len(accepts) != 2 {
		return p, false
	}
	on := func(side lab.Role, id int) lab.Trace {
		return t.Filter(func(e lab.Event) bool { return e.Side == side && e.Conn == id && e.Err == "" })
	}
	p.ackConn, p.jsonConn = on(lab.Client, connects[0].Conn), on(lab.Client, connects[1].Conn)
	p.ackServ, p.jsonServ = on(lab.Server, accepts[0].Conn), on(lab.Server, accepts[1].Conn)
	p.serverNotes = t.Calls(lab.Server, lab.OpNote)
	return p, true
}

// moved adds up the bytes the events moved, kept or not.
func moved(t lab.Trace) int64 {
	var n int64
	for _, e := range t {
		n += int64(e.N)
	}
	return n
}

// putReply is a reply the client read, as the trace shows it.
type putReply struct {
	h           wire.JSONHeader
	status, why string
}

// replies decodes the replies the client read on the JSON connection.
func replies(c lab.Trace) []putReply {
	r := bytes.NewReader(ops(c, lab.OpRecv).Bytes())
	var out []putReply
	for {
		h, err := wire.ReadJSONHeader(r, 0)
		if err != nil {
			return out
		}
		var p putReply
		p.h = h
		json.Unmarshal(h.Extra["status"], &p.status)
		json.Unmarshal(h.Extra["error"], &p.why)
		out = append(out, p)
	}
}

// putHeaders are the client's sendall calls that carried a put's header
// (the demo names them), in order.
func putHeaders(c lab.Trace) lab.Trace {
	return c.Filter(func(e lab.Event) bool {
		return e.Op == lab.OpSendAll && (e.Step == "put-header" || e.Step == "hostile-header")
	})
}

// parsePut decodes the header a put's sendall carried, if the trace kept
// all of it: a stream's first 64 KiB always are, and a header is the first
// thing on its connection; the one after a big file may have been cut to
// its first bytes.
func parsePut(e lab.Event) (wire.JSONHeader, bool) {
	if len(e.Marks) != 2 || len(e.Data) < e.N {
		return wire.JSONHeader{}, false
	}
	h, err := wire.ParseJSON(e.Part(e.Marks[1]), uploadMax)
	return h, err == nil
}

func uploadFindings(t lab.Trace, p lab.Params) []lab.Finding {
	size := int64(p.Int("size"))
	name := p.String("name")
	parts, ok := splitUpload(t)
	if !ok {
		bad := lab.T("the client did not make its two connections", "客户端没有建立它的两个连接")
		return []lab.Finding{check("ack", false, bad), check("whole", false, bad), check("header", false, bad), check("refused", false, bad)}
	}
	want := contentSHA(size)
	ack, whole := uploadAckFindings(parts, size, want)
	// Uploads 2 and 3: JSON headers, no waiting, a reply each.
	heads := putHeaders(parts.jsonConn)
	reps := replies(parts.jsonConn)
	if len(heads) != 2 || len(reps) != 2 {
		bad := lab.T("the client did not send two puts and read two replies", "客户端没有发出两个 put 并读到两个回复")
		return []lab.Finding{ack, whole, check("header", false, bad), check("refused", false, bad)}
	}
	return []lab.Finding{ack, whole, uploadHeaderFinding(parts, heads, reps[0], name, size, want), uploadRefusedFinding(parts, reps, name)}
}

// uploadAckFindings are upload 1's: the size alone, the ack, then the file,
// which arrived whole.
func uploadAckFindings(parts uploadParts, size int64, want string) (ack, whole lab.Finding) {
	digits := strconv.FormatInt(size, 10)
	sends, recvs := ops(parts.ackConn, lab.OpSendAll), ops(parts.ackConn, lab.OpRecv)
	srecvs := ops(parts.ackServ, lab.OpRecv)
	alone := len(srecvs) > 0 && string(srecvs[0].Data) == digits
	waited := len(sends) > 0 && len(recvs) > 0 && string(recvs[0].Data) == uploadAck
	var rtt time.Duration
	if waited {
		rtt = recvs[0].T - sends[0].T
		for _, e := range sends[1:] {
			waited = waited && e.Seq > recvs[0].Seq
		}
	}
	ack = check("ack", alone && waited, lab.Tf(
		"upload 1: the server's first recv(1024) got b'%s', the size alone, because the client sent no byte of the file before it had read the ack b'%s'; the wait cost one round trip (%.3f ms from sending the size to reading the ack)",
		"上传 1：服务端第一次 recv(1024) 收到 b'%s'，只有大小，因为客户端读到确认 b'%s' 之前没有发出文件的任何字节；这次等待花了一个往返（从发出大小到读到确认共 %.3f 毫秒）",
		digits, uploadAck, float64(rtt.Microseconds())/1000)).At("size", "ack")

	// The receipt is a small stream of its own, kept whole; the file is
	// checked by its count and by the SHA-256 the server computed.
	var receipt string
	if len(recvs) > 1 {
		receipt = string(recvs[1:].Bytes())
	}
	got := int64(0)
	if len(srecvs) > 0 {
		got = moved(srecvs[1:])
	}
	whole = check("whole", got == size && receipt == want, lab.Tf(
		"upload 1: the server read %d bytes after the size in %d recv calls, exactly as many as announced, and its receipt's SHA-256 %s… is the SHA-256 of the file the client sent: the file arrived whole",
		"上传 1：服务端在大小之后用 %[2]d 次 recv 读了 %[1]d 个字节，正好是声明的数量，回执里的 SHA-256 %[3]s… 就是客户端所发文件的 SHA-256：文件完整到达",
		got, max(srecvs.CallCount()-1, 0), want[:16])).At("receipt", "read-receipt")
	return ack, whole
}

// uploadHeaderFinding is upload 2's: one JSON header carried the name, the size
// and the SHA-256, the file followed without waiting, and was stored.
func uploadHeaderFinding(parts uploadParts, heads lab.Trace, first putReply, name string, size int64, want string) lab.Finding {
	if _, unsafe := wire.SafeName(name); unsafe != nil {
		return check("header", false, lab.Tf(
			"not shown with name=%q: the server refused that name (see below); with a plain name such as notes.txt it stores the file",
			"name=%q 时看不到：服务端拒绝了这个名字（见下）；用 notes.txt 这样的普通名字，它就会存下文件", name))
	}
	// No waiting: the client's last sendall of the first file came before
	// its first recv after the header.
	firstRecv, lastBody := 0, 0
	for _, e := range parts.jsonConn {
		switch {
		case e.Op == lab.OpRecv && e.Seq > heads[0].Seq && firstRecv == 0:
			firstRecv = e.Seq
		case e.Op == lab.OpSendAll && e.Seq > heads[0].Seq && e.Seq < heads[1].Seq:
			lastBody = e.Seq
		}
	}
	noWait := firstRecv > lastBody
	h, parsed := parsePut(heads[0])
	return check("header", parsed && noWait && h.FileName == name && h.DataSize == size && h.SHA256 == want &&
		first.status == "stored" && first.h.FileName == name && first.h.SHA256 == want, lab.Tf(
		"upload 2: one JSON header carried the name %q, the size %d and the SHA-256; the client sent the file right behind it without waiting for anything, and the server's reply says it stored the file with that same SHA-256",
		"上传 2：一个 JSON 报头带上了文件名 %q、大小 %d 和 SHA-256；客户端紧接着发出文件，什么也不等，服务端的回复说它存下了文件，SHA-256 完全相同",
		name, size)).At("put-header", "stored")
}

// uploadRefusedFinding: every unsafe name was refused (the server's replies
// echo the names it read), its bytes discarded: the server read every
// byte the client sent on the connection, the same count and the same
// SHA-256, so it stayed in step; and nothing was written outside (the
// server's notes named outsideStep, one per unsafe name).
func uploadRefusedFinding(parts uploadParts, reps []putReply, name string) lab.Finding {
	var unsafeNames []string
	refusedOK := true
	for i, n := range []string{name, hostileName} {
		if _, err := wire.SafeName(n); err != nil {
			unsafeNames = append(unsafeNames, strconv.Quote(n))
			refusedOK = refusedOK && reps[i].status == "refused" && reps[i].h.FileName == n &&
				strings.Contains(reps[i].why, wire.ErrUnsafeName.Error())
		}
	}
	notes := len(parts.serverNotes.Step(outsideStep))
	sent, read := ops(parts.jsonConn, lab.OpSendAll), ops(parts.jsonServ, lab.OpRecv)
	inStep := moved(read) == moved(sent) && sumOf(read) == sumOf(sent)
	return check("refused", refusedOK && inStep && notes == len(unsafeNames) && len(unsafeNames) > 0, lab.Tf(
		"refused %s, each with a clear error (the last: %q); the server still read and discarded the file's bytes, so it stayed in step with the stream (it read exactly the %d bytes the client sent on the connection), and nothing was written outside its folder",
		"拒绝了 %s，每次都给出明确的错误（最后一次的原话：%q）；服务端仍然读出并丢弃了文件的字节，所以和数据流保持同步（它在这个连接上正好读了客户端发出的 %d 个字节），文件夹之外什么也没写",
		strings.Join(unsafeNames, ", "), reps[len(reps)-1].why, moved(sent))).At("refuse", "hostile-header", outsideStep)
}
