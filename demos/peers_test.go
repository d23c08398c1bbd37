package demos

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// The decoders of what a real peer sends (`lab serve N`, `lab client N`)
// and the renderers of what they decoded, tested with boundary inputs and
// fuzzed: none panics, none allocates more than a bound linear in its
// input, and what they write for a terminal holds no control characters.

// allocated returns how many bytes f allocates on the heap. Another
// goroutine's allocations count too, so checkAlloc measures again before
// it fails.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// checkAlloc runs f, which must give the same result every time, and fails
// if it allocates more than bound bytes on each of three runs.
func checkAlloc(t *testing.T, what string, bound uint64, f func()) {
	t.Helper()
	least := allocated(f)
	for try := 0; try < 2 && least > bound; try++ {
		least = min(least, allocated(f))
	}
	if least > bound {
		t.Fatalf("%s allocated %d bytes, want at most %d", what, least, bound)
	}
}

// controlChar reports a character a terminal may act on: C0, DEL or C1.
func controlChar(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 }

// TestObjectsReprBounded renders the value of a pickle bomb: one list that
// holds the previous one twice, 19 times over, down to 189 escape bytes,
// 2^19 references in all. The note must stay short and cost little.
func TestObjectsReprBounded(t *testing.T) {
	v := any(bytes.Repeat([]byte{0x1b}, 189))
	for levels := range 20 {
		v = []any{v, v}
		var repr string
		checkAlloc(t, fmt.Sprintf("pyRepr of %d references", 2<<levels), 64<<10, func() { repr = pyRepr(v) })
		if len(repr) > wire.MaxRepr || strings.ContainsFunc(repr, controlChar) {
			t.Fatalf("%d levels: %d bytes: %.80q…", levels+1, len(repr), repr)
		}
	}
	for _, s := range []string{"\x1b[2J", "\u009b2J", "\r\n"} {
		if repr := pyRepr([]any{s, []byte(s)}); strings.ContainsFunc(repr, controlChar) {
			t.Errorf("pyRepr(%q) = %q", s, repr)
		}
	}
}

// --- 6: the JSON reply to a command ------------------------------------------

// jsonReplyOK checks that jsonReply's header for cmd can be written and
// reads back as the header of its body.
func jsonReplyOK(t *testing.T, cmd []byte, meta string) {
	t.Helper()
	p, err := lab.ParseParams(jsonHeader().Knobs, []string{"meta=" + meta, "size=100"})
	if err != nil {
		t.Fatal(err)
	}
	var (
		h    wire.JSONHeader
		body []byte
		head []byte
	)
	checkAlloc(t, fmt.Sprintf("the reply to a command of %d bytes", len(cmd)), uint64(64*len(cmd)+64<<10), func() {
		h, body = jsonReply(string(cmd), p)
		head, err = wire.AppendJSON(nil, h)
	})
	if err != nil {
		t.Fatalf("the reply to %q: %v", cmd, err)
	}
	got, err := wire.ParseJSON(head[wire.HeaderSize:], 0)
	if err != nil || got.DataSize != int64(len(body)) || meta == "full" && got.Cmd != strings.ToValidUTF8(string(cmd), "\uFFFD") && string(cmd) != reportCmd {
		t.Fatalf("the reply to %q reads back as %+v, %v (body %d bytes)", cmd, got, err, len(body))
	}
}

func TestPeerJSONReply(t *testing.T) {
	cmds := []string{"", "whoami", "ls -l\n", reportCmd, "你好", "a\"b\\c", "\x01", "\x1b[2J", "\x7f\u009b", "\xff\xfe", "\u2028",
		strings.Repeat("x", 1023) + "\xe4", strings.Repeat("\x00", 1024)}
	for _, cmd := range cmds {
		for _, meta := range []string{"full", "minimal"} {
			jsonReplyOK(t, []byte(cmd), meta)
		}
	}
}

func FuzzPeerJSONReply(f *testing.F) {
	for _, cmd := range []string{"whoami", "\x01", "\xff", reportCmd} {
		f.Add([]byte(cmd))
	}
	f.Fuzz(func(t *testing.T, cmd []byte) {
		if len(cmd) > 1024 { // one recv(1024)
			cmd = cmd[:1024]
		}
		jsonReplyOK(t, cmd, "full")
	})
}

// --- 16: the head of an HTTP response ------------------------------------------

