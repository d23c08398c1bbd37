package demos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// The framing mistakes of the tutorials that demo 21 makes happen, in the
// order bug=all shows them.
var framingBugs = []string{"header", "overread", "ack", "json"}

// What the writer of demo 21 sends.
var (
	bugBody   = []byte("hello world")                                 // the file of header, ack and json
	bugFiles  = [][]byte{[]byte("first file"), []byte("second file")} // overread: two files back to back
	bugHeader = []byte(`{"cmd": "put", "filename": "a.txt", "filesize": 11}`)
)

// bugHeadCut is where the writer of bug=json cuts its JSON header in two
// sends; bugHeadError is what Python's json.loads says about the first
// piece (checked against python3 by a test).
const (
	bugHeadCut   = 31
	bugHeadError = "json.decoder.JSONDecodeError: Unterminated string starting at: line 1 column 28 (char 27)"
	bugMax       = 1 << 20 // the largest length the readers accept
)

// framingBugsDemo is demo 21: the framing mistakes of the tutorials' own
// code, each failing on every run, and next to each the fixed reader on
// the same bytes sent the same way:
//
//   - header: one recv(4) for the 4-byte header, which arrives in two pieces
//     (struct.error: unpack requires a buffer of 4 bytes);
//   - overread: while recv_size < size: recv(1024), which reads past the end
//     of a file into the next one;
//   - ack: the size digits sent without waiting for the ack, glued to the
//     file (ValueError: invalid literal for int());
//   - json: one recv(headsize) for a JSON header that arrives in two pieces
//     (json.decoder.JSONDecodeError).
//
// Recipe: a header "arrives in pieces" because the writer sends it in two
// sends and makes the second only after the reader's first recv has
// returned; messages are "glued" because the reader reads only once the
// writer is done and the kernel holds every byte (SIOCINQ, demo 4).
func framingBugsDemo() lab.Demo {
	return lab.Demo{
		ID:    21,
		Slug:  "framing-bugs",
		Title: lab.T("The tutorials' framing bugs", "教程里的分包（报头）错误"),
		Brief: lab.T("one recv(4) for a header in pieces; a loop that reads into the next message; size digits without the ack; one recv(headsize); and the fix for each",
			"一次 recv(4) 读分成几段到达的报头；读进下一条消息的循环；不等确认就发出的长度数字；一次 recv(headsize)；以及每一个的改正"),
		Knobs: []lab.Knob{
			{Name: "bug", Kind: lab.KindEnum, Default: "all", Choices: append([]string{"all"}, framingBugs...),
				Help: lab.T("which mistake: header (one recv(4)), overread (recv(1024) past the end of a file), ack (size digits without the ack), json (one recv(headsize)), or all four",
					"哪一个错误：header（一次 recv(4)）、overread（recv(1024) 读过了文件的结尾）、ack（不等确认就发长度数字）、json（一次 recv(headsize)），或者 all 全部四个")},
			{Name: "fix", Kind: lab.KindEnum, Default: "both", Choices: []string{"both", "off", "on"},
				Help: lab.T("off: the tutorial's code, which fails; on: the fixed code on the same bytes; both: each bug, then its fix",
					"off：教程里的代码，会出错；on：改正后的代码读同样的字节；both：每个错误之后紧跟它的改正")},
		},
		Server:   framingBugsServer,
		Client:   framingBugsClient,
		Findings: framingBugsFindings,
	}
}

// bugPart is one connection of demo 21: a mistake, with the tutorial's
// reader (fixed false) or the fixed one.
type bugPart struct {
	bug   string
	fixed bool
}

func (p bugPart) name() string {
	if p.fixed {
		return p.bug + "-fixed"
	}
	return p.bug
}

// bugParts are the connections a run makes, in order.
func bugParts(p lab.Params) []bugPart {
	bugs := framingBugs
	if b := p.String("bug"); b != "all" {
		bugs = []string{b}
	}
	var out []bugPart
	for _, b := range bugs {
		switch p.String("fix") {
		case "off":
			out = append(out, bugPart{b, false})
		case "on":
			out = append(out, bugPart{b, true})
		default:
			out = append(out, bugPart{b, false}, bugPart{b, true})
		}
	}
	return out
}

