package demos

import (
	"fmt"
	"go/ast"
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

// A Go block in a lesson quotes the demo code and says where from: its
// first line is "// from stickyClient" (the Chinese lessons may write
// "// 摘自 stickyClient"), naming a function, a method as "Type.Method", a
// type, var or const. A name declared in demos/ftp (or demos/upload,
// demos/wire) is also found as "ftp.Name", and must be written so where
// another package has the same name. A later "// from" line starts a quote
// of another declaration.
var quoteFrom = regexp.MustCompile(`^//\s*(?:from|摘自)\s+([A-Za-z_][\w.]*)\s*$`)

// elided says whether a line of a Go block stands for lines left out:
// "// …" or "...", alone or followed by what was left out.
func elided(l string) bool {
	l = strings.TrimSpace(strings.TrimPrefix(l, "//"))
	return strings.HasPrefix(l, "…") || strings.HasPrefix(l, "...")
}

// comment says whether a trimmed line is a comment alone.
func comment(l string) bool { return strings.HasPrefix(l, "//") }

// decl is a declaration of the demo code a lesson may quote.
type decl struct {
	file  string
	lines []string // trimmed, blank lines left out
}

// quotedDirs are the packages under demos whose code lessons may quote
// (demo 18's protocol, server and client, the upload store, the codecs).
var quotedDirs = []string{"ftp", "upload", "wire"}

// demoDecls indexes every top-level declaration of the demo code (the
// non-test files of demos and quotedDirs) by name: functions, methods as
// Type.Method, types, vars and consts. The lookup is by name, not by file
// or line, so a declaration can move between files without its quotes.
func demoDecls(t *testing.T) map[string][]decl {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range quotedDirs {
		m, err := filepath.Glob(dir + "/*.go")
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	out := map[string][]decl{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(fset, f, src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		add := func(name string, n ast.Node) {
			text := src[fset.Position(n.Pos()).Offset:fset.Position(n.End()).Offset]
			d := decl{file: f, lines: quoteLines(string(text))}
			out[name] = append(out[name], d)
			if dir := filepath.Dir(f); dir != "." {
				out[dir+"."+name] = append(out[dir+"."+name], d)
			}
		}
		for _, d := range af.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				name := d.Name.Name
				if d.Recv != nil && len(d.Recv.List) == 1 {
					name = recvName(d.Recv.List[0].Type) + "." + name
				}
				add(name, d)
			case *ast.GenDecl:
				for _, s := range d.Specs {
					var node ast.Node = s
					if len(d.Specs) == 1 {
						node = d // the keyword too: "var handlers = …"
					}
					switch s := s.(type) {
					case *ast.TypeSpec:
						add(s.Name.Name, node)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							add(n.Name, node)
						}
					}
				}
			}
		}
	}
	return out
}

// recvName is the type name of a method's receiver: T for *T, T[K] and T.
func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvName(e.X)
	case *ast.IndexExpr:
		return recvName(e.X)
	case *ast.IndexListExpr:
		return recvName(e.X)
	case *ast.Ident:
		return e.Name
	}
	return "?"
}

