package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestSizes: a file of the project's code reads in one sitting (at most
// 400 lines, tests and testdata aside) and a function on one screen (at
// most 80 lines): a longer one is a table of shorter ones waiting to be
// written (issue 17). It reads every package of the module, from its root.
func TestSizes(t *testing.T) {
	const maxFile, maxFunc = 400, 80
	var files []string
	err := filepath.WalkDir(filepath.Join("..", ".."), func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != filepath.Join("..", ".."):
			return filepath.SkipDir
		case !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go"):
			files = append(files, p)
		}
		return nil
	})
	if err != nil || len(files) < 100 {
		t.Fatalf("%d Go files found from the module's root: %v", len(files), err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
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
