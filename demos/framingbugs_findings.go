package demos

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"socketlab/lab"
)

// framingBugsFindings reads each part of demo 21 from the server's events
// between the part's accept and the next, with the finding function of the
// part's name (bugFindings).
func framingBugsFindings(t lab.Trace, p lab.Params) []lab.Finding {
	accepts := t.Calls(lab.Server, lab.OpAccept)
	var out []lab.Finding
	for i, part := range bugParts(p) {
		var on lab.Trace
		if i < len(accepts) {
			on = t.Filter(func(e lab.Event) bool {
				return e.Side == lab.Server && e.Seq > accepts[i].Seq && (i+1 >= len(accepts) || e.Seq < accepts[i+1].Seq)
			})
		}
		if f, ok := bugFindings[part.name()]; ok {
			out = append(out, f(bugRead(on)))
		}
	}
	return out
}

// bugFindings are demo 21's findings, one function per part.
var bugFindings = map[string]func(bugRead) lab.Finding{
	"header":         headerFinding,
	"header-fixed":   headerFixedFinding,
	"overread":       overreadFinding,
	"overread-fixed": overreadFixedFinding,
	"ack":            ackFinding,
	"ack-fixed":      ackFixedFinding,
	"json":           jsonFinding,
	"json-fixed":     jsonFixedFinding,
}

// bugRead is the server's events on one part's connection. Findings find
// them by step name and read their bytes, never a note's words.
type bugRead lab.Trace

func (r bugRead) step(name string) lab.Trace {
	return lab.Trace(r).Filter(func(e lab.Event) bool { return e.Step == name })
}

// raised says whether the reader's key note named step (pyError) is there.
func (r bugRead) raised(step string) bool {
	return r.step(step).Filter(func(e lab.Event) bool { return e.Op == lab.OpNote }).Last().Seq > 0
}

// saved is the files the reader kept, one per note named saved
// (savedNote): each the bytes its recv calls named body read since the
// file before.
func (r bugRead) saved(body, saved string) [][]byte {
	var files [][]byte
	var file []byte
	for _, e := range r {
		switch {
		case e.Step == body && e.Op == lab.OpRecv:
			file = append(file, e.Data[:min(e.N, len(e.Data))]...)
		case e.Step == saved && e.Op == lab.OpNote:
			files, file = append(files, file), nil
		}
	}
	return files
}

// savedAs says whether the files saved are want, in order.
func savedAs(files [][]byte, want ...[]byte) bool {
	if len(files) != len(want) {
		return false
	}
	for i := range files {
		if !bytes.Equal(files[i], want[i]) {
			return false
		}
	}
	return true
}

func headerFinding(r bugRead) lab.Finding {
	e := r.step("header-recv").Last()
	_, exc := unpackI(e.Data)
	if !r.raised("struct-error") {
		exc = ""
	}
	return check("header", e.Op == lab.OpRecv && e.N > 0 && e.N < 4 && strings.HasPrefix(exc, "struct.error"), lab.Tf(
		"recv(4) returned only %d bytes, the first piece of the header; struct.unpack('i', …) on them raised %s. recv(4) means \"at most 4\"",
		"recv(4) 只返回了 %d 个字节，也就是报头的第一段；对它们做 struct.unpack('i', …) 抛出 %s。recv(4) 的意思是“最多 4 个”",
		e.N, exc)).On(e).At("struct-error")
}

func headerFixedFinding(r bugRead) lab.Finding {
	pieces := r.step("header-piece")
	ok := len(pieces) == 2 && pieces[0].N < 4 && pieces[0].N+pieces[1].N == 4 &&
		savedAs(r.saved("header-body", "header-saved"), bugBody)
	return check("header-fixed", ok, lab.Tf(
		"the header came in the same two pieces (%s bytes); the loop read until it had 4 bytes, and the file arrived whole",
		"报头同样分两段到达（%s 个字节）；循环一直读到凑够 4 个字节，文件完整到达",
		counts(pieces))).On(pieces...).At("header-saved")
}

func overreadFinding(r bugRead) lab.Finding {
	e := r.step("overread").Filter(func(e lab.Event) bool { return e.Key }).Last()
	files := r.saved("overread", "overread-saved")
	first := bugFiles[0]
	ok := e.N > len(first) && len(files) == 1 && !bytes.Equal(files[0], first)
	return check("overread", ok, lab.Tf(
		"for file 1 (%d bytes) the loop's recv(1024) returned %d bytes: file 1, then file 2's header and body. File 1 was saved with them all, and file 2 was never seen: the next recv(4) returned b''",
		"为了文件 1（%d 个字节），循环的 recv(1024) 返回了 %d 个字节：文件 1，然后是文件 2 的报头和内容。文件 1 把它们全都存了进去，而文件 2 根本没出现：下一次 recv(4) 返回 b''",
		len(first), e.N)).On(e).At("overread-saved")
}

