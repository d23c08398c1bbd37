package demos

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
	"unicode/utf8"

	"socketlab/demos/upload"
	"socketlab/demos/wire"
	"socketlab/lab"
)

// Demo 15's upload protocols apart from the demo: the servers of the ack
// protocol (the size, an acknowledgement, the bytes, a receipt) and of the
// JSON-header protocol (a 4-byte length, {"cmd": "put", …}, the bytes, a
// reply), both storing through the upload store (demos/upload), and the
// client's put. lab run 15 (fileupload.go) and lab serve/client 15
// (fileupload_peer.go) use them.

// receiveWithAck is the tutorial's upload server: the size as text, an
// acknowledgement, then exactly that many bytes. Its one addition is the
// receipt at the end: the SHA-256 of what it stored. The protocol carries
// no name: the file is stored as received.bin, or received-2.bin … when
// that is taken, and the trace says so.
func receiveWithAck(s *lab.Side, conn *lab.Conn, store *upload.Store) error {
	s.Key("size")
	head, err := conn.Recv(1024) // file_size = int(str(conn.recv(1024), encoding='utf-8'))
	if err != nil {
		return err
	}
	size, err := parseSizeLine(head)
	if err != nil {
		conn.SendAll([]byte("refused: not a size"))
		conn.Close()
		return fmt.Errorf("upload 1: %w", err)
	}
	name := store.UniqueName(uploadAsIs)
	if name != uploadAsIs {
		s.Note(lab.Tf("%s is taken: this upload will be stored as %s", "%s 已被占用：这次上传将存为 %s", uploadAsIs, name))
	}
	f, err := store.Begin(name, size, upload.Options{}) // f = open("new.jpg", 'wb'), as a hidden .part file
	if err != nil {
		why := refusalText(err)
		s.Note(lab.T("refused: "+why.En, "已拒绝："+why.Zh))
		conn.SendAll([]byte("refused: " + why.En))
		conn.Close()
		return fmt.Errorf("upload 1: %w", err)
	}
	defer f.Abort()
	s.Step("ack")
	if err := conn.SendAll([]byte(uploadAck)); err != nil { // conn.sendall(bytes("1001", encoding='utf-8'))
		return err
	}
	err = receiveBody(conn, f, size) // while has_size < file_size: data = conn.recv(1024); f.write(data) ...
	if err == nil {
		err = f.Commit(upload.Sums{}) // all bytes arrived: the .part file gets its name
	}
	if err != nil {
		return fmt.Errorf("upload 1: %w", err)
	}
	sum := f.Sums().SHA256
	s.Note(lab.Tf("stored %d bytes as %s, sha256 %s…; the receipt sends this SHA-256 back",
		"已把 %d 字节存为 %s，sha256 为 %s…；回执把这个 SHA-256 发回去", size, name, sum[:16]))
	s.Key("receipt")
	if err := conn.SendParts([]byte(sum), lab.Mark{From: 0, To: len(sum), Label: labelReceipt}); err != nil {
		return err
	}
	return conn.Close()
}