func framingBugsServer(ctx context.Context, s *lab.Side) error {
	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Signal("listening")
	for i, part := range bugParts(s.Params) {
		k := i + 1
		conn, err := ln.Accept() // conn, addr = server.accept()
		if err != nil {
			return err
		}
		var pyErr string // what Python would raise, if the reader fails
		switch part.bug {
		case "header":
			pyErr, err = readSlicedHeader(s, conn, k, part.fixed)
		case "overread":
			err = readTwoFiles(s, conn, k, part.fixed)
		case "ack":
			pyErr, err = readSizeThenFile(s, conn, k, part.fixed)
		case "json":
			pyErr, err = readJSONHeader(s, conn, k, part.fixed)
		}
		if err != nil {
			return err
		}
		if pyErr != "" {
			if err := giveUp(s, conn, k, bugUnread[part.bug]); err != nil {
				return err
			}
		}
		if err := conn.Close(); err != nil { // conn.close()
			return err
		}
		s.Signal(fmt.Sprintf("served-%d", k))
	}
	s.Step("stop-listening")
	return ln.Close()
}

// bugUnread is how many bytes a failed reader of each mistake leaves
// unread: the rest of the header (or JSON header) and the file.
var bugUnread = map[string]int{
	"header": wire.HeaderSize - 2 + len(bugBody),
	"json":   len(bugHeader) - bugHeadCut + len(bugBody),
}

// giveUp is the server's except clause after a framing error: it logs the
// exception and drops this client. The recipe lets the writer finish
// first, so what the close does is the same every run.
func giveUp(s *lab.Side, conn *lab.Conn, k, unread int) error {
	if err := s.Wait(fmt.Sprintf("sent-all-%d", k)); err != nil {
		return err
	}
	if unread == 0 {
		return nil
	}
	q, err := conn.WaitQueued(unread)
	if err != nil && !unsupported(err) {
		return err
	}
	if q > 0 {
		s.Note(lab.Tf("the server gives up on this client and closes; %d bytes it never read are still in its buffer, so the close resets the connection (demo 9)",
			"服务端放弃这个客户端，关闭连接；它的缓冲区里还有 %d 个没读的字节，所以这次关闭会重置连接（演示 9）", q))
	}
	return nil
}

// pyError records what the Python reader raised here, as a key note.
func pyError(s *lab.Side, step, exc string) {
	s.KeyNote(step, lab.Tf("Python raises %s", "Python 抛出 %s", exc))
}

// unpackI is struct.unpack('i', data)[0]: it needs exactly 4 bytes.
func unpackI(data []byte) (int, string) {
	n, err := wire.ParseHeader(data, wire.Little, bugMax)
	if errors.Is(err, wire.ErrMalformed) && len(data) != wire.HeaderSize {
		return 0, "struct.error: unpack requires a buffer of 4 bytes"
	}
	if err != nil {
		return 0, fmt.Sprintf("(a length the lab refuses: %v)", err)
	}
	return n, ""
}

// readSlicedHeader reads one framed file whose header comes in two pieces.
// The tutorial's reader makes one recv(4) and unpacks what it got; the
// fixed one loops until it has 4 bytes.
func readSlicedHeader(s *lab.Side, conn *lab.Conn, k int, fixed bool) (string, error) {
	if err := s.Wait(fmt.Sprintf("sent-half-%d", k)); err != nil {
		return "", err
	}
	if _, err := conn.WaitQueued(2); err != nil && !unsupported(err) {
		return "", err
	}
	if !fixed {
		s.Key("header-recv")
		head, err := conn.Recv(4) // head = conn.recv(4)
		if err != nil {
			return "", err
		}
		s.Signal(fmt.Sprintf("read-half-%d", k))
		if _, exc := unpackI(head); exc != "" { // size = struct.unpack('i', head)[0]
			pyError(s, "struct-error", exc)
			return exc, nil
		}
		return "", errors.New("the header came whole: the recipe did not slice it")
	}
	var head []byte
	for len(head) < 4 { // while len(head) < 4:
		s.KeyIf("header-piece", func(e lab.Event) bool { return e.N < e.Req })
		piece, err := conn.Recv(4 - len(head)) // head += conn.recv(4 - len(head))
		if err != nil {
			return "", err
		}
		if len(piece) == 0 {
			return "", errors.New("the client closed in the middle of the header")
		}
		head = append(head, piece...)
		s.Signal(fmt.Sprintf("read-half-%d", k)) // the recipe: the writer sends the rest now
	}
	size, exc := unpackI(head) // size = struct.unpack('i', head)[0]
	if exc != "" {
		return "", errors.New(exc)
	}
	body, err := recvExact(s, conn, size, "header-body")
	if err != nil {
		return "", err
	}
	savedNote(s, "header-saved", 1, body)
	return "", nil
}

