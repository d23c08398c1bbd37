package demos

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// Demo 5's findings: the reader's frames rebuilt from its labelled recvs,
// then one short function per finding.

// structFrame is one message as the reader's recv events show it. Bytes
// are kept only as far as the trace kept them (a stream's first
// lab.StreamKeep bytes): a big payload is known by its count and digest.
type structFrame struct {
	header, payload []byte
	recvs           []int     // bytes of each recv, header and payload
	payloadN        int       // payload bytes received (all of them, kept or not)
	headerEvs       lab.Trace // the recvs of the header
	payloadEvs      lab.Trace // the recvs of the payload
}

// last is the frame's last recv, or the zero Event.
func (f structFrame) last() lab.Event {
	if len(f.payloadEvs) > 0 {
		return f.payloadEvs.Last()
	}
	return f.headerEvs.Last()
}

// readerFrames rebuilds the reader's messages from its recvs, by the part
// ids of their marks.
func readerFrames(t lab.Trace) []structFrame {
	var frames []structFrame
	for _, e := range t.Calls(lab.Server, lab.OpRecv) {
		if e.N == 0 {
			continue
		}
		var m lab.Mark
		switch {
		case len(e.Marks) == 1:
			m = e.Marks[0]
		case len(e.Marks) == 0 && e.Calls > 0:
			// The event standing for a long run of like calls
			// (lab.KeepCalls) keeps no marks: such a run is only ever
			// the payload's receive-exactly loop.
			m = lab.Mark{Label: structPayloadLabel, Part: structPartPayload}
		default:
			continue
		}
		switch m.Part {
		case structPartHeader:
			if len(frames) == 0 || len(frames[len(frames)-1].header) == wire.HeaderSize {
				frames = append(frames, structFrame{})
			}
			f := &frames[len(frames)-1]
			f.header = append(f.header, e.Part(m)...)
			f.recvs = append(f.recvs, e.N)
			f.headerEvs = append(f.headerEvs, e)
		case structPartPayload:
			if len(frames) == 0 {
				continue
			}
			f := &frames[len(frames)-1]
			if e.Calls == 0 {
				f.payload = append(f.payload, e.Part(m)...)
				f.recvs = append(f.recvs, e.N)
			} else {
				// Like calls ask alike (one call label): none got more than it asked.
				f.recvs = append(f.recvs, e.Req/e.Calls)
			}
			f.payloadN += e.N
			f.payloadEvs = append(f.payloadEvs, e)
		}
	}
	return frames
}

// structStream is the Digest of every byte the writer of demo 5 sends: the
// frames of part 1, then the big frame of part 2.
func structStream(p lab.Params) lab.Digest {
	var h lab.Digester
	order := structOrder(p)
	for _, m := range structMessages {
		f, _ := frame(order, []byte(m))
		h.Write(f)
	}
	size := p.Int("size")
	head, _ := wire.AppendHeader(nil, order, size)
	h.Write(head)
	chunk := appendLetters(nil, 26*2520) // whole alphabets: each chunk starts at a
	for ; size > 0; size -= len(chunk) {
		h.Write(chunk[:min(size, len(chunk))])
	}
	return h.Digest()
}

// structRun is what demo 5's findings read: the reader's frames, at least
// one for each message of part 1 and one for part 2's.
type structRun struct {
	t         lab.Trace
	p         lab.Params
	order     wire.Order
	format    string
	buf, size int
	frames    []structFrame
}

// structChecks are demo 5's findings in order.
var structChecks = []func(r *structRun) lab.Finding{
	structSeparated, structParts, structWhole, structOrderFinding, structLimit,
}

func structHeaderFindings(t lab.Trace, p lab.Params) []lab.Finding {
	r := &structRun{t: t, p: p, order: structOrder(p), format: structFormat(p),
		buf: p.Int("buf"), size: p.Int("size"), frames: readerFrames(t)}
	for len(r.frames) < len(structMessages)+1 {
		r.frames = append(r.frames, structFrame{})
	}
	out := make([]lab.Finding, 0, len(structChecks))
	for _, c := range structChecks {
		out = append(out, c(r))
	}
	return out
}

// part1 is the reader's recvs of part 1.
func (r *structRun) part1() lab.Trace {
	var part1 lab.Trace
	for _, f := range r.frames[:len(structMessages)] {
		part1 = append(append(part1, f.headerEvs...), f.payloadEvs...)
	}
	return part1
}

