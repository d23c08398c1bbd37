package demos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// The label the writer and the reader of demo 5 put on payload bytes, so
// the trace draws them apart from the header (structHeaderLabel, shared.go).
var structPayloadLabel = lab.T("payload", "数据")

// structMax is the largest frame the reader of demo 5 accepts (the size
// knob's maximum); maxRecvCalls bounds the trace of a small buf.
const (
	structMax    = 16 << 20
	maxRecvCalls = 100000
)

// structHeader is demo 5: the fix for demo 4. Each message goes behind a
// 4-byte length, struct.pack('i', n), and the reader first reads exactly 4
// bytes, then exactly n.
func structHeader() lab.Demo {
	return lab.Demo{
		ID:    5,
		Slug:  "struct-header",
		Title: lab.T("A fixed 4-byte length header", "固定 4 字节的长度报头"),
		Brief: lab.T("the fix: struct.pack('i', len) before each message, and a receive-exactly loop",
			"解决办法：每条消息前加 struct.pack('i', len)，再用“恰好收满”的循环来读"),
		Knobs: []lab.Knob{
			{Name: "order", Kind: lab.KindEnum, Default: "native", Choices: []string{"native", "network"},
				Help: lab.T("the header's byte order: native = struct.pack('i', n), little-endian on x86 and ARM; network = struct.pack('!I', n), big-endian everywhere",
					"报头的字节序：native = struct.pack('i', n)，在 x86 和 ARM 上是小端；network = struct.pack('!I', n)，在哪里都是大端")},
			{Name: "size", Kind: lab.KindSize, Default: "10000", Min: 0, Max: structMax,
				Help: lab.T("the size of the big message of part 2, in bytes (64KiB, 1MiB also work)",
					"第 2 部分大消息的字节数（也可以写 64KiB、1MiB）")},
			{Name: "buf", Kind: lab.KindSize, Default: "1024", Min: 1, Max: 1 << 20,
				Help: lab.T("the most bytes each recv asks for, like recv(1024)", "每次 recv 最多要多少字节，就像 recv(1024)")},
		},
		Server:   structHeaderServer,
		Client:   structHeaderClient,
		Peer:     &lab.Peer{Serve: tcpServe(commandServer("struct")), Client: commandClient("struct"), Try: tryCommand("struct")},
		Findings: structHeaderFindings,
	}
}

// structOrder is the byte order the order knob picks.
func structOrder(p lab.Params) wire.Order {
	if p.String("order") == "network" {
		return wire.Big
	}
	return wire.Little
}

// structFormat is the Python struct format of the order knob.
func structFormat(p lab.Params) string {
	if p.String("order") == "network" {
		return "!I"
	}
	return "i"
}

// structMessages are part 1's messages: demo 4's two sends.
var structMessages = []string{"hello", "world"}

// structMerged is the bytes of part 1's frames together.
func structMerged() int {
	n := 0
	for _, m := range structMessages {
		n += wire.HeaderSize + len(m)
	}
	return n
}

// appendLetters appends n letters of part 2's message: a to z over and
// over, from a.
func appendLetters(b []byte, n int) []byte {
	const abc = "abcdefghijklmnopqrstuvwxyz"
	for n > 0 {
		k := min(n, len(abc))
		b = append(b, abc[:k]...)
		n -= k
	}
	return b
}

// bigFrame is part 2's message behind its header, made in one buffer (a
// 16 MiB message is not held twice).
func bigFrame(o wire.Order, n int) ([]byte, error) {
	h, err := wire.AppendHeader(make([]byte, 0, wire.HeaderSize+n), o, n)
	if err != nil {
		return nil, err
	}
	return appendLetters(h, n), nil
}

// frame puts the 4-byte header in front of payload.
func frame(o wire.Order, payload []byte) ([]byte, error) {
	h, err := wire.AppendHeader(nil, o, len(payload))
	if err != nil {
		return nil, err
	}
	return append(h, payload...), nil
}

