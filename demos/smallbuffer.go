package demos

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"socketlab/lab"
)

// chineseHello is "你好，世界" with a full-width comma: five 3-byte characters.
// (With an ASCII comma a 7-byte read would happen to split nothing.)
const chineseHello = "你好，世界"

// smallBuffer is demo 3: recv(n) returns at most n bytes; the rest waits for
// the next call, and a loop reads until the peer closes.
func smallBuffer() lab.Demo {
	return lab.Demo{
		ID:    3,
		Slug:  "small-buffer",
		Title: lab.T("A small receive buffer", "很小的接收缓冲区"),
		Brief: lab.T("recv(7): a read returns at most what you ask; the rest waits",
			"recv(7)：一次最多读到你要的字节数，其余的留在缓冲区里等待"),
		Knobs: []lab.Knob{
			{Name: "buf", Kind: lab.KindInt, Default: "7", Min: 1, Max: 65536,
				Help: lab.T("how many bytes each recv(buf) asks for", "每次 recv(buf) 最多要多少字节")},
			{Name: "msg", Kind: lab.KindString, Default: "Hello from the server, in small pieces.", Min: 1, Max: 4096,
				Help: lab.T("the message the server sends in part 1", "第 1 部分服务端发送的消息")},
		},
		Server:   smallBufferServer,
		Client:   smallBufferClient,
		Peer:     &lab.Peer{Serve: tcpServe(sendOneMessage), Client: smallBufferPeerClient, Try: smallBufferTry},
		Findings: smallBufferFindings,
	}
}

func smallBufferServer(ctx context.Context, s *lab.Side) error {
	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Signal("listening")
	for i, msg := range []string{s.Params.String("msg"), chineseHello} {
		conn, err := ln.Accept()
		if err != nil {
			return err
		}
		s.Step([]string{"send-message", "send-utf8"}[i])
		if err := conn.SendAll([]byte(msg)); err != nil { // conn.sendall(msg.encode('utf-8'))
			return err
		}
		if err := conn.Close(); err != nil {
			return err
		}
		s.Signal(fmt.Sprintf("sent-%d", i+1))
	}
	s.Step("stop-listening")
	return ln.Close()
}

func smallBufferClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	buf := s.Params.Int("buf")
	s.Section(lab.Tf("Part 1: read a message %d bytes at a time, until recv returns b''",
		"第 1 部分：每次读 %d 个字节，直到 recv 返回 b''", buf))
	msg := s.Params.String("msg")
	if _, err := readAll(s, 1, buf, func(got int) {
		if got < len(msg) {
			s.Key("read-piece")
		} else {
			s.Key("eof")
		}
	}); err != nil {
		return err
	}

	s.Section(lab.Tf("Part 2: %q is %d bytes; read it %d bytes at a time",
		"第 2 部分：%q 有 %d 个字节；每次读 %d 个", chineseHello, len(chineseHello), buf))
	pieces, err := readAll(s, 2, buf, func(got int) {
		if got < len(chineseHello) {
			s.KeyIf("read-utf8", splitsChar)
		}
	})
	if err != nil {
		return err
	}
	var alone []string
	for _, p := range pieces {
		alone = append(alone, fmt.Sprintf("%q", lab.PyDecode(p)))
	}
	s.Note(lab.Tf("decoding each piece on its own: %s (a character cut in two cannot be decoded)",
		"把每一块单独解码：%s（被切成两半的字符无法解码）", strings.Join(alone, " + ")))
	s.KeyNote("fix", lab.Tf("fix 1, decode after the whole message: b''.join(pieces).decode() = %q",
		"修正 1，收完整条消息再解码：b''.join(pieces).decode() = %q", bytes.Join(pieces, nil)))
	s.KeyNote("fix", lab.Tf("fix 2, carry the unfinished bytes to the next piece (an incremental decoder): %s",
		"修正 2，把没凑齐的字节留给下一块（增量解码器）：%s", strings.Join(quoteAll(decodeIncrementally(pieces)), " + ")))
	return nil
}

