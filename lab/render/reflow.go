package render

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Reflow re-wraps a Markdown lesson's paragraphs and list items to the
// terminal's width: the files are wrapped for reading in an editor, where a
// Chinese character is counted as one column, but a terminal gives it two.
// Code blocks, tables, headings and quotes are left exactly as written.
func Reflow(md string, width int) string {
	var out []string
	var para []string // the lines of the paragraph or list item being read
	indent := ""      // the hanging indent of a list item's continuation lines
	flush := func() {
		if len(para) == 0 {
			return
		}
		first := para[0]
		lead := first[:len(first)-len(strings.TrimLeft(first, " "))]
		marker := listMarker(strings.TrimLeft(first, " "))
		text := joinLines(para)
		text = strings.TrimPrefix(strings.TrimLeft(text, " "), marker)
		head := lead + marker
		hang := strings.Repeat(" ", Width(head))
		for i, l := range Wrap(text, max(20, width-Width(head))) {
			if i == 0 {
				out = append(out, head+l)
			} else {
				out = append(out, hang+l)
			}
		}
		para, indent = nil, ""
	}
	fenced := false
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "```"):
			flush()
			fenced = !fenced
			out = append(out, line)
		case fenced || trimmed == "" || strings.HasPrefix(trimmed, "#") ||
			strings.HasPrefix(trimmed, "|") || strings.HasPrefix(trimmed, ">") || strings.HasPrefix(line, "    "):
			flush()
			out = append(out, line)
		case listMarker(strings.TrimLeft(line, " ")) != "":
			flush()
			para = []string{line}
			indent = strings.Repeat(" ", len(line)-len(strings.TrimLeft(line, " "))+len(listMarker(strings.TrimLeft(line, " "))))
		default:
			if len(para) > 0 && indent != "" && !strings.HasPrefix(line, indent) {
				flush() // not a continuation of the list item
			}
			para = append(para, line)
		}
	}
	flush()
	return strings.Join(out, "\n")
}

// listMarker returns the "- ", "* " or "12. " that starts a list item, or "".
func listMarker(s string) string {
	if strings.HasPrefix(s, "- ") || strings.HasPrefix(s, "* ") {
		return s[:2]
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && strings.HasPrefix(s[i:], ". ") {
		return s[:i+2]
	}
	return ""
}

// joinLines joins a paragraph's lines as Markdown does: with a space, except
// between two Chinese characters, where the line break was only for the editor.
func joinLines(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(b.String())
			next, _ := utf8.DecodeRuneInString(l)
			if !(wide(prev) && wide(next)) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

// wide reports whether r is a CJK character or full-width punctuation.
func wide(r rune) bool {
	return unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}
