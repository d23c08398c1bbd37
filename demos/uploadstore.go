package demos

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"unicode/utf8"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// The upload store: where demo 15's server (lab run 15 and lab serve 15)
// writes the files it receives, so that no upload ever lies.
//
//   - A file is written under a hidden name, ".NAME.part", created
//     exclusively, and gets its own name only once all its bytes arrived
//     (and the SHA-256 its header announced matched): a link that fails if
//     the name exists, so two uploads of one name cannot mix their bytes
//     and neither overwrites a stored file. A transfer that fails (the
//     client vanished, a wrong checksum, Ctrl-C) removes its .part file:
//     nothing that looks complete is left behind.
//   - A name that is stored or being written already is refused; so is a
//     name of the store's own partial files.
//   - The folder has a quota in bytes (what it held when the server started,
//     what it stored since and what uploads in progress announced), checked
//     before the first byte is written.
//   - Every refusal is a storeRefusal, in English and Chinese.
//
// Every file is opened through an os.Root, which cannot leave the folder
// (a symlink in it that points out is refused, not followed).
type uploadStore struct {
	root  *os.Root
	dir   string
	quota int64 // bytes the folder may hold; 0: no limit

	mu   sync.Mutex
	used int64 // bytes in the folder, stored or announced by an upload in progress
}

// openUploadStore opens dir. With a quota, the regular files already in it
// count against it.
func openUploadStore(dir string, quota int64) (*uploadStore, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open the upload folder: %w", err)
	}
	st := &uploadStore{root: root, dir: dir, quota: quota}
	if quota > 0 {
		entries, err := fs.ReadDir(root.FS(), ".")
		if err != nil {
			root.Close()
			return nil, fmt.Errorf("read the upload folder: %w", err)
		}
		for _, e := range entries {
			if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
				st.used += info.Size()
			}
		}
	}
	return st, nil
}

func (st *uploadStore) Close() error { return st.root.Close() }

// storeRefusal is why the store does not take an upload.
type storeRefusal struct{ why lab.Text }

func (r *storeRefusal) Error() string { return r.why.En }

// refusalText is an upload's refusal in both languages: a storeRefusal's,
// a SafeName error's, or any other error's in English.
func refusalText(err error) lab.Text {
	var sr *storeRefusal
	var ne *wire.NameError
	switch {
	case errors.As(err, &sr):
		return sr.why
	case errors.As(err, &ne):
		return lab.T(ne.Error(), fmt.Sprintf("不安全的文件名 %s：%s", ne.Quoted, ne.Zh))
	}
	return lab.T(err.Error(), err.Error())
}

// partName is the hidden name an upload of name is written under.
func partName(name string) string {
	if p := "." + name + ".part"; len(p) <= wire.MaxFileName {
		return p
	}
	sum := sha256.Sum256([]byte(name)) // a long name: its SHA-256 keeps the part name short and one per name
	return "." + hex.EncodeToString(sum[:16]) + ".part"
}

// isPartName reports a name of the store's own partial files.
func isPartName(name string) bool {
	return len(name) > len("..part") && strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".part") // as lab ftp's isPart
}

// upload is one file being written.
type upload struct {
	st         *uploadStore
	name, part string
	size       int64
	f          *os.File
	werr       error // the first write that failed (a full disk)
}