func overreadFixedFinding(r bugRead) lab.Finding {
	body := r.step("exact-body")
	asked := true
	for j, e := range body {
		asked = asked && j < len(bugFiles) && e.Req == len(bugFiles[j]) && e.N == e.Req
	}
	ok := asked && len(body) == len(bugFiles) && savedAs(r.saved("exact-body", "exact-saved"), bugFiles...)
	return check("overread-fixed", ok, lab.Tf(
		"with the same two files queued, each recv asked only for what its file still lacked (%s), so both files were saved whole",
		"同样两个文件排在缓冲区里，每次 recv 只要它那个文件还缺的字节（%s），于是两个文件都完整保存",
		asks(body))).On(body...).At("exact-saved")
}

func ackFinding(r bugRead) lab.Finding {
	e := r.step("size-glued").Last()
	_, exc := pyInt(string(e.Data))
	if !r.raised("int-error") {
		exc = ""
	}
	return check("ack", e.Op == lab.OpRecv && e.N > len(strconv.Itoa(len(bugBody))) && strings.HasPrefix(exc, "ValueError"), lab.Tf(
		"without the ack, the size digits and the file were glued in one recv(1024) (%d bytes); int() on them raised %s",
		"没有确认，长度数字和文件在一次 recv(1024) 里粘在了一起（%d 个字节）；对它们调用 int() 抛出 %s",
		e.N, exc)).On(e).At("int-error")
}

func ackFixedFinding(r bugRead) lab.Finding {
	e := r.step("size-alone").Last()
	digits := strconv.Itoa(len(bugBody))
	ok := string(e.Data) == digits && r.step("ack").Last().Err == "" && savedAs(r.saved("ack-body", "ack-saved"), bugBody)
	return check("ack-fixed", ok, lab.Tf(
		"the client waited for the ack, so recv(1024) got the digits alone (b'%s'), and the file came after: whole. It costs a round trip; a header (demo 5) does not",
		"客户端等到了确认，所以 recv(1024) 只拿到长度数字（b'%s'），文件随后才到：完整无缺。代价是多一次往返；报头（演示 5）不需要",
		digits)).On(e).At("ack-saved")
}

func jsonFinding(r bugRead) lab.Finding {
	e := r.step("json-recv").Last()
	exc := ""
	if r.raised("json-error") {
		exc = jsonLoadsError(e.Data)
	}
	return check("json", e.Op == lab.OpRecv && e.N > 0 && e.N < e.Req && strings.HasPrefix(exc, "json.decoder.JSONDecodeError"), lab.Tf(
		"recv(%d) for the JSON header returned %d bytes, the first piece; json.loads raised %s",
		"为 JSON 报头做的 recv(%d) 只返回了 %d 个字节，也就是第一段；json.loads 抛出 %s",
		e.Req, e.N, exc)).On(e).At("json-error")
}

func jsonFixedFinding(r bugRead) lab.Finding {
	pieces := r.step("json-piece")
	ok := len(pieces) == 2 && pieces[0].N < pieces[0].Req && pieces[0].N+pieces[1].N == len(bugHeader) &&
		savedAs(r.saved("json-body", "json-saved"), bugBody)
	return check("json-fixed", ok, lab.Tf(
		"the JSON header came in the same two pieces (%s bytes); the loop read until it had all %d bytes, json.loads worked, and the file arrived whole",
		"JSON 报头同样分两段到达（%s 个字节）；循环一直读到凑够 %d 个字节，json.loads 成功，文件完整到达",
		counts(pieces), len(bugHeader))).On(pieces...).At("json-saved")
}

// jsonLoadsError is what json.loads raises on the header bytes hb, as the
// reader (readJSONHeader) decides it; "" if they decode.
func jsonLoadsError(hb []byte) string {
	var h struct {
		Filesize *int `json:"filesize"`
	}
	err := json.Unmarshal(hb, &h)
	if err == nil && h.Filesize == nil {
		err = errors.New("no filesize")
	}
	if err == nil {
		return ""
	}
	return pyJSONError(hb, err)
}

// counts writes the byte counts of recv calls: "2 + 2".
func counts(t lab.Trace) string {
	var parts []string
	for _, e := range t {
		parts = append(parts, strconv.Itoa(e.N))
	}
	return strings.Join(parts, " + ")
}

// asks writes the calls as made: "recv(10), recv(11)".
func asks(t lab.Trace) string {
	var parts []string
	for _, e := range t {
		parts = append(parts, e.Call)
	}
	return strings.Join(parts, ", ")
}
