package ftp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// New hashes get OWASP's N=2^14, r=8, p=5 (16 MiB); a file written with
// the old cost (ln=15, r=8, p=1: 32 MiB) is still verified by the
// parameters written in each hash.
func TestHashCostIsInTheHash(t *testing.T) {
	if DefaultParams != (Params{LogN: 14, R: 8, P: 5}) {
		t.Fatalf("DefaultParams = %+v", DefaultParams)
	}
	if mem := DefaultParams.memory(); mem != 16<<20 {
		t.Fatalf("a default hash needs %d bytes", mem)
	}
	// A default hash's memory is handed back after a login; the tests'
	// cheap hashes are not worth a forced collection.
	if DefaultParams.memory() < freeAfter || TestParams.memory() >= freeAfter {
		t.Fatalf("freeAfter %d: default %d, test %d", freeAfter, DefaultParams.memory(), TestParams.memory())
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "users.json")
	if _, err := AddUser(path, "alice", "new-pw", DefaultParams); err != nil {
		t.Fatal(err)
	}
	if _, err := AddUser(path, "bob", "old-pw", Params{LogN: 15, R: 8, P: 1}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "$scrypt$ln=14,r=8,p=5$") || !strings.Contains(string(b), "$scrypt$ln=15,r=8,p=1$") {
		t.Fatalf("users file:\n%s", b)
	}
	u, err := ReadUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, pw string
		ok       bool
	}{{"alice", "new-pw", true}, {"bob", "old-pw", true}, {"alice", "old-pw", false}, {"bob", "new-pw", false}, {"carol", "new-pw", false}} {
		if got := u.Check(c.name, c.pw); got != c.ok {
			t.Errorf("Check(%s, %s) = %v", c.name, c.pw, got)
		}
	}
}
