package demos

import (
	"context"
	"fmt"
	"strconv"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// framingBugsClient is demo 21's writer (its reader is in framingbugs.go):
// one connection per part, each sent the way that part's bug needs.
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
