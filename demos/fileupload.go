package demos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"socketlab/demos/upload"
	"socketlab/demos/wire"
	"socketlab/lab"
)

// The file upload's constants.
const (
	uploadSeed  = 15        // seeds the made-up file's content
	uploadChunk = 64 << 10  // bytes per sendall() and per recv()
	uploadMax   = 1<<30 + 1 // the largest file the server stores, or reads to discard
	uploadAck   = "1001"    // the tutorial server's acknowledgement
	uploadAsIs  = "received.bin"
	hostileName = "../../etc/passwd"
)

// hostileBody is what the third upload tries to write into /etc/passwd: a
// line that would add a password-less user with uid 0.
var hostileBody = []byte("lab::0:0:uploaded by socketlab:/:/bin/sh\n")

// The labels of a put's parts.
var (
	labelFile    = lab.T("file", "文件")
	labelReceipt = lab.T("receipt", "回执")
	labelAck     = lab.T("ack", "确认")
)

// The server's note after a refusal starts with this (in English); the
// refused finding looks for it.
const outsideNote = "nothing was written outside the folder"

// fileUpload is demo 15: the tutorial's upload, first with the size sent
// alone and an acknowledgement before the bytes, then with a JSON header
// that carries the name, the size and a checksum, and finally a put whose
// name tries to climb out of the server's folder.
//
// The file is made up from a fixed seed (numbered lines of words) and
// streamed in 64 KiB chunks on both sides; the trace keeps only the first
// bytes of each chunk and the views fold the chunks, so a 200 MB upload
// holds a few megabytes of trace. The server writes into a temporary folder it
// creates and removes, through an os.Root that cannot leave it.
func fileUpload() lab.Demo {
	return lab.Demo{
		ID:    15,
		Slug:  "file-upload",
		Title: lab.T("Uploading a file", "上传文件"),
		Brief: lab.T("size first, then the bytes: the ack trick, a JSON header instead, and a name with ../ refused",
			"先发大小再发字节：确认应答的技巧、改用 JSON 报头，以及拒绝带 ../ 的文件名"),
		Knobs: []lab.Knob{
			{Name: "size", Kind: lab.KindSize, Default: "102400", Min: 0, Max: 1 << 30,
				Help: lab.T("the size of the file the client uploads (made-up text, streamed in 64 KiB chunks)",
					"客户端上传的文件大小（生成的文本，按 64 KiB 分块流式发送）")},
			{Name: "name", Kind: lab.KindString, Default: "notes.txt", Max: 300,
				Help: lab.T("the file name the client announces in the JSON header (try ../../etc/passwd)",
					"客户端在 JSON 报头里声明的文件名（试试 ../../etc/passwd）")},
		},
		Server:   uploadServer,
		Client:   uploadClient,
		Peer:     &lab.Peer{Knobs: []lab.Knob{uploadProtoKnob, uploadQuotaKnob, uploadFilesKnob}, Serve: uploadServe, Client: uploadPeerClient, Try: uploadTry},
		Findings: uploadFindings,
	}
}

// uploadWords fill the made-up file's lines.
var uploadWords = [16]string{"socket", "bytes", "stream", "header", "accept", "recv", "send", "close",
	"buffer", "port", "peer", "file", "ack", "json", "size", "lab"}

// uploadWordBytes are uploadWords with the space that follows each, eight
// bytes to a word, so a line is written a word in one store.
var uploadWordBytes = func() (w [16]struct {
	b uint64 // the word and a space, little-endian, zero-padded
	n int    // its length with the space
}) {
	for i, word := range uploadWords {
		var b [8]byte
		copy(b[:], word+" ")
		w[i].b, w[i].n = binary.LittleEndian.Uint64(b[:]), len(word)+1
	}
	return w
}()

