package demos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"socketlab/demos/upload"
	"socketlab/demos/wire"
	"socketlab/lab"
)

// Demo 15's peer sides: lab serve 15 stores what a learner's client
// uploads, lab client 15 uploads to a learner's server.

// uploadProtoKnob picks the upload protocol of `lab serve 15` and `lab client 15`.
var uploadProtoKnob = lab.Knob{Name: "proto", Kind: lab.KindEnum, Default: "json", Choices: []string{"json", "ack"},
	Help: lab.T("json: a JSON header {\"cmd\": \"put\", \"filename\", \"filesize\"} then the bytes, several files per connection; ack: the size as digits, an acknowledgement, then the bytes",
		"json：JSON 报头 {\"cmd\": \"put\", \"filename\", \"filesize\"} 之后是字节，一个连接可传多个文件；ack：先发十进制的大小，等确认，再发字节")}

// The server knobs of `lab serve 15`: the folder's quota, the files one
// connection may store.
var (
	uploadQuotaKnob = lab.Knob{Name: "quota", Kind: lab.KindSize, Default: "4GiB", Min: 0, Max: 1024 << 30,
		Help: lab.T("the most bytes the upload folder may hold, the files already in it included; an upload that would not fit is refused before its first byte is written (0: no limit)",
			"上传文件夹最多能放的字节数（已有的文件也算在内）；放不下的上传在写入第一个字节之前就被拒绝（0：不限）")}
	uploadFilesKnob = lab.Knob{Name: "files", Kind: lab.KindInt, Default: "100", Min: 1, Max: 1 << 20,
		Help: lab.T("the most files one connection may store (proto=json); the next put is refused and the connection closed",
			"一个连接最多能存的文件数（proto=json）；下一个 put 会被拒绝，连接随之关闭")}
)

// uploadServe stores uploads in opt.Dir through the upload store: unsafe
// names, names in use and files over the quota are refused and their
// bytes discarded; a file gets its name only once it arrived whole.
func uploadServe(ctx context.Context, s *lab.Side, opt lab.PeerOptions) (lab.ServeStats, error) {
	quota := int64(s.Params.Int("quota"))
	store, err := upload.Open(opt.Dir, quota)
	if err != nil {
		return lab.ServeStats{}, err
	}
	defer store.Close()
	start := time.Now()
	if quota > 0 {
		s.Note(lab.Tf("uploads go into %s (it holds %s of its quota of %s; a file is written as a hidden .NAME.part until it arrived whole)",
			"上传的文件放进 %s（配额 %[3]s，已占用 %[2]s；文件完整到达之前，写成隐藏的 .名字.part 文件）", opt.Dir, lab.FormatSize(store.Quota().Used()), lab.FormatSize(quota)))
	} else {
		s.Note(lab.Tf("uploads go into %s (a file is written as a hidden .NAME.part until it arrived whole)",
			"上传的文件放进 %s（文件完整到达之前，写成隐藏的 .名字.part 文件）", opt.Dir))
	}
	return tcpServe(func(s *lab.Side, conn *lab.Conn) error {
		if s.Params.String("proto") == "ack" {
			return receiveWithAck(s, conn, store)
		}
		_, err := receivePuts(s, conn, store, opt.Dir, start, s.Params.Int("files"))
		return err
	})(ctx, s, opt)
}

func uploadPeerClient(ctx context.Context, s *lab.Side, opt lab.PeerOptions) error {
	size := int64(s.Params.Int("size"))
	// The file's SHA-256: the JSON header carries it, so it is computed
	// before connecting (a server waits for the header with an idle limit);
	// with the ack it is hashed as it is sent.
	var sum string
	h := sha256.New()
	if s.Params.String("proto") != "ack" {
		sum, h = contentSHA(size), nil
	}
	conn, err := dialPeer(s, opt)
	if err != nil {
		return err
	}
	var answer []byte
	if s.Params.String("proto") == "ack" {
		if err := conn.SendAll([]byte(strconv.FormatInt(size, 10))); err != nil { // client.sendall(bytes(str(file_size), encoding='utf-8'))
			return err
		}
		ack, err := conn.Recv(1024) // client.recv(1024): the acknowledgement
		if err != nil {
			return err
		}
		switch {
		case len(ack) == 0:
			return lab.Errorf(lab.T("the server closed instead of acknowledging the size", "服务端没有确认大小，而是关闭了连接"), nil)
		case bytes.HasPrefix(ack, []byte("refused")):
			return lab.Errorf(lab.Tf("the server refused the upload: %s", "服务端拒绝了这次上传：%s", wire.PyRepr(ack, 200)), nil)
		case len(ack) > len(uploadAck) && bytes.HasPrefix(ack, []byte(uploadAck)):
			answer = ack[len(uploadAck):] // an empty file's receipt came right behind the ack (demo 4's sticky packets)
		}
	} else {
		head := putHeader(s.Params.String("name"), size, sum)
		if err := conn.SendParts(head, lab.Mark{From: 0, To: wire.HeaderSize, Label: labelLength},
			lab.Mark{From: wire.HeaderSize, To: len(head), Label: labelJSON}); err != nil {
			return err
		}
	}
	if err := sendFile(conn, &content{size: size}, size, h); err != nil { // for line in f: client.sendall(line)
		return err
	}
	if h != nil {
		sum = hex.EncodeToString(h.Sum(nil))
	}
	if err := conn.CloseWrite(); err != nil { // nothing more to send: the server reads EOF after the file
		return err
	}
	for {
		data, err := conn.Recv(1024)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			break
		}
		if answer = append(answer, data...); len(answer) > wire.MaxJSONHeader+wire.HeaderSize {
			return lab.Errorf(lab.T("the server's answer is longer than any receipt", "服务端的回答比任何回执都长"), nil)
		}
	}
	note, err := uploadAnswer(answer, sum)
	if err != nil {
		return err
	}
	s.Note(note)
	return conn.Close()
}