// structHeaderClient is the writer: each message goes out as one sendall of
// header + payload, first demo 4's two small messages, then a big one.
func structHeaderClient(ctx context.Context, s *lab.Side) error {
	order, format := structOrder(s.Params), structFormat(s.Params)
	if err := s.Wait("listening"); err != nil {
		return err
	}
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	s.Section(lab.Tf("Part 1: demo 4's two messages, each behind struct.pack('%s', len(data))",
		"第 1 部分：演示 4 的两条消息，每条前面加上 struct.pack('%s', len(data))", format))
	for _, msg := range structMessages {
		data := []byte(msg)
		f, err := frame(order, data)
		if err != nil {
			return err
		}
		marks := []lab.Mark{{From: 0, To: 4, Label: structHeaderLabel}, {From: 4, To: len(f), Label: structPayloadLabel}}
		s.Step("send-" + msg)
		if err := conn.SendParts(f, marks...); err != nil { // client.sendall(struct.pack('i', len(data)) + data)
			return err
		}
	}
	s.Signal("sent")
	if err := s.Wait("read-1"); err != nil {
		return err
	}

	size := s.Params.Int("size")
	s.Section(lab.Tf("Part 2: one message of %d bytes, read at most %d bytes per recv",
		"第 2 部分：一条 %d 字节的消息，每次 recv 最多读 %d 字节", size, s.Params.Int("buf")))
	f, err := bigFrame(order, size) // struct.pack('i', len(data)) + data
	if err != nil {
		return err
	}
	s.Step("send-big")
	if err := conn.SendParts(f, lab.Mark{From: 0, To: 4, Label: structHeaderLabel}, lab.Mark{From: 4, To: len(f), Label: structPayloadLabel}); err != nil {
		return err
	}

	if err := s.Wait("read-2"); err != nil {
		return err
	}
	s.Section(lab.Tf("Part 3: the limit of '%s': a length must fit in 4 bytes", "第 3 部分：'%s' 的上限：长度必须装进 4 个字节", format))
	tooBig := int64(math.MaxInt32) + 1
	if _, err := wire.AppendHeader(nil, order, int(tooBig)); err != nil { // struct.pack('i', 2**31) raises struct.error
		s.KeyNote("limit", lab.Text{
			En: fmt.Sprintf("framing 2³¹ bytes is refused from the length alone, before a byte is allocated or sent: %v", err),
			Zh: fmt.Sprintf("要给 2³¹ 字节加报头，只看长度就被拒绝，不会分配或发送任何字节：帧长度 %d 超过上限 %d", int64(math.MaxInt32)+1, math.MaxInt32)})
		if format == "i" {
			s.Note(lab.T("Python refuses it too: struct.error: 'i' format requires -2147483648 <= number <= 2147483647",
				"Python 同样拒绝：struct.error: 'i' format requires -2147483648 <= number <= 2147483647"))
		} else {
			s.Note(lab.T("Python's struct.pack('!I', 2**31) would accept it ('I' is unsigned, up to 2³²−1), but a reader that unpacks with 'i' or '!i' would get a negative length: the lab keeps every length within 2³¹−1 so both formats agree",
				"Python 的 struct.pack('!I', 2**31) 会接受它（'I' 是无符号的，最大 2³²−1），但用 'i' 或 '!i' 解包的接收方会得到负的长度：实验台把长度限制在 2³¹−1 以内，两种格式才能一致"))
		}
	}
	return conn.Close() // client.close()
}

