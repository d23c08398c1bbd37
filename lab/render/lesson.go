package render

import (
	"html"
	"regexp"
	"strings"
)

// LessonHTML turns a lesson's Markdown into simple HTML for the page and
// the HTML export: headings, paragraphs, lists, tables, block quotes, code
// blocks, and inline code, bold and italics. Every character of the text is
// escaped; a link keeps its text and shows its address as text, with no
// href, so the page never points anywhere.
func LessonHTML(md string) string {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	var para []string
	flush := func() {
		if len(para) > 0 {
			b.WriteString("<p>" + inline(strings.Join(para, " ")) + "</p>\n")
			para = nil
		}
	}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "```"):
			flush()
			lang := strings.TrimSpace(strings.TrimPrefix(t, "```"))
			var code []string
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "```"); i++ {
				code = append(code, lines[i])
			}
			class := ""
			if lang != "" && safeWord.MatchString(lang) {
				class = ` class="lang-` + lang + `"`
			}
			b.WriteString("<pre><code" + class + ">" + html.EscapeString(strings.Join(code, "\n")) + "</code></pre>\n")
		case t == "":
			flush()
		case strings.HasPrefix(t, "#"):
			flush()
			n := len(t) - len(strings.TrimLeft(t, "#"))
			level := min(n+1, 6) // the lesson's title is the page's second heading
			tag := "h" + string(rune('0'+level))
			b.WriteString("<" + tag + ">" + inline(strings.TrimSpace(t[n:])) + "</" + tag + ">\n")
		case strings.HasPrefix(t, "|"):
			flush()
			var rows []string
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|"); i++ {
				rows = append(rows, strings.TrimSpace(lines[i]))
			}
			i--
			b.WriteString(table(rows))
		case strings.HasPrefix(t, ">"):
			flush()
			var quote []string
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), ">"); i++ {
				quote = append(quote, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[i]), ">")))
			}
			i--
			b.WriteString("<blockquote>" + LessonHTML(strings.Join(quote, "\n")) + "</blockquote>\n")
		case listItem.MatchString(l):
			flush()
			i = list(&b, lines, i)
		default:
			para = append(para, t)
		}
	}
	flush()
	return b.String()
}

var (
	safeWord = regexp.MustCompile(`^[A-Za-z0-9_+-]+$`)
	listItem = regexp.MustCompile(`^( *)([-*]|[0-9]+\.) +(.*)$`)
)

// list writes the list that starts at lines[i] (items at its indent, their
// indented continuation lines, lists nested deeper) and returns the index
// of its last line.
func list(b *strings.Builder, lines []string, i int) int {
	m := listItem.FindStringSubmatch(lines[i])
	indent := len(m[1])
	tag := listTag(m[2])
	b.WriteString("<" + tag + ">\n")
	for i < len(lines) {
		m := listItem.FindStringSubmatch(lines[i])
		if m == nil || len(m[1]) != indent || listTag(m[2]) != tag {
			break
		}
		text := []string{m[3]}
		var nested strings.Builder
		for i++; i < len(lines); {
			l := lines[i]
			if strings.TrimSpace(l) == "" {
				if i+1 < len(lines) && indentOf(lines[i+1]) > indent && strings.TrimSpace(lines[i+1]) != "" {
					i++
					continue
				}
				break
			}
			if indentOf(l) <= indent {
				break
			}
			if listItem.MatchString(l) {
				i = list(&nested, lines, i) + 1
				continue
			}
			text = append(text, strings.TrimSpace(l))
			i++
		}
		b.WriteString("<li>" + inline(strings.Join(text, " ")) + nested.String() + "</li>\n")
		if i+1 < len(lines) && strings.TrimSpace(lines[i]) == "" && isItemAt(lines[i+1], indent, tag) {
			i++
		}
	}
	b.WriteString("</" + tag + ">\n")
	return i - 1
}

// indentOf is how many spaces l starts with.
func indentOf(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }

// isItemAt reports whether l is an item of a list tag indented by n spaces.
func isItemAt(l string, n int, tag string) bool {
	m := listItem.FindStringSubmatch(l)
	return m != nil && len(m[1]) == n && listTag(m[2]) == tag
}

// listTag is the list an item's bullet starts: "-" or "*" ul, "1." ol.
func listTag(bullet string) string {
	if bullet == "-" || bullet == "*" {
		return "ul"
	}
	return "ol"
}

// table writes Markdown table rows; the second is the |---| line.
func table(rows []string) string {
	columns := func(r string) []string {
		r = strings.TrimSuffix(strings.TrimPrefix(r, "|"), "|")
		// A | inside code or escaped as \| is not a column.
		r = strings.ReplaceAll(r, `\|`, "\x00")
		var out []string
		for _, c := range strings.Split(r, "|") {
			out = append(out, strings.ReplaceAll(strings.TrimSpace(c), "\x00", "|"))
		}
		return out
	}
	var b strings.Builder
	b.WriteString("<table>\n")
	for i, r := range rows {
		if i == 1 && strings.Trim(r, "|-: ") == "" {
			continue
		}
		tag := "td"
		if i == 0 {
			tag = "th"
		}
		b.WriteString("<tr>")
		for _, c := range columns(r) {
			b.WriteString("<" + tag + ">" + inline(c) + "</" + tag + ">")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n")
	return b.String()
}

var (
	boldRe = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	emRe   = regexp.MustCompile(`(^|[^*\w])\*([^*\s][^*]*)\*`)
	linkRe = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)
)

// inline escapes a line of prose and marks its code spans, bold and
// italics. Code spans are taken first, so nothing inside them is markup.
func inline(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], '`')
		if j < 0 {
			break
		}
		b.WriteString(prose(s[:i]))
		b.WriteString("<code>" + html.EscapeString(s[i+1:i+1+j]) + "</code>")
		s = s[i+2+j:]
	}
	b.WriteString(prose(s))
	return b.String()
}

// prose is text outside code spans.
func prose(s string) string {
	s = html.EscapeString(s)
	s = linkRe.ReplaceAllString(s, "$1 ($2)")
	s = boldRe.ReplaceAllString(s, "<strong>$1</strong>")
	s = emRe.ReplaceAllString(s, "$1<em>$2</em>")
	return s
}
