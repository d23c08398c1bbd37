package ftp

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"socketlab/demos/upload"
	"socketlab/demos/wire"
	"socketlab/lab"
)

// A Client speaks the protocol over one traced connection.
type Client struct {
	S *lab.Side
	C *lab.Conn
	// Progress, if set, is told how far a transfer is after each chunk.
	Progress func(name string, done, total int64)

	keyed bool // the next request was named by Key
}

// Key names the client's next request as a key call (Side.Key), in place
// of the name the client gives it itself ("login", "put", "get").
func (cl *Client) Key(name string) {
	cl.S.Key(name)
	cl.keyed = true
}

// key names the next request, unless Key did.
func (cl *Client) key(name string) {
	if !cl.keyed {
		cl.S.Key(name)
	}
}

// An Error is a failure the client found itself, said in both languages.
type Error struct {
	Text lab.Text
	Err  error // what it wraps, if anything
}

func (e *Error) Error() string { return e.Text.En }

// Unwrap returns the error wrapped.
func (e *Error) Unwrap() error { return e.Err }

func clientErr(err error, en, zh string, args ...any) error {
	return &Error{Text: lab.Tf(en, zh, args...), Err: err}
}

// A ReplyError is a reply that refused the request.
type ReplyError struct{ Reply Reply }

func (e *ReplyError) Error() string { return fmt.Sprintf("%d %s", e.Reply.Status, e.Reply.Msg) }

// Text is the refusal in the language l: "403 refused: …".
func (e *ReplyError) Text(l lab.Lang) string {
	return fmt.Sprintf("%d %s", e.Reply.Status, e.Reply.Text(l))
}

// send sends a framed request header.
func (cl *Client) send(r Request) error {
	cl.keyed = false
	b := AppendRequest(nil, r)
	return cl.C.SendParts(b, frameMarks(len(b))...)
}

// ReadReply reads one framed reply header.
func (cl *Client) ReadReply() (Reply, error) {
	b, err := ReadHeader(cl.C, MaxReplyHeader)
	if err == io.EOF {
		return Reply{}, clientErr(io.ErrUnexpectedEOF, "the server closed the connection", "服务端关闭了连接")
	}
	if err != nil {
		return Reply{}, err
	}
	return ParseReply(b)
}

// answer turns a refusal into a *ReplyError.
func answer(r Reply, err error) (Reply, error) {
	if err == nil && !r.OK() && r.Status != StatusContinue {
		return r, &ReplyError{r}
	}
	return r, err
}

// Do sends a request without a body and reads its reply; a refusal is a
// *ReplyError.
func (cl *Client) Do(r Request) (Reply, error) {
	if err := cl.send(r); err != nil {
		return Reply{}, err
	}
	return answer(cl.ReadReply())
}

// Login logs in.
func (cl *Client) Login(user, password string) (Reply, error) {
	cl.key("login")
	return cl.Do(Request{Cmd: "login", User: user, Password: password})
}

// digests reads f from its start and returns its md5 and sha256 in hex.
func digests(f io.ReadSeeker) (string, string, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", "", err
	}
	h := upload.NewHasher(true)
	if _, err := io.CopyBuffer(h, f, make([]byte, Chunk)); err != nil {
		return "", "", err
	}
	sums := h.Sums()
	return sums.MD5, sums.SHA256, nil
}