// structHeaderServer is the reader: for every message it reads exactly 4
// header bytes, unpacks the length, then reads exactly that many bytes.
func structHeaderServer(ctx context.Context, s *lab.Side) error {
	order, format := structOrder(s.Params), structFormat(s.Params)
	buf, size := s.Params.Int("buf"), s.Params.Int("size")
	if calls := (size + buf - 1) / buf; calls > maxRecvCalls {
		return fmt.Errorf("size=%d with buf=%d needs %d recv calls; the lab shows at most %d (raise buf or lower size)", size, buf, calls, maxRecvCalls)
	}
	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Signal("listening")
	conn, err := ln.Accept() // conn, addr = server.accept()
	if err != nil {
		return err
	}
	// Demo 4's recipe: both frames wait merged in the receive buffer.
	if err := s.Wait("sent"); err != nil {
		return err
	}
	if _, err := conn.WaitQueued(structMerged()); err != nil && !unsupported(err) {
		return err
	}
	for range structMessages {
		if _, err := readFrame(s, conn, order, format, buf); err != nil {
			return err
		}
	}
	s.Signal("read-1")
	if _, err := readFrame(s, conn, order, format, buf); err != nil {
		return err
	}
	s.Signal("read-2")
	s.Step("read-end")
	if _, err := conn.Recv(buf); err != nil { // the writer closes: b''
		return err
	}
	if err := conn.Close(); err != nil {
		return err
	}
	s.Step("stop-listening")
	return ln.Close()
}

// readFrame reads one message: exactly 4 header bytes, then exactly the
// length they announce, at most buf bytes per recv. The first recv of each
// part is a key call: read-header, read-payload (the loop's further recvs,
// when a part needs more than one, are the loop's and fold in the view).
func readFrame(s *lab.Side, conn *lab.Conn, order wire.Order, format string, buf int) ([]byte, error) {
	s.Key("read-header")
	head, err := conn.RecvExactly(wire.HeaderSize, buf, structHeaderLabel) // head = recv_exactly(conn, 4)
	if err != nil {
		return nil, err
	}
	n, err := wire.ParseHeader(head, order, structMax) // n = struct.unpack('i', head)[0]
	if err != nil {
		return nil, err
	}
	s.Note(lab.Tf("struct.unpack('%s', % x) → %d: now read exactly %d bytes",
		"struct.unpack('%s', % x) → %d：接下来恰好读 %d 个字节", format, head, n, n))
	if n > 0 { // recv_exactly(conn, 0) makes no call
		s.Key("read-payload")
	}
	return conn.RecvExactly(n, buf, structPayloadLabel) // data = recv_exactly(conn, n)
}

// orderName names a byte order for the learner.
func orderName(o wire.Order) lab.Text {
	if o == wire.Big {
		return lab.T("big-endian, network order: most significant byte first", "大端，网络字节序：高位字节在前")
	}
	return lab.T("little-endian, x86 and ARM's native order: least significant byte first", "小端，x86 和 ARM 的本机字节序：低位字节在前")
}

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

