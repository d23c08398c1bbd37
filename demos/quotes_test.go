package demos

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"socketlab/lab"
	"socketlab/lab/render"
	"socketlab/lessons"
)

// A lesson's trace phrases are the back-quoted spans outside code blocks
// that quote what the trace prints: a call's line with its result (they
// contain "→"), a socket's line ("#3 recv…"), or a list of counts ("[5 5]").
var (
	codeBlock   = regexp.MustCompile("(?s)```.*?```")
	backQuoted  = regexp.MustCompile("`([^`\n]+)`")
	countList   = regexp.MustCompile(`^\[[0-9 ,]+\]$`)
	socketLine  = regexp.MustCompile(`^#[0-9]+ `)
	lessonSets  = regexp.MustCompile("lab run [0-9]+((?: --set [a-z]+=[^ `]+)+)")
	spaceRun    = regexp.MustCompile(`\s+`)
	placeholder = "…"
)

// tracePhrases returns the trace phrases of a lesson.
func tracePhrases(md string) []string {
	var out []string
	for _, m := range backQuoted.FindAllStringSubmatch(codeBlock.ReplaceAllString(md, ""), -1) {
		p := strings.TrimSpace(m[1])
		if strings.Contains(p, "→") || countList.MatchString(p) || socketLine.MatchString(p) {
			out = append(out, p)
		}
	}
	return out
}

// quotedIn reports whether phrase appears in out, spaces collapsed, where an
// "…" in the phrase stands for any text on the same line (an address, a
// port, a time that differs from run to run).
func quotedIn(phrase string, out []string) bool {
	parts := strings.Split(spaceRun.ReplaceAllString(phrase, " "), placeholder)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	re := regexp.MustCompile(strings.Join(parts, `[^\n]*?`))
	for _, o := range out {
		if re.MatchString(o) {
			return true
		}
	}
	return false
}

// TestLessonsQuoteTheTrace: every trace phrase of a lesson appears in the
// text its demo prints in that lesson's language, run with its defaults,
// each mode, and each --set the lesson itself suggests.
func TestLessonsQuoteTheTrace(t *testing.T) {
	for _, d := range All() {
		t.Run(d.Slug, func(t *testing.T) {
			for _, l := range lessons.Langs {
				md, err := lessons.Lesson(l, d.ID, d.Slug)
				if err != nil {
					t.Fatal(err)
				}
				phrases := tracePhrases(md)
				runs := settings(d)
				for _, m := range lessonSets.FindAllStringSubmatch(md, -1) {
					var sets []string
					for _, f := range strings.Fields(m[1]) {
						if f != "--set" {
							sets = append(sets, f)
						}
					}
					runs = append(runs, sets)
				}
				outs := quoteOutputs(d, runs, lab.En)
				if l == "zh" {
					en := outs
					outs = quoteOutputs(d, runs, lab.Zh)
					// A zh lesson must not quote the English trace: any
					// back-quoted span the English run prints and the
					// Chinese one does not.
					for _, m := range backQuoted.FindAllStringSubmatch(codeBlock.ReplaceAllString(md, ""), -1) {
						p := strings.TrimSpace(m[1])
						if len(p) >= 8 && englishProse(p) != "" && quotedIn(p, en) && !quotedIn(p, outs) {
							t.Errorf("zh/%s.md quotes the English trace: %q", lessons.Name(d.ID, d.Slug), p)
						}
					}
				}
				for _, p := range phrases {
					if !quotedIn(p, outs) {
						t.Errorf("%s/%s.md quotes %q, which the trace never prints", l, lessons.Name(d.ID, d.Slug), p)
					}
				}
			}
		})
	}
}

// quoteOutputs runs d in each setting and returns the text it printed in
// lang, spaces collapsed.
func quoteOutputs(d lab.Demo, runs [][]string, lang lab.Lang) []string {
	var outs []string
	for _, sets := range runs {
		p, err := lab.ParseParams(d.Knobs, sets)
		if err != nil || strings.Contains(strings.Join(sets, " "), "port=") {
			continue // a fixed port may still be in TIME_WAIT from the last run
		}
		if _, ok := p.Knob("size"); ok && p.Int("size") > 1<<20 {
			continue // a big transfer shows nothing a small one does not, and takes long
		}
		var b bytes.Buffer
		// A setting the lesson shows failing (too many calls) quotes nothing.
		lab.Run(context.Background(), d, lab.Options{Params: p, Idle: 30 * time.Second,
			Sink: render.NewText(&b, render.Options{Lang: lang, Width: 400})})
		lines := strings.Split(b.String(), "\n")
		for i, line := range lines {
			lines[i] = spaceRun.ReplaceAllString(line, " ")
		}
		outs = append(outs, strings.Join(lines, "\n"))
	}
	return outs
}

// goSection is the heading of a lesson's Go part, in each language.
var goSection = map[string]string{"en": "## In the lab's Go code", "zh": "## 实验台的 Go 代码"}

// TestLessonsPythonFirst: a lesson speaks Python first; its Go blocks live
// in one section, the last one (or the one before an exercise).
func TestLessonsPythonFirst(t *testing.T) {
	exercise := map[string]string{"en": "## Exercise", "zh": "## 练习"}
	for _, d := range All() {
		for _, l := range lessons.Langs {
			md, err := lessons.Lesson(l, d.ID, d.Slug)
			if err != nil {
				t.Fatal(err)
			}
			name := l + "/" + lessons.Name(d.ID, d.Slug) + ".md"
			var heads []string
			section, inBlock := "", false
			for _, line := range strings.Split(md, "\n") {
				if strings.HasPrefix(line, "```") {
					if !inBlock && strings.TrimSpace(line[3:]) == "go" && section != goSection[l] {
						t.Errorf("%s: a Go block in %q, not in %q", name, section, goSection[l])
					}
					inBlock = !inBlock
					continue
				}
				if !inBlock && strings.HasPrefix(line, "## ") {
					section = line
					heads = append(heads, line)
				}
			}
			if n := strings.Count(strings.Join(heads, "\n"), goSection[l]); n > 1 {
				t.Errorf("%s: %d Go sections", name, n)
			}
			for i, h := range heads {
				if h == goSection[l] && i != len(heads)-1 && !(i == len(heads)-2 && heads[i+1] == exercise[l]) {
					t.Errorf("%s: %q is not the last section (then %v)", name, h, heads[i+1:])
				}
			}
		}
	}
}
