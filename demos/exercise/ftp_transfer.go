package exercise

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"socketlab/demos/ftp"
	"socketlab/lab"
)

// The ftp-server cases on transfers: a big file, a resumed put, bad
// headers.

func ftpBig(t *T) error {
	f := newFTP(t)
	cl, err := f.login("alice")
	if err != nil {
		return err
	}
	defer cl.C.Close()
	data := letters(ftpBigSize)
	m, s := sums(data)
	if err := put(cl, "alice", "big.bin", data); err != nil {
		return err
	}
	if err := f.stored("alice", "big.bin", data); err != nil {
		return err
	}
	rep, n, gm, gs, err := get(cl, "alice", "big.bin", 0)
	if err != nil {
		return err
	}
	wholeHint := lab.T("hash the whole file (hashlib.md5() and hashlib.sha256() updated with each 64 KiB piece) and send it all: read and sendall a piece at a time until filesize bytes",
		"对整个文件算校验和（每块 64 KiB 都 update 进 hashlib.md5() 和 hashlib.sha256()），并把它全部发出：一块一块地读、sendall，直到 filesize 个字节")
	switch {
	case *rep.FileSize != ftpBigSize || n != ftpBigSize || gs != s || gm != m:
		return failHint(lab.Tf("get big.bin: %d bytes arrived, filesize %d, sha256 %s (sent %s)", "get big.bin：收到 %d 字节，filesize %d，sha256 %s（发送的是 %s）", n, *rep.FileSize, gs, s), wholeHint)
	case !strings.EqualFold(rep.SHA256, s) || !strings.EqualFold(rep.MD5, m):
		return failHint(lab.Tf("get big.bin: the reply says md5 %q sha256 %q, the file has md5 %s sha256 %s", "get big.bin：回复说 md5 %q sha256 %q，文件的是 md5 %s sha256 %s", rep.MD5, rep.SHA256, m, s), wholeHint)
	}
	return quit(cl)
}

func ftpResume(t *T) error {
	f := newFTP(t)
	data := letters(ftpResumeSize)[1000:] // not the big case's bytes
	half := int64(len(data) / 2)
	m, s := sums(data)
	req := ftp.Request{Cmd: "put", FileName: "resume.bin", FileSize: int64(len(data)), Resume: true, MD5: m, SHA256: s}
	if err := f.cutPut(req, data[:half]); err != nil {
		return err
	}
	cl, err := f.login("alice")
	if err != nil {
		return err
	}
	defer cl.C.Close()
	off, err := resumeOffset(cl, req, "second")
	if err != nil {
		return err
	}
	if off != half {
		return failHint(lab.Tf("after the cut, the second resumable put was told offset %d, but %d bytes had arrived", "断开之后，第二次可续传的 put 得到的 offset 是 %d，可是已经到了 %d 个字节", off, half),
			lab.T(`断点续传: when the connection breaks in a resumable put, keep the partial file (e.g. .resume.bin.part) and answer the next put of that name with {"status": 100, "offset": <its size>}`,
				`断点续传：可续传的 put 中途连接断开时，保留部分文件（例如 .resume.bin.part），下一次同名 put 回答 {"status": 100, "offset": <它的大小>}`))
	}
	cl.C.Progress(int64(len(data)) - off)
	err = cl.C.SendAll(data[off:])
	cl.C.Progress(0)
	if err != nil {
		return ftpFail(lab.T("the rest of the file: ", "文件剩下的部分："), err)
	}
	rep, err := cl.ReadReply()
	switch {
	case err != nil:
		return ftpFail(lab.T("the resumed put: ", "续传的 put："), err)
	case rep.Status != ftp.StatusOK:
		return fail(lab.Tf("the resumed put was answered %d %q, not 200", "续传的 put 得到的回答是 %d %q，不是 200", rep.Status, rep.Msg))
	case !strings.EqualFold(rep.SHA256, s) || !strings.EqualFold(rep.MD5, m):
		return failHint(lab.Tf("the resumed put's reply says md5 %q sha256 %q; the whole file has md5 %s sha256 %s", "续传的 put 的回复说 md5 %q sha256 %q；整个文件的是 md5 %s sha256 %s", rep.MD5, rep.SHA256, m, s),
			lab.T("hash the whole file, the part kept and the rest together (read the partial file through the hashes first), not only the bytes of this connection",
				"对整个文件算校验和，保留的部分和剩下的部分一起（先把部分文件读一遍喂给哈希），而不只是这个连接收到的字节"))
	}
	if err := f.stored("alice", "resume.bin", data); err != nil {
		return err
	}
	return resumedGet(cl, data, s)
}

// resumedGet gets the end of the resumed file from an offset: the bytes
// from there, and the whole file's sha256 (s).
func resumedGet(cl *ftp.Client, data []byte, s string) error {
	from := int64(len(data)) - 12345
	grep, n, _, _, err := get(cl, "alice", "resume.bin", from)
	if err != nil {
		return err
	}
	if n != int64(len(data))-from || !strings.EqualFold(grep.SHA256, s) {
		return fail(lab.Tf("get resume.bin from byte %d: %d bytes, sha256 %q (whole file: %s)", "从第 %d 字节 get resume.bin：%d 字节，sha256 %q（整个文件：%s）", from, n, grep.SHA256, s))
	}
	return quit(cl)
}

