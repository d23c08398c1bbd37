//go:build unix

package main

import (
	"bufio"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCheckInterrupted: a --check that Ctrl-C stops has no verdict: exit
// 130 and says so; q under --check exits 1 ("check not completed"); the
// same run without --check stopped by q exits 0.
func TestCheckInterrupted(t *testing.T) {
	cmd := labCommand(t, "run", "4", "--step", "--check")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	// Wait for the first step prompt, then Ctrl-C.
	sc := bufio.NewScanner(out)
	for sc.Scan() && !strings.Contains(sc.Text(), "▸") {
	}
	cmd.Process.Signal(os.Interrupt)
	go func() {
		for sc.Scan() {
		}
	}()
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted || !strings.Contains(stderr.String(), "did not run to the end") {
		t.Errorf("Ctrl-C under --check: exit %d (%v), want %d:\n%s", code, err, exitInterrupted, stderr.String())
	}

	englishEnv(t)
	code, _, errOut := runLab(t, "q\n", "run", "4", "--step", "--check")
	if code != exitFail || !strings.Contains(errOut, "check not completed") {
		t.Errorf("q under --check: exit %d, want %d:\n%s", code, exitFail, errOut)
	}
	if code, _, _ := runLab(t, "q\n", "run", "4", "--step"); code != exitOK {
		t.Errorf("q without --check: exit %d, want 0", code)
	}
}

// TestClosedPipeCleansUp: when the reader of the trace goes away (lab run
// 15 | head -3), the lab stops as on Ctrl-C and removes its temporary
// upload folder; SIGTERM does the same.
func TestClosedPipeCleansUp(t *testing.T) {
	for _, how := range []string{"pipe", "sigterm"} {
		t.Run(how, func(t *testing.T) {
			tmp := t.TempDir()
			cmd := labCommand(t, "run", "15", "--set", "size=200MB", "--timeout", "60s")
			cmd.Env = append(cmd.Env, "TMPDIR="+tmp)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			r := bufio.NewReader(out)
			for range 3 {
				if _, err := r.ReadString('\n'); err != nil {
					t.Fatal(err)
				}
			}
			// The upload folder exists while the demo runs.
			for try := 0; try < 200 && len(entries(t, tmp)) == 0; try++ {
				time.Sleep(10 * time.Millisecond)
			}
			if how == "pipe" {
				out.Close()
			} else {
				cmd.Process.Signal(syscall.SIGTERM)
				go r.WriteTo(discard{})
			}
			cmd.Wait()
			if left := entries(t, tmp); len(left) != 0 {
				t.Errorf("left behind in TMPDIR: %v", left)
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

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

// TestSocketEPIPEIsNotStdout: a write to a departed peer (demo 9's
// write-after-close) fails with EPIPE on that socket only: the real
// program, stdout on a pipe, runs to its verdict.
func TestSocketEPIPEIsNotStdout(t *testing.T) {
	cmd := labCommand(t, "run", "9", "--set", "mode=write-after-close", "--check")
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "all 2 findings hold") {
		t.Errorf("exit %v:\n%s", err, out)
	}
}
