package ftp

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

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
		return Reply{}, errors.New("the server closed the connection")
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
	h := newHashes()
	if _, err := io.CopyBuffer(h, f, make([]byte, Chunk)); err != nil {
		return "", "", err
	}
	m, s := h.hex()
	return m, s, nil
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
		return Reply{}, fmt.Errorf("%s is not a file", local)
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
			return rep, fmt.Errorf("the server answered put with status %d and no usable offset", rep.Status)
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
		return rep, fmt.Errorf("the server stored sha256 %s, the file has %s", rep.SHA256, r.SHA256)
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
			if err := cl.C.SendParts(buf[:k], lab.Mark{From: 0, To: k, Label: LabelFile}); err != nil {
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
			return Reply{}, fmt.Errorf("name the local file: get %s LOCAL", remote)
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
		return rep, fmt.Errorf("the server's reply to get has no filesize or another offset than %d", off)
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
			return rep, fmt.Errorf("got %d of %d bytes, then the server closed: %s keeps them, get again to resume", done, size, part)
		}
		if err != nil {
			return rep, fmt.Errorf("%w (%s keeps %d bytes: get again to resume)", err, part, done)
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
		return rep, fmt.Errorf("checksum mismatch: got md5 %s sha256 %s, the server said md5 %s sha256 %s; %s removed",
			m, sh, rep.MD5, rep.SHA256, part)
	}
	if err := f.Close(); err != nil {
		return rep, err
	}
	return rep, os.Rename(part, local)
}
