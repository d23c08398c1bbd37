package upload

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"socketlab/demos/wire"
	"strings"
	"sync"
	"testing"
)

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func kindOf(err error) Kind {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Kind
	}
	return 0
}

// TestWriteFails: a write that fails mid-file (a full disk; here the part
// closed under the upload) does not end the stream: the rest is taken and
// dropped, Commit refuses the file with a reason in both languages, and the
// folder is left empty with nothing reserved.
func TestWriteFails(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.Begin("a.txt", 10, Options{})
	if err != nil {
		t.Fatal(err)
	}
	u.f.Close() // every write now fails
	for range 2 {
		if n, err := u.Write([]byte("hello")); n != 5 || err != nil {
			t.Fatalf("Write after a failed write: %d, %v; want the bytes taken and dropped", n, err)
		}
	}
	err = u.Commit(Sums{})
	var r *Refusal
	if !errors.As(err, &r) || r.Kind != KindWrite || r.Zh == "" {
		t.Fatalf("Commit after a failed write: %v; want a write refusal", err)
	}
	if names := entries(t, dir); len(names) != 0 {
		t.Errorf("the folder holds %v after the refusal", names)
	}
	if st.quota.Used() != 0 {
		t.Errorf("%d bytes still reserved", st.quota.Used())
	}
}

// TestPartNames: the hidden name of an upload is short enough for any name
// SafeName accepts, one per name, in the name's folder, and refused as an
// upload's own name.
func TestPartNames(t *testing.T) {
	long := strings.Repeat("y", 255)
	for _, name := range []string{"a.txt", long, long[:250], "sub/" + long} {
		p := PartName(name)
		if len(filepath.Base(p)) > 255 || !IsPart(filepath.Base(p)) || PartName(name) != p || filepath.Dir(p) != filepath.Dir(name) {
			t.Errorf("PartName(%d bytes) = %q", len(name), p)
		}
	}
	if PartName(long) == PartName(long[:254]) {
		t.Error("two names share a part name")
	}
	for name, want := range map[string]bool{".a.part": true, ".a.txt.part": true, ".part": false, "a.part": false, ".a.txt": false} {
		if IsPart(name) != want {
			t.Errorf("IsPart(%q) = %v", name, !want)
		}
	}
	st, _ := Open(t.TempDir(), 0)
	defer st.Close()
	if _, err := st.Begin(".x.part", 1, Options{}); kindOf(err) != KindPartName {
		t.Errorf("Begin(.x.part) = %v, want a part-name refusal", err)
	}
}

// TestCommitChecks: a file is stored only whole and with the announced
// checksums; every failure leaves no file and no reservation.
func TestCommitChecks(t *testing.T) {
	body := []byte("hello, file")
	for _, c := range []struct {
		name  string
		write []byte
		want  Sums
		kind  Kind
	}{
		{"whole", body, Sums{SHA256: sha(body)}, 0},
		{"whole, no sum", body, Sums{}, 0},
		{"short", body[:5], Sums{}, KindShort},
		{"long", append(body, '!'), Sums{}, KindShort},
		{"wrong sha256", body, Sums{SHA256: sha(body[1:])}, KindChecksum},
		{"wrong md5", body, Sums{MD5: "00"}, KindChecksum},
	} {
		dir := t.TempDir()
		st, _ := Open(dir, 100)
		u, err := st.Begin("f.txt", int64(len(body)), Options{MD5: true})
		if err != nil {
			t.Fatal(err)
		}
		u.Write(c.write)
		err = u.Commit(c.want)
		names := entries(t, dir)
		switch {
		case c.kind == 0 && (err != nil || len(names) != 1 || names[0] != "f.txt" || st.quota.Used() != int64(len(body))):
			t.Errorf("%s: %v, folder %v, %d used; want f.txt stored", c.name, err, names, st.quota.Used())
		case c.kind != 0 && (kindOf(err) != c.kind || len(names) != 0 || st.quota.Used() != 0):
			t.Errorf("%s: %v, folder %v, %d used; want refusal %d and nothing left", c.name, err, names, st.quota.Used(), c.kind)
		}
		st.Close()
	}
}