// quoteLines are the lines of code as a quote compares them: trimmed,
// blank lines left out.
func quoteLines(code string) []string {
	var out []string
	for _, l := range strings.Split(code, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// TestLessonSnippets keeps the code in the lessons from rotting: a Go block
// must parse and quote, line for line and in order, the declaration of the
// demo code that its first line names; a Python block must be valid
// Python 3.
func TestLessonSnippets(t *testing.T) {
	decls := demoDecls(t)
	var py []string // the Python blocks, "path\x00code"
	err := fs.WalkDir(lessons.FS(), ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(p, ".md") {
			return err
		}
		b, err := fs.ReadFile(lessons.FS(), p)
		if err != nil {
			return err
		}
		for _, m := range fence.FindAllStringSubmatch(string(b), -1) {
			switch lang, code := m[1], m[2]; lang {
			case "go":
				if err := checkGoSnippet(code, decls); err != nil {
					t.Errorf("%s: %v\n%s", p, err, code)
				}
			case "python":
				py = append(py, p+"\x00"+code)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	python, err := exec.LookPath("python3")
	if len(py) == 0 {
		return
	}
	if err != nil {
		t.Log("python3 not found: Python blocks were not checked")
		return
	}
	// One interpreter parses every block (one each took a minute on a busy
	// machine) and prints a line for each that does not parse.
	cmd := exec.Command(python, "-c", `import ast, sys
for block in sys.stdin.read().split("\x01"):
    path, code = block.split("\x00", 1)
    try:
        ast.parse(code)
    except SyntaxError as e:
        print(f"{path}: Python block does not parse: {e}\n{code}")
`)
	cmd.Stdin = strings.NewReader(strings.Join(py, "\x01"))
	out, err := cmd.CombinedOutput()
	switch {
	case err != nil:
		t.Errorf("python3: %v\n%s", err, out)
	case len(out) > 0:
		t.Errorf("%s", out)
	}
}

// checkGoSnippet says why a lesson's Go block is not a quote of the
// declarations it names, or nil.
func checkGoSnippet(code string, decls map[string][]decl) error {
	code = strings.TrimLeft(code, "\n")
	first, _, _ := strings.Cut(code, "\n")
	if !quoteFrom.MatchString(strings.TrimSpace(first)) {
		return fmt.Errorf(`Go block does not say what it quotes: its first line must be "// from <func, Type.Method or type>", not %q`, first)
	}
	wrapped := "package p\nfunc _() {\n" + code + "\n}\n"
	if strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(code, first)), "func ") {
		wrapped = "package p\n" + code
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "block.go", wrapped, parser.AllErrors); err != nil {
		return fmt.Errorf("Go block does not parse: %v", err)
	}
	// Each "// from" line begins a region quoting that declaration.
	var name string
	var region []string
	check := func() error {
		if name == "" {
			return nil
		}
		found := decls[name]
		switch len(found) {
		case 0:
			return fmt.Errorf("Go block quotes %s, which the demo code does not declare", name)
		case 1:
		default:
			var where []string
			for _, d := range found {
				where = append(where, d.file)
			}
			return fmt.Errorf("Go block quotes %s, declared in %s: say which (ftp.%s for the one in demos/ftp)", name, strings.Join(where, ", "), name)
		}
		return quotes(found[0].lines, region, name)
	}
	for _, l := range strings.Split(code, "\n") {
		if m := quoteFrom.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
			if err := check(); err != nil {
				return err
			}
			name, region = m[1], nil
			continue
		}
		region = append(region, l)
	}
	return check()
}

// quotes says why block is not a quote of src (the lines of the
// declaration called name), or nil. The block's lines, trimmed, must be
// lines of src in the same order, one after the other, except where a line
// "// …" says that some were left out. The comment lines of src may be
// left out without one.
func quotes(src, block []string, name string) error {
	var parts [][]string
	part := []string{}
	for _, l := range block {
		switch l = strings.TrimSpace(l); {
		case l == "":
		case elided(l):
			parts = append(parts, part)
			part = []string{}
		default:
			part = append(part, l)
		}
	}
	parts = append(parts, part)
	at := 0 // the first line of src the next part may start at
	for _, part := range parts {
		if len(part) == 0 {
			continue
		}
		end, best := -1, 0
		for s := at; s < len(src) && end < 0; s++ {
			n, e := match(src[s:], part)
			if n == len(part) {
				end = s + e
			}
			best = max(best, n)
		}
		if end < 0 {
			return fmt.Errorf("Go block is not a quote of %s (did the code change? mark left-out lines with // …): %d lines match, then not: %s", name, best, part[min(best, len(part)-1)])
		}
		at = end
	}
	return nil
}

// match is how many lines of part src begins with, one after the other
// except for comment lines of src, and how many lines of src they took.
func match(src, part []string) (n, used int) {
	for used < len(src) && n < len(part) {
		switch {
		case src[used] == part[n]:
			n++
		case n == 0 || !comment(src[used]):
			return n, used
		}
		used++
	}
	return n, used
}

// TestQuoteRule: a block that names no declaration, the wrong one or one
// declared twice, or that leaves out a line without "// …", is refused.
func TestQuoteRule(t *testing.T) {
	decls := map[string][]decl{
		"serve": {{file: "a.go", lines: quoteLines(`func serve() error {
	conn, err := ln.Accept() // conn, addr = server.accept()
	if err != nil {
		return err
	}
	// a comment the quote may leave out
	data, err := conn.Recv(1024)
	return conn.Close()
}`)}},
		"other": {{file: "b.go", lines: []string{"x := 1"}}},
		"twice": {{file: "a.go"}, {file: "ftp/a.go"}},
	}
	for _, c := range []struct {
		code string
		ok   bool
	}{
		{"// from serve\nconn, err := ln.Accept() // conn, addr = server.accept()\nif err != nil {\n\treturn err\n}\n", true},
		{"// 摘自 serve\nif err != nil {\n\treturn err\n}\ndata, err := conn.Recv(1024)\n", true},
		{"// from serve\nconn, err := ln.Accept() // conn, addr = server.accept()\n// …\ndata, err := conn.Recv(1024)\n", true},
		{"// from serve\nconn, err := ln.Accept() // conn, addr = server.accept()\n// … and then, much later:\nreturn conn.Close()\n", true},
		{"// from serve\nfunc serve() error {\n\t// …\n}\n", true},
		{"// from serve\nx := 1\n// from other\nx := 1\n", false},
		{"// from other\nx := 1\n// from serve\nreturn conn.Close()\n", true},
		{"conn, err := ln.Accept() // conn, addr = server.accept()\n", false},                 // names nothing
		{"// from other\nconn, err := ln.Accept() // conn, addr = server.accept()\n", false},  // the wrong one
		{"// from nosuch\nconn, err := ln.Accept() // conn, addr = server.accept()\n", false}, // none
		{"// from twice\nx := 1\n", false}, // which one?
		{"// from serve\nconn, err := ln.Accept() // conn, addr = server.accept()\ndata, err := conn.Recv(1024)\n", false}, // lines left out
		{"// from serve\nconn, err := ln.Accept()\n", false},                                                               // the Python comment differs
		{"// from serve\ndata, err := conn.Recv(1024)\nconn, err := ln.Accept() // conn, addr = server.accept()\n", false}, // out of order
		{"// from serve\n// a comment of the lesson's own\nreturn conn.Close()\n", false},
		{"// from serve\nif err != nil {\n", false}, // does not parse
	} {
		if err := checkGoSnippet(c.code, decls); (err == nil) != c.ok {
			t.Errorf("checkGoSnippet(%q) = %v, want ok %v", c.code, err, c.ok)
		}
	}
}
