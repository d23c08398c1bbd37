package demos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

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