// structSeparated, part 1: the two frames waited merged, and still came
// out apart.
func structSeparated(r *structRun) lab.Finding {
	queued := -1
	var queuedNote lab.Event
	for _, e := range r.t {
		if e.Side == lab.Server && e.Op == lab.OpNote && e.Name == lab.NoteQueued {
			queued, queuedNote = e.N, e
			break
		}
	}
	var got []string
	var recvs []int
	for _, f := range r.frames[:len(structMessages)] {
		got = append(got, string(f.payload))
		recvs = append(recvs, f.recvs...)
	}
	ok := fmt.Sprint(got) == fmt.Sprint(structMessages)
	text := lab.Tf("the reader got the messages %q apart, with recv calls of %v bytes: the header said where each one ends",
		"接收方分别收到了消息 %q，recv 调用依次得到 %v 字节：报头说明了每条消息在哪里结束", got, recvs)
	if queued >= 0 {
		ok = ok && queued == structMerged()
		text = lab.Tf("both frames (%d bytes) waited merged in the receive buffer, as in demo 4, yet the reader got the messages %q apart, with recv calls of %v bytes: the header said where each one ends",
			"两帧（%d 字节）像演示 4 一样合并在接收缓冲区里，接收方仍然分别收到了消息 %q，recv 调用依次得到 %v 字节：报头说明了每条消息在哪里结束",
			queued, got, recvs)
	}
	return check("separated", ok, text).On(queuedNote).On(r.part1()...)
}

// structParts: header bytes apart from payload bytes.
func structParts(r *structRun) lab.Finding {
	var headers, payloads int
	partsOK := true
	for i, f := range r.frames[:len(structMessages)] {
		want, _ := frame(r.order, []byte(structMessages[i]))
		partsOK = partsOK && bytes.Equal(append(append([]byte(nil), f.header...), f.payload...), want)
		headers += len(f.header)
		payloads += len(f.payload)
	}
	return check("parts", partsOK, lab.Tf(
		"of those bytes the reader took %d as headers and %d as payload, and never read past a message: each recv asked only for what the current part still lacked",
		"在这些字节里，接收方把 %d 个当作报头、%d 个当作数据，而且从不读过一条消息的结尾：每次 recv 只要当前这一部分还缺的字节",
		headers, payloads)).On(r.part1()...)
}

// structWhole, part 2: a message much larger than one recv, and maybe than
// what the trace keeps of it: its count and the stream's digest say it is
// whole.
func structWhole(r *structRun) lab.Finding {
	big := r.frames[len(structMessages)]
	largest := 0
	for _, n := range big.recvs {
		largest = max(largest, n)
	}
	calls := big.payloadEvs.CallCount()
	sum, want := big.last().Sum, structStream(r.p)
	intact := big.payloadN == r.size && sum == want
	return check("whole", intact && largest <= r.buf, lab.Tf(
		"the %d-byte message arrived whole (the same bytes as sent, by count and hash) over %d payload recv calls, none larger than %d bytes: the receive-exactly loop kept asking until it had all the header announced",
		"%d 字节的消息完整收到（字节数和哈希值都与发出的一致），分 %d 次 recv，每次不超过 %d 字节：“恰好收满”的循环一直读，直到收到报头所说的全部字节",
		r.size, calls, r.buf)).On(r.t.Step("send-big")...).On(big.payloadEvs...)
}

// structOrderFinding: the byte order of the header on the wire.
func structOrderFinding(r *structRun) lab.Finding {
	h := r.frames[0].header
	other := wire.Big
	if r.order == wire.Big {
		other = wire.Little
	}
	misread, _ := wire.ParseHeader(h, other, math.MaxInt32)
	wantHead, _ := wire.AppendHeader(nil, r.order, len(structMessages[0]))
	orderFinding := check("order", bytes.Equal(h, wantHead), lab.Tf(
		"struct.pack('%s', 5) put % x on the wire (%s). A reader that assumed the other order would read a length of %d: both ends must agree, and '!' (network order) is the same on every machine",
		"struct.pack('%s', 5) 在线路上是 % x（%s）。如果接收方以为是另一种字节序，会读出长度 %d：两端必须一致，而 '!'（网络字节序）在任何机器上都一样",
		r.format, h, orderName(r.order).En, misread)).On(r.t.Step("send-hello")...).On(r.frames[0].headerEvs...)
	orderFinding.Text.Zh = fmt.Sprintf("struct.pack('%s', 5) 在线路上是 % x（%s）。如果接收方以为是另一种字节序，会读出长度 %d：两端必须一致，而 '!'（网络字节序）在任何机器上都一样",
		r.format, h, orderName(r.order).Zh, misread)
	return orderFinding
}

// structLimit: the limit of a signed 32-bit length.
func structLimit(r *structRun) lab.Finding {
	_, errMax := wire.AppendHeader(nil, r.order, math.MaxInt32)
	_, errOver := wire.AppendHeader(nil, r.order, int(int64(math.MaxInt32)+1))
	return check("limit", errMax == nil && errors.Is(errOver, wire.ErrTooLarge), lab.T(
		"the largest length a signed 4-byte header ('i') can carry is 2³¹−1 = 2147483647 bytes; the encoder refuses 2³¹ from the length alone, before allocating anything, as Python's struct.pack('i', 2**31) raises struct.error",
		"有符号 4 字节报头（'i'）能表示的最大长度是 2³¹−1 = 2147483647 字节；编码器只看长度就拒绝 2³¹，不会先分配任何内存，就像 Python 的 struct.pack('i', 2**31) 会抛出 struct.error")).At("limit")
}
