package demos

import (
	"bytes"
	"errors"
	"reflect"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// Demo 7's findings: the object came in pieces and decoded equal, and the
// server refused the client's pickle. They find the payload by its part
// id and the refusal by its step, never by their words.

// objectsRun is what demo 7's findings read: the server's one send and
// the client's reads of it.
type objectsRun struct {
	t         lab.Trace
	buf       int
	codec     string
	sends     lab.Trace
	reads     lab.Trace
	sent, got []byte
}

func objectsFindings(t lab.Trace, p lab.Params) []lab.Finding {
	r := &objectsRun{t: t, buf: p.Int("buf"), codec: p.String("codec"),
		sends: t.Calls(lab.Server, lab.OpSendAll), reads: clientReads(t, 1)}
	bad := lab.T("the object did not arrive", "对象没有到达")
	if len(r.sends) != 1 || len(r.reads) == 0 {
		return []lab.Finding{check("pieces", false, bad), check("equal", false, bad), check("refused", false, bad)}
	}
	r.sent, r.got = r.sends[0].Data, r.reads.Bytes()
	return []lab.Finding{objectsPieces(r), objectsEqual(r), objectsRefused(r)}
}

// objectsPieces: the header, then the payload, reassembled from small reads.
func objectsPieces(r *objectsRun) lab.Finding {
	sent, got := r.sent, r.got
	small := true
	for _, e := range r.reads {
		small = small && e.N <= r.buf
	}
	pieces := check("pieces", small && bytes.Equal(got, sent) && len(r.reads) > 1, lab.Tf(
		"the %d bytes (10-byte text header %q + %d bytes of %s) arrived in %d recv(%d) calls and were joined back together: the header said when to stop",
		"这 %d 个字节（10 个字符的文本报头 %q + %d 字节的 %s）分 %d 次 recv(%d) 到达，又拼回了一起：报头说明了何时停下",
		len(sent), string(sent[:min(len(sent), wire.TextHeaderSize)]), len(sent)-wire.TextHeaderSize, r.codec, len(r.reads), r.buf))
	if len(r.reads) == 1 {
		pieces = check("pieces", false, lab.Tf(
			"not shown with buf=%d: one recv took all %d bytes; try --set buf=10",
			"buf=%d 时看不到：一次 recv 就拿到了全部 %d 个字节；试试 --set buf=10", r.buf, len(got)))
	}
	return pieces.On(r.reads...).On(r.sends[0]) // the client's read-header among them
}

// objectsEqual: decode what the client received and compare with the value.
func objectsEqual(r *objectsRun) lab.Finding {
	got, sends := r.got, r.sends
	var equal lab.Finding
	n, herr := wire.ParseText(got[:min(len(got), wire.TextHeaderSize)], maxObject)
	var v any
	err := herr
	if herr == nil && len(got) >= wire.TextHeaderSize+n {
		v, err = decodeObject(r.codec, got[wire.TextHeaderSize:wire.TextHeaderSize+n])
	}
	switch {
	case err != nil:
		equal = check("equal", false, lab.Tf("decoding failed: %v", "解码失败：%v", err))
	case r.codec == "json":
		equal = check("equal", reflect.DeepEqual(v, jsonView(objectValue())), lab.T(
			"decoded equal to what JSON can say: JSON has no bytes (Python's json.dumps raises TypeError on them), so b'\\x00\\x01\\xfe\\xff' went as the text \"AAH+/w==\" (base64) and came back as text; 42 stayed an int and 87.5 a float, None and True went as null and true and came back; JSON is safe but knows only text, numbers, true, false, null, lists and objects",
			"解码结果等于 JSON 能表达的样子：JSON 没有字节类型（Python 的 json.dumps 遇到字节会抛出 TypeError），所以 b'\\x00\\x01\\xfe\\xff' 以文本 \"AAH+/w==\"（base64）发出，回来的也是文本；42 仍是整数，87.5 仍是浮点数，None 和 True 以 null 和 true 发出又变回来；JSON 很安全，但只认识文字、数字、`true`、`false`、`null`、列表和对象"))
	case r.codec == "gob":
		equal = check("equal", reflect.DeepEqual(v, objectValue()), lab.Tf(
			"decoded equal, types and all (bytes stayed bytes, 42 stayed an int64); gob is Go's own format: in its %d bytes every value carries its Go type's name, such as \"int64\", and Python cannot read it",
			"解码结果完全相等，类型也一样（字节还是字节，42 还是 int64）；gob 是 Go 自己的格式：在这 %d 个字节里，每个值都带着它的 Go 类型名（比如 \"int64\"），Python 读不了", n))
	default:
		equal = check("equal", reflect.DeepEqual(v, objectValue()), lab.Tf(
			"decoded equal, types and all: these %d bytes are exactly what Python's pickle.dumps writes for the same dict (protocol 4), so the tutorial's client could load them",
			"解码结果完全相等，类型也一样：这 %d 个字节正是 Python 的 pickle.dumps 为同一个字典写出的（协议 4），教程里的客户端可以直接加载", n))
	}
	return equal.At("decoded").On(sends[0])
}

// objectsRefused: the server's decoder refused the client's pickle.
func objectsRefused(r *objectsRun) lab.Finding {
	t := r.t
	var payload []byte
	for _, e := range t.Calls(lab.Server, lab.OpRecv) {
		for _, m := range e.Marks {
			if m.Part == partPayload {
				payload = append(payload, e.Part(m)...)
			}
		}
	}
	_, perr := wire.ParsePickle(payload, maxObject)
	var ue *wire.UnsafePickleError
	noted := false
	for _, e := range t.Step("refuse") {
		noted = noted || e.Side == lab.Server && e.Op == lab.OpNote // the refusal's key note
	}
	return check("refused", errors.As(perr, &ue) && ue.Callable == "posix.system" && noted, lab.T(
		"the client's second pickle named posix.system (that is os.system on Linux) with STACK_GLOBAL and called it with REDUCE; pickle.loads would have run 'echo pwned', but the server's decoder refused it at STACK_GLOBAL and called nothing",
		"客户端的第二个 pickle 用 STACK_GLOBAL 指名 posix.system（Linux 上的 os.system），再用 REDUCE 调用它；pickle.loads 会执行 'echo pwned'，而服务端的解码器在 STACK_GLOBAL 处就拒绝了，什么也没调用")).
		At("read-pickle", "refuse")
}
