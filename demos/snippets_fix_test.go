package demos

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var fixQuotes = flag.Bool("fix-quotes", false, `TestFixQuotes: give each lesson Go block without a "// from" line the one it quotes`)

var goBlock = regexp.MustCompile("(?s)```go\n(.*?)```")

// TestFixQuotes, run with -fix-quotes, writes the "// from NAME" line (and
// "// …" where lines are left out) into each lesson Go block that lacks
// one, when exactly one declaration of the demo code has the block's code
// lines in order; a comment of the lesson's own becomes "// … comment".
// It is for a block pasted or merged without its line: check the diff,
// then TestLessonSnippets.
//
//	go test ./demos -run TestFixQuotes -fix-quotes
func TestFixQuotes(t *testing.T) {
	if !*fixQuotes {
		t.Skip("rewrites the lessons only with -fix-quotes")
	}
	decls := demoDecls(t)
	files, err := filepath.Glob("../lessons/*/*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		from := "from"
		if filepath.Base(filepath.Dir(f)) == "zh" {
			from = "摘自"
		}
		s := goBlock.ReplaceAllStringFunc(string(b), func(m string) string {
			block := strings.Split(strings.TrimSuffix(goBlock.FindStringSubmatch(m)[1], "\n"), "\n")
			if quoteFrom.MatchString(strings.TrimSpace(block[0])) {
				return m
			}
			var names []string
			for name, ds := range decls {
				pkg, _, _ := strings.Cut(name, ".")
				if !slices.Contains(quotedDirs, pkg) && len(ds) == 1 && codeAt(ds[0].lines, block) != nil {
					names = append(names, name)
				}
			}
			if len(names) != 1 {
				slices.Sort(names)
				t.Errorf("%s: a Go block quotes %d declarations %v, name it by hand:\n%s", f, len(names), names, strings.Join(block, "\n"))
				return m
			}
			t.Logf("%s: a block quotes %s", f, names[0])
			fixed := append([]string{"// " + from + " " + names[0]}, gapped(decls[names[0]][0].lines, block)...)
			return "```go\n" + strings.Join(fixed, "\n") + "\n```"
		})
		if s != string(b) {
			if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// codeAt is where each code line of block is in src, the first place after
// the line before; -1 for a line that is not code. It is nil if a code
// line is not there.
func codeAt(src, block []string) []int {
	at := make([]int, len(block))
	next := 0
	for i, l := range block {
		at[i] = -1
		if l = strings.TrimSpace(l); l == "" || comment(l) {
			continue
		}
		j := slices.Index(src[next:], l)
		if j < 0 {
			return nil
		}
		at[i], next = next+j, next+j+1
	}
	return at
}

// gapped is block with a "// …" line where it leaves out lines of src
// that are not comments, and its own comments turned into "// … comment".
func gapped(src, block []string) []string {
	at := codeAt(src, block)
	var out []string
	prev, prevLine, gap := -1, "", true
	for i, raw := range block {
		l := strings.TrimSpace(raw)
		indent := raw[:len(raw)-len(strings.TrimLeft(raw, "\t "))]
		switch {
		case l == "":
			out = append(out, raw)
			continue
		case elided(l):
			out, gap = append(out, raw), true
			continue
		case comment(l):
			next := len(src) // a comment of src is kept if it is before the next code line
			for _, a := range at[i+1:] {
				if a >= 0 {
					next = a
					break
				}
			}
			if j := slices.Index(src[prev+1:next], l); j >= 0 {
				at[i] = prev + 1 + j
			} else {
				out, gap = append(out, indent+"// … "+strings.TrimSpace(strings.TrimPrefix(l, "//"))), true
				continue
			}
		}
		skipped := false
		for k := prev + 1; prev >= 0 && k < at[i]; k++ {
			skipped = skipped || !comment(src[k])
		}
		if skipped && !gap {
			// Indent the gap as deep as the lines around it.
			g := prevLine[:len(prevLine)-len(strings.TrimLeft(prevLine, "\t "))]
			if strings.HasSuffix(strings.TrimSpace(prevLine), "{") {
				g += "\t"
			}
			if len(indent) > len(g) {
				g = indent
			}
			out = append(out, g+"// …")
		}
		out = append(out, raw)
		prev, prevLine, gap = at[i], raw, false
	}
	return out
}
