package demos

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// Demo 6's findings: the client's stream checked against the replies the
// server builds, then one short function per finding. They find the three
// parts of a reply by their part ids (lab.Mark.Part), never by the words
// of their labels.

// The part ids of a reply's three parts, as the client's reads mark them.
const (
	partLength = "length"
	partJSON   = "json"
	partBody   = "body"
)

// jsonWire is one reply as the server builds it: its header and body, and
// the bytes it puts on the wire.
type jsonWire struct {
	h    wire.JSONHeader
	body []byte
	hlen int    // bytes of the JSON header
	raw  []byte // the 4-byte header length, the JSON header, the body
}

// jsonReplies are the replies to the client's commands, as jsonReply builds them.
func jsonReplies(p lab.Params) ([]jsonWire, error) {
	var out []jsonWire
	for _, c := range jsonCommands {
		h, body := jsonReply(c.cmd, p)
		head, err := wire.AppendJSON(nil, h)
		if err != nil {
			return nil, err
		}
		out = append(out, jsonWire{h, body, len(head) - wire.HeaderSize, append(head, body...)})
	}
	return out, nil
}

// segment is a run of bytes of one part.
type segment struct {
	part string
	n    int
}

// segments joins the marks of the events into runs of one part, in
// stream order. Marks describe every byte a call moved, kept or not.
func segments(t lab.Trace) []segment {
	var out []segment
	for _, e := range t {
		for _, m := range e.Marks {
			out = appendSegment(out, m.Part, m.To-m.From)
		}
	}
	return out
}

func appendSegment(s []segment, part string, n int) []segment {
	switch {
	case n == 0:
		return s
	case len(s) > 0 && s[len(s)-1].part == part:
		s[len(s)-1].n += n
		return s
	}
	return append(s, segment{part, n})
}

// sumIs reports whether sum is the Digest of a stream that carried b.
func sumIs(sum lab.Digest, b []byte) bool {
	return sum == lab.DigestOf(b)
}

// labelled returns the events with a mark of the part.
func labelled(t lab.Trace, part string) lab.Trace {
	return t.Filter(func(e lab.Event) bool {
		return slices.ContainsFunc(e.Marks, func(m lab.Mark) bool { return m.Part == part })
	})
}

// jsonRun is what demo 6's findings read: the server's sends, the
// client's reads, and the replies the server builds.
type jsonRun struct {
	p       lab.Params
	sent    lab.Trace
	reads   lab.Trace
	replies []jsonWire
	ends    []int64 // the stream offset where each reply ends
}

// jsonChecks are demo 6's findings in order.
var jsonChecks = []func(r *jsonRun) lab.Finding{jsonParts, jsonMeta, jsonChecksum, jsonGrow}

// jsonHeaderFindings checks the client's stream against the replies the
// server builds by counts and the stream digest (lab.Event.Sum), not by
// its bytes: with size up to 256 KiB, the trace keeps only the head of the
// later calls.
func jsonHeaderFindings(t lab.Trace, p lab.Params) []lab.Finding {
	r := &jsonRun{p: p, sent: t.Calls(lab.Server, lab.OpSendAll), reads: clientReads(t, 1)}
	replies, err := jsonReplies(p)
	r.replies = replies
	if err != nil || !r.whole() {
		bad := lab.T("the client did not receive two whole replies", "客户端没有收到两个完整的回复")
		return []lab.Finding{check("parts", false, bad), check("meta", false, bad),
			check("checksum", false, bad), check("grow", false, bad)}
	}
	out := make([]lab.Finding, 0, len(jsonChecks))
	for _, c := range jsonChecks {
		out = append(out, c(r))
	}
	return out
}

// whole reports whether the client read the stream it must have: both
// replies end to end.
func (r *jsonRun) whole() bool {
	var stream []byte
	for _, w := range r.replies {
		stream = append(stream, w.raw...)
		r.ends = append(r.ends, int64(len(stream)))
	}
	whole := len(r.sent) == len(r.replies) && len(r.reads) > 0
	for i := 0; whole && i < len(r.sent); i++ {
		whole = r.sent[i].N == len(r.replies[i].raw) && sumIs(r.sent[i].Sum, stream[:r.ends[i]])
	}
	last := r.reads.Last()
	return whole && last.Offset+int64(last.N) == int64(len(stream)) && sumIs(last.Sum, stream)
}

// of is the client's reads of reply i.
func (r *jsonRun) of(i int) lab.Trace {
	return r.reads.Filter(func(e lab.Event) bool {
		from := int64(0)
		if i > 0 {
			from = r.ends[i-1]
		}
		return from <= e.Offset && e.Offset < r.ends[i]
	})
}

// hasMeta reports whether the first reply's header carried a name and a
// checksum (meta=full).
func (r *jsonRun) hasMeta() bool {
	first := r.replies[0]
	return first.h.SHA256 != "" && first.h.Extra["name"] != nil
}