// cutPut starts a resumable put of a new name, sends the first part of
// the file and cuts the connection, as a client that dies does: a FIN.
func (f *ftpT) cutPut(req ftp.Request, part []byte) error {
	cl, err := f.login("alice")
	if err != nil {
		return err
	}
	defer cl.C.Close()
	off, err := resumeOffset(cl, req, "first")
	if err != nil {
		return err
	}
	if off != 0 {
		return fail(lab.Tf("the first resumable put of a new name was told offset %d, not 0", "一个新名字的第一次可续传 put 得到的 offset 是 %d，不是 0", off))
	}
	if err := cl.C.SendAll(part); err != nil {
		return ftpFail(lab.T("the first half: ", "前一半："), err)
	}
	waitRead(cl.C)
	cl.C.CloseWrite()
	waitClosed(cl.C, ftpPause) // the server has seen the end of that put
	return nil
}

// resumeOffset sends a resumable put's header and reads the offset its
// 100 reply gives (try: "first" or "second").
func resumeOffset(cl *ftp.Client, req ftp.Request, try string) (int64, error) {
	what := lab.Text{En: fmt.Sprintf("the %s resumable put: ", try),
		Zh: fmt.Sprintf("第%s次可续传的 put：", map[string]string{"first": "一", "second": "二"}[try])}
	rep, err := cl.Do(req)
	switch {
	case err != nil:
		return 0, ftpFail(what, err)
	case rep.Status != ftp.StatusContinue || rep.Offset == nil:
		return 0, fail(join(what, lab.Tf(`answered %d %q, not {"status": 100, "offset": …} before the body`, `回答的是 %d %q，不是文件体之前的 {"status": 100, "offset": …}`, rep.Status, rep.Msg)))
	}
	return *rep.Offset, nil
}

// waitClosed reads until the program closes its end (or d passes).
func waitClosed(c *lab.Conn, d time.Duration) bool {
	defer c.Paced(lab.Pace{Total: d, What: lab.T("the close", "关闭")})()
	for {
		b, err := c.Recv(64 << 10)
		if err != nil || len(b) == 0 {
			return err == nil || errors.Is(err, io.EOF) || lab.Classify(err) == lab.ClassReset
		}
	}
}

func ftpBadHeader(t *T) error {
	f := newFTP(t)
	bad := []struct {
		what lab.Text
		b    []byte
	}{
		{lab.T("the length 00 00 00 80 (2 GiB, -2147483648 as 'i')", "长度 00 00 00 80（2 GiB，按 'i' 是 -2147483648）"), []byte{0, 0, 0, 0x80}},
		{lab.T("the length ff ff ff 7f (2 GiB − 1) and no header", "长度 ff ff ff 7f（2 GiB − 1），后面没有报头"), binary.LittleEndian.AppendUint32(nil, 0x7fffffff)},
		{lab.T(`{"cmd": "__init__"}`, `{"cmd": "__init__"}`), ftp.AppendRequest(nil, ftp.Request{Cmd: "__init__"})},
	}
	for _, x := range bad {
		cl, err := f.connect()
		if err != nil {
			return afterOther(err)
		}
		cl.C.SendAll(x.b)
		cl.C.CloseWrite()
		done := cl.C.Paced(lab.Pace{Total: ftpPause, What: lab.T("the reply or the close", "回复或关闭")})
		rep, err := cl.ReadReply()
		done()
		var ce *ftp.Error
		switch {
		case err == nil && (rep.Status < 400 || rep.Status >= 500):
			cl.C.Close()
			return fail(join(x.what, lab.Tf(": answered %d %q, not 400", "：回答的是 %d %q，不是 400", rep.Status, rep.Msg)))
		case err == nil, errors.As(err, &ce), lab.Classify(err) == lab.ClassReset: // a framed 400, or a close
		case lab.Classify(err) == lab.ClassTimeout:
			cl.C.Close()
			return fail(join(x.what, lab.Tf(": in %v your server neither answered nor closed the connection, though the lab had closed its side", "：%v 内你的服务端既没有回答也没有关闭连接，尽管实验台已经关闭了自己这一端", ftpPause)))
		default:
			cl.C.Close()
			return fail(join(x.what, lab.Tf(": the answer is not a framed reply (%v)", "：回答不是带报头的回复（%v）", err)))
		}
		if err == nil && !waitClosed(cl.C, ftpPause) {
			cl.C.Close()
			return fail(join(x.what, lab.Tf(": your server answered but did not close the connection within %v", "：你的服务端回答了，但 %v 内没有关闭连接", ftpPause)))
		}
		cl.C.Close()
	}
	cl, err := f.login("alice")
	if err != nil {
		return afterOther(err)
	}
	defer cl.C.Close()
	if _, err := names(cl, "alice"); err != nil {
		return afterOther(err)
	}
	return quit(cl)
}