// uploadAnswer reads what the server said after the file: nothing (the
// tutorial's server), a SHA-256 receipt (proto=ack) or a JSON reply. It
// returns the note that says so, or the error when the answer says the file
// did not arrive whole or is none of the three (a server of another
// protocol). Whatever the server sent is quoted, never printed as it is:
// the note and the error go to the learner's terminal.
func uploadAnswer(answer []byte, sum string) (lab.Text, error) {
	switch {
	case len(answer) == 0:
		return lab.T("the server sent no answer (the tutorial's server sends none): nothing says the file arrived whole",
			"服务端没有回答（教程的服务端就不回答）：没有任何东西说明文件完整到达"), nil
	case len(answer) == 64 && isHex(answer) && !strings.EqualFold(string(answer), sum):
		return lab.Text{}, lab.Errorf(lab.Tf("the server's receipt %s is not the file's SHA-256 %s", "服务端的回执 %s 不是文件的 SHA-256 %s", answer, sum), nil)
	case len(answer) == 64 && isHex(answer):
		return receiptNote(strings.ToLower(string(answer)), sum), nil
	}
	h, err := wire.ReadJSONHeader(bytes.NewReader(answer), 0)
	if err != nil {
		return lab.Text{}, fmt.Errorf("the server answered %s, which is neither a SHA-256 receipt (64 hex digits) nor a JSON reply (a 4-byte length, then a JSON object): it does not speak this protocol (%v)",
			wire.PyRepr(answer, 80), err)
	}
	var status, why string
	json.Unmarshal(h.Extra["status"], &status)
	json.Unmarshal(h.Extra["error"], &why)
	switch {
	case status == "refused":
		return lab.Text{}, lab.Errorf(lab.Tf("the server refused the upload: %s", "服务端拒绝了上传，原话是：%s", wire.PyRepr(why, 0)), nil)
	case h.SHA256 != "" && !strings.EqualFold(h.SHA256, sum):
		return lab.Text{}, lab.Errorf(lab.Tf("the server stored a file whose SHA-256 is %s, not the file's %s", "服务端存下的文件 SHA-256 是 %s，不是所发文件的 %s", wire.PyRepr(h.SHA256, 80), sum), nil)
	}
	obj := answer[wire.HeaderSize:]
	if n := int(binary.LittleEndian.Uint32(answer)); n < len(obj) {
		obj = obj[:n] // the JSON object; what follows it is not part of the reply
	}
	return lab.Tf("the server answered %s", "服务端回答 %s", wire.PyRepr(string(obj), 0)), nil
}

// uploadTry is the hint of `lab serve 15`: one upload in each protocol.
func uploadTry(host, port string) []string {
	return []string{
		fmt.Sprintf(`python3 -c "import socket, struct, json; d=b'hello, file'; h=json.dumps({'cmd': 'put', 'filename': 'a.txt', 'filesize': len(d)}).encode(); s=socket.create_connection(('%s', %s)); s.sendall(struct.pack('i', len(h)) + h + d); s.shutdown(socket.SHUT_WR); print(s.recv(1024))"`, host, port),
		"# with --set proto=ack, the size first, then the bytes after the acknowledgement:",
		fmt.Sprintf(`python3 -c "import socket; d=b'hello, file'; s=socket.create_connection(('%s', %s)); s.sendall(str(len(d)).encode()); print(s.recv(1024)); s.sendall(d); s.shutdown(socket.SHUT_WR); print(s.recv(1024))"`, host, port),
	}
}
