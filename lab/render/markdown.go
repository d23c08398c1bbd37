package render

import (
	"fmt"
	"io"
	"strings"

	"socketlab/lab"
)

// Markdown writes the trace as a Markdown table (time, client, server) and
// the findings as a list, for handouts and issue reports.
type Markdown struct {
	w        io.Writer
	text     *Text // lays out cells without colour
	started  bool
	findings []lab.Event
	err      error
}

// NewMarkdown returns a Markdown renderer.
func NewMarkdown(w io.Writer, o Options) *Markdown {
	o.Color = false
	o.Full = true
	return &Markdown{w: w, text: NewText(io.Discard, o)}
}

// Err returns the first write error, if any.
func (m *Markdown) Err() error { return m.err }

func (m *Markdown) printf(format string, args ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, args...)
	}
}

// mdCell escapes text for a table cell and keeps it in code spans.
func mdCell(lines []string) string {
	var parts []string
	for _, l := range lines {
		l = strings.ReplaceAll(l, "|", `\|`)
		l = strings.ReplaceAll(l, "`", "'")
		parts = append(parts, "`"+l+"`")
	}
	return strings.Join(parts, "<br>")
}

// Emit renders one event as a table row.
func (m *Markdown) Emit(e lab.Event) {
	l := m.text.o.Lang
	if !m.started {
		m.started = true
		m.text.lanesOf.start(e)
		left, right := m.text.lanesOf.names(l)
		m.printf("| %s | %s | %s |\n|---:|---|---|\n", lab.T("ms", "毫秒").In(l), left, right)
	}
	switch {
	case e.Op == lab.OpFinding:
		m.findings = append(m.findings, e)
		return
	case e.Op == lab.OpSummary:
		m.printf("\n### %s\n\n", lab.T("What happened", "发生了什么").In(l))
		for _, f := range m.findings {
			mark := "✓"
			if !f.OK {
				mark = "✗"
			}
			m.printf("- %s %s\n", mark, f.Text.In(l))
		}
		if e.Err != "" {
			m.printf("- ✗ %s\n", e.Err)
		}
		m.printf("\n")
		m.findings, m.started = nil, false
		return
	case e.Side == lab.System:
		m.printf("| | **%s** | |\n", strings.ReplaceAll(e.Text.In(l), "|", `\|`))
		return
	}
	var lines []string
	for _, c := range m.text.cell(e, 72) {
		lines = append(lines, c.text)
	}
	cell := mdCell(lines)
	t := fmt.Sprintf("%.3f", float64(e.T.Microseconds())/1000)
	if !m.text.lanesOf.right(e) {
		m.printf("| %s | %s | |\n", t, cell)
	} else {
		m.printf("| %s | | %s |\n", t, cell)
	}
}
