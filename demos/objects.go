package demos

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// objectValue is the value demo 7 sends: a dict with nested lists, numbers,
// text and bytes. In Python:
//
//	{'big': 1 << 40, 'id': 42, 'msg': '你好, server',
//	 'nested': {'hosts': ['127.0.0.1', '::1'], 'port': 8080},
//	 'none': None, 'ok': True, 'raw': b'\x00\x01\xfe\xff',
//	 'scores': [95, 87.5, -3], 'tags': ['tcp', 'pickle']}
func objectValue() map[string]any {
	return map[string]any{
		"big": int64(1) << 40, "id": int64(42), "msg": "你好, server",
		"nested": map[string]any{"hosts": []any{"127.0.0.1", "::1"}, "port": int64(8080)},
		"none":   nil, "ok": true, "raw": []byte{0, 1, 0xfe, 0xff},
		"scores": []any{int64(95), 87.5, int64(-3)}, "tags": []any{"tcp", "pickle"},
	}
}

// evilPickle is what Python's pickle.dumps writes for an object whose
// __reduce__ returns (os.system, ('echo pwned',)): pickle.loads on these
// bytes would run "echo pwned" in a shell. The lab only ever decodes it
// with wire.ParsePickle, which refuses it.
var evilPickle, _ = hex.DecodeString("80049525000000000000008c05706f736978948c0673797374656d9493948c0a6563686f2070776e656494859452942e")

// maxObject is the largest object either side accepts.
const maxObject = 64 << 10

func init() {
	// gob sends the concrete type of every value held in an interface.
	gob.Register([]any{})
	gob.Register(map[string]any{})
}

// The labels of a text-framed object, and the payload's machine id
// (lab.Mark.Part), which the findings match.
var labelPayload = lab.T("payload", "数据")

const partPayload = "payload"

// objects is demo 7: a value serialised (pickle, gob or JSON), framed with
// the tutorial's 10-character text header, read back in 10-byte pieces.
func objects() lab.Demo {
	return lab.Demo{
		ID:    7,
		Slug:  "objects",
		Title: lab.T("Sending objects", "发送对象"),
		Brief: lab.T("a value as pickle, gob or JSON behind a 10-character header; why pickle.loads on network bytes is dangerous",
			"把一个值编码成 pickle、gob 或 JSON，前面加 10 个字符的报头；为什么对网络上的字节调用 pickle.loads 很危险"),
		Knobs: []lab.Knob{
			{Name: "codec", Kind: lab.KindEnum, Default: "pickle", Choices: []string{"pickle", "gob", "json"},
				Help: lab.T("how the value is turned into bytes: pickle (the tutorial's, Python's own bytes), gob (Go's) or json",
					"值怎样变成字节：pickle（教程用的，和 Python 写出的字节一样）、gob（Go 的）或 json")},
			{Name: "buf", Kind: lab.KindInt, Default: "10", Min: 1, Max: 65536,
				Help: lab.T("how many bytes each of the client's recv(buf) asks for", "客户端每次 recv(buf) 最多要多少字节")},
		},
		Server:   objectsServer,
		Client:   objectsClient,
		Peer:     &lab.Peer{Serve: tcpServe(sendObject), Client: objectsPeerClient, Try: objectsTry},
		Findings: objectsFindings,
	}
}

// encodeObject serialises v with a codec.
func encodeObject(codec string, v map[string]any) ([]byte, error) {
	switch codec {
	case "pickle":
		return wire.AppendPickle(nil, v) // pickle.dumps(d)
	case "gob":
		var b bytes.Buffer
		err := gob.NewEncoder(&b).Encode(v)
		return b.Bytes(), err
	case "json":
		// JSON has no bytes: Python's json.dumps raises TypeError on them,
		// so the program turns them into base64 text first, as Go's
		// encoding/json does by itself. The bytes are
		// json.dumps(d, separators=(',', ':'), sort_keys=True, ensure_ascii=False).
		return json.Marshal(jsonView(v)) // d['raw'] = base64.b64encode(d['raw']).decode(); json.dumps(d)
	}
	return nil, fmt.Errorf("unknown codec %q", codec)
}

// decodeObject is the receiving side of encodeObject. It never runs code
// from the data: the pickle decoder refuses any pickle naming a callable.
func decodeObject(codec string, b []byte) (any, error) {
	switch codec {
	case "pickle":
		return wire.ParsePickle(b, maxObject) // pickle.loads(b), made safe
	case "gob":
		// gob allocates for the counts in the stream before it reads the
		// elements: CheckGob first makes sure the bytes hold them.
		if err := wire.CheckGob(b, maxObject); err != nil {
			return nil, err
		}
		var v map[string]any
		err := gob.NewDecoder(bytes.NewReader(b)).Decode(&v)
		return v, err
	case "json":
		// Python's json.loads keeps 42 an int and 87.5 a float; Go's
		// would make every number a float64, so the numbers are read as
		// written.
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil { // json.loads(b)
			return nil, err
		}
		return pyNumbers(v), nil
	}
	return nil, fmt.Errorf("unknown codec %q", codec)
}

