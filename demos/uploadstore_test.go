package demos

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestUploadStoreWriteFails: a write that fails mid-file (a full disk;
// here the .part file closed under the upload) does not end the stream:
// the rest is read and dropped, commit refuses the file with a reason in
// both languages, and the folder is left empty.
func TestUploadStoreWriteFails(t *testing.T) {
	dir := t.TempDir()
	st, err := openUploadStore(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.begin("a.txt", 10)
	if err != nil {
		t.Fatal(err)
	}
	u.f.Close() // every write now fails
	for range 2 {
		if n, err := u.Write([]byte("hello")); n != 5 || err != nil {
			t.Fatalf("Write after a failed write: %d, %v; want the bytes taken and dropped", n, err)
		}
	}
	sum := sha256.Sum256([]byte("hellohello"))
	err = u.commit(hex.EncodeToString(sum[:]), "")
	var sr *storeRefusal
	if !errors.As(err, &sr) || sr.why.Zh == "" {
		t.Fatalf("commit after a failed write: %v; want a refusal", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the folder holds %s after the refusal", entries[0].Name())
	}
	if st.used != 0 {
		t.Errorf("%d bytes still reserved", st.used)
	}
}

// TestUploadStorePartNames: the hidden name of an upload is short enough
// for any name SafeName accepts, one per name, and refused as an upload's
// own name.
func TestUploadStorePartNames(t *testing.T) {
	long := strings.Repeat("y", 255)
	for _, name := range []string{"a.txt", long, long[:250]} {
		p := partName(name)
		if len(p) > 255 || !isPartName(p) || partName(name) != p {
			t.Errorf("partName(%d bytes) = %q", len(name), p)
		}
	}
	if partName(long) == partName(long[:254]) {
		t.Error("two names share a part name")
	}
	for name, want := range map[string]bool{".a.part": true, ".a.txt.part": true, ".part": false, "a.part": false, ".a.txt": false} {
		if isPartName(name) != want {
			t.Errorf("isPartName(%q) = %v", name, !want)
		}
	}
}

// TestUploadStoreRaces: 32 uploads of one name at once store exactly one
// file, whole, with the bytes of the one upload told it was stored; at the
// same time 32 uploads of different names into a folder whose quota holds
// 10 store exactly 10. Run 20 times.
func TestUploadStoreRaces(t *testing.T) {
	const size = 64 << 10
	for run := range 20 {
		dir, dir2 := t.TempDir(), t.TempDir()
		st, err := openUploadStore(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		st2, err := openUploadStore(dir2, 10*size)
		if err != nil {
			t.Fatal(err)
		}
		upload := func(st *uploadStore, name string, fill byte) error {
			u, err := st.begin(name, size)
			if err != nil {
				return err
			}
			body := []byte(strings.Repeat(string(rune(fill)), size))
			for off := 0; off < size; off += 4096 {
				u.Write(body[off : off+4096])
			}
			sum := sha256.Sum256(body)
			return u.commit(hex.EncodeToString(sum[:]), "")
		}
		var wg sync.WaitGroup
		same := make([]error, 32)
		other := make([]error, 32)
		for i := range 32 {
			wg.Go(func() { same[i] = upload(st, "same.bin", byte('A'+i%26)) })
			wg.Go(func() { other[i] = upload(st2, fmt.Sprintf("f%02d.bin", i), 'x') })
		}
		wg.Wait()
		winner, stored := -1, 0
		for i, err := range same {
			var sr *storeRefusal
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("run %d: uploads %d and %d of same.bin were both stored", run, winner, i)
			case err == nil:
				winner = i
			case !errors.As(err, &sr):
				t.Fatalf("run %d: upload %d: %v, want a refusal", run, i, err)
			}
		}
		for _, err := range other {
			if err == nil {
				stored++
			}
		}
		got, err := os.ReadFile(filepath.Join(dir, "same.bin"))
		if winner < 0 || err != nil || string(got) != strings.Repeat(string(rune('A'+winner%26)), size) {
			t.Fatalf("run %d: same.bin: %d bytes, %v; want the %d bytes of upload %d", run, len(got), err, size, winner)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Fatalf("run %d: %d entries in the folder of same.bin, want 1 (no .part left)", run, len(entries))
		}
		if entries, _ := os.ReadDir(dir2); stored != 10 || len(entries) != 10 || st2.used != 10*size {
			t.Fatalf("run %d: %d files stored, %d in the folder, %d bytes used; want exactly the quota's 10", run, stored, len(entries), st2.used)
		}
		st.Close()
		st2.Close()
	}
}
