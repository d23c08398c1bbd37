package render

import (
	"io/fs"
	"strings"
	"testing"

	"socketlab/lessons"
)

func TestLessonHTML(t *testing.T) {
	md := "# 4 sticky — <Sticky>\n\nA `send(b'<x>')` and **bold** and *it*, [a link](http://example.com/).\n\n" +
		"- one\n  more of one\n- two\n  - nested `a|b`\n\n- three\n\n1. first\n2. second\n\n" +
		"| a | b |\n|---|---|\n| `x \\| y` | <i> |\n\n> quoted **text**\n\n```python\nprint('<hi>')\n```\n"
	got := LessonHTML(md)
	for _, want := range []string{
		"<h2>4 sticky — &lt;Sticky&gt;</h2>",
		"<code>send(b&#39;&lt;x&gt;&#39;)</code>", "<strong>bold</strong>", "<em>it</em>", "a link (http://example.com/)",
		"<li>one more of one</li>", "<li>two<ul>\n<li>nested <code>a|b</code></li>\n</ul>\n</li>", "<li>three</li>",
		"<ol>\n<li>first</li>\n<li>second</li>\n</ol>",
		"<tr><th>a</th><th>b</th></tr>", "<td><code>x | y</code></td><td>&lt;i&gt;</td>",
		"<blockquote><p>quoted <strong>text</strong></p>\n</blockquote>",
		`<pre><code class="lang-python">print(&#39;&lt;hi&gt;&#39;)</code></pre>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("LessonHTML lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "href") || strings.Contains(got, "<i>") {
		t.Errorf("LessonHTML must not link or pass markup through:\n%s", got)
	}
}

// Every lesson converts, every line of its text is in the HTML, and the
// HTML has balanced tags of the kinds LessonHTML writes.
func TestLessonHTMLAllLessons(t *testing.T) {
	n := 0
	fs.WalkDir(lessons.FS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(path, ".md") {
			return err
		}
		n++
		b, _ := fs.ReadFile(lessons.FS(), path)
		h := LessonHTML(string(b))
		for _, tag := range []string{"p", "ul", "ol", "li", "pre", "code", "table", "tr", "strong", "em", "h2", "h3", "h4", "blockquote"} {
			if o, c := strings.Count(h, "<"+tag+">")+strings.Count(h, "<"+tag+" "), strings.Count(h, "</"+tag+">"); o != c {
				t.Errorf("%s: %d <%s> but %d </%s>", path, o, tag, c, tag)
			}
		}
		if strings.Contains(h, "://") {
			t.Errorf("%s: an address in the HTML", path)
		}
		return nil
	})
	if n < 32 {
		t.Errorf("%d lessons, want 32 or more", n)
	}
}
