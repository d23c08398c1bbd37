package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"socketlab/demos/exercise"
)

// lab check's tests of itself: for every exercise, the reference programs
// under testdata/exercises/<slug>/ (ref.py, ref.go) pass every case, and
// every buggy program (bug-*.py, whose "# hint:" line names words of the
// hint its bug must get) fails, with that hint on its first failing case.
// After each run nothing of the program is left running.

const exercisesDir = "testdata/exercises"

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing in CI (.ci/run installs it)", name)
		}
		t.Skipf("%s is not installed: lab check's tests run learner programs with it", name)
	}
	return p
}

// checkJSON runs lab check --format json and decodes its report. Each case
// gets 20 s, not the default 10: a sliced case waits for the program to
// read every piece, and on a loaded CI machine (the whole suite under
// -race) a correct client once needed more than 10 s for it.
func checkJSON(t *testing.T, slug, dir string, command ...string) (int, reportJSON) {
	t.Helper()
	args := append([]string{"check", slug, "--format", "json", "--lang", "en", "--timeout", "20s", "--dir", dir, "--"}, command...)
	code, out, errOut := runLab(t, "", args...)
	var r reportJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("lab %s: exit %d, stdout is not a report (%v):\n%s\nstderr:\n%s", strings.Join(args, " "), code, err, out, errOut)
	}
	return code, r
}

// assertNoneLeft fails if a process whose command line holds marker is left.
func assertNoneLeft(t *testing.T, marker string) {
	t.Helper()
	d, err := os.ReadDir("/proc")
	if err != nil {
		return // not Linux: Stop's own tests cover what it can
	}
	for _, e := range d {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !strings.Contains(string(cmdline), marker) {
			continue
		}
		if stat, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil && strings.Contains(string(stat), ") Z ") {
			continue // a zombie: ended, not yet reaped by its new parent
		}
		t.Errorf("process %d is left: %q", pid, strings.ReplaceAll(string(cmdline), "\x00", " "))
	}
}

// bugHint is the "# hint:" line of a buggy program.
func bugHint(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan() && n < 10; n++ {
		if h, ok := strings.CutPrefix(sc.Text(), "# hint:"); ok {
			return strings.TrimSpace(h)
		}
	}
	t.Fatalf("%s has no \"# hint:\" line", path)
	return ""
}

func TestCheckReferencesPass(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: lab check runs every reference program through every case")
	}
	py := needTool(t, "python3")
	for _, ex := range exercise.All() {
		dir, err := filepath.Abs(filepath.Join(exercisesDir, ex.Slug))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(ex.Slug+"/ref.py", func(t *testing.T) {
			t.Parallel()
			script := filepath.Join(dir, "ref.py")
			code, r := checkJSON(t, ex.Slug, t.TempDir(), py, script, "{port}")
			assertNoneLeft(t, script)
			assertPassed(t, code, r)
		})
		t.Run(ex.Slug+"/ref.go", func(t *testing.T) {
			t.Parallel()
			gobin := needTool(t, "go")
			bin := filepath.Join(t.TempDir(), "ref-"+ex.Slug)
			build := exec.Command(gobin, "build", "-o", bin, filepath.Join(dir, "ref.go"))
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build ref.go: %v\n%s", err, out)
			}
			code, r := checkJSON(t, ex.Slug, t.TempDir(), bin, "{port}")
			assertNoneLeft(t, bin)
			assertPassed(t, code, r)
		})
	}
}

func assertPassed(t *testing.T, code int, r reportJSON) {
	t.Helper()
	if code != 0 || r.Status != "pass" || len(r.Tests) == 0 {
		t.Errorf("exit %d, status %q: %s", code, r.Status, r.Message)
	}
	for _, c := range r.Tests {
		if c.Status != "pass" {
			t.Errorf("case %s: %s: %s (hint: %s)\n%s", c.ID, c.Status, c.Message, c.Hint, strings.Join(c.Trace, "\n"))
		}
	}
}

