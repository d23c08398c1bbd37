package upload

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
)

// An Upload is one file being written: Begin it, Write its bytes, then
// Commit it (it gets its name) or Abort it (its part is removed) or Keep
// it (its part stays for a resumed upload).
type Upload struct {
	st         *Store
	opt        Options
	name, part string
	size       int64 // the bytes announced
	have       int64 // the bytes the part held when the upload began (Resume)
	written    int64 // the bytes Write took since
	old        int64 // the bytes of the stored file it replaces (Replace)
	f          *os.File
	werr       error // the first write that failed (a full disk)
	h          Hasher
	sums       Sums
	done       bool
}

// errTooLong is a Write past the announced size.
var errTooLong = errors.New("more bytes than announced")

// Begin reserves size bytes of the quota for the file name (a path inside
// the store that the caller checked: wire.SafeName, lab ftp's Resolve) and
// opens its part. The error is a *Refusal: nothing was stored.
func (st *Store) Begin(name string, size int64, opt Options) (*Upload, error) {
	if IsPart(path.Base(name)) {
		return nil, refusal(KindPartName, "%q has the form .NAME.part of the server's unfinished uploads; choose another name",
			"%q 是服务端未完成上传所用的 .名字.part 形式；请换一个名字", name)
	}
	old, err := st.stored(name, opt.Replace)
	if err != nil {
		return nil, err
	}
	u := &Upload{st: st, opt: opt, name: name, part: PartName(name), size: size, old: old, h: NewHasher(opt.MD5)}
	if !st.claim(u.part) {
		return nil, u.busy()
	}
	if err := u.open(); err != nil {
		st.unclaim(u.part)
		return nil, err
	}
	// The quota is taken only by the upload that holds the part, so one
	// refused for its name never takes another's room.
	if need := size - u.have; !st.quota.Reserve(need, old) {
		u.f.Close()
		if u.have == 0 {
			st.root.Remove(u.part) // made by this upload
		}
		st.unclaim(u.part)
		used, limit := st.quota.Used(), st.quota.Limit()
		r := refusal(KindQuota, "%d bytes do not fit: the quota is %d bytes and %d are left",
			"%d 个字节放不下：配额是 %d 字节，只剩 %d 字节", need, limit, max(limit-used+old, 0))
		r.Need, r.Used, r.Freed, r.Limit = need, used, old, limit
		return nil, r
	}
	return u, nil
}

// stored is the size of the stored file name replaces (Replace), or a
// refusal of a name that is taken.
func (st *Store) stored(name string, replace bool) (int64, error) {
	info, err := st.root.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return 0, nil
	case err != nil:
		return 0, fsRefusal(KindFS, "look at "+name, "查看 "+name, err)
	case !replace:
		return 0, refusal(KindExists, "a file named %q is in the folder already; the server never overwrites one (another upload's, or your earlier one): choose another name",
			"文件夹里已经有名为 %q 的文件；服务端从不覆盖文件（它可能是别人上传的，也可能是你之前上传的）：请换一个名字", name)
	case !info.Mode().IsRegular():
		return 0, refusal(KindNotFile, "%q is a folder or a link, not a file", "%q 是文件夹或链接，不是文件", name)
	}
	return info.Size(), nil
}

func (u *Upload) busy() *Refusal {
	return refusal(KindBusy, "%q is being uploaded on another connection (its %s exists; if no upload is running, a server was killed mid-file: remove it); choose another name or wait",
		"%q 正在另一个连接上传（它的 %s 已经存在；如果并没有上传在进行，那是服务端在文件中途被强行终止了：删除它即可）；请换一个名字或稍后再试", u.name, u.part)
}

// open opens the part: a part left on disk is continued (Resume), removed
// (Restart) or a sign of another upload; a new one is created exclusively.
func (u *Upload) open() error {
	root := u.st.root
	info, err := root.Lstat(u.part)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fsRefusal(KindFS, "look at "+u.part, "查看 "+u.part, err)
	case !info.Mode().IsRegular():
		return refusal(KindNotFile, "the partial file %s is not a file", "部分文件 %s 不是普通文件", u.part)
	case u.opt.Resume && info.Size() <= u.size:
		return u.resume(info.Size())
	case u.opt.Resume || u.opt.Restart: // not resuming, or a part longer than the file: start again
		if err := root.Remove(u.part); err != nil {
			return fsRefusal(KindFS, "remove "+u.part, "删除 "+u.part, err)
		}
		u.st.quota.Add(-info.Size())
	default:
		return u.busy()
	}
	perm := fs.FileMode(0o644)
	if u.opt.Replace { // lab ftp: a user's files are the user's
		perm = 0o600
	}
	f, err := root.OpenFile(u.part, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) {
		return u.busy()
	}
	if err != nil {
		return fsRefusal(KindFS, "create "+u.part, "创建 "+u.part, err)
	}
	u.f = f
	return nil
}

