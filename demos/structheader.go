package demos

import (
	"context"
	"fmt"
	"math"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// The label the writer and the reader of demo 5 put on payload bytes, so
// the trace draws them apart from the header (structHeaderLabel, shared.go).
var structPayloadLabel = lab.T("payload", "数据")

// The part ids of a frame's header and payload on the reader's recvs
// (lab.Mark.Part): the findings match them, never the labels' words.
const (
	structPartHeader  = "header"
	structPartPayload = "payload"
)

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
	head, err := conn.RecvExactlyPart(wire.HeaderSize, buf, structPartHeader, structHeaderLabel) // head = recv_exactly(conn, 4)
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
	return conn.RecvExactlyPart(n, buf, structPartPayload, structPayloadLabel) // data = recv_exactly(conn, n)
}

// orderName names a byte order for the learner.
func orderName(o wire.Order) lab.Text {
	if o == wire.Big {
		return lab.T("big-endian, network order: most significant byte first", "大端，网络字节序：高位字节在前")
	}
	return lab.T("little-endian, x86 and ARM's native order: least significant byte first", "小端，x86 和 ARM 的本机字节序：低位字节在前")
}
