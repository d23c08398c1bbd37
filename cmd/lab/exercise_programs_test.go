package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"socketlab/lessons"
)

// exerciseSection is a lesson's last section when the lesson ends with its
// exercise: the heading, then everything to the end of the file.
var exerciseSection = regexp.MustCompile(`(?s)\n## (Exercise|练习)\n(.*)$`)

// TestExercisePrograms keeps the grader's own test programs in shape (see
// testdata/exercises/README.md): every exercise folder has a ref.py, a
// ref.go that the module's build skips but `go run ref.go` builds, and at
// least two bug-*.py that say which bug they have and which words the
// hint for it should contain; and a lesson in each language ends with that
// exercise and the command that checks it.
func TestExercisePrograms(t *testing.T) {
	entries, err := os.ReadDir("testdata/exercises")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join("testdata/exercises", e.Name()))
		}
	}
	if len(dirs) < 12 {
		t.Fatalf("%d exercise folders in testdata/exercises, want the 12 of issue 12", len(dirs))
	}
	sections := lessonExercises(t)
	python, _ := exec.LookPath("python3")
	if python == "" && os.Getenv("CI") == "true" {
		t.Fatal("python3 is missing: CI installs it (.ci/run)")
	}
	for _, dir := range dirs {
		slug := filepath.Base(dir)
		t.Run(slug, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(dir, "ref.go"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(src), "//go:build ignore\n") {
				t.Errorf("ref.go should start with //go:build ignore, so that go vet ./... skips it")
			}
			f, err := parser.ParseFile(token.NewFileSet(), "ref.go", src, parser.ImportsOnly)
			if err != nil {
				t.Errorf("ref.go: %v", err)
			} else if f.Name.Name != "main" {
				t.Errorf("ref.go is package %s, want main", f.Name.Name)
			}
			for _, imp := range f.Imports {
				if p := strings.Trim(imp.Path.Value, `"`); strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
					t.Errorf("ref.go imports %s: the standard library only", p)
				}
			}
			py := []string{filepath.Join(dir, "ref.py")}
			bugs, _ := filepath.Glob(filepath.Join(dir, "bug-*.py"))
			if len(bugs) < 2 {
				t.Errorf("%d bug-*.py, want at least two", len(bugs))
			}
			for _, b := range bugs {
				text, err := os.ReadFile(b)
				if err != nil {
					t.Fatal(err)
				}
				lines := strings.SplitN(string(text), "\n", 3)
				if len(lines) < 3 || !strings.HasPrefix(lines[0], "# bug: ") || !strings.HasPrefix(lines[1], "# hint: ") ||
					len(strings.TrimPrefix(lines[1], "# hint: ")) < 3 {
					t.Errorf("%s should start with \"# bug: …\" and \"# hint: …\"", filepath.Base(b))
				}
			}
			if python != "" {
				cmd := exec.Command(python, append([]string{"-c", "import ast, sys\nfor f in sys.argv[1:]: ast.parse(open(f, encoding='utf-8').read(), f)"}, append(py, bugs...)...)...)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("not valid Python 3: %v\n%s", err, out)
				}
			}
			for _, lang := range lessons.Langs {
				if !strings.Contains(sections[lang], "lab check "+slug+" -- ") {
					t.Errorf("no %s lesson ends with the exercise and `lab check %s -- …`", lang, slug)
				}
			}
		})
	}
}

// lessonExercises returns, per language, the exercise sections that end
// the lessons, joined; a lesson whose exercise section is not its last
// section is an error.
func lessonExercises(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	paths, err := fs.Glob(lessons.FS(), "*/*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		md, err := fs.ReadFile(lessons.FS(), p)
		if err != nil {
			t.Fatal(err)
		}
		m := exerciseSection.FindStringSubmatch(string(md))
		if m == nil {
			continue
		}
		if strings.Contains(m[2], "\n## ") {
			t.Errorf("%s: the exercise should be the last section", p)
		}
		if !strings.Contains(m[2], "lab exercise init ") {
			t.Errorf("%s: the exercise should say how to start (lab exercise init …)", p)
		}
		lang := strings.SplitN(p, "/", 2)[0]
		out[lang] += m[2]
	}
	return out
}