// resume opens a part of have bytes to continue it; the checksums cover
// the whole file, so its bytes are hashed first.
func (u *Upload) resume(have int64) error {
	f, err := u.st.root.OpenFile(u.part, os.O_RDWR, 0)
	if err == nil {
		_, err = io.CopyN(u.h, f, have) // hashes the part being resumed, and leaves f at its end
		if err != nil {
			f.Close()
		}
	}
	if err != nil {
		return fsRefusal(KindFS, "read "+u.part, "读取 "+u.part, err)
	}
	u.f, u.have = f, have
	return nil
}

// Offset is the bytes the part already held (a resumed upload): the
// client sends the file from there.
func (u *Upload) Offset() int64 { return u.have }

// Part is the hidden name the file is written under.
func (u *Upload) Part() string { return u.part }

// Write writes the file's next bytes. After a write that failed (a full
// disk), or past the announced size, it drops them instead, so that the
// rest of the file is still read and the stream stays in step: Commit then
// refuses the file, and the server can say so instead of a reset.
func (u *Upload) Write(p []byte) (int, error) {
	if u.werr == nil && u.have+u.written+int64(len(p)) > u.size {
		u.werr = errTooLong
	}
	if u.werr == nil {
		if _, u.werr = u.f.Write(p); u.werr == nil {
			u.h.Write(p)
		}
	}
	u.written += int64(len(p))
	return len(p), nil
}

// Sums are the checksums of the whole file: once Commit was called, or of
// what was written so far.
func (u *Upload) Sums() Sums {
	if u.done {
		return u.sums
	}
	return u.h.Sums()
}

// Commit gives the file its name once every byte arrived: it checks the
// size and the checksums want announces, then links the part to the name
// (which fails if the name appeared in the meantime) or, with Replace,
// renames it over the name. On any error the upload is aborted; the
// error is a *Refusal.
func (u *Upload) Commit(want Sums) error {
	if u.done {
		return refusal(KindFS, "the upload of %q has ended", "%q 的上传已经结束", u.name)
	}
	cerr := u.f.Close()
	u.f = nil
	u.sums = u.h.Sums()
	var err error
	switch {
	case u.werr == errTooLong || u.werr == nil && u.have+u.written != u.size:
		err = refusal(KindShort, "%d bytes arrived, not the %d announced: not stored", "到达 %d 字节，不是声明的 %d 字节：没有存下", u.have+u.written, u.size)
	case u.werr != nil:
		err = fsRefusal(KindWrite, "write "+u.part+" (not stored)", "写入 "+u.part+"（没有存下）", u.werr)
	case cerr != nil:
		err = fsRefusal(KindWrite, "write "+u.part+" (not stored)", "写入 "+u.part+"（没有存下）", cerr)
	case differ(want.SHA256, u.sums.SHA256):
		err = refusal(KindChecksum, "the file's SHA-256 is %s, not the %s its header announced: not stored",
			"文件的 SHA-256 是 %s，不是报头声明的 %s：没有存下", u.sums.SHA256, quote(want.SHA256))
	case u.opt.MD5 && differ(want.MD5, u.sums.MD5):
		err = refusal(KindChecksum, "the file's MD5 is %s, not the %s its header announced: not stored",
			"文件的 MD5 是 %s，不是报头声明的 %s：没有存下", u.sums.MD5, quote(want.MD5))
	default:
		err = u.publish()
	}
	if err != nil {
		u.Abort()
		return err
	}
	u.done = true
	u.st.quota.Add(-u.old)
	u.st.unclaim(u.part)
	return nil
}

// publish gives the whole part its name.
func (u *Upload) publish() error {
	root := u.st.root
	if u.opt.Replace {
		if err := root.Rename(u.part, u.name); err != nil {
			return fsRefusal(KindFS, "rename "+u.part, "重命名 "+u.part, err)
		}
		return nil
	}
	if err := root.Link(u.part, u.name); err != nil {
		return refusal(KindExists, "%q was stored by another upload while this one was arriving: not stored (cannot link: %v)",
			"在这个文件到达期间，另一个上传存下了 %q：没有存下（无法链接：%v）", u.name, err)
	}
	root.Remove(u.part)
	return nil
}

func differ(want, got string) bool { return want != "" && !strings.EqualFold(want, got) }

// quote is a checksum from the peer as a refusal may show it: quoted and
// cut, whatever the peer sent.
func quote(s string) string {
	if len(s) > 80 {
		s = s[:64] + "…"
	}
	return strconv.QuoteToASCII(s)
}

// Abort ends an upload that will not be committed: its part is removed
// and its bytes given back to the quota. It does nothing after Commit,
// Keep or another Abort.
func (u *Upload) Abort() { u.end(false) }

// Keep ends an interrupted upload but keeps its part for a resumed upload
// (Options.Resume): its bytes stay counted, the rest of the reservation is
// given back. A part whose write failed is removed instead.
func (u *Upload) Keep() { u.end(u.werr == nil) }

func (u *Upload) end(keep bool) {
	if u.done {
		return
	}
	u.done = true
	if u.f != nil {
		u.f.Close()
		u.f = nil
	}
	if keep {
		u.st.quota.Add(-(u.size - u.have - u.written))
	} else {
		u.st.root.Remove(u.part)
		u.st.quota.Add(-u.size)
	}
	u.st.unclaim(u.part)
}
