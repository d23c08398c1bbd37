package main

import (
	"os"
	"testing"
)

// The lab's own server (lab ftp serve) passes ftp-server: the exercise
// asks for the documented protocol, not for one program's habits. After
// the check, the folder the lab made for the program (users file, served
// root) is gone: only the progress file is left.
func TestCheckFTPLabServerPasses(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a whole check")
	}
	dir := t.TempDir()
	code, r := checkJSON(t, "ftp-server", dir, "env", "LAB_BE_MAIN=1", "XDG_CONFIG_HOME="+t.TempDir(), os.Args[0],
		"ftp", "serve", "--listen", "127.0.0.1:{port}", "--users", "{users}", "--root", "{root}", "--format", "none")
	assertPassed(t, code, r)
	if len(r.Tests) != 7 {
		t.Errorf("%d cases ran, want 7", len(r.Tests))
	}
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		if e.Name() != ".lab-progress.json" {
			t.Errorf("left in the working folder: %s", e.Name())
		}
	}
}
