package demos

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"
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