// receiveBody reads exactly size bytes into w in chunks, never more than
// the announced size (the next message may follow). The store's upload
// hashes what it writes; a refused file's bytes are dropped unhashed.
func receiveBody(conn *lab.Conn, w io.Writer, size int64) error {
	conn.Progress(size)
	defer conn.Progress(0)
	buf := make([]byte, min(size, uploadChunk))
	for has := int64(0); has < size; {
		n, err := conn.Read(buf[:min(int64(len(buf)), size-has)])
		if _, werr := w.Write(buf[:n]); werr != nil {
			return werr
		}
		has += int64(n)
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("got %d of %d bytes, then the peer closed: %w", has, size, io.ErrUnexpectedEOF)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// receivePuts serves the JSON-header protocol on one connection: a 4-byte
// header length, a JSON header {"cmd": "put", "filename", "filesize", …},
// then the file, as often as the client likes. Each put gets a reply, a
// JSON header with "status", short whatever the put's header held; the
// put after maxFiles stored ones (0: no limit) is refused and the connection
// closed. It returns the names it stored.
func receivePuts(s *lab.Side, conn *lab.Conn, store *upload.Store, dir string, start time.Time, maxFiles int) ([]string, error) {
	var stored []string
	last := false
	for {
		s.Step("read-length")
		head, err := conn.RecvExactly(wire.HeaderSize, 0, labelLength) // head_struct = self.conn.recv(4)
		if len(head) == 0 && errors.Is(err, io.ErrUnexpectedEOF) {     // if not head_struct: break
			break
		}
		if err != nil {
			return stored, err
		}
		n, err := wire.ParseHeader(head, wire.Little, wire.MaxJSONHeader) // head_len = struct.unpack('i', head_struct)[0]
		if err != nil {
			return stored, refuseAndClose(conn, err)
		}
		s.Step("read-header")
		obj, err := conn.RecvExactly(n, 0, labelJSON) // head_json = self.conn.recv(head_len).decode(self.coding)
		if err != nil {
			return stored, err
		}
		h, err := wire.ParseJSON(obj, uploadMax) // head_dic = json.loads(head_json)
		if err != nil {
			return stored, refuseAndClose(conn, err)
		}
		reply := wire.JSONHeader{Cmd: echoText(h.Cmd, 32), FileName: echoText(h.FileName, wire.MaxFileName)}
		name, err := wire.SafeName(h.FileName)
		switch {
		case err == nil && h.Cmd != "put":
			err = fmt.Errorf("unknown command %q", echoText(h.Cmd, 32))
		case err == nil && maxFiles > 0 && len(stored) >= maxFiles:
			err, last = &upload.Refusal{
				En: fmt.Sprintf("this connection has stored %d files, the most one connection may (--set files=…); the server closes it after this reply", maxFiles),
				Zh: fmt.Sprintf("这个连接已经存了 %d 个文件，这是一个连接的上限（--set files=…）；服务端回复之后关闭连接", maxFiles)}, true
		}
		var f *upload.Upload
		if err == nil {
			f, err = store.Begin(name, h.DataSize, upload.Options{}) // with open(file_path, 'wb') as f: a hidden .part file first
		}
		var sum string
		if err == nil {
			if err = receiveBody(conn, f, h.DataSize); err != nil { // while recv_size < filesize: ...
				f.Abort() // the client vanished mid-file: no file is left that looks complete
				return stored, err
			}
			err = f.Commit(upload.Sums{SHA256: h.SHA256}) // the whole file, and its SHA-256 if announced: it gets its name
			sum = f.Sums().SHA256
			if err != nil {
				t := refusalText(err)
				s.Note(lab.T("refused: "+t.En, "已拒绝："+t.Zh))
			}
		} else if rerr := refusePut(s, conn, dir, start, h, err); rerr != nil {
			return stored, rerr
		}
		if err != nil {
			reply.Extra = map[string]json.RawMessage{"status": json.RawMessage(`"refused"`), "error": jsonString(err.Error())}
			s.Key("refuse")
		} else {
			stored = append(stored, name)
			s.Note(lab.Tf("stored %d bytes as %s, sha256 %s…", "已把 %d 字节存为 %s，sha256 为 %s…", h.DataSize, name, sum[:16]))
			reply.FileSize, reply.SHA256 = h.DataSize, sum
			reply.Extra = map[string]json.RawMessage{"status": json.RawMessage(`"stored"`)}
			s.Step("stored")
		}
		if err := sendReply(conn, reply); err != nil {
			return stored, err
		}
		if last {
			break
		}
	}
	return stored, conn.Close()
}

// refusePut turns down a put: it reads the file's bytes and throws them
// away (at most uploadMax, which ParseJSON already enforced), so the next
// header is read in step; for an unsafe name it then checks that the path
// the tutorial's code would have opened was not written. An error ends the
// connection.
func refusePut(s *lab.Side, conn *lab.Conn, dir string, start time.Time, h wire.JSONHeader, why error) error {
	t := refusalText(why)
	s.Note(lab.T(fmt.Sprintf("refused: %s; reading and discarding its %d bytes to stay in step", t.En, h.DataSize),
		fmt.Sprintf("已拒绝：%s；读出并丢弃它的 %d 个字节，以便和数据流保持同步", t.Zh, h.DataSize)))
	if err := receiveBody(conn, io.Discard, h.DataSize); err != nil {
		return err
	}
	if !errors.Is(why, wire.ErrUnsafeName) {
		return nil
	}
	naive := tutorialPath(dir, h.FileName)
	rel, err := filepath.Rel(dir, naive)
	if err == nil && filepath.IsLocal(rel) {
		s.KeyNote(outsideStep, lab.Tf("nothing was written outside the folder: the tutorial's os.path.join would have stayed in it (%s), but the name is still not a plain file name",
			"没有在文件夹之外写入任何东西：教程的 os.path.join 会留在文件夹里（%s），但这个名字仍然不是一个单纯的文件名", naive))
		return nil
	}
	en, zh := "it does not exist", "它并不存在"
	if fi, err := os.Lstat(naive); err == nil && fi.IsDir() {
		en, zh = "it is a folder, and no file was made", "那是一个文件夹，也没有创建任何文件"
	} else if err == nil {
		if !fi.ModTime().Before(start) {
			return fmt.Errorf("%s, outside the upload folder, changed during the run", naive)
		}
		when := fi.ModTime().Format("2006-01-02 15:04")
		en, zh = "it was last changed "+when+", before this run", "它最后一次修改是在 "+when+"，早于本次运行"
	}
	s.KeyNote(outsideStep, lab.T(
		fmt.Sprintf("nothing was written outside the folder: the tutorial's os.path.normpath(os.path.join(server_dir, filename)) would have opened %s; %s", naive, en),
		fmt.Sprintf("没有在文件夹之外写入任何东西：教程的 os.path.normpath(os.path.join(server_dir, filename)) 会打开 %s；%s", naive, zh)))
	return nil
}

// refuseAndClose answers a header the server cannot read past: without
// its length it cannot find the next one, so it closes the connection.
func refuseAndClose(conn *lab.Conn, why error) error {
	sendReply(conn, wire.JSONHeader{Extra: map[string]json.RawMessage{
		"status": json.RawMessage(`"refused"`), "error": jsonString(why.Error())}})
	return errors.Join(why, conn.Close())
}

// sendReply sends a put's reply: a JSON header with no body.
func sendReply(conn *lab.Conn, h wire.JSONHeader) error {
	b, err := wire.AppendJSON(nil, h)
	if err != nil {
		return err
	}
	return conn.SendParts(b, lab.Mark{From: 0, To: wire.HeaderSize, Label: labelLength},
		lab.Mark{From: wire.HeaderSize, To: len(b), Label: labelReceipt})
}

// jsonString is s as a JSON string value.
func jsonString(s string) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// putHeader is the tutorial's put header: struct.pack('i', len(head_bytes))
// then json.dumps({'cmd': 'put', 'filename': …, 'filesize': …, 'sha256': …}).
func putHeader(name string, size int64, sum string) []byte {
	obj := fmt.Sprintf(`{"cmd": "put", "filename": %s, "filesize": %d, "sha256": %s}`, jsonString(name), size, jsonString(sum))
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(obj))), obj...)
}

