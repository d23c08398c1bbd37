package demos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"socketlab/demos/upload"
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

// outsideStep names the server's note, after it refused an unsafe name,
// that nothing was written outside the folder: the refused finding counts
// these notes by this id, never by their words.
const outsideStep = "outside"

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