// readerFrames rebuilds the reader's messages from its labelled recvs.
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
			m = lab.Mark{Label: structPayloadLabel}
		default:
			continue
		}
		switch m.Label {
		case structHeaderLabel:
			if len(frames) == 0 || len(frames[len(frames)-1].header) == wire.HeaderSize {
				frames = append(frames, structFrame{})
			}
			f := &frames[len(frames)-1]
			f.header = append(f.header, e.Part(m)...)
			f.recvs = append(f.recvs, e.N)
			f.headerEvs = append(f.headerEvs, e)
		case structPayloadLabel:
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

// structStream is the SHA-256 of every byte the writer of demo 5 sends: the
// frames of part 1, then the big frame of part 2.
func structStream(p lab.Params) [32]byte {
	h := sha256.New()
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
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

func structHeaderFindings(t lab.Trace, p lab.Params) []lab.Finding {
	order, format := structOrder(p), structFormat(p)
	buf, size := p.Int("buf"), p.Int("size")
	frames := readerFrames(t)
	for len(frames) < len(structMessages)+1 {
		frames = append(frames, structFrame{})
	}

	// Part 1: the two frames waited merged, and still came out apart.
	queued := -1
	var queuedNote lab.Event
	for _, e := range t {
		if e.Side == lab.Server && e.Op == lab.OpNote && e.Name == lab.NoteQueued {
			queued, queuedNote = e.N, e
			break
		}
	}
	var got []string
	var recvs []int
	var part1 lab.Trace // the reader's recvs of part 1
	for _, f := range frames[:len(structMessages)] {
		got = append(got, string(f.payload))
		recvs = append(recvs, f.recvs...)
		part1 = append(append(part1, f.headerEvs...), f.payloadEvs...)
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
	separated := check("separated", ok, text).On(queuedNote).On(part1...)

	// Header bytes apart from payload bytes.
	var headers, payloads int
	partsOK := true
	for i, f := range frames[:len(structMessages)] {
		want, _ := frame(order, []byte(structMessages[i]))
		partsOK = partsOK && bytes.Equal(append(append([]byte(nil), f.header...), f.payload...), want)
		headers += len(f.header)
		payloads += len(f.payload)
	}
	parts := check("parts", partsOK, lab.Tf(
		"of those bytes the reader took %d as headers and %d as payload, and never read past a message: each recv asked only for what the current part still lacked",
		"在这些字节里，接收方把 %d 个当作报头、%d 个当作数据，而且从不读过一条消息的结尾：每次 recv 只要当前这一部分还缺的字节",
		headers, payloads)).On(part1...)

	// Part 2: a message much larger than one recv, and maybe than what the
	// trace keeps of it: its count and the stream's digest say it is whole.
	big := frames[len(structMessages)]
	largest := 0
	for _, n := range big.recvs {
		largest = max(largest, n)
	}
	calls := big.payloadEvs.CallCount()
	sum, want := big.last().Sum, structStream(p)
	intact := big.payloadN == size && sum != nil && *sum == want
	whole := check("whole", intact && largest <= buf, lab.Tf(
		"the %d-byte message arrived whole (same SHA-256 as sent) over %d payload recv calls, none larger than %d bytes: the receive-exactly loop kept asking until it had all the header announced",
		"%d 字节的消息完整收到（SHA-256 与发出的一致），分 %d 次 recv，每次不超过 %d 字节：“恰好收满”的循环一直读，直到收到报头所说的全部字节",
		size, calls, buf)).On(t.Step("send-big")...).On(big.payloadEvs...)

	// The byte order of the header on the wire.
	h := frames[0].header
	other := wire.Big
	if order == wire.Big {
		other = wire.Little
	}
	misread, _ := wire.ParseHeader(h, other, math.MaxInt32)
	wantHead, _ := wire.AppendHeader(nil, order, len(structMessages[0]))
	orderFinding := check("order", bytes.Equal(h, wantHead), lab.Tf(
		"struct.pack('%s', 5) put % x on the wire (%s). A reader that assumed the other order would read a length of %d: both ends must agree, and '!' (network order) is the same on every machine",
		"struct.pack('%s', 5) 在线路上是 % x（%s）。如果接收方以为是另一种字节序，会读出长度 %d：两端必须一致，而 '!'（网络字节序）在任何机器上都一样",
		format, h, orderName(order).En, misread)).On(t.Step("send-hello")...).On(frames[0].headerEvs...)
	orderFinding.Text.Zh = fmt.Sprintf("struct.pack('%s', 5) 在线路上是 % x（%s）。如果接收方以为是另一种字节序，会读出长度 %d：两端必须一致，而 '!'（网络字节序）在任何机器上都一样",
		format, h, orderName(order).Zh, misread)

	// The limit of a signed 32-bit length.
	_, errMax := wire.AppendHeader(nil, order, math.MaxInt32)
	_, errOver := wire.AppendHeader(nil, order, int(int64(math.MaxInt32)+1))
	limit := check("limit", errMax == nil && errors.Is(errOver, wire.ErrTooLarge), lab.T(
		"the largest length a signed 4-byte header ('i') can carry is 2³¹−1 = 2147483647 bytes; the encoder refuses 2³¹ from the length alone, before allocating anything, as Python's struct.pack('i', 2**31) raises struct.error",
		"有符号 4 字节报头（'i'）能表示的最大长度是 2³¹−1 = 2147483647 字节；编码器只看长度就拒绝 2³¹，不会先分配任何内存，就像 Python 的 struct.pack('i', 2**31) 会抛出 struct.error")).At("limit")

	return []lab.Finding{separated, parts, whole, orderFinding, limit}
}