// put sends one file behind a JSON header without waiting, then reads the
// server's reply. The header's sendall is the call the caller named last.
func put(s *lab.Side, conn *lab.Conn, name string, size int64, sum string, body io.Reader) error {
	head := putHeader(name, size, sum)
	// self.client.send(struct.pack('i', len(head_bytes))); self.client.send(head_bytes)
	if err := conn.SendParts(head, lab.Mark{From: 0, To: wire.HeaderSize, Label: labelLength},
		lab.Mark{From: wire.HeaderSize, To: len(head), Label: labelJSON}); err != nil {
		return err
	}
	if err := sendFile(conn, body, size, nil); err != nil { // for line in f: self.client.send(line)
		return err
	}
	s.Step("reply-length")
	b, err := conn.RecvExactly(wire.HeaderSize, 0, labelLength)
	if err != nil {
		return err
	}
	n, err := wire.ParseHeader(b, wire.Little, wire.MaxJSONHeader)
	if err != nil {
		return err
	}
	s.Step("reply")
	if b, err = conn.RecvExactly(n, 0, labelReceipt); err != nil {
		return err
	}
	r, err := wire.ParseJSON(b, 0)
	if err != nil {
		return err
	}
	var status, why string
	json.Unmarshal(r.Extra["status"], &status)
	json.Unmarshal(r.Extra["error"], &why)
	switch {
	case status == "stored" && r.SHA256 == sum:
		s.Note(lab.Tf("the server stored it; its SHA-256 %s… is the one the header announced", "服务端存下了文件；它的 SHA-256 %s… 与报头里声明的一致", sum[:16]))
	case status == "refused":
		s.Note(lab.Tf("the server refused it: %q", "服务端拒绝了它，回复的原话是 %q", why))
	default:
		s.Note(lab.Tf("the server answered %s", "服务端回答 %s", b))
	}
	return nil
}