func TestCheckBugsFailWithTheirHint(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: lab check runs every buggy program through its cases")
	}
	py := needTool(t, "python3")
	for _, ex := range exercise.All() {
		bugs, _ := filepath.Glob(filepath.Join(exercisesDir, ex.Slug, "bug-*.py"))
		if len(bugs) < 2 {
			t.Errorf("%s: %d buggy programs, want at least 2", ex.Slug, len(bugs))
		}
		for _, bug := range bugs {
			script, err := filepath.Abs(bug)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(ex.Slug+"/"+filepath.Base(bug), func(t *testing.T) {
				t.Parallel()
				want := bugHint(t, script)
				code, r := checkJSON(t, ex.Slug, t.TempDir(), py, script, "{port}")
				assertNoneLeft(t, script)
				if code != 1 || r.Status == "pass" {
					t.Fatalf("exit %d, status %q: the bug was not found", code, r.Status)
				}
				for _, c := range r.Tests {
					if c.Status == "pass" {
						continue
					}
					if !strings.Contains(c.Hint, want) {
						t.Errorf("first failing case %s: %s\nhint %q does not name the bug (%q)", c.ID, c.Message, c.Hint, want)
					}
					return
				}
				t.Errorf("status %q but no case failed: %s", r.Status, r.Message)
			})
		}
	}
}

// The report of a program that never listens is an error with no cases.
func TestCheckProgramThatNeverListens(t *testing.T) {
	needTool(t, "sh")
	code, r := checkJSON(t, "echo-server", t.TempDir(), "sh", "-c", "echo starting; exit 3")
	if code != 1 || r.Status != "error" || len(r.Tests) != 0 || !strings.Contains(r.Message, "exit status 3") || !strings.Contains(r.Output, "starting") {
		t.Fatalf("exit %d, %+v", code, r)
	}
}

func TestCheckUsage(t *testing.T) {
	for _, args := range [][]string{
		{"check"},
		{"check", "echo-server"},
		{"check", "echo-server", "--"},
		{"check", "no-such", "--", "true"},
		{"check", "echo-server", "--port", "70000", "--", "true"},
		{"check", "echo-server", "--format", "xml", "--", "true"},
		{"check", "echo-server", "--dir", "/nonexistent/folder", "--", "true"},
	} {
		code, out, errOut := runLab(t, "", args...)
		if code != 2 || out != "" || !strings.HasPrefix(errOut, "lab: error: ") {
			t.Errorf("lab %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errOut)
		}
	}
}

// Ctrl-C during lab check: exit 130, no verdict, and the program is gone.
func TestLabCheckInterrupted(t *testing.T) {
	py := needTool(t, "python3")
	marker := "lab-check-interrupted-" + strconv.Itoa(os.Getpid())
	mute := "import os, socket, time\n# " + marker + "\ns = socket.socket(); s.bind(('127.0.0.1', int(os.environ['LAB_PORT']))); s.listen(5)\nc, a = s.accept()\ntime.sleep(300)\n"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"check", "echo-server", "--lang", "en", "--timeout", "60s", "--dir", t.TempDir(), "--", py, "-c", mute}, strings.NewReader(""), &out, &errOut)
	}()
	// Cancel once the first case is waiting for the mute server's answer.
	for i := 0; !strings.Contains(readCmdlines(), marker) && i < 3000; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	cancel()
	code := <-done
	if code != 130 || !strings.Contains(errOut.String(), "interrupted") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	assertNoneLeft(t, marker)
}

// readCmdlines is every process's command line, for waiting on one.
func readCmdlines() string {
	var b strings.Builder
	d, _ := os.ReadDir("/proc")
	for _, e := range d {
		if c, err := os.ReadFile("/proc/" + e.Name() + "/cmdline"); err == nil {
			b.Write(c)
		}
	}
	return b.String()
}
