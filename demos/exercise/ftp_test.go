package exercise

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"socketlab/demos/ftp"
	"socketlab/lab"
)

// The statement's byte examples are right: each 4-byte length in front of
// a JSON object is that object's length, as Python's json.dumps writes it
// ("…" as \u2026).
func TestFTPStatementLengths(t *testing.T) {
	e, ok := Lookup("ftp-server")
	if !ok {
		t.Fatal("no ftp-server")
	}
	frame := regexp.MustCompile(`([0-9a-f]{2}) 00 00 00  (\{[^}]*\})`)
	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		n := 0
		for _, m := range frame.FindAllStringSubmatch(e.Statement(l), -1) {
			b, _ := hex.DecodeString(m[1])
			js := strings.ReplaceAll(m[2], "…", `\u2026`)
			if int(b[0]) != len(js) {
				t.Errorf("%s: %s announces %d bytes, the JSON has %d", l, m[0], b[0], len(js))
			}
			n++
		}
		if n < 3 {
			t.Errorf("%s: %d framed examples, want 3", l, n)
		}
	}
}

// Setup's folder is made inside the program's working folder and its paths
// reach the program as {users}/{root} and LAB_FTP_USERS/LAB_FTP_ROOT; the
// users file holds hashes, not the passwords, which the lab's own users
// code accepts.
func TestFTPSetup(t *testing.T) {
	e, _ := Lookup("ftp-server")
	dir := t.TempDir()
	o := Options{Args: []string{"prog", "--users={users}", "{root}", "{port}"}, Dir: dir, Env: []string{"A=1"}}
	work, err := setup(e, &o)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(work) != dir || !strings.HasPrefix(filepath.Base(work), ".lab-ftp-server-") || o.work != work {
		t.Errorf("work folder %s (in %s)", work, dir)
	}
	users, root := filepath.Join(work, "users.json"), filepath.Join(work, "root")
	if want := []string{"prog", "--users=" + users, root, "{port}"}; !slices.Equal(o.Args, want) {
		t.Errorf("args %q, want %q", o.Args, want)
	}
	if want := []string{"A=1", "LAB_FTP_USERS=" + users, "LAB_FTP_ROOT=" + root}; !slices.Equal(o.Env, want) {
		t.Errorf("env %q, want %q", o.Env, want)
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		t.Errorf("root: %v", err)
	}
	b, err := os.ReadFile(users)
	if err != nil {
		t.Fatal(err)
	}
	u, err := ftp.ReadUsers(users)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range ftpUsers {
		pw := ftpPassword(work, name)
		if strings.Contains(string(b), pw) || !u.Check(name, pw) || u.Check(name, pw+"x") {
			t.Errorf("%s: the users file holds the password, or does not check it", name)
		}
	}
	if ftpPassword(work, "alice") == ftpPassword(work+"x", "alice") {
		t.Error("passwords do not change with the check")
	}
}