// TestNamesTaken: without Replace a stored name, a symlink and a part on
// disk are refused; with Replace a stored file is replaced (its bytes
// given back to the quota) but a folder or a link is not.
func TestNamesTaken(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "old.txt"), []byte("12345"), 0o644)
	os.WriteFile(filepath.Join(dir, ".stale.txt.part"), []byte("12"), 0o644)
	outside := filepath.Join(t.TempDir(), "target") // never a real system file
	os.WriteFile(outside, []byte("outside"), 0o644)
	os.Symlink(outside, filepath.Join(dir, "link.txt"))
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	st, err := Open(dir, 1000)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.quota.Used() != 7 {
		t.Fatalf("quota counts %d bytes at the start, want 7 (old.txt and the part)", st.quota.Used())
	}
	for name, kind := range map[string]Kind{"old.txt": KindExists, "link.txt": KindExists, "sub": KindExists, "stale.txt": KindBusy} {
		if _, err := st.Begin(name, 3, Options{}); kindOf(err) != kind {
			t.Errorf("Begin(%s) = %v, want kind %d", name, err, kind)
		}
	}
	for _, name := range []string{"link.txt", "sub"} {
		if _, err := st.Begin(name, 3, Options{Replace: true}); kindOf(err) != KindNotFile {
			t.Errorf("Begin(%s, Replace) = %v, want not a file", name, err)
		}
	}
	u, err := st.Begin("old.txt", 3, Options{Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	u.Write([]byte("new"))
	if err := u.Commit(Sums{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "old.txt")); string(b) != "new" || st.quota.Used() != 5 {
		t.Errorf("replaced old.txt holds %q, %d bytes used; want \"new\", 5", b, st.quota.Used())
	}
	if b, _ := os.ReadFile(outside); string(b) != "outside" {
		t.Fatalf("the file behind the symlink holds %q: the store wrote through it", b)
	}
}

// TestResume: a kept part is continued from its length, the checksums
// cover the whole file, and the quota counts the kept bytes once.
func TestResume(t *testing.T) {
	dir := t.TempDir()
	st, _ := Open(dir, 100)
	defer st.Close()
	body := []byte("0123456789")
	u, err := st.Begin("r.bin", 10, Options{Resume: true, Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	u.Write(body[:4])
	u.Keep() // the client vanished
	if st.quota.Used() != 4 || len(entries(t, dir)) != 1 {
		t.Fatalf("after Keep: %d used, folder %v; want the 4 kept bytes in the part", st.quota.Used(), entries(t, dir))
	}
	if _, err := st.Begin("r.bin", 10, Options{}); kindOf(err) != KindBusy {
		t.Errorf("a part on disk without Resume/Restart: %v, want busy", err)
	}
	u, err = st.Begin("r.bin", 10, Options{Resume: true, Replace: true})
	if err != nil || u.Offset() != 4 {
		t.Fatalf("resume: %v, offset %d; want 4", err, u.Offset())
	}
	if _, err := st.Begin("r.bin", 10, Options{Resume: true, Replace: true}); kindOf(err) != KindBusy {
		t.Errorf("a second upload of a name being written: %v, want busy", err)
	}
	u.Write(body[4:])
	if err := u.Commit(Sums{SHA256: sha(body)}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "r.bin")); string(b) != string(body) || st.quota.Used() != 10 {
		t.Errorf("r.bin = %q, %d used", b, st.quota.Used())
	}
	// Restart drops a part and its bytes.
	u, _ = st.Begin("s.bin", 10, Options{Resume: true})
	u.Write(body[:6])
	u.Keep()
	u, err = st.Begin("s.bin", 3, Options{Restart: true})
	if err != nil || u.Offset() != 0 || st.quota.Used() != 13 {
		t.Fatalf("restart: %v, offset %d, %d used; want 0 and 13", err, u.Offset(), st.quota.Used())
	}
	u.Abort()
	if st.quota.Used() != 10 || len(entries(t, dir)) != 1 {
		t.Errorf("after Abort: %d used, folder %v", st.quota.Used(), entries(t, dir))
	}
}

// TestRaces: 32 uploads of one name at once store exactly one file, whole,
// with the bytes of the one upload told it was stored, half of them through
// a second Store on the same folder (two servers sharing it: only the
// exclusive create of the part keeps them apart); at the same time 32
// uploads of different names into a folder whose quota holds 10 store
// exactly 10. Run 20 times.
func TestRaces(t *testing.T) {
	const size = 64 << 10
	for run := range 20 {
		dir, dir2 := t.TempDir(), t.TempDir()
		st, err := Open(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		stB, err := Open(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		st2, err := Open(dir2, 10*size)
		if err != nil {
			t.Fatal(err)
		}
		put := func(st *Store, name string, fill byte) error {
			u, err := st.Begin(name, size, Options{})
			if err != nil {
				return err
			}
			body := bytes.Repeat([]byte{fill}, size)
			for off := 0; off < size; off += 4096 {
				u.Write(body[off : off+4096])
			}
			return u.Commit(Sums{SHA256: sha(body)})
		}
		var wg sync.WaitGroup
		same := make([]error, 32)
		other := make([]error, 32)
		for i := range 32 {
			wg.Go(func() { same[i] = put([]*Store{st, stB}[i%2], "same.bin", byte('A'+i%26)) })
			wg.Go(func() { other[i] = put(st2, fmt.Sprintf("f%02d.bin", i), 'x') })
		}
		wg.Wait()
		winner, stored := -1, 0
		for i, err := range same {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("run %d: uploads %d and %d of same.bin were both stored", run, winner, i)
			case err == nil:
				winner = i
			case kindOf(err) == 0:
				t.Fatalf("run %d: upload %d: %v, want a refusal", run, i, err)
			}
		}
		for _, err := range other {
			if err == nil {
				stored++
			}
		}
		got, err := os.ReadFile(filepath.Join(dir, "same.bin"))
		if winner < 0 || err != nil || !bytes.Equal(got, bytes.Repeat([]byte{byte('A' + winner%26)}, size)) {
			t.Fatalf("run %d: same.bin: %d bytes, %v; want the %d bytes of upload %d", run, len(got), err, size, winner)
		}
		if names := entries(t, dir); len(names) != 1 {
			t.Fatalf("run %d: %v in the folder of same.bin, want same.bin alone (no part left)", run, names)
		}
		if names := entries(t, dir2); stored != 10 || len(names) != 10 || st2.quota.Used() != 10*size {
			t.Fatalf("run %d: %d files stored, %d in the folder, %d bytes used; want exactly the quota's 10", run, stored, len(names), st2.quota.Used())
		}
		st.Close()
		stB.Close()
		st2.Close()
	}
}

// TestTwoStoresOneFolder: two servers sharing a folder (two Stores) never
// write one name at once: the second is refused while the first's part is
// on disk, and once the first stored it, as a name in the folder already.
func TestTwoStoresOneFolder(t *testing.T) {
	dir := t.TempDir()
	a, _ := Open(dir, 0)
	b, _ := Open(dir, 0)
	defer a.Close()
	defer b.Close()
	u, err := a.Begin("x.bin", 3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	u.Write([]byte("abc"))
	if _, err := b.Begin("x.bin", 3, Options{}); kindOf(err) != KindBusy {
		t.Errorf("second store while the first writes: %v, want busy", err)
	}
	if err := u.Commit(Sums{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Begin("x.bin", 3, Options{}); kindOf(err) != KindExists {
		t.Errorf("second store after the first stored: %v, want exists", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "x.bin")); string(b) != "abc" {
		t.Errorf("x.bin = %q", b)
	}
}

// TestMaxNameIsSafeNames: a part name may be as long as the longest name
// wire.SafeName lets through, so every safe name has its own part.
func TestMaxNameIsSafeNames(t *testing.T) {
	if MaxName != wire.MaxFileName {
		t.Errorf("upload.MaxName = %d, wire.MaxFileName = %d: one of them changed alone", MaxName, wire.MaxFileName)
	}
}
