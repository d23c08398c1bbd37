package ftp

import (
	"errors"
	"fmt"
	"io"

	"socketlab/demos/upload"
	"socketlab/lab"
)

// The transfers: put through the upload store (demos/upload), get, and
// the per-user locks that keep two connections of one user from writing
// one file at once.

// lock marks rel as being written (put, rm) or read (get): two
// connections of one user never write one file at once, nor read it while
// it is written; reads share it.
func (ss *session) lock(rel string, write bool) bool {
	a := ss.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	n := a.busy[rel] // -1: written; > 0: that many reading
	if n < 0 || write && n > 0 {
		return false
	}
	if write {
		a.busy[rel] = -1
	} else {
		a.busy[rel] = n + 1
	}
	return true
}

func (ss *session) unlock(rel string) {
	a := ss.acct
	a.mu.Lock()
	if n := a.busy[rel]; n > 1 {
		a.busy[rel] = n - 1
	} else {
		delete(a.busy, rel)
	}
	a.mu.Unlock()
}

func (ss *session) busy(r Request) error {
	return ss.refuse(r, StatusConflict, "another connection of yours is using this file", "你的另一个连接正在使用这个文件")
}

// receive reads exactly n bytes of a body into w, Chunk bytes at most per
// recv(), and never more (the next request may follow).
func receive(c *lab.Conn, w io.Writer, n int64) (int64, error) {
	c.Progress(n)
	defer c.Progress(0)
	buf := make([]byte, min(n, Chunk))
	var got int64
	for got < n {
		k, err := c.Read(buf[:min(int64(len(buf)), n-got)])
		if _, werr := w.Write(buf[:k]); werr != nil {
			return got, werr
		}
		got += int64(k)
		if errors.Is(err, io.EOF) {
			return got, fmt.Errorf("got %d of %d bytes, then the peer closed: %w", got, n, io.ErrUnexpectedEOF)
		}
		if err != nil {
			return got, err
		}
	}
	return got, nil
}

// sendFile sends n bytes of f from its current position, Chunk bytes per
// sendall().
func sendFile(c *lab.Conn, f io.Reader, n int64) error {
	c.Progress(n)
	defer c.Progress(0)
	buf := make([]byte, min(n, Chunk))
	for sent := int64(0); sent < n; {
		k, err := io.ReadFull(f, buf[:min(int64(len(buf)), n-sent)])
		if err != nil {
			return fmt.Errorf("read the file: %w", err)
		}
		if err := c.SendParts(buf[:k], lab.Mark{From: 0, To: k, Label: LabelFile}); err != nil {
			return err
		}
		sent += int64(k)
	}
	return nil
}

// put receives a file through the upload store: the body goes into the
// hidden partial file .NAME.part, which is renamed to NAME only once it is
// whole and its checksums match, so a half-received file is never listed
// or served.
//
// Without "resume" (the seed's put) the body follows the header at once
// and replaces the file; a partial file left from before is dropped, and
// the partial file is removed if the transfer fails. With "resume" the
// client waits: the server answers 100 with the offset it already has (the
// size of .NAME.part), the client sends the rest, and an interrupted
// transfer leaves the partial file for the next try.
func (ss *session) put(r Request) error {
	rel, ok, err := ss.resolve(r, r.FileName)
	if !ok {
		return err
	}
	if rel == "" {
		return ss.refuse(r, StatusConflict, "your home folder is a folder", "你的主目录是文件夹")
	}
	if !ss.lock(rel, true) {
		return ss.busy(r)
	}
	defer ss.unlock(rel)
	// The new file replaces the old one once whole: the old one's bytes
	// are counted until then but do not stop the put.
	u, err := ss.store.Begin(rel, r.FileSize, upload.Options{Replace: true, Resume: r.Resume, Restart: true, MD5: true})
	if err != nil {
		return ss.refuseUpload(r, err)
	}
	defer u.Abort() // does nothing once stored or kept
	if r.Resume {
		if err := ss.sendOffset(r, u); err != nil {
			return err
		}
	}
	ss.s.Step("receive")
	if got, err := receive(ss.c, u, r.FileSize-u.Offset()); err != nil {
		if r.Resume {
			u.Keep()
			ss.s.Note(lab.Tf("the put stopped after %d of %d bytes: %s keeps them for a resumed put",
				"put 在 %d / %d 字节处中断：%s 保留它们，等待续传", u.Offset()+got, r.FileSize, u.Part()))
		}
		return err
	}
	if err := u.Commit(upload.Sums{MD5: r.MD5, SHA256: r.SHA256}); err != nil {
		done := r
		done.FileSize = 0 // the body was read: nothing to drop
		return ss.refuseUpload(done, err)
	}
	sums := u.Sums()
	ss.s.Key("stored")
	return ss.ok(Reply{FileName: r.FileName, FileSize: num(r.FileSize), MD5: sums.MD5, SHA256: sums.SHA256, Used: num(ss.usage.Used())},
		fmt.Sprintf("stored %s, %d bytes", Show(rel), r.FileSize), fmt.Sprintf("已保存 %s，%d 字节", Show(rel), r.FileSize))
}