// recvExact is the fixed body loop: ask only for what is still missing.
func recvExact(s *lab.Side, conn *lab.Conn, size int, step string) ([]byte, error) {
	var data []byte
	for len(data) < size { // while recv_size < size:
		s.Step(step)
		chunk, err := conn.Recv(min(1024, size-len(data))) // chunk = conn.recv(min(1024, size - recv_size))
		if err != nil {
			return data, err
		}
		if len(chunk) == 0 {
			return data, fmt.Errorf("the client closed after %d of %d bytes", len(data), size)
		}
		data = append(data, chunk...)
	}
	return data, nil
}

// savedNote says what the reader kept as file i.
func savedNote(s *lab.Side, step string, i int, data []byte) {
	s.KeyNote(step, lab.Tf("file %d saved: %d bytes, %s", "文件 %d 已保存：%d 个字节，%s", i, len(data), pyBytes(data)))
}

// pyBytes writes bytes the way Python's repr() does: b'first file\x0b…'.
func pyBytes(data []byte) string {
	var b strings.Builder
	b.WriteString("b'")
	for _, c := range data {
		switch {
		case c == '\'', c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// readTwoFiles reads framed files until the client closes. The tutorial's
// body loop asks for recv(1024) whatever is left, so with two files queued
// the first read of file 1 takes file 2 as well.
func readTwoFiles(s *lab.Side, conn *lab.Conn, k int, fixed bool) error {
	if err := s.Wait(fmt.Sprintf("sent-all-%d", k)); err != nil {
		return err
	}
	total := 0
	for _, f := range bugFiles {
		total += wire.HeaderSize + len(f)
	}
	if _, err := conn.WaitQueued(total); err != nil && !unsupported(err) {
		return err
	}
	for i := 1; ; i++ { // while True:
		s.Step("file-header")
		head, err := conn.Recv(4) // head = conn.recv(4)
		if err != nil {
			return err
		}
		if len(head) == 0 { // if not head: break
			s.Note(lab.Tf("recv(4) returned b'': the client has closed. %d file(s) saved", "recv(4) 返回 b''：客户端已经关闭。共保存了 %d 个文件", i-1))
			return nil
		}
		size, exc := unpackI(head) // size = struct.unpack('i', head)[0]
		if exc != "" {
			return errors.New(exc)
		}
		var data []byte
		if fixed {
			if data, err = recvExact(s, conn, size, "exact-body"); err != nil {
				return err
			}
		} else {
			for len(data) < size { // while recv_size < size:
				s.KeyIf("overread", func(e lab.Event) bool { return e.N > size-len(data) })
				chunk, err := conn.Recv(1024) // chunk = conn.recv(1024)
				if err != nil {
					return err
				}
				if len(chunk) == 0 {
					return fmt.Errorf("the client closed after %d of %d bytes", len(data), size)
				}
				data = append(data, chunk...)
			}
		}
		if fixed {
			savedNote(s, "exact-saved", i, data)
		} else {
			savedNote(s, "overread-saved", i, data)
		}
	}
}

// pyInt is Python's int(text), for the digits of a size: an error is the
// ValueError Python raises, with the text as repr() shows it.
func pyInt(text string) (int, string) {
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil || n < 0 {
		return 0, fmt.Sprintf("ValueError: invalid literal for int() with base 10: %s", pyStrRepr(text))
	}
	return n, ""
}

// pyStrRepr writes a string the way Python's repr() does for printable ASCII,
// and escapes anything else.
func pyStrRepr(text string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range text {
		switch {
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// readSizeThenFile is the tutorial's upload server: the size as digits,
// then the file. The fixed protocol has the server acknowledge the size,
// and the client send the file only after the ack.
func readSizeThenFile(s *lab.Side, conn *lab.Conn, k int, fixed bool) (string, error) {
	if !fixed {
		// The recipe: the client has sent both, and the kernel holds them.
		if err := s.Wait(fmt.Sprintf("sent-all-%d", k)); err != nil {
			return "", err
		}
		if _, err := conn.WaitQueued(len(strconv.Itoa(len(bugBody))) + len(bugBody)); err != nil && !unsupported(err) {
			return "", err
		}
		s.Key("size-glued")
	} else {
		s.Key("size-alone")
	}
	data, err := conn.Recv(1024) // data = conn.recv(1024)
	if err != nil {
		return "", err
	}
	size, exc := pyInt(string(data)) // file_size = int(str(data, encoding='utf-8'))
	if exc != "" {
		pyError(s, "int-error", exc)
		return exc, nil
	}
	if !fixed {
		return "", errors.New("the size came alone: the recipe did not glue it to the file")
	}
	s.Step("ack")
	if err := conn.SendAll([]byte(uploadAck)); err != nil { // conn.sendall(b'1001')
		return "", err
	}
	body, err := recvExact(s, conn, size, "ack-body")
	if err != nil {
		return "", err
	}
	savedNote(s, "ack-saved", 1, body)
	return "", nil
}

// pyJSONError is what json.loads says about a header that is not whole:
// Python's own words for the piece the recipe cuts, else Go's.
func pyJSONError(got []byte, err error) string {
	if string(got) == string(bugHeader[:bugHeadCut]) {
		return bugHeadError
	}
	return fmt.Sprintf("json.decoder.JSONDecodeError (Go says: %v)", err)
}

// readJSONHeader reads struct.pack('i', len(header)) + a JSON header + the
// file. The tutorial's reader makes one recv(headsize) for the header,
// which arrives in two pieces; the fixed one loops until it has headsize
// bytes.
func readJSONHeader(s *lab.Side, conn *lab.Conn, k int, fixed bool) (string, error) {
	if err := s.Wait(fmt.Sprintf("sent-half-%d", k)); err != nil {
		return "", err
	}
	if _, err := conn.WaitQueued(wire.HeaderSize + bugHeadCut); err != nil && !unsupported(err) {
		return "", err
	}
	s.Step("json-length")
	head, err := conn.RecvExactly(wire.HeaderSize, 0, labelLength) // head_struct = conn.recv(4)
	if err != nil {
		return "", err
	}
	headsize, exc := unpackI(head) // head_len = struct.unpack('i', head_struct)[0]
	if exc != "" {
		return "", errors.New(exc)
	}
	var hb []byte
	if !fixed {
		s.Key("json-recv")
		if hb, err = conn.Recv(headsize); err != nil { // head_json = conn.recv(head_len)
			return "", err
		}
		s.Signal(fmt.Sprintf("read-half-%d", k))
	} else {
		for len(hb) < headsize { // while len(head_json) < head_len:
			s.KeyIf("json-piece", func(e lab.Event) bool { return e.N < e.Req })
			piece, err := conn.Recv(headsize - len(hb)) // head_json += conn.recv(head_len - len(head_json))
			if err != nil {
				return "", err
			}
			if len(piece) == 0 {
				return "", errors.New("the client closed in the middle of the JSON header")
			}
			hb = append(hb, piece...)
			s.Signal(fmt.Sprintf("read-half-%d", k)) // the recipe: the writer sends the rest now
		}
	}
	var h struct {
		Filesize *int `json:"filesize"`
	}
	if err := json.Unmarshal(hb, &h); err != nil || h.Filesize == nil { // head_dic = json.loads(head_json.decode('utf-8'))
		if err == nil {
			err = errors.New("no filesize")
		}
		exc := pyJSONError(hb, err)
		if fixed {
			return "", errors.New(exc)
		}
		pyError(s, "json-error", exc)
		return exc, nil
	}
	if !fixed {
		return "", errors.New("the JSON header came whole: the recipe did not slice it")
	}
	body, err := recvExact(s, conn, *h.Filesize, "json-body")
	if err != nil {
		return "", err
	}
	savedNote(s, "json-saved", 1, body)
	return "", nil
}

func framingBugsClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	for i, part := range bugParts(s.Params) {
		k := i + 1
		s.Section(bugSection(part))
		conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
		if err != nil {
			return err
		}
		switch part.bug {
		case "header":
			err = sendSlicedHeader(s, conn, k)
		case "overread":
			err = sendTwoFiles(s, conn, k)
		case "ack":
			err = sendSizeThenFile(s, conn, k, part.fixed)
		case "json":
			err = sendJSONHeader(s, conn, k)
		}
		if err != nil {
			return err
		}
		if err := s.Wait(fmt.Sprintf("served-%d", k)); err != nil {
			return err
		}
		if part.bug != "overread" { // the overread client has closed already
			if err := conn.Close(); err != nil { // client.close()
				return err
			}
		}
	}
	return nil
}

// bugSection heads one connection of demo 21.
func bugSection(p bugPart) lab.Text {
	switch p.name() {
	case "header":
		return lab.T("header: the 4-byte header comes in two pieces; the tutorial's reader makes one recv(4)",
			"header：4 字节的报头分两段到达；教程里的读取方只做一次 recv(4)")
	case "header-fixed":
		return lab.T("header, fixed: the same two pieces; the reader loops until it has 4 bytes",
			"header 改正：同样的两段；读取方循环，直到凑够 4 个字节")
	case "overread":
		return lab.T("overread: two files back to back; the tutorial's loop reads recv(1024) until it has the size",
			"overread：两个文件紧挨着发送；教程里的循环一直 recv(1024)，直到够了长度")
	case "overread-fixed":
		return lab.T("overread, fixed: the same two files; each recv asks only for what the file still lacks",
			"overread 改正：同样的两个文件；每次 recv 只要这个文件还缺的字节")
	case "ack":
		return lab.T("ack: the size digits, then the file at once, without waiting for the ack",
			"ack：先发长度数字，紧接着就发文件，不等确认")
	case "ack-fixed":
		return lab.T("ack, fixed: the size digits, the server's ack, then the file (the tutorial's trick)",
			"ack 改正：长度数字，服务端的确认，然后才是文件（教程里的办法）")
	case "json":
		return lab.T("json: the JSON header comes in two pieces; the tutorial's reader makes one recv(headsize)",
			"json：JSON 报头分两段到达；教程里的读取方只做一次 recv(headsize)")
	}
	return lab.T("json, fixed: the same two pieces; the reader loops until it has headsize bytes",
		"json 改正：同样的两段；读取方循环，直到凑够 headsize 个字节")
}

// framed is struct.pack('i', len(data)) + data, with the parts labelled.
func framed(data []byte) ([]byte, []lab.Mark) {
	f, _ := wire.AppendHeader(nil, wire.Little, len(data))
	f = append(f, data...)
	return f, []lab.Mark{{From: 0, To: wire.HeaderSize, Label: structHeaderLabel}, {From: wire.HeaderSize, To: len(f), Label: labelFile}}
}

// sendSlicedHeader sends one framed file, its header in two sends: the
// second only once the reader's first recv has returned.
func sendSlicedHeader(s *lab.Side, conn *lab.Conn, k int) error {
	f, _ := framed(bugBody)
	s.Step("send-half")
	if err := conn.SendParts(f[:2], lab.Mark{From: 0, To: 2, Label: structHeaderLabel}); err != nil { // client.sendall(header[:2])
		return err
	}
	s.Signal(fmt.Sprintf("sent-half-%d", k))
	if err := s.Wait(fmt.Sprintf("read-half-%d", k)); err != nil {
		return err
	}
	s.Step("send-rest")
	if err := conn.SendParts(f[2:], lab.Mark{From: 0, To: 2, Label: structHeaderLabel}, lab.Mark{From: 2, To: len(f) - 2, Label: labelFile}); err != nil { // client.sendall(header[2:] + data)
		return err
	}
	s.Signal(fmt.Sprintf("sent-all-%d", k))
	return nil
}

// sendTwoFiles sends two framed files back to back and closes.
func sendTwoFiles(s *lab.Side, conn *lab.Conn, k int) error {
	for _, data := range bugFiles {
		f, marks := framed(data)
		if err := conn.SendParts(f, marks...); err != nil { // client.sendall(struct.pack('i', len(data)) + data)
			return err
		}
	}
	if err := conn.Close(); err != nil { // client.close()
		return err
	}
	s.Signal(fmt.Sprintf("sent-all-%d", k))
	return nil
}

// sendSizeThenFile is the tutorial's upload client: the size as digits,
// then (fixed: after the server's ack) the file.
func sendSizeThenFile(s *lab.Side, conn *lab.Conn, k int, fixed bool) error {
	digits := []byte(strconv.Itoa(len(bugBody)))
	s.Step("send-size")
	if err := conn.SendParts(digits, lab.Mark{From: 0, To: len(digits), Label: lab.T("size", "长度")}); err != nil { // client.sendall(bytes(str(file_size), encoding='utf-8'))
		return err
	}
	if fixed {
		s.Step("wait-ack")
		if _, err := conn.Recv(1024); err != nil { // client.recv(1024)
			return err
		}
	}
	s.Step("send-file")
	if err := conn.SendParts(bugBody, lab.Mark{From: 0, To: len(bugBody), Label: labelFile}); err != nil { // client.sendall(data)
		return err
	}
	s.Signal(fmt.Sprintf("sent-all-%d", k))
	return nil
}

// sendJSONHeader sends the header length and the JSON header cut in two:
// the rest of the header and the file only once the reader's first recv
// of the header has returned.
func sendJSONHeader(s *lab.Side, conn *lab.Conn, k int) error {
	length, _ := wire.AppendHeader(nil, wire.Little, len(bugHeader))
	first := append(length, bugHeader[:bugHeadCut]...)
	s.Step("send-half")
	if err := conn.SendParts(first, lab.Mark{From: 0, To: 4, Label: labelLength}, lab.Mark{From: 4, To: len(first), Label: labelJSON}); err != nil { // client.sendall(struct.pack('i', len(head_bytes)) + head_bytes[:31])
		return err
	}
	s.Signal(fmt.Sprintf("sent-half-%d", k))
	if err := s.Wait(fmt.Sprintf("read-half-%d", k)); err != nil {
		return err
	}
	rest := append(append([]byte{}, bugHeader[bugHeadCut:]...), bugBody...)
	s.Step("send-rest")
	if err := conn.SendParts(rest, lab.Mark{From: 0, To: len(bugHeader) - bugHeadCut, Label: labelJSON}, lab.Mark{From: len(bugHeader) - bugHeadCut, To: len(rest), Label: labelFile}); err != nil { // client.sendall(head_bytes[31:] + data)
		return err
	}
	s.Signal(fmt.Sprintf("sent-all-%d", k))
	return nil
}

func framingBugsFindings(t lab.Trace, p lab.Params) []lab.Finding {
	accepts := t.Calls(lab.Server, lab.OpAccept)
	var out []lab.Finding
	for i, part := range bugParts(p) {
		// The server's events from this part's accept to the next.
		var on lab.Trace
		if i < len(accepts) {
			on = t.Filter(func(e lab.Event) bool {
				return e.Side == lab.Server && e.Seq > accepts[i].Seq && (i+1 >= len(accepts) || e.Seq < accepts[i+1].Seq)
			})
		}
		step := func(name string) lab.Trace { return on.Filter(func(e lab.Event) bool { return e.Step == name }) }
		saved := func(name string) []string {
			var texts []string
			for _, e := range step(name) {
				texts = append(texts, e.Text.En)
			}
			return texts
		}
		want := func(i int, data []byte) string {
			return fmt.Sprintf("file %d saved: %d bytes, %s", i, len(data), pyBytes(data))
		}
		exc := func(name string) string {
			if e := step(name).Last(); e.Seq > 0 {
				return strings.TrimPrefix(e.Text.En, "Python raises ")
			}
			return ""
		}
		switch part.name() {
		case "header":
			r := step("header-recv").Last()
			e := exc("struct-error")
			out = append(out, check("header", r.Op == lab.OpRecv && r.N > 0 && r.N < 4 && strings.HasPrefix(e, "struct.error"), lab.Tf(
				"recv(4) returned only %d bytes, the first piece of the header; struct.unpack('i', …) on them raised %s. recv(4) means \"at most 4\"",
				"recv(4) 只返回了 %d 个字节，也就是报头的第一段；对它们做 struct.unpack('i', …) 抛出 %s。recv(4) 的意思是“最多 4 个”",
				r.N, e)).On(r).At("struct-error"))
		case "header-fixed":
			pieces := step("header-piece")
			ok := len(pieces) == 2 && pieces[0].N < 4 && pieces[0].N+pieces[1].N == 4 &&
				slicesEqual(saved("header-saved"), []string{want(1, bugBody)})
			out = append(out, check("header-fixed", ok, lab.Tf(
				"the header came in the same two pieces (%s bytes); the loop read until it had 4 bytes, and the file arrived whole",
				"报头同样分两段到达（%s 个字节）；循环一直读到凑够 4 个字节，文件完整到达",
				counts(pieces))).On(pieces...).At("header-saved"))
		case "overread":
			r := step("overread").Filter(func(e lab.Event) bool { return e.Key }).Last()
			files := saved("overread-saved")
			first := bugFiles[0]
			ok := r.N > len(first) && len(files) == 1 && files[0] != want(1, first)
			out = append(out, check("overread", ok, lab.Tf(
				"for file 1 (%d bytes) the loop's recv(1024) returned %d bytes: file 1, then file 2's header and body. File 1 was saved with them all, and file 2 was never seen: the next recv(4) returned b''",
				"为了文件 1（%d 个字节），循环的 recv(1024) 返回了 %d 个字节：文件 1，然后是文件 2 的报头和内容。文件 1 把它们全都存了进去，而文件 2 根本没出现：下一次 recv(4) 返回 b''",
				len(first), r.N)).On(r).At("overread-saved"))
		case "overread-fixed":
			body := step("exact-body")
			asked := true
			for j, e := range body {
				asked = asked && j < len(bugFiles) && e.Req == len(bugFiles[j]) && e.N == e.Req
			}
			ok := asked && len(body) == len(bugFiles) && slicesEqual(saved("exact-saved"), []string{want(1, bugFiles[0]), want(2, bugFiles[1])})
			out = append(out, check("overread-fixed", ok, lab.Tf(
				"with the same two files queued, each recv asked only for what its file still lacked (%s), so both files were saved whole",
				"同样两个文件排在缓冲区里，每次 recv 只要它那个文件还缺的字节（%s），于是两个文件都完整保存",
				asks(body))).On(body...).At("exact-saved"))
		case "ack":
			r := step("size-glued").Last()
			e := exc("int-error")
			out = append(out, check("ack", r.Op == lab.OpRecv && r.N > len(strconv.Itoa(len(bugBody))) && strings.HasPrefix(e, "ValueError"), lab.Tf(
				"without the ack, the size digits and the file were glued in one recv(1024) (%d bytes); int() on them raised %s",
				"没有确认，长度数字和文件在一次 recv(1024) 里粘在了一起（%d 个字节）；对它们调用 int() 抛出 %s",
				r.N, e)).On(r).At("int-error"))
		case "ack-fixed":
			r := step("size-alone").Last()
			digits := strconv.Itoa(len(bugBody))
			ok := string(r.Data) == digits && step("ack").Last().Err == "" && slicesEqual(saved("ack-saved"), []string{want(1, bugBody)})
			out = append(out, check("ack-fixed", ok, lab.Tf(
				"the client waited for the ack, so recv(1024) got the digits alone (b'%s'), and the file came after: whole. It costs a round trip; a header (demo 5) does not",
				"客户端等到了确认，所以 recv(1024) 只拿到长度数字（b'%s'），文件随后才到：完整无缺。代价是多一次往返；报头（演示 5）不需要",
				digits)).On(r).At("ack-saved"))
		case "json":
			r := step("json-recv").Last()
			e := exc("json-error")
			out = append(out, check("json", r.Op == lab.OpRecv && r.N > 0 && r.N < r.Req && strings.HasPrefix(e, "json.decoder.JSONDecodeError"), lab.Tf(
				"recv(%d) for the JSON header returned %d bytes, the first piece; json.loads raised %s",
				"为 JSON 报头做的 recv(%d) 只返回了 %d 个字节，也就是第一段；json.loads 抛出 %s",
				r.Req, r.N, e)).On(r).At("json-error"))
		case "json-fixed":
			pieces := step("json-piece")
			ok := len(pieces) == 2 && pieces[0].N < pieces[0].Req && pieces[0].N+pieces[1].N == len(bugHeader) &&
				slicesEqual(saved("json-saved"), []string{want(1, bugBody)})
			out = append(out, check("json-fixed", ok, lab.Tf(
				"the JSON header came in the same two pieces (%s bytes); the loop read until it had all %d bytes, json.loads worked, and the file arrived whole",
				"JSON 报头同样分两段到达（%s 个字节）；循环一直读到凑够 %d 个字节，json.loads 成功，文件完整到达",
				counts(pieces), len(bugHeader))).On(pieces...).At("json-saved"))
		}
	}
	return out
}

func slicesEqual(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
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