// pyNumbers turns the json.Numbers of v into what Python's json.loads
// makes of them: an int (int64) when written without a fraction or an
// exponent, else a float.
func pyNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			x[k] = pyNumbers(val)
		}
	case []any:
		for i, val := range x {
			x[i] = pyNumbers(val)
		}
	case json.Number:
		if i, err := x.Int64(); err == nil && !strings.ContainsAny(string(x), ".eE") {
			return i
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

// jsonView is what JSON can say about v: bytes become base64 text (which
// the sender must do itself in Python), numbers stay ints or floats as
// Python's json keeps them, None and True become null and true and come
// back. It is written without encoding/json on purpose, so the demo checks
// the JSON decoder against an independent expectation.
func jsonView(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			out[k] = jsonView(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = jsonView(val)
		}
		return out
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	}
	return v
}

func objectsServer(ctx context.Context, s *lab.Side) error {
	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Signal("listening")
	conn, err := ln.Accept() // clientsocket, address = s.accept()
	if err != nil {
		return err
	}
	codec := s.Params.String("codec")
	msg, err := encodeObject(codec, objectValue()) // msg = pickle.dumps(d)
	if err != nil {
		return err
	}
	if codec == "pickle" {
		s.Note(pickleOpsNote(msg))
	}
	head, err := wire.AppendText(nil, len(msg)) // bytes(f"{len(msg):<{HEADERSIZE}}", 'utf-8')
	if err != nil {
		return err
	}
	if err := conn.SendParts(append(head, msg...), // clientsocket.send(head + msg)
		lab.Mark{From: 0, To: len(head), Label: labelHeader},
		lab.Mark{From: len(head), To: len(head) + len(msg), Label: labelPayload}); err != nil {
		return err
	}
	s.Signal("sent")

	// Part 2: the client sends a pickle of its own. Decoding it with
	// pickle.loads would run a shell command; the lab's decoder refuses.
	s.Step("read-header")
	head, err = conn.RecvExactly(wire.TextHeaderSize, 0, labelHeader)
	if err != nil {
		return err
	}
	n, err := wire.ParseText(head, maxObject)
	if err != nil {
		return err
	}
	s.Step("read-pickle")
	data, err := conn.RecvExactlyPart(n, 0, partPayload, labelPayload)
	if err != nil {
		return err
	}
	if _, err := wire.ParsePickle(data, maxObject); errors.Is(err, wire.ErrUnsafePickle) {
		s.KeyNote("refuse", pickleRefusal(err)) // the demo's climax
	} else {
		return fmt.Errorf("the unsafe pickle was not refused: %v", err)
	}
	s.Step("read-eof")
	if _, err := conn.Recv(1024); err != nil { // b'': the client has gone
		return err
	}
	if err := conn.Close(); err != nil {
		return err
	}
	s.Step("stop-listening")
	return ln.Close()
}

// pickleOpsNote lists a pickle's opcodes, like pickletools.dis.
func pickleOpsNote(b []byte) lab.Text {
	ops, err := wire.PickleOps(b, maxObject)
	var parts []string
	for _, op := range ops {
		parts = append(parts, op.String())
	}
	if err != nil {
		parts = append(parts, "("+err.Error()+")")
	}
	list := strings.Join(parts, ", ")
	return lab.Tf("pickle.dumps wrote %d bytes, %d opcodes for a little stack machine: %s",
		"pickle.dumps 写出了 %d 个字节，是一台小型栈机器的 %d 条操作码：%s", len(b), len(ops), list)
}

func objectsClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	conn, err := s.Dial(s.ServerAddr()) // s.connect((socket.gethostname(), 1243))
	if err != nil {
		return err
	}
	// The recipe: read after the server has sent everything, so each recv
	// returns as many bytes as it asks for.
	if err := s.Wait("sent"); err != nil {
		return err
	}
	buf := s.Params.Int("buf")
	codec := s.Params.String("codec")
	spans := []lab.Span{
		{From: 0, To: wire.TextHeaderSize, Label: labelHeader},
		{From: wire.TextHeaderSize, To: lab.Rest, Label: labelPayload},
	}
	var fullMsg []byte
	msgLen := -1
	for {
		if len(fullMsg) < wire.TextHeaderSize {
			// A read of the header: the key one is the read that completes
			// it, after which the client knows how many bytes to wait for.
			s.KeyIf("read-header", func(e lab.Event) bool { return e.Offset+int64(e.N) >= wire.TextHeaderSize })
		}
		msg, err := conn.RecvSpans(buf, spans...) // msg = s.recv(16)
		if err != nil {
			return err
		}
		if len(msg) == 0 {
			return lab.Errorf(lab.T("the server closed before the whole object arrived", "整个对象到达之前服务端就关闭了"), nil)
		}
		fullMsg = append(fullMsg, msg...) // full_msg += msg
		if msgLen < 0 && len(fullMsg) >= wire.TextHeaderSize {
			if msgLen, err = wire.ParseText(fullMsg[:wire.TextHeaderSize], maxObject); err != nil { // msglen = int(msg[:HEADERSIZE])
				return err
			}
		}
		if msgLen >= 0 && len(fullMsg)-wire.TextHeaderSize >= msgLen { // if len(full_msg)-HEADERSIZE == msglen:
			break
		}
	}
	v, err := decodeObject(codec, fullMsg[wire.TextHeaderSize:]) // d = pickle.loads(full_msg[HEADERSIZE:])
	if err != nil {
		return err
	}
	s.KeyNote("decoded", lab.Tf("decoded: %s", "解码得到：%s", pyRepr(v)))

	s.Section(lab.T("Part 2: the client sends a pickle that names os.system",
		"第 2 部分：客户端发送一个指名 os.system 的 pickle"))
	s.Note(lab.T("class E: __reduce__ returns (os.system, ('echo pwned',)); pickle.dumps(E()) gives these bytes, and pickle.loads on them would run the command",
		"class E 的 __reduce__ 返回 (os.system, ('echo pwned',))；pickle.dumps(E()) 得到下面这些字节，对它们调用 pickle.loads 就会执行这条命令"))
	head, err := wire.AppendText(nil, len(evilPickle))
	if err != nil {
		return err
	}
	if err := conn.SendParts(append(head, evilPickle...),
		lab.Mark{From: 0, To: len(head), Label: labelHeader},
		lab.Mark{From: len(head), To: len(head) + len(evilPickle), Label: lab.T("pickle naming posix.system", "指名 posix.system 的 pickle")}); err != nil {
		return err
	}
	return conn.Close()
}

// pyRepr writes a decoded value briefly, the way Python prints it: cut at
// wire.MaxRepr bytes however large the value, control characters escaped.
func pyRepr(v any) string { return wire.PyRepr(v, 0) }

// The peer sides (lab serve, lab client).

// sendObject is demo 7's server: one object behind the 10-character text
// header, then close.
func sendObject(s *lab.Side, conn *lab.Conn) error {
	msg, err := encodeObject(s.Params.String("codec"), objectValue()) // msg = pickle.dumps(d)
	if err != nil {
		return err
	}
	head, err := wire.AppendText(nil, len(msg)) // bytes(f"{len(msg):<10}", 'utf-8')
	if err != nil {
		return err
	}
	if err := conn.SendParts(append(head, msg...), // clientsocket.send(head + msg)
		lab.Mark{From: 0, To: len(head), Label: labelHeader},
		lab.Mark{From: len(head), To: len(head) + len(msg), Label: labelPayload}); err != nil {
		return err
	}
	return conn.Close()
}

func objectsPeerClient(ctx context.Context, s *lab.Side, opt lab.PeerOptions) error {
	conn, err := dialPeer(s, opt)
	if err != nil {
		return err
	}
	head, err := conn.RecvExactly(wire.TextHeaderSize, 0, labelHeader) // msglen = int(msg[:10])
	if err != nil {
		return err
	}
	n, err := wire.ParseText(head, maxObject)
	if err != nil {
		return lab.Errorf(lab.Tf("text header %q", "文本报头 %q", head), err)
	}
	data, err := conn.RecvExactly(n, s.Params.Int("buf"), labelPayload) // full_msg += msg
	if err != nil {
		return err
	}
	codec := s.Params.String("codec")
	v, err := decodeObject(codec, data) // pickle.loads(full_msg[10:]), made safe
	if err != nil {
		if errors.Is(err, wire.ErrUnsafePickle) {
			return lab.Errorf(lab.Text{En: "refused the server's object, and ran nothing: " + wireText(err).En, Zh: "拒绝了服务端的对象，什么也没运行：" + wireText(err).Zh}, nil)
		}
		return lab.Errorf(lab.Tf("the %s object does not decode", "%s 对象无法解码", codec), err)
	}
	s.Note(lab.Tf("decoded with %s: %s", "用 %s 解码：%s", codec, pyRepr(v)))
	return conn.Close()
}

// objectsTry is the hint of `lab serve 7`: read the 10-character header,
// then exactly that many bytes (a file object's read(n) loops over recv).
func objectsTry(host, port string) []string {
	return []string{
		fmt.Sprintf(`python3 -c "import socket; s=socket.create_connection(('%s', %s)); f=s.makefile('rb'); n=int(f.read(10)); print(f.read(n))"`, host, port),
	}
}