// sendOffset answers a resumable put with 100 and the offset the partial
// file has reached: the client sends the rest.
func (ss *session) sendOffset(r Request, u *upload.Upload) error {
	have := u.Offset()
	ss.s.Key("offset")
	msg := fmt.Sprintf("send from byte %d", have)
	if err := ss.reply(Reply{Status: StatusContinue, Msg: msg, MsgZh: fmt.Sprintf("从第 %d 字节开始发送", have),
		FileName: r.FileName, Offset: num(have)}); err != nil {
		return err
	}
	if have > 0 {
		ss.s.Note(lab.Tf("%[1]s has %[2]d bytes of %[3]q from an interrupted put: the client sends only the %[4]d after them",
			"%[1]s 已有 %[3]q 的 %[2]d 字节（来自中断的 put）：客户端只需发送其后的 %[4]d 字节", u.Part(), have, r.FileName, r.FileSize-have))
	}
	return nil
}

// refuseUpload answers a put the upload store refused, with the status
// its kind of refusal has in this protocol.
func (ss *session) refuseUpload(r Request, err error) error {
	var ur *upload.Refusal
	if !errors.As(err, &ur) {
		return ss.fsError(r, r.FileName, err)
	}
	switch ur.Kind {
	case upload.KindQuota:
		ss.s.Key("quota")
		return ss.refuse(r, StatusQuota, fmt.Sprintf("quota: %d bytes more would make %d of %d", ur.Need, ur.Used+ur.Need-ur.Freed, ur.Limit),
			fmt.Sprintf("配额：再存 %d 字节就是 %d，超过 %d", ur.Need, ur.Used+ur.Need-ur.Freed, ur.Limit))
	case upload.KindChecksum:
		ss.s.Key("checksum")
		return ss.refuse(r, StatusChecksum, "checksum mismatch: "+ur.En, "校验和不符："+ur.Zh)
	case upload.KindExists, upload.KindBusy, upload.KindNotFile:
		return ss.refuse(r, StatusConflict, ur.En, ur.Zh)
	case upload.KindPartName:
		return ss.refuse(r, StatusForbidden, ur.En, ur.Zh)
	case upload.KindFS:
		if ur.Err != nil {
			return ss.fsError(r, r.FileName, ur.Err)
		}
	}
	ss.s.Note(lab.Text{En: cutS(r.FileName) + ": " + ur.En, Zh: cutS(r.FileName) + "：" + ur.Zh})
	return ss.refuse(r, StatusServer, ur.En, ur.Zh)
}

// get sends a file from "offset" on. The reply carries the whole file's
// size and checksums, so a client that resumes checks the whole file.
func (ss *session) get(r Request) error {
	rel, ok, err := ss.resolve(r, r.FileName)
	if !ok {
		return err
	}
	if !ss.lock(rel, false) {
		return ss.busy(r)
	}
	defer ss.unlock(rel)
	f, err := ss.home.Open(rootPath(rel))
	if err != nil {
		return ss.fsError(r, r.FileName, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return ss.fsError(r, r.FileName, err)
	}
	if !info.Mode().IsRegular() {
		return ss.refuse(r, StatusConflict, fmt.Sprintf("%q is a folder, not a file", r.FileName), fmt.Sprintf("%q 是文件夹，不是文件", r.FileName))
	}
	size := info.Size()
	if r.Offset > size {
		return ss.refuse(r, StatusBad, fmt.Sprintf("offset %d is past the end of %q (%d bytes)", r.Offset, r.FileName, size),
			fmt.Sprintf("偏移 %d 超出了 %q 的末尾（%d 字节）", r.Offset, r.FileName, size))
	}
	h := upload.NewHasher(true)
	if _, err := io.CopyN(h, f, size); err != nil {
		return ss.fsError(r, r.FileName, err)
	}
	if _, err := f.Seek(r.Offset, io.SeekStart); err != nil {
		return ss.fsError(r, r.FileName, err)
	}
	sums := h.Sums()
	ss.s.Key("send-file")
	en, zh := fmt.Sprintf("%d bytes follow", size-r.Offset), fmt.Sprintf("后面是 %d 字节", size-r.Offset)
	if r.Offset > 0 {
		en += fmt.Sprintf(", from byte %d", r.Offset)
		zh += fmt.Sprintf("，从第 %d 字节开始", r.Offset)
	}
	if err := ss.ok(Reply{FileName: r.FileName, FileSize: num(size), Offset: num(r.Offset), MD5: sums.MD5, SHA256: sums.SHA256}, en, zh); err != nil {
		return err
	}
	return sendFile(ss.c, f, size-r.Offset)
}