func TestPeerHTTPHead(t *testing.T) {
	for _, c := range []struct {
		in     string
		status string
		lines  int
		length int
		err    string // "" for none, or a part of the error
	}{
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "HTTP/1.1 200 OK", 1, 5, ""},
		{"HTTP/1.1 200 OK\r\ncontent-length:\t0 \r\n\r\n", "HTTP/1.1 200 OK", 1, 0, ""},
		{"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n400", "HTTP/1.1 400 Bad Request", 1, -1, ""},
		{"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n", "HTTP/1.1 200 OK", 1, 1 << 20, ""},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", "HTTP/1.1 200 OK", 2, 5, ""},
		{"HTTP/1.1 200 OK\r\nX: a\nb\r\n\r\n", "HTTP/1.1 200 OK", 1, -1, ""}, // a bare \n does not end a line
		{"HTTP/1.1 200 OK\r\nContent-Length: 1048577\r\n\r\n", "", 0, 0, "bad Content-Length"},
		{"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", "", 0, 0, "bad Content-Length"},
		{"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "", 0, 0, "bad Content-Length"},
		{"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "", 0, 0, "bad Content-Length"},
		{"HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", "", 0, 0, "bad Content-Length"},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "", 0, 0, "two Content-Length"},
		{"\r\n\r\n", "", 0, 0, "status line"},
		{"", "", 0, 0, errNoBlankLine.Error()},
		{"HTTP/1.1 200 OK\r\n", "", 0, 0, errNoBlankLine.Error()},
		{"HTTP/1.1 200 OK\r\n\r", "", 0, 0, errNoBlankLine.Error()},
		{"HTTP/1.1 200 OK\r\n" + strings.Repeat("X: y\r\n", httpMaxHead/6) + "\r\n", "", 0, 0, "longer than"},
		{"HTTP/1.1 200 OK\r\nX: " + strings.Repeat("y", httpMaxHead) + "\r\n\r\n", "", 0, 0, "exceeds limit"},
	} {
		h, err := parseHTTPHead([]byte(c.in))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("parseHTTPHead(%.60q): %+v, %v; want an error with %q", c.in, h, err, c.err)
			}
			continue
		}
		if err != nil || h.status != c.status || len(h.lines) != c.lines || h.length != c.length || !strings.HasSuffix(c.in[:h.end], "\r\n\r\n") {
			t.Errorf("parseHTTPHead(%q) = %+v, %v", c.in, h, err)
		}
	}
}

func FuzzPeerHTTPHead(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nhello, 你好\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var h httpHead
		var err error
		checkAlloc(t, fmt.Sprintf("parseHTTPHead of %d bytes", len(data)), uint64(8*len(data)+64<<10), func() { h, err = parseHTTPHead(data) })
		if err != nil {
			if len(err.Error()) > 200 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		// The head is the status line and the header lines, each ended by
		// \r\n, and the blank line: exactly the bytes before the body.
		head := h.status + "\r\n"
		for _, l := range h.lines {
			head += l + "\r\n"
		}
		if head+"\r\n" != string(data[:h.end]) || h.status == "" || strings.Contains(head[:len(head)-2], "\r\n\r\n") {
			t.Fatalf("parseHTTPHead(%q) = %+v", data, h)
		}
		if h.length < -1 || h.length > httpMaxBody {
			t.Fatalf("Content-Length %d", h.length)
		}
	})
}

// --- 15: the size line of proto=ack, the server's answer after the file -----