// begin reserves size bytes for name and creates its .part file; name has
// passed SafeName. The error is a *storeRefusal: nothing was written.
func (st *uploadStore) begin(name string, size int64) (*upload, error) {
	refuse := func(en, zh string, a ...any) (*upload, error) {
		return nil, &storeRefusal{lab.Tf(en, zh, a...)}
	}
	if isPartName(name) {
		return refuse("%q has the form .NAME.part of the server's unfinished uploads; choose another name",
			"%q 是服务端未完成上传所用的 .名字.part 形式；请换一个名字", name)
	}
	if _, err := st.root.Lstat(name); err == nil {
		return refuse("a file named %q is in the folder already; the server never overwrites one (another upload's, or your earlier one): choose another name",
			"文件夹里已经有名为 %q 的文件；服务端从不覆盖文件（它可能是别人上传的，也可能是你之前上传的）：请换一个名字", name)
	}
	st.mu.Lock()
	if st.quota > 0 && st.used+size > st.quota {
		free := max(st.quota-st.used, 0)
		st.mu.Unlock()
		return refuse("%d bytes do not fit: the folder's quota is %d bytes and %d are left (--set quota=…)",
			"%d 个字节放不下：文件夹的配额是 %d 字节，只剩 %d 字节（--set quota=…）", size, st.quota, free)
	}
	st.used += size
	st.mu.Unlock()
	part := partName(name)
	f, err := st.root.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		st.release(size)
		if errors.Is(err, fs.ErrExist) {
			return refuse("%q is being uploaded on another connection (its %s exists; if no upload is running, a server was killed mid-file: remove it); choose another name or wait",
				"%q 正在另一个连接上传（它的 %s 已经存在；如果并没有上传在进行，那是服务端在文件中途被强行终止了：删除它即可）；请换一个名字或稍后再试", name, part)
		}
		return refuse("cannot create %s: %v", "无法创建 %s：%v", part, err)
	}
	return &upload{st: st, name: name, part: part, size: size, f: f}, nil
}

func (st *uploadStore) release(n int64) {
	st.mu.Lock()
	st.used -= n
	st.mu.Unlock()
}

// uniqueName returns base if no file has that name, else the first free one
// of stem-2.ext, stem-3.ext, …: for uploads that carry no name.
func (st *uploadStore) uniqueName(base string) string {
	stem, ext, _ := strings.Cut(base, ".")
	name := base
	for i := 2; i < 100000; i++ {
		_, err := st.root.Lstat(name)
		_, perr := st.root.Lstat(partName(name))
		if errors.Is(err, fs.ErrNotExist) && errors.Is(perr, fs.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s-%d.%s", stem, i, ext)
	}
	return name
}

// Write writes the file's next bytes. After a write that failed (a full
// disk) it drops them instead, so that the rest of the file is still read
// and the stream stays in step: commit then refuses the file with a reply,
// instead of a reset.
func (u *upload) Write(p []byte) (int, error) {
	if u.werr == nil {
		_, u.werr = u.f.Write(p)
	}
	return len(p), nil
}

// commit gives the whole file its name once all its bytes arrived, whose
// SHA-256 is sum: it checks sum against want (when the header announced
// one), then links the .part file to the name, which fails if the name
// appeared in the meantime, and removes the .part. On any error the upload
// is aborted; a *storeRefusal says why in both languages.
func (u *upload) commit(sum, want string) error {
	err := u.f.Close()
	u.f = nil
	switch {
	case u.werr != nil:
		err = &storeRefusal{lab.Tf("cannot write %s: %v; not stored", "无法写入 %s：%v；没有存下", u.part, u.werr)}
	case err != nil:
	case want != "" && !strings.EqualFold(want, sum):
		err = &storeRefusal{lab.Tf("the file's SHA-256 is %s, not the %s its header announced: not stored",
			"文件的 SHA-256 是 %s，不是报头声明的 %s：没有存下", sum, wire.PyRepr(want, 80))}
	default:
		if lerr := u.st.root.Link(u.part, u.name); lerr != nil {
			err = &storeRefusal{lab.Tf("%q was stored by another upload while this one was arriving: not stored (cannot link: %v)",
				"在这个文件到达期间，另一个上传存下了 %q：没有存下（无法链接：%v）", u.name, lerr)}
		}
	}
	if err != nil {
		u.abort()
		return err
	}
	u.st.root.Remove(u.part)
	u.st = nil // stored: abort does nothing now
	return nil
}

// abort removes the .part file and gives its bytes back to the quota. It
// may be called more than once.
func (u *upload) abort() {
	if u.st == nil {
		return
	}
	if u.f != nil {
		u.f.Close()
		u.f = nil
	}
	u.st.root.Remove(u.part)
	u.st.release(u.size)
	u.st = nil
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
