package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestSizes: a file of this package's code reads in one sitting (at most
// 400 lines, tests aside) and a function on one screen (at most 80 lines):
// a longer one is a table of shorter ones waiting to be written.
func TestSizes(t *testing.T) {
	const maxFile, maxFunc = 400, 80
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n := fset.File(f.Pos()).LineCount(); n > maxFile {
			t.Errorf("%s: %d lines, more than %d", name, n, maxFile)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			if n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1; n > maxFunc {
				t.Errorf("%s: func %s has %d lines, more than %d", name, fd.Name.Name, n, maxFunc)
			}
		}
	}
}