// sendFile streams the size bytes of body in 64 KiB sendall() calls, with a
// progress bar on a terminal; h, if not nil, hashes them as they go.
func sendFile(conn *lab.Conn, body io.Reader, size int64, h hash.Hash) error {
	conn.Progress(size)
	defer conn.Progress(0)
	buf := make([]byte, uploadChunk)
	for {
		n, err := io.ReadFull(body, buf) // the made-up file is generated straight into buf
		if h != nil {
			h.Write(buf[:n])
		}
		if n > 0 {
			if err := conn.SendParts(buf[:n], lab.Mark{From: 0, To: n, Label: labelFile}); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// parseSizeLine reads the size that comes first in demo 15's ack protocol:
// ASCII decimal digits from 0 to uploadMax, with any ASCII whitespace
// before and after them (space, \t, \n, \v, \f, \r: `echo 11 | nc` sends
// "11\n"), as docs/wire-formats.md says. Python's int() takes more (a sign,
// "1_000", non-ASCII digits and spaces); the lab does not.
func parseSizeLine(head []byte) (int64, error) {
	digits := bytes.Trim(head, sizeLineSpace)
	n, err := strconv.ParseInt(string(digits), 10, 64)
	if len(digits) == 0 || bytes.ContainsFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) || err != nil || n > uploadMax {
		return 0, lab.Errorf(lab.Tf("%s is not a size: the decimal digits of a number from 0 to %d", "%s 不是大小：应是 0 到 %d 之间的十进制数字", wire.PyRepr(head, 80), uploadMax), nil)
	}
	return n, nil
}

// sizeLineSpace is the whitespace a size line may have around its digits.
const sizeLineSpace = " \t\n\v\f\r"

func isHex(b []byte) bool {
	_, err := hex.DecodeString(string(b))
	return err == nil
}

// refusalText is an upload's refusal in both languages: the store's, a
// SafeName error's, or any other error's in English. Over the quota it
// names the knob that sets it.
func refusalText(err error) lab.Text {
	var r *upload.Refusal
	switch {
	case errors.As(err, &r) && r.Kind == upload.KindQuota:
		return lab.T(r.En+" (--set quota=…)", r.Zh+"（--set quota=…）")
	case errors.As(err, &r):
		return lab.T(r.En, r.Zh)
	}
	return wireText(err) // an unsafe name, in both languages
}

// echoText is a header's field from the peer as a reply may echo it: whole
// when it is at most n bytes, else its first 64 bytes and "…", so a reply
// stays short whatever the peer sent.
func echoText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := min(64, n)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
