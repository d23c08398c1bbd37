package demos

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

var fence = regexp.MustCompile("(?s)```(go|python)\n(.*?)```")

// demoSource is every line of the demo code, trimmed, for checking quotes.
func demoSource(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := filepath.Glob("ftp/*.go") // demo 18's protocol, server and client
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, sub...)
	store, err := filepath.Glob("upload/*.go") // the upload store of demos 15 and 18
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, store...)
	lines := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			lines[strings.TrimSpace(l)] = true
		}
	}
	return lines
}

// TestLessonSnippets keeps the code in the lessons from rotting: a Go block
// must parse and quote the demos' real code line for line; a Python block
// must be valid Python 3.
func TestLessonSnippets(t *testing.T) {
	src := demoSource(t)
	python, _ := exec.LookPath("python3")
	err := fs.WalkDir(lessons.FS(), ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(p, ".md") {
			return err
		}
		b, err := fs.ReadFile(lessons.FS(), p)
		if err != nil {
			return err
		}
		for _, m := range fence.FindAllStringSubmatch(string(b), -1) {
			lang, code := m[1], m[2]
			switch lang {
			case "go":
				checkGoSnippet(t, p, code, src)
			case "python":
				if python == "" {
					continue
				}
				cmd := exec.Command(python, "-c", "import ast, sys; ast.parse(sys.stdin.read())")
				cmd.Stdin = strings.NewReader(code)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("%s: Python block does not parse: %v\n%s\n%s", p, err, out, code)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if python == "" {
		t.Log("python3 not found: Python blocks were not checked")
	}
}

func checkGoSnippet(t *testing.T, lesson, code string, src map[string]bool) {
	t.Helper()
	wrapped := "package p\nfunc _() {\n" + code + "\n}\n"
	if strings.HasPrefix(strings.TrimSpace(code), "func ") {
		wrapped = "package p\n" + code
	}
	if _, err := parser.ParseFile(token.NewFileSet(), lesson, wrapped, parser.AllErrors); err != nil {
		t.Errorf("%s: Go block does not parse: %v\n%s", lesson, err, code)
	}
	for _, l := range strings.Split(code, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l == "..." || l == "…" || strings.HasPrefix(l, "//") {
			continue
		}
		if !src[l] {
			t.Errorf("%s: Go block line is not in the demo code (did the code change?): %s", lesson, l)
		}
	}
}