// Put uploads the local file as remote, resuming: it sends the header
// with "resume": true and the file's checksums, waits for the server's
// offset, sends the rest and checks the server's checksums.
func (cl *Client) Put(local, remote string) (Reply, error) {
	f, err := os.Open(local)
	if err != nil {
		return Reply{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Reply{}, err
	}
	if !info.Mode().IsRegular() {
		return Reply{}, clientErr(nil, "%s is not a file", "%s 不是文件", local)
	}
	if remote == "" {
		remote = path.Base(strings.ReplaceAll(local, `\`, "/")) // filename = os.path.basename(filepath)
	}
	m, sh, err := digests(f)
	if err != nil {
		return Reply{}, fmt.Errorf("read %s: %w", local, err)
	}
	return cl.PutFrom(f, info.Size(), Request{Cmd: "put", FileName: remote, FileSize: info.Size(), Resume: true, MD5: m, SHA256: sh})
}

// PutFrom sends the put r with body from f (an io.ReadSeeker of r.FileSize
// bytes). With r.Resume it waits for the server's offset first; without,
// it sends the body right after the header, as the seed's client does.
func (cl *Client) PutFrom(f io.ReadSeeker, size int64, r Request) (Reply, error) {
	r.Cmd, r.FileSize = "put", size
	cl.key("put")
	if err := cl.send(r); err != nil {
		return Reply{}, err
	}
	off := int64(0)
	if r.Resume {
		cl.S.Step("offset")
		rep, err := answer(cl.ReadReply())
		if err != nil {
			return rep, err
		}
		if rep.Status != StatusContinue || rep.Offset == nil || *rep.Offset > size {
			return rep, clientErr(nil, "the server answered put with status %d and no usable offset", "服务端对 put 的回复状态为 %d，没有可用的 offset", rep.Status)
		}
		off = *rep.Offset
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return Reply{}, err
	}
	cl.S.Step("send-file")
	if err := cl.sendBody(f, r.FileName, off, size); err != nil {
		return Reply{}, err
	}
	cl.S.Step("stored")
	rep, err := answer(cl.ReadReply())
	if err != nil {
		return rep, err
	}
	if r.SHA256 != "" && !strings.EqualFold(rep.SHA256, r.SHA256) {
		return rep, clientErr(nil, "the server stored sha256 %s, the file has %s", "服务端保存的 sha256 是 %s，文件的是 %s", rep.SHA256, r.SHA256)
	}
	return rep, nil
}

func (cl *Client) sendBody(f io.Reader, name string, off, size int64) error {
	cl.C.Progress(size - off)
	defer cl.C.Progress(0)
	buf := make([]byte, min(max(size-off, 1), Chunk))
	for done := off; done < size; {
		k, rerr := io.ReadFull(f, buf[:min(int64(len(buf)), size-done)])
		if k > 0 { // what was read goes out, even when the read then failed
			if err := cl.C.SendParts(buf[:k], lab.Mark{From: 0, To: k, Label: LabelFile, Part: PartFile}); err != nil {
				return err
			}
			done += int64(k)
			if cl.Progress != nil {
				cl.Progress(name, done, size)
			}
		}
		if rerr != nil {
			return fmt.Errorf("read the file: %w", rerr)
		}
	}
	return nil
}

// Get downloads remote into the local file, resuming from local+".part"
// when it is there: the request's "offset" is that file's size. The bytes
// go to the partial file, which becomes local once the whole file's md5
// and sha256 are those the server announced.
func (cl *Client) Get(remote, local string) (Reply, error) {
	if local == "" {
		base := path.Base(remote)
		if _, err := wire.SafeName(base); err != nil {
			return Reply{}, clientErr(nil, "name the local file: get %s LOCAL", "请指定本地文件名：get %s 本地文件", remote)
		}
		local = base
	}
	part := local + ".part"
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return Reply{}, err
	}
	defer f.Close()
	off, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return Reply{}, err
	}
	cl.key("get")
	if err := cl.send(Request{Cmd: "get", FileName: remote, Offset: off}); err != nil {
		return Reply{}, err
	}
	rep, err := answer(cl.ReadReply())
	if err != nil {
		if off == 0 {
			f.Close()
			os.Remove(part)
		}
		return rep, err
	}
	if rep.FileSize == nil || rep.Offset == nil || *rep.Offset != off {
		return rep, clientErr(nil, "the server's reply to get has no filesize or another offset than %d", "服务端对 get 的回复没有 filesize，或者 offset 不是 %d", off)
	}
	size := *rep.FileSize
	cl.S.Step("receive")
	cl.C.Progress(size - off)
	buf := make([]byte, min(max(size-off, 1), Chunk))
	for done := off; done < size; {
		k, err := cl.C.Read(buf[:min(int64(len(buf)), size-done)])
		if _, werr := f.Write(buf[:k]); werr != nil {
			return rep, werr
		}
		done += int64(k)
		if cl.Progress != nil && k > 0 {
			cl.Progress(remote, done, size)
		}
		if errors.Is(err, io.EOF) {
			return rep, clientErr(io.ErrUnexpectedEOF, "got %[1]d of %[2]d bytes, then the server closed: %[3]s keeps them, get again to resume",
				"收到 %[1]d / %[2]d 字节后服务端关闭了连接：%[3]s 保留了它们，再 get 一次即可续传", done, size, part)
		}
		if err != nil {
			return rep, clientErr(err, "%[1]v (%[2]s keeps %[3]d bytes: get again to resume)", "%[1]v（%[2]s 保留了 %[3]d 字节：再 get 一次即可续传）", err, part, done)
		}
	}
	cl.C.Progress(0)
	m, sh, err := digests(f)
	if err != nil {
		return rep, err
	}
	if !strings.EqualFold(m, rep.MD5) || !strings.EqualFold(sh, rep.SHA256) {
		f.Close()
		os.Remove(part)
		return rep, clientErr(nil, "checksum mismatch: got md5 %[1]s sha256 %[2]s, the server said md5 %[3]s sha256 %[4]s; %[5]s removed",
			"校验和不符：收到的 md5 %[1]s sha256 %[2]s，服务端说 md5 %[3]s sha256 %[4]s；已删除 %[5]s", m, sh, rep.MD5, rep.SHA256, part)
	}
	if err := f.Close(); err != nil {
		return rep, err
	}
	return rep, os.Rename(part, local)
}