// contentLine writes line i of the made-up file: an 8-digit line number,
// words picked by the seed, a newline; 64 bytes.
func contentLine(i int64, line *[64]byte) {
	n := (i + 1) % 100000000
	for k := 7; k >= 0; k-- {
		line[k] = byte('0' + n%10)
		n /= 10
	}
	line[8] = ' '
	var p rand.PCG
	p.Seed(uploadSeed, uint64(i))
	x := p.Uint64()
	pos := 9
	for pos < 63 {
		k := x & 15
		x = x>>4 | x<<60
		if pos <= 56 { // the word and its space in one store; what it writes past them comes next
			binary.LittleEndian.PutUint64(line[pos:], uploadWordBytes[k].b)
			pos += uploadWordBytes[k].n
			continue
		}
		pos += copy(line[pos:63], uploadWords[k])
		if pos < 63 {
			line[pos] = ' '
			pos++
		}
	}
	line[63] = '\n'
}

// content reads the made-up file of the given size, from its start; whole
// lines are written straight into the reader's buffer.
type content struct{ off, size int64 }

func (c *content) Read(p []byte) (int, error) {
	if c.off >= c.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), c.size-c.off)]
	var line [64]byte
	for n := 0; n < len(p); {
		at := c.off + int64(n)
		if at%64 == 0 && len(p)-n >= 64 {
			contentLine(at/64, (*[64]byte)(p[n:n+64]))
			n += 64
			continue
		}
		contentLine(at/64, &line)
		n += copy(p[n:], line[at%64:])
	}
	c.off += int64(len(p))
	return len(p), nil
}

// contentSums remembers the SHA-256 of the made-up file by size: the
// client learns it while it sends the first upload, and the second
// upload's header, the receipt check and the findings need it again.
var contentSums struct {
	sync.Mutex
	m map[int64]string
}

// contentSHA is the SHA-256 of the made-up file, in hex.
func contentSHA(size int64) string {
	contentSums.Lock()
	sum, ok := contentSums.m[size]
	contentSums.Unlock()
	if ok {
		return sum
	}
	h := sha256.New()
	io.CopyBuffer(h, &content{size: size}, make([]byte, uploadChunk))
	sum = hex.EncodeToString(h.Sum(nil))
	rememberSHA(size, sum)
	return sum
}

// rememberSHA records the SHA-256 of the made-up file of the given size
// (a few sizes at most).
func rememberSHA(size int64, sum string) {
	contentSums.Lock()
	defer contentSums.Unlock()
	if len(contentSums.m) >= 8 {
		clear(contentSums.m)
	}
	if contentSums.m == nil {
		contentSums.m = map[int64]string{}
	}
	contentSums.m[size] = sum
}

// sideSHA is contentSHA computed by side s between its socket calls: a
// big file takes a while to hash on a loaded machine, and that is work,
// not a hang, for the run's idle watchdog.
func sideSHA(s *lab.Side, size int64) string {
	done := s.Working()
	defer done()
	return contentSHA(size)
}

// tutorialPath is where the tutorial's server would open a file:
// os.path.normpath(os.path.join(server_dir, filename)). An absolute name
// replaces the folder, as Python's os.path.join does.
func tutorialPath(dir, name string) string {
	if filepath.IsAbs(name) {
		return filepath.Clean(name)
	}
	return filepath.Join(dir, name)
}

