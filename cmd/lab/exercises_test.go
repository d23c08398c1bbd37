package main

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"socketlab/demos/exercise"
	"socketlab/lab"
)

func TestExercisesJSONShowsProgress(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	r := exercise.Report{Slug: "echo-server", Status: exercise.StatusPass, Tests: []exercise.Result{{ID: "plain", Status: exercise.StatusPass}}}
	if err := exercise.Record(dir, r, time.Now()); err != nil {
		t.Fatal(err)
	}
	r.Status = exercise.StatusFail // a later failure keeps "done"
	if err := exercise.Record(dir, r, time.Now()); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runLab(t, "", "exercises", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var items []struct {
		ID     int    `json:"id"`
		Slug   string `json:"slug"`
		Role   string `json:"role"`
		Demo   int    `json:"demo"`
		Title  string `json:"title"`
		Passed bool   `json:"passed"`
	}
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		t.Fatal(err)
	}
	if len(items) != len(exercise.All()) {
		t.Fatalf("%d items, want %d", len(items), len(exercise.All()))
	}
	for i, it := range items {
		if it.ID != i+1 || it.Title == "" || it.Demo == 0 || (it.Role != "client" && it.Role != "server") {
			t.Errorf("item %+v", it)
		}
		if it.Passed != (it.Slug == "echo-server") {
			t.Errorf("%s passed=%v", it.Slug, it.Passed)
		}
	}
	p, err := exercise.LoadProgress(dir)
	if err != nil || p.Exercises["echo-server"].Runs != 2 || !p.Exercises["echo-server"].Done || p.Exercises["echo-server"].Status != "fail" {
		t.Fatalf("progress %+v, %v", p, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".lab-progress.json.*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// Every statement exists in both languages with its cases, and every
// starter is a program that parses.
func TestExerciseStatementsAndStarters(t *testing.T) {
	seen := map[string]bool{}
	for _, ex := range exercise.All() {
		if seen[ex.Slug] {
			t.Errorf("slug %s twice", ex.Slug)
		}
		seen[ex.Slug] = true
		for _, l := range []lab.Lang{lab.En, lab.Zh} {
			code, out, _ := runLab(t, "", "exercise", ex.Slug, "--lang", string(l))
			if code != 0 {
				t.Fatalf("%s: exit %d", ex.Slug, code)
			}
			for _, c := range ex.Cases {
				if !strings.Contains(out, c.ID) || c.Name.En == "" || c.Name.Zh == "" || c.Hint.En == "" || c.Hint.Zh == "" {
					t.Errorf("%s: case %s missing from the statement or without name and hint in both languages", ex.Slug, c.ID)
				}
			}
			if ex.Task.In(l) == "" || !strings.Contains(out, "lab check "+ex.Slug) {
				t.Errorf("%s (%s): no task or no check command:\n%s", ex.Slug, l, out)
			}
		}
		if _, err := parser.ParseFile(token.NewFileSet(), "starter.go", ex.Starter(true, lab.Zh), 0); err != nil {
			t.Errorf("%s: the Go starter does not parse: %v", ex.Slug, err)
		}
	}
}

func TestExerciseInit(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runLab(t, "", "exercise", "init", "echo-server", dir)
	path := filepath.Join(dir, "echo_server.py")
	if code != 0 || !strings.Contains(out, path) {
		t.Fatalf("exit %d, %q %q", code, out, errOut)
	}
	os.WriteFile(path, []byte("mine"), 0o644)
	if code, _, errOut := runLab(t, "", "exercise", "init", "echo-server", dir); code != 1 || !strings.Contains(errOut, "--force") {
		t.Fatalf("overwrite without --force: exit %d, %q", code, errOut)
	}
	if b, _ := os.ReadFile(path); string(b) != "mine" {
		t.Fatal("the learner's file was overwritten")
	}
	if code, _, _ := runLab(t, "", "exercise", "init", "echo-server", dir, "--force"); code != 0 {
		t.Fatalf("--force: exit %d", code)
	}
	if code, _, _ := runLab(t, "", "exercise", "init", "udp-echo-server", dir, "--go"); code != 0 {
		t.Fatalf("--go: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "udp_echo_server.go")); err != nil {
		t.Fatal(err)
	}
	if py, err := exec.LookPath("python3"); err == nil {
		for _, ex := range exercise.All() {
			code, _, errOut := runLab(t, "", "exercise", "init", ex.Slug, dir, "--force")
			if code != 0 {
				t.Fatalf("%s: %s", ex.Slug, errOut)
			}
			if out, err := exec.Command(py, "-m", "py_compile", filepath.Join(dir, ex.File(false))).CombinedOutput(); err != nil {
				t.Errorf("%s: the Python starter does not compile: %s", ex.Slug, out)
			}
		}
	}
	for _, args := range [][]string{{"exercise"}, {"exercise", "init"}, {"exercise", "nope"}, {"exercise", "init", "nope"},
		{"exercise", "init", "echo-server", "--go", "--python"}, {"exercises", "extra"}} {
		if code, _, _ := runLab(t, "", args...); code != 2 {
			t.Errorf("lab %s: exit %d, want 2", strings.Join(args, " "), code)
		}
	}
}