func TestPeerSizeLine(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64 // -1: refused
	}{
		{"0", 0}, {"1", 1}, {"11", 11}, {"007", 7},
		{strconv.Itoa(uploadMax - 1), uploadMax - 1}, {strconv.Itoa(uploadMax), uploadMax}, {strconv.Itoa(uploadMax + 1), -1},
		{"11\n", 11}, {" 11\r\n", 11}, {"\t11 ", 11}, {"\v\f11\f\v", 11},
		// Only ASCII whitespace, as docs/wire-formats.md says (Python's int() takes these too):
		{"\u00a011", -1}, {"11\u0085", -1}, {"11\u3000", -1}, {"\u200311", -1}, {"\x1c11", -1},
		{"", -1}, {"\n", -1}, {"+5", -1}, {"-0", -1}, {"-5", -1}, {"1e3", -1}, {"1_000", -1}, {"1 1", -1},
		{"0x10", -1}, {"１１", -1}, {"99999999999999999999", -1}, {"\xff", -1}, {"11hello, file", -1},
		{strings.Repeat("9", 1024), -1}, {"\x1b[2J", -1},
	} {
		got, err := parseSizeLine([]byte(c.in))
		if c.want < 0 {
			if err == nil {
				t.Errorf("parseSizeLine(%q) = %d, want an error", c.in, got)
			} else if len(err.Error()) > 200 || strings.ContainsFunc(err.Error(), controlChar) {
				t.Errorf("parseSizeLine(%q): %d bytes: %q", c.in, len(err.Error()), err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("parseSizeLine(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

func FuzzPeerSizeLine(f *testing.F) {
	for _, s := range []string{"11", "11\n", "1073741826", "-0", "\x1b[2J"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		var n int64
		var err error
		checkAlloc(t, fmt.Sprintf("parseSizeLine of %d bytes", len(head)), uint64(2*len(head)+4096), func() { n, err = parseSizeLine(head) })
		if err != nil {
			if len(err.Error()) > 200 || strings.ContainsFunc(err.Error(), controlChar) {
				t.Fatalf("parseSizeLine(%q): %q", head, err)
			}
			return
		}
		digits := strings.TrimLeft(strings.Trim(string(head), sizeLineSpace), "0")
		if n < 0 || n > uploadMax || strconv.FormatInt(n, 10) != cmp.Or(digits, "0") {
			t.Fatalf("parseSizeLine(%q) = %d", head, n)
		}
	})
}

// answerOK checks that uploadAnswer's note or error holds nothing of the
// answer unquoted.
func answerOK(t *testing.T, answer []byte, sum string) (lab.Text, error) {
	t.Helper()
	var note lab.Text
	var err error
	checkAlloc(t, fmt.Sprintf("uploadAnswer of %d bytes", len(answer)), uint64(16*len(answer)+64<<10), func() { note, err = uploadAnswer(answer, sum) })
	for _, s := range []string{note.En, note.Zh, errString(err)} {
		if strings.ContainsFunc(s, controlChar) || len(s) > 1024 {
			t.Fatalf("uploadAnswer(%q): %d bytes: %q", answer, len(s), s)
		}
	}
	return note, err
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestPeerUploadAnswer(t *testing.T) {
	sum := contentSHA(11)
	reply := func(obj string) []byte {
		return append(binary.LittleEndian.AppendUint32(nil, uint32(len(obj))), obj...)
	}
	for _, c := range []struct {
		name   string
		answer []byte
		err    string // "" for a note
	}{
		{"nothing", nil, ""},
		{"the receipt", []byte(sum), ""},
		{"the receipt in capitals", []byte(strings.ToUpper(sum)), ""},
		{"another receipt", []byte(contentSHA(12)), "is not the file's SHA-256"},
		{"a short answer", []byte("ok"), "does not speak this protocol"},
		{"escapes", []byte("\x1b[2J\x1b]0;pwned\x07"), "does not speak this protocol"},
		{"an HTTP server", []byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"), "does not speak this protocol"},
		{"a length, then no JSON", append(reply("not json"), "…"...), "does not speak this protocol"},
		{"a length past the answer", reply(`{"status": "stored"}`)[:10], "does not speak this protocol"},
		{"stored", reply(`{"datasize": 0, "sha256": "` + sum + `", "status": "stored"}`), ""},
		{"stored, another SHA-256", reply(`{"datasize": 0, "sha256": "\u009b2J", "status": "stored"}`), "SHA-256 is '\\x9b2J'"},
		{"refused", reply(`{"datasize": 0, "error": "no \u001b[2J", "status": "refused"}`), `refused the upload: 'no \x1b[2J'`},
		{"a reply, then escapes", append(reply(`{"datasize": 0, "status": "\u0085"}`), "\x1b[2J"...), ""},
		{"not a reply", bytes.Repeat([]byte{0x1b}, 100), "does not speak this protocol"},
		{"a reply without a status", reply(`{"datasize": 0, "hello": "there"}`), ""},
		{"JSON without a datasize", reply(`{"hello": "there"}`), "no datasize"},
	} {
		note, err := answerOK(t, c.answer, sum)
		switch {
		case c.err == "" && (err != nil || note.IsZero()):
			t.Errorf("%s: %v, %v; want a note", c.name, note, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: %v, %v; want an error with %q", c.name, note, err, c.err)
		}
	}
}

func FuzzPeerUploadAnswer(f *testing.F) {
	sum := contentSHA(11)
	f.Add([]byte(sum))
	f.Add([]byte("\x2a\x00\x00\x00{\"datasize\": 0, \"status\": \"refused\", \"x\": 1}"))
	f.Fuzz(func(t *testing.T, answer []byte) {
		answerOK(t, answer, sum)
	})
}

// --- 14: chat ------------------------------------------------------------------

func TestPeerChatAnswer(t *testing.T) {
	for _, c := range []struct {
		in, reply, end string
		quit           bool
	}{
		{"", "", "", true}, {"q", "", "", true}, {"q\n", "", "\n", true}, {"q\r\n", "", "\r\n", true},
		{"q\r\n\r\n", "q\r\n" + chatSuffix + "\r\n", "\r\n", false}, {"q\n\n", "q\n" + chatSuffix + "\n", "\n", false},
		{"Q", "Q" + chatSuffix, "", false}, {"q q", "q q" + chatSuffix, "", false}, {"hello", "hello" + chatSuffix, "", false},
		{"hello\n", "hello" + chatSuffix + "\n", "\n", false}, {"你好\r\n", "你好" + chatSuffix + "\r\n", "\r\n", false},
		{"\n", chatSuffix + "\n", "\n", false}, {"\r", "\r" + chatSuffix, "", false}, {"\xff", "\xff" + chatSuffix, "", false},
	} {
		reply, quit, end := chatAnswer([]byte(c.in))
		if string(reply) != c.reply || quit != c.quit || end != c.end {
			t.Errorf("chatAnswer(%q) = %q, %v, %q; want %q, %v, %q", c.in, reply, quit, end, c.reply, c.quit, c.end)
		}
	}
}

func FuzzPeerChatAnswer(f *testing.F) {
	f.Add([]byte("hello"))
	f.Add([]byte("q\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := slices.Clone(data)
		var reply []byte
		var quit bool
		var end string
		checkAlloc(t, fmt.Sprintf("chatAnswer of %d bytes", len(data)), uint64(2*len(data)+1024), func() { reply, quit, end = chatAnswer(data) })
		if !bytes.Equal(data, in) {
			t.Fatalf("chatAnswer changed its input %q to %q", in, data)
		}
		msg := strings.TrimSuffix(string(data), end)
		if !strings.HasSuffix(string(data), end) || end != "" && end != "\n" && end != "\r\n" {
			t.Fatalf("chatAnswer(%q): line end %q", data, end)
		}
		if quit != (len(data) == 0 || msg == "q") || !quit && string(reply) != msg+chatSuffix+end {
			t.Fatalf("chatAnswer(%q) = %q, %v, %q", data, reply, quit, end)
		}
	})
}

// --- 7: the object behind the text header ----------------------------------------

// objectAllocBound is the most decoding and noting an object of n bytes may
// allocate, whatever its codec: the pickle decoder's budget (128 bytes a
// byte) and what it takes to get there.
func objectAllocBound(n int) uint64 { return uint64(512*n + 1<<20) }

// FuzzObjectsDecode decodes what a server sends to lab client 7, in each
// codec, and writes the note about it.
func FuzzObjectsDecode(f *testing.F) {
	for _, codec := range []string{"pickle", "gob", "json"} {
		b, err := encodeObject(codec, objectValue())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(codec, b)
	}
	f.Add("pickle", evilPickle)
	f.Add("json", []byte(`{"a": "\u001b[2J", "b": [1e400, -0, 1E-7]}`))
	f.Fuzz(func(t *testing.T, codec string, data []byte) {
		if codec != "pickle" && codec != "gob" && codec != "json" || len(data) > maxObject {
			return
		}
		var v any
		var err error
		var repr string
		checkAlloc(t, fmt.Sprintf("decoding a %s object of %d bytes", codec, len(data)), objectAllocBound(len(data)), func() {
			if v, err = decodeObject(codec, data); err == nil {
				repr = pyRepr(v)
			}
		})
		if len(repr) > wire.MaxRepr || strings.ContainsFunc(repr, controlChar) {
			t.Fatalf("pyRepr(%#v) = %q", v, repr)
		}
	})
}