func uploadServer(ctx context.Context, s *lab.Side) error {
	start := time.Now()
	// The upload folder is two levels inside a temporary folder of the
	// lab's, so that "../../etc/passwd" from it lands in the lab's own
	// folder, never in the real /etc, even if the checks below were broken.
	base, err := os.MkdirTemp("", "socketlab-upload-")
	if err != nil {
		return fmt.Errorf("make the upload folder: %w", err)
	}
	defer os.RemoveAll(base)
	dir := filepath.Join(base, "srv", "files")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("make the upload folder: %w", err)
	}
	store, err := upload.Open(dir, 0) // every file is created through an os.Root: it cannot leave the folder
	if err != nil {
		return err
	}
	defer store.Close()
	s.Note(lab.Tf("uploads go into %s, a folder made for this run and removed at its end",
		"上传的文件放进 %s，这个文件夹为本次运行而建，运行结束时删除", dir))

	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Signal("listening")
	s.Step("ack-client")
	conn, err := ln.Accept() // conn, address = server.accept()
	if err != nil {
		return err
	}
	if err := receiveWithAck(s, conn, store); err != nil {
		return err
	}
	s.Step("json-client")
	conn, err = ln.Accept()
	if err != nil {
		return err
	}
	stored, err := receivePuts(s, conn, store, dir, start, 0)
	if err != nil {
		return err
	}
	if err := checkFolder(s, dir, append(stored, uploadAsIs)); err != nil {
		return err
	}
	s.Step("stop-listening")
	return ln.Close()
}

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
		s.Note(lab.Tf(outsideNote+": the tutorial's os.path.join would have stayed in it (%s), but the name is still not a plain file name",
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
	s.Note(lab.T(
		fmt.Sprintf(outsideNote+": the tutorial's os.path.normpath(os.path.join(server_dir, filename)) would have opened %s; %s", naive, en),
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

// checkFolder lists the upload folder after the last client: it must hold
// exactly the stored files.
func checkFolder(s *lab.Side, dir string, stored []string) error {
	want := map[string]bool{}
	for _, n := range stored {
		want[n] = true
	}
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() || !want[rel] {
			return fmt.Errorf("the upload folder holds %s, which no put stored", rel)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		found = append(found, fmt.Sprintf("%s (%d)", rel, info.Size()))
		return nil
	})
	if err != nil {
		return err
	}
	s.Note(lab.Tf("the folder holds exactly the stored files: %s", "文件夹里正好是存下的文件：%s", strings.Join(found, ", ")))
	return nil
}

func uploadClient(ctx context.Context, s *lab.Side) error {
	size := int64(s.Params.Int("size"))
	if err := s.Wait("listening"); err != nil {
		return err
	}
	s.Section(lab.Tf("Upload 1: the size, an acknowledgement, then %d bytes (the tutorial's trick)",
		"上传 1：先发大小，等确认，再发 %d 个字节（教程的技巧）", size))
	conn, err := s.Dial(s.ServerAddr()) // client.connect(("127.0.0.1", 9998))
	if err != nil {
		return err
	}
	s.Step("size")
	if err := conn.SendAll([]byte(strconv.FormatInt(size, 10))); err != nil { // client.sendall(bytes(str(file_size), encoding='utf-8'))
		return err
	}
	// client.recv(1024) in the tutorial; exactly 4 bytes here, because an
	// empty file's receipt follows the ack at once and recv(1024) could
	// take both (demo 4's sticky packets).
	s.Key("ack")
	ack, err := conn.RecvExactly(len(uploadAck), 0, labelAck)
	if err != nil {
		return err
	}
	if string(ack) != uploadAck {
		return lab.Errorf(lab.Tf("upload 1: the server answered %q instead of the ack", "上传 1：服务端回答的是 %q，而不是确认", ack), nil)
	}
	h := sha256.New()                                                     // hashed as it is sent: the receipt check and upload 2's header need it
	if err := sendFile(conn, &content{size: size}, size, h); err != nil { // for line in f: client.sendall(line)
		return err
	}
	rememberSHA(size, hex.EncodeToString(h.Sum(nil)))
	var receipt []byte
	for {
		s.Step("read-receipt")
		data, err := conn.Recv(1024) // the lab's receipt, until the server closes
		if err != nil {
			return err
		}
		if len(data) == 0 {
			break
		}
		if receipt = append(receipt, data...); len(receipt) > 1024 {
			return errors.New("upload 1: receipt longer than 1024 bytes")
		}
	}
	s.Note(receiptNote(string(receipt), sideSHA(s, size)))
	if err := conn.Close(); err != nil {
		return err
	}

	name := s.Params.String("name")
	s.Section(lab.Tf("Upload 2: a JSON header with the name %q, the size and the SHA-256, and no waiting",
		"上传 2：JSON 报头带上文件名 %q、大小和 SHA-256，不再等待", name))
	conn, err = s.Dial(s.ServerAddr())
	if err != nil {
		return err
	}
	s.Key("put-header")
	if err := put(s, conn, name, size, sideSHA(s, size), &content{size: size}); err != nil {
		return err
	}
	s.Section(lab.Tf("Upload 3: a name that climbs out of the folder, %q", "上传 3：一个爬出文件夹的名字，%q", hostileName))
	sum := sha256.Sum256(hostileBody)
	s.Step("hostile-header")
	if err := put(s, conn, hostileName, int64(len(hostileBody)), hex.EncodeToString(sum[:]), bytes.NewReader(hostileBody)); err != nil {
		return err
	}
	return conn.Close()
}

// receiptNote compares the server's receipt with the file's SHA-256.
func receiptNote(receipt, want string) lab.Text {
	if receipt == want {
		return lab.Tf("the receipt %s… is the SHA-256 of the file sent: it arrived whole",
			"回执 %s… 就是所发文件的 SHA-256：文件完整到达", want[:16])
	}
	return lab.Tf("the receipt %q is not the file's SHA-256 %s…", "回执 %q 不是文件的 SHA-256 %s…", receipt, want[:16])
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

// uploadParts is what the trace shows of the two connections.
type uploadParts struct {
	ackConn, jsonConn lab.Trace // the client's calls on each
	ackServ, jsonServ lab.Trace // the server's
	serverNotes       lab.Trace
}

func splitUpload(t lab.Trace) (uploadParts, bool) {
	var p uploadParts
	connects := t.Calls(lab.Client, lab.OpConnect)
	accepts := t.Calls(lab.Server, lab.OpAccept)
	if len(connects) != 2 || len(accepts) != 2 {
		return p, false
	}
	on := func(side lab.Role, id int) lab.Trace {
		return t.Filter(func(e lab.Event) bool { return e.Side == side && e.Conn == id && e.Err == "" })
	}
	p.ackConn, p.jsonConn = on(lab.Client, connects[0].Conn), on(lab.Client, connects[1].Conn)
	p.ackServ, p.jsonServ = on(lab.Server, accepts[0].Conn), on(lab.Server, accepts[1].Conn)
	p.serverNotes = t.Calls(lab.Server, lab.OpNote)
	return p, true
}

// ops returns the events of kind op.
func ops(t lab.Trace, op lab.Op) lab.Trace {
	return t.Filter(func(e lab.Event) bool { return e.Op == op })
}

// moved adds up the bytes the events moved, kept or not.
func moved(t lab.Trace) int64 {
	var n int64
	for _, e := range t {
		n += int64(e.N)
	}
	return n
}

// putReply is a reply the client read, as the trace shows it.
type putReply struct {
	h           wire.JSONHeader
	status, why string
}

// replies decodes the replies the client read on the JSON connection.
func replies(c lab.Trace) []putReply {
	r := bytes.NewReader(ops(c, lab.OpRecv).Bytes())
	var out []putReply
	for {
		h, err := wire.ReadJSONHeader(r, 0)
		if err != nil {
			return out
		}
		var p putReply
		p.h = h
		json.Unmarshal(h.Extra["status"], &p.status)
		json.Unmarshal(h.Extra["error"], &p.why)
		out = append(out, p)
	}
}

// putHeaders are the client's sendall calls that carried a put's header
// (the demo names them), in order.
func putHeaders(c lab.Trace) lab.Trace {
	return c.Filter(func(e lab.Event) bool {
		return e.Op == lab.OpSendAll && (e.Step == "put-header" || e.Step == "hostile-header")
	})
}

// parsePut decodes the header a put's sendall carried, if the trace kept
// all of it: a stream's first 64 KiB always are, and a header is the first
// thing on its connection; the one after a big file may have been cut to
// its first bytes.
func parsePut(e lab.Event) (wire.JSONHeader, bool) {
	if len(e.Marks) != 2 || len(e.Data) < e.N {
		return wire.JSONHeader{}, false
	}
	h, err := wire.ParseJSON(e.Part(e.Marks[1]), uploadMax)
	return h, err == nil
}

func uploadFindings(t lab.Trace, p lab.Params) []lab.Finding {
	size := int64(p.Int("size"))
	name := p.String("name")
	parts, ok := splitUpload(t)
	if !ok {
		bad := lab.T("the client did not make its two connections", "客户端没有建立它的两个连接")
		return []lab.Finding{check("ack", false, bad), check("whole", false, bad), check("header", false, bad), check("refused", false, bad)}
	}
	want := contentSHA(size)

	// Upload 1: the size alone, the ack, then the file.
	digits := strconv.FormatInt(size, 10)
	sends, recvs := ops(parts.ackConn, lab.OpSendAll), ops(parts.ackConn, lab.OpRecv)
	srecvs := ops(parts.ackServ, lab.OpRecv)
	alone := len(srecvs) > 0 && string(srecvs[0].Data) == digits
	waited := len(sends) > 0 && len(recvs) > 0 && string(recvs[0].Data) == uploadAck
	var rtt time.Duration
	if waited {
		rtt = recvs[0].T - sends[0].T
		for _, e := range sends[1:] {
			waited = waited && e.Seq > recvs[0].Seq
		}
	}
	ack := check("ack", alone && waited, lab.Tf(
		"upload 1: the server's first recv(1024) got b'%s', the size alone, because the client sent no byte of the file before it had read the ack b'%s'; the wait cost one round trip (%.3f ms from sending the size to reading the ack)",
		"上传 1：服务端第一次 recv(1024) 收到 b'%s'，只有大小，因为客户端读到确认 b'%s' 之前没有发出文件的任何字节；这次等待花了一个往返（从发出大小到读到确认共 %.3f 毫秒）",
		digits, uploadAck, float64(rtt.Microseconds())/1000)).At("size", "ack")

	// The receipt is a small stream of its own, kept whole; the file is
	// checked by its count and by the SHA-256 the server computed.
	var receipt string
	if len(recvs) > 1 {
		receipt = string(recvs[1:].Bytes())
	}
	got := int64(0)
	if len(srecvs) > 0 {
		got = moved(srecvs[1:])
	}
	whole := check("whole", got == size && receipt == want, lab.Tf(
		"upload 1: the server read %d bytes after the size in %d recv calls, exactly as many as announced, and its receipt's SHA-256 %s… is the SHA-256 of the file the client sent: the file arrived whole",
		"上传 1：服务端在大小之后用 %[2]d 次 recv 读了 %[1]d 个字节，正好是声明的数量，回执里的 SHA-256 %[3]s… 就是客户端所发文件的 SHA-256：文件完整到达",
		got, max(srecvs.CallCount()-1, 0), want[:16])).At("receipt", "read-receipt")

	// Uploads 2 and 3: JSON headers, no waiting, a reply each.
	heads := putHeaders(parts.jsonConn)
	reps := replies(parts.jsonConn)
	if len(heads) != 2 || len(reps) != 2 {
		bad := lab.T("the client did not send two puts and read two replies", "客户端没有发出两个 put 并读到两个回复")
		return []lab.Finding{ack, whole, check("header", false, bad), check("refused", false, bad)}
	}
	// No waiting: the client's last sendall of the first file came before
	// its first recv after the header.
	firstRecv, lastBody := 0, 0
	for _, e := range parts.jsonConn {
		switch {
		case e.Op == lab.OpRecv && e.Seq > heads[0].Seq && firstRecv == 0:
			firstRecv = e.Seq
		case e.Op == lab.OpSendAll && e.Seq > heads[0].Seq && e.Seq < heads[1].Seq:
			lastBody = e.Seq
		}
	}
	noWait := firstRecv > lastBody
	first := reps[0]
	_, unsafe := wire.SafeName(name)
	var header lab.Finding
	if unsafe != nil {
		header = check("header", false, lab.Tf(
			"not shown with name=%q: the server refused that name (see below); with a plain name such as notes.txt it stores the file",
			"name=%q 时看不到：服务端拒绝了这个名字（见下）；用 notes.txt 这样的普通名字，它就会存下文件", name))
	} else {
		h, parsed := parsePut(heads[0])
		header = check("header", parsed && noWait && h.FileName == name && h.DataSize == size && h.SHA256 == want &&
			first.status == "stored" && first.h.FileName == name && first.h.SHA256 == want, lab.Tf(
			"upload 2: one JSON header carried the name %q, the size %d and the SHA-256; the client sent the file right behind it without waiting for anything, and the server's reply says it stored the file with that same SHA-256",
			"上传 2：一个 JSON 报头带上了文件名 %q、大小 %d 和 SHA-256；客户端紧接着发出文件，什么也不等，服务端的回复说它存下了文件，SHA-256 完全相同",
			name, size)).At("put-header", "stored")
	}

	// Refusals: every unsafe name was refused (the server's replies echo
	// the names it read), its bytes discarded: the server read every byte
	// the client sent on the connection, the same count and the same
	// SHA-256, so it stayed in step; and nothing was written outside.
	var unsafeNames []string
	refusedOK := true
	for i, n := range []string{name, hostileName} {
		if _, err := wire.SafeName(n); err != nil {
			unsafeNames = append(unsafeNames, strconv.Quote(n))
			refusedOK = refusedOK && reps[i].status == "refused" && reps[i].h.FileName == n &&
				strings.Contains(reps[i].why, wire.ErrUnsafeName.Error())
		}
	}
	notes := 0
	for _, e := range parts.serverNotes {
		if strings.HasPrefix(e.Text.En, outsideNote) {
			notes++
		}
	}
	sent, read := ops(parts.jsonConn, lab.OpSendAll), ops(parts.jsonServ, lab.OpRecv)
	inStep := moved(read) == moved(sent) && sumOf(read) == sumOf(sent)
	refused := check("refused", refusedOK && inStep && notes == len(unsafeNames) && len(unsafeNames) > 0, lab.Tf(
		"refused %s, each with a clear error (the last: %q); the server still read and discarded the file's bytes, so it stayed in step with the stream (it read exactly the %d bytes the client sent on the connection), and nothing was written outside its folder",
		"拒绝了 %s，每次都给出明确的错误（最后一次的原话：%q）；服务端仍然读出并丢弃了文件的字节，所以和数据流保持同步（它在这个连接上正好读了客户端发出的 %d 个字节），文件夹之外什么也没写",
		strings.Join(unsafeNames, ", "), reps[len(reps)-1].why, moved(sent))).At("refuse", "hostile-header")
	return []lab.Finding{ack, whole, header, refused}
}

// The peer sides (lab serve, lab client).

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

// uploadTry is the hint of `lab serve 15`: one upload in each protocol.
func uploadTry(host, port string) []string {
	return []string{
		fmt.Sprintf(`python3 -c "import socket, struct, json; d=b'hello, file'; h=json.dumps({'cmd': 'put', 'filename': 'a.txt', 'filesize': len(d)}).encode(); s=socket.create_connection(('%s', %s)); s.sendall(struct.pack('i', len(h)) + h + d); s.shutdown(socket.SHUT_WR); print(s.recv(1024))"`, host, port),
		"# with --set proto=ack, the size first, then the bytes after the acknowledgement:",
		fmt.Sprintf(`python3 -c "import socket; d=b'hello, file'; s=socket.create_connection(('%s', %s)); s.sendall(str(len(d)).encode()); print(s.recv(1024)); s.sendall(d); s.shutdown(socket.SHUT_WR); print(s.recv(1024))"`, host, port),
	}
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