// jsonParts: the three parts, labelled on both sides, with matching
// sizes, read back in the order they were sent.
func jsonParts(r *jsonRun) lab.Finding {
	marked := true
	var want []segment
	for i, e := range r.sent {
		w := r.replies[i]
		marked = marked && len(e.Marks) == 3 &&
			e.Marks[0].From == 0 && e.Marks[0].To == wire.HeaderSize && e.Marks[1].To == wire.HeaderSize+w.hlen &&
			e.Marks[2].To-e.Marks[2].From == len(w.body)
		want = appendSegment(want, partLength, wire.HeaderSize)
		want = appendSegment(want, partJSON, w.hlen)
		want = appendSegment(want, partBody, len(w.body))
	}
	marked = marked && slices.Equal(segments(r.reads), want)
	first, second := r.replies[0], r.replies[1]
	return check("parts", marked, lab.Tf(
		"each reply was one sendall() of three parts: the 4-byte header length (saying %d, then %d), the JSON header (%d and %d bytes) and the body (%d and %d bytes); the client read them back in that order, the bodies with %d recv calls",
		"每个回复是一次 sendall() 发出的三部分：4 字节的报头长度（值为 %d，然后 %d）、JSON 报头（%d 和 %d 字节）和数据（%d 和 %d 字节）；客户端按同样的顺序读回，数据部分用了 %d 次 recv",
		first.hlen, second.hlen, first.hlen, second.hlen, len(first.body), len(second.body), len(labelled(r.reads, partBody)))).
		At("read-length", "read-json", "read-body").On(r.sent...)
}

// jsonMeta: the stream matched, so the client read the very headers built
// here; with meta=full the first described its body.
func jsonMeta(r *jsonRun) lab.Finding {
	first := r.replies[0]
	raw := string(first.raw[wire.HeaderSize : wire.HeaderSize+first.hlen])
	size := r.p.Int("size")
	meta := check("meta", r.hasMeta() && first.h.DataSize == int64(size), lab.Tf(
		"the header described the body: %s (datasize = %d)",
		"报头描述了数据：%s（datasize = %d）", raw, size))
	if !r.hasMeta() {
		meta = check("meta", false, lab.Tf(
			"not shown with meta=minimal: the header was only %s, as in the tutorial; try --set meta=full to send a name and a checksum along",
			"meta=minimal 时看不到：报头只有 %s，和教程一样；试试 --set meta=full，把名字和校验和一起发过去",
			raw))
	}
	return meta.On(labelled(r.of(0), partJSON)...).On(r.sent[0])
}

// jsonChecksum: each body hashed to its header's SHA-256.
func jsonChecksum(r *jsonRun) lab.Finding {
	intact := true
	for _, w := range r.replies {
		sum := sha256.Sum256(w.body)
		intact = intact && w.h.SHA256 == hex.EncodeToString(sum[:])
	}
	var sum lab.Finding
	switch {
	case !r.hasMeta():
		sum = check("checksum", false, lab.T(
			"not shown with meta=minimal: without a sha256 in the header the receiver cannot tell a damaged body from a good one",
			"meta=minimal 时看不到：报头里没有 sha256，接收方分不出数据是好是坏"))
	default:
		sum = check("checksum", intact && bytes.Equal(r.replies[0].body, reportBody(r.p.Int("size"))), lab.T(
			"the receiver hashed each body it read and got the header's SHA-256 both times: the bytes arrived whole and unchanged",
			"接收方对读到的每段数据算哈希，两次都与报头里的 SHA-256 一致：字节完整无误地到达"))
	}
	return sum.On(labelled(r.reads, partBody)...)
}

// jsonGrow: the second header had more fields, read by the same code.
func jsonGrow(r *jsonRun) lab.Finding {
	first, second := r.replies[0], r.replies[1]
	var added []string
	for _, name := range headerFields(second.h) {
		if !slices.Contains(headerFields(first.h), name) {
			added = append(added, name)
		}
	}
	grow := check("grow", len(added) > 0 && bytes.Equal(second.body, CannedOutput(listCmd)), lab.Text{
		En: fmt.Sprintf("the second header had grown (%s added) and the same reading code handled it: the 4-byte length says how much JSON follows, whatever is in it",
			strings.Join(added, ", ")),
		Zh: fmt.Sprintf("第二个报头变大了（多了 %s），同一段读取代码照样能处理：4 字节的长度说明后面有多少 JSON，不管里面写了什么",
			strings.Join(added, "、"))})
	if len(added) == 0 {
		grow = check("grow", false, lab.T(
			"not shown with meta=minimal: both headers were {\"datasize\": n}; try --set meta=full",
			"meta=minimal 时看不到：两个报头都是 {\"datasize\": n}；试试 --set meta=full"))
	}
	return grow.On(labelled(r.of(1), partJSON)...).On(r.sent[1])
}
