package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"
)

// TestMain lets the test binary play the lab itself: with LAB_BE_MAIN=1 it
// runs main, so end-to-end tests can start the real program (in a pipe or a
// pseudo-terminal) without building it first.
func TestMain(m *testing.M) {
	if os.Getenv("LAB_BE_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// labCommand returns a command that runs the lab with args, in a clean
// environment (English, no colour preferences, no terminal width).
func labCommand(t testing.TB, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = []string{"LAB_BE_MAIN=1", "LANG=C.UTF-8", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	return cmd
}

// runLab runs the lab in-process with stdin and returns its exit code and
// output.
func runLab(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := run(context.Background(), args, bytes.NewBufferString(stdin), &out, &errOut)
	return e, out.String(), errOut.String()
}
