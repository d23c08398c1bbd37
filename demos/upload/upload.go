// Package upload is the lab's one upload store (DECISIONS 13): demo 15's
// server (lab run 15, lab serve 15) and lab ftp's server (demo 18) both
// write the files they receive through it, so that no upload ever lies.
//
//   - A file is written under a hidden name, ".NAME.part" (a name too long
//     for that: ".<sha256>.part"), through an os.Root that cannot leave its
//     folder (a symlink that points out is refused, not followed).
//   - It gets its own name only once every announced byte arrived and the
//     checksums the client announced match: by a link that fails if the
//     name exists (never replacing a stored file), or, with
//     Options.Replace, by a rename that replaces it.
//   - A transfer that fails removes its part, unless the caller keeps it
//     for a resumed upload (Upload.Keep); Options.Resume continues a kept
//     part. So nothing that looks complete is ever left behind half.
//   - A name being written is refused (a .part created exclusively, and a
//     set of the parts this Store is writing), as are the store's own part
//     names and, without Replace, a name stored already.
//   - A Quota counts the bytes stored and reserved by uploads under way;
//     an upload reserves its bytes before its first byte is written.
//
// Every refusal is a *Refusal, with a Kind and its reason in English and
// Chinese. The package imports only the standard library.
package upload

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
)

// MaxName is the longest file name, in bytes, a part name may have (the
// usual file system limit, and wire.SafeName's).
const MaxName = 255

// PartName is the hidden name a file p (a path inside the store, "/"
// between folders) is written under until it is whole: ".NAME.part" in
// the same folder, or ".<sha256 of NAME>.part" when NAME is too long for
// that, one per name.
func PartName(p string) string {
	dir, file := path.Split(p)
	if len("."+file+".part") > MaxName {
		sum := sha256.Sum256([]byte(file))
		file = hex.EncodeToString(sum[:16])
	}
	return dir + "." + file + ".part"
}

// IsPart reports whether a file name (no folder) has the form of the
// store's partial files, ".NAME.part": such names are never listed,
// served or accepted as an upload's name.
func IsPart(name string) bool {
	return len(name) > len("..part") && strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".part")
}

// Options say how Begin treats a name that is taken.
type Options struct {
	// Replace: a stored file of the name is replaced once the new one is
	// whole (a rename; the quota gives its bytes back then). Without it a
	// stored name is refused, and the new file is linked to its name,
	// which fails if the name appeared in the meantime.
	Replace bool
	// Resume: a part left by an interrupted upload of the name (Keep), no
	// longer than the new upload's size, is continued; Offset says from
	// where. Restart: such a part is removed and the upload starts again.
	// With neither, a part on disk means another upload of the name is
	// under way (perhaps in another process) and the name is refused.
	Resume, Restart bool
	// MD5: compute the file's MD5 too (Sums).
	MD5 bool
}

// Store writes uploads into the folder of an os.Root.
type Store struct {
	root  *os.Root
	quota *Quota
	owned bool // Close closes root

	mu   sync.Mutex
	busy map[string]bool // the parts uploads of this Store are writing
}

// New makes a store that writes into root and counts against quota (nil:
// no limit). The caller keeps root open while the store is used.
func New(root *os.Root, quota *Quota) *Store {
	if quota == nil {
		quota = NewQuota(0, 0)
	}
	return &Store{root: root, quota: quota, busy: map[string]bool{}}
}

// Open opens the folder dir as a store with a quota of limit bytes (0: no
// limit); the regular files already in it (not in its subfolders) count
// against it.
func Open(dir string, limit int64) (*Store, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open the upload folder: %w", err)
	}
	var used int64
	if limit > 0 {
		entries, err := fs.ReadDir(root.FS(), ".")
		if err != nil {
			root.Close()
			return nil, fmt.Errorf("read the upload folder: %w", err)
		}
		for _, e := range entries {
			if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
				used += info.Size()
			}
		}
	}
	st := New(root, NewQuota(limit, used))
	st.owned = true
	return st, nil
}

// Close closes the folder if Open opened it.
func (st *Store) Close() error {
	if st.owned {
		return st.root.Close()
	}
	return nil
}

// Quota is the store's quota.
func (st *Store) Quota() *Quota { return st.quota }

// Usage is the bytes of the regular files under root, in every folder,
// partial files included (they take room too).
func Usage(root *os.Root) (int64, error) {
	var total int64
	err := fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		total += info.Size()
		return nil
	})
	return total, err
}

// UniqueName returns base if neither it nor its part exists, else the
// first free one of stem-2.ext, stem-3.ext, …: for uploads that carry no
// name.
func (st *Store) UniqueName(base string) string {
	stem, ext, _ := strings.Cut(base, ".")
	name := base
	for i := 2; i < 100000; i++ {
		_, err := st.root.Lstat(name)
		_, perr := st.root.Lstat(PartName(name))
		if errors.Is(err, fs.ErrNotExist) && errors.Is(perr, fs.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s-%d.%s", stem, i, ext)
	}
	return name
}

// claim marks part as being written by an upload of this store.
func (st *Store) claim(part string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.busy[part] {
		return false
	}
	st.busy[part] = true
	return true
}

func (st *Store) unclaim(part string) {
	st.mu.Lock()
	delete(st.busy, part)
	st.mu.Unlock()
}

// Sums are a file's checksums in hex; an empty one is not checked.
type Sums struct{ MD5, SHA256 string }

// Hasher computes a file's Sums as its bytes are written: SHA-256, and MD5
// when asked (lab ftp's replies carry both).
type Hasher struct{ md5, sha hash.Hash }

// NewHasher starts the digests of an empty file.
func NewHasher(withMD5 bool) Hasher {
	h := Hasher{sha: sha256.New()}
	if withMD5 {
		h.md5 = md5.New()
	}
	return h
}

// Write adds p to the file; it never fails.
func (h Hasher) Write(p []byte) (int, error) {
	if h.md5 != nil {
		h.md5.Write(p)
	}
	return h.sha.Write(p)
}

// Sums are the digests of what was written so far, in hex.
func (h Hasher) Sums() Sums {
	s := Sums{SHA256: hex.EncodeToString(h.sha.Sum(nil))}
	if h.md5 != nil {
		s.MD5 = hex.EncodeToString(h.md5.Sum(nil))
	}
	return s
}

// Quota counts the bytes a folder (demo 15) or a user's home (lab ftp)
// holds, stored and reserved by uploads under way, against a limit.
type Quota struct {
	mu    sync.Mutex
	limit int64 // 0: no limit
	used  int64
}

// NewQuota is a quota of limit bytes (0: no limit) of which used are taken.
func NewQuota(limit, used int64) *Quota { return &Quota{limit: limit, used: max(used, 0)} }

// Limit is the quota's limit in bytes, 0 for none.
func (q *Quota) Limit() int64 { return q.limit }

// Used is the bytes stored and reserved.
func (q *Quota) Used() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.used
}

// Add counts n more bytes used (n < 0: freed). Files put in the folder
// behind the store's back are not counted, so the count never goes below
// zero.
func (q *Quota) Add(n int64) {
	q.mu.Lock()
	q.used = max(q.used+n, 0)
	q.mu.Unlock()
}

// Reserve takes n bytes, unless that would go over the limit once freed
// bytes (a file the new one will replace) are given back.
func (q *Quota) Reserve(n, freed int64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.limit > 0 && q.used+n-freed > q.limit {
		return false
	}
	q.used += n
	return true
}