// splitsChar says whether a read of part 2 cut a character in two: its
// bytes are not valid UTF-8 on their own.
func splitsChar(e lab.Event) bool { return e.N > 0 && !utf8.Valid(e.Data) }

// readAll connects for part, waits until the server has sent everything and
// closed (so every byte is already queued), then reads buf bytes at a time
// until recv returns empty: the tutorial's receive loop. Before each read
// it calls name with the bytes read so far, to name that read: the lab
// knows how long the server's message is, so it can name the read that
// will meet the end, although the loop learns it only from the empty read.
func readAll(s *lab.Side, part, buf int, name func(got int)) ([][]byte, error) {
	s.Step(fmt.Sprintf("open-part-%d", part))
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return nil, err
	}
	if err := s.Wait(fmt.Sprintf("sent-%d", part)); err != nil {
		return nil, err
	}
	got := 0 // bytes read so far
	var pieces [][]byte
	for {
		name(got)
		data, err := conn.Recv(buf) // data = client.recv(7)
		if err != nil {
			return nil, err
		}
		if len(data) == 0 { // if not data: break
			break
		}
		pieces = append(pieces, data)
		got += len(data)
	}
	s.Step(fmt.Sprintf("end-part-%d", part))
	return pieces, conn.Close()
}

// decodeIncrementally decodes pieces of UTF-8, holding back a character's
// first bytes until the rest arrive, like Python's codecs incremental decoder.
func decodeIncrementally(pieces [][]byte) []string {
	var out []string
	var carry []byte
	for _, p := range pieces {
		b := append(carry, p...)
		cut := len(b)
		// Hold back an incomplete character at the end (at most 3 bytes).
		for i := max(0, len(b)-3); i < len(b); i++ {
			if utf8.RuneStart(b[i]) && !utf8.FullRune(b[i:]) {
				cut = i
				break
			}
		}
		out = append(out, string(b[:cut]))
		carry = append([]byte(nil), b[cut:]...)
	}
	return out
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func smallBufferFindings(t lab.Trace, p lab.Params) []lab.Finding {
	buf := p.Int("buf")
	msg := []byte(p.String("msg"))

	reads := clientReads(t, 1)
	ok := len(reads) > 0 && bytes.Equal(reads.Bytes(), msg)
	for i, e := range reads {
		// Everything was queued before the first recv, so each read is full
		// except the last data read, and the final one is empty (EOF).
		want := min(buf, len(msg)-i*buf)
		ok = ok && e.N == max(want, 0)
	}
	counts := reads.Counts()
	data, last := reads, lab.Event{}
	if len(counts) > 0 {
		counts = counts[:len(counts)-1] // the last read is the empty one
		data, last = reads[:len(reads)-1], reads.Last()
	}
	pieces := check("pieces", ok, lab.Tf(
		"the %d-byte message arrived over %d recv(%d) calls returning %v bytes: never more than asked; the rest waited in the kernel for the next call",
		"%d 字节的消息分 %d 次 recv(%d) 到达，分别返回 %v 字节：从不超过所要的数量，其余的在内核里等下一次调用",
		len(msg), len(counts), buf, counts)).On(data...)
	if len(counts) == 1 {
		pieces.Text = lab.Tf("the %d-byte message fitted in one recv(%d): a read returns what is there, up to what you ask; try --set buf=7 to see it arrive in pieces",
			"%d 字节的消息一次 recv(%d) 就读完了：一次读取返回已有的数据，最多到你要的数量；试试 --set buf=7，看它分块到达",
			len(msg), buf)
	}
	eof := check("eof", len(reads) > 0 && reads[len(reads)-1].N == 0, lab.T(
		"then one more recv returned b'' (0 bytes) and the loop ended: the server had closed, which is how TCP says \"no more data\"",
		"接着又一次 recv 返回 b''（0 字节），循环结束：服务端已经关闭，这就是 TCP 表达\"没有更多数据\"的方式")).On(last)

	zh := clientReads(t, 2)
	splits := zh.Filter(splitsChar)
	split := len(splits)
	garbled := check("split", split > 0, lab.Tf(
		"%d of the %d pieces of %q were not valid UTF-8 on their own: a %d-byte read cut 3-byte characters in two",
		"%[3]q 的 %[2]d 块中有 %[1]d 块单独看不是合法的 UTF-8：%[4]d 字节的读取把 3 字节的字符切成了两半",
		split, len(zh)-1, chineseHello, buf)).On(splits...)
	if split == 0 {
		garbled.Text = lab.Tf("not shown with buf=%d: every read ended on a character boundary (each character here is 3 bytes); try --set buf=7",
			"buf=%d 时看不到：每次读取都恰好停在字符边界上（这里每个字符 3 个字节）；试试 --set buf=7", buf)
		garbled = garbled.On(zh...)
	}
	var zhPieces [][]byte
	for _, e := range zh {
		zhPieces = append(zhPieces, e.Data)
	}
	fixed := string(bytes.Join(zhPieces, nil)) == chineseHello &&
		strings.Join(decodeIncrementally(zhPieces), "") == chineseHello
	fix := check("fix", fixed, lab.Tf(
		"decoding after the whole message, or carrying partial bytes to the next piece, gives %q back intact",
		"收完整条消息再解码，或者把不完整的字节留给下一块，都能完整得到 %q", chineseHello)).On(zh...).At("fix")
	return []lab.Finding{pieces, eof, garbled, fix}
}

// The peer sides (lab serve, lab client).

// sendOneMessage is demo 3's server: one message, then close.
func sendOneMessage(s *lab.Side, conn *lab.Conn) error {
	if err := conn.SendAll([]byte(s.Params.String("msg"))); err != nil { // conn.sendall(msg.encode('utf-8'))
		return err
	}
	return conn.Close()
}

// smallBufferMax is the most `lab client 3` reads before giving up on a
// server that never closes: with recv(7), 1 MiB is 150,000 calls already.
const smallBufferMax = 1 << 20

func smallBufferPeerClient(ctx context.Context, s *lab.Side, opt lab.PeerOptions) error {
	conn, err := dialPeer(s, opt)
	if err != nil {
		return err
	}
	buf := s.Params.Int("buf")
	var all []byte
	calls := 0
	for {
		data, err := conn.Recv(buf) // data = client.recv(7)
		if err != nil {
			return err
		}
		calls++
		if len(data) == 0 {
			break
		}
		if len(all)+len(data) > smallBufferMax {
			return lab.Errorf(lab.Tf("the server sent more than %d MiB without closing: stopped reading (demo 3's server sends one message, then closes)",
				"服务端发了超过 %d MiB 仍没有关闭：已停止读取（演示 3 的服务端只发一条消息，然后关闭）", smallBufferMax>>20), nil)
		}
		all = append(all, data...)
	}
	if len(all) == 0 {
		return lab.Errorf(lab.T("the server closed without sending anything; demo 3's server sends one message, then closes", "服务端什么也没发就关闭了；演示 3 的服务端会先发一条消息，再关闭"), nil)
	}
	text := lab.Tf("%d bytes in %d recv(%d) calls, the last one b'' (EOF); decoded after the whole message: %q",
		"%d 个字节，用了 %d 次 recv(%d)，最后一次是 b''（EOF）；整条消息收完后再解码：%q", len(all), calls, buf, all)
	if !utf8.Valid(all) {
		text = lab.Tf("%d bytes in %d recv(%d) calls; they are not valid UTF-8 even whole", "%d 个字节，用了 %d 次 recv(%d)；即使完整也不是有效的 UTF-8", len(all), calls, buf)
	}
	s.Note(text)
	return conn.Close()
}

// smallBufferTry is the hint of `lab serve 3`: read the message seven bytes at a time.
func smallBufferTry(host, port string) []string {
	return []string{
		fmt.Sprintf("nc %s %s", host, port),
		fmt.Sprintf(`python3 -c "import socket; s=socket.create_connection(('%s', %s)); print(list(iter(lambda: s.recv(7), b'')))"`, host, port),
	}
}
