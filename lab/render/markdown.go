package render

import (
	"fmt"
	"io"
	"strings"

	"socketlab/lab"
	"socketlab/lab/view"
)

// Markdown writes a run as a handout that reads alone: the demo's title and
// brief, the trace as a table (time, client, server) drawn from the same
// view as the text lanes (hidden, folded and marked alike), the findings
// with their markers, and at the end a legend of the signs. After several
// runs (lab run all) it ends with a table of every demo's findings.
type Markdown struct {
	w        io.Writer
	text     *Text // lays out cells without colour
	v        *view.View
	started  bool
	run      *lab.RunInfo
	findings []view.Item
	results  []runResult
	err      error
}

// NewMarkdown returns a Markdown renderer.
func NewMarkdown(w io.Writer, o Options) *Markdown {
	o.Color = false
	o.Live = false
	return &Markdown{w: w, text: NewText(io.Discard, o), v: view.New(view.Options{Show: o.Show, Full: o.Full})}
}

// Needs is what the cells it lays out need of each call's bytes.
func (m *Markdown) Needs() int { return m.text.Needs() }

// Err returns the first write error, if any.
func (m *Markdown) Err() error { return m.err }

func (m *Markdown) printf(format string, args ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, args...)
	}
}

func (m *Markdown) tr(t lab.Text) string { return t.In(m.text.o.Lang) }

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

// mdText escapes prose for a table cell.
func mdText(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// Emit renders one event.
func (m *Markdown) Emit(e lab.Event) {
	for _, it := range m.v.Push(e) {
		m.draw(it)
	}
}

// Finish ends the document: the table of every demo after lab run all, and
// the legend.
func (m *Markdown) Finish() {
	for _, it := range m.v.Flush() {
		m.draw(it)
	}
	if len(m.results) > 1 {
		m.printf("## %s\n\n", m.tr(lab.T("All demos", "全部演示")))
		m.printf("| # | %s | %s | %s |\n|---:|---|---|---|\n", m.tr(lab.T("demo", "演示")), m.tr(lab.T("title", "标题")), m.tr(lab.T("findings held", "成立的结论")))
		for _, r := range m.results {
			held := fmt.Sprintf("%d / %d", r.held, r.total)
			if r.err != "" {
				held = m.tr(lab.T("run failed", "运行失败"))
			}
			m.printf("| %d | %s | %s | %s |\n", r.id, r.demo, mdText(m.tr(r.title)), held)
		}
		m.printf("\n")
	}
	m.printf("## %s\n\n", m.tr(lab.T("How to read the trace", "如何阅读跟踪记录")))
	for _, l := range Legend(m.text.o.Lang) {
		m.printf("- `%s` %s\n", l.Sign, l.Text)
	}
}

func (m *Markdown) draw(it view.Item) {
	l := m.text.o.Lang
	e := it.Event
	switch it.Kind {
	case view.NewRun:
		m.run, m.started, m.findings = e.Run, false, nil
		if r := e.Run; r != nil && r.Command == "run" && r.ID > 0 {
			m.printf("## %d %s — %s\n\n%s\n\n", r.ID, r.Demo, mdText(m.tr(r.Title)), m.tr(r.Brief))
		}
		return
	case view.Progress:
		return
	}
	switch {
	case e.Op == lab.OpFinding:
		m.findings = append(m.findings, it)
		return
	case e.Op == lab.OpSummary:
		m.summary(e)
		return
	}
	if !m.started {
		m.started = true
		left, right := m.v.Lanes().Names(l)
		m.printf("| %s | %s | %s |\n|---:|---|---|\n", lab.T("ms", "毫秒").In(l), left, right)
	}
	if e.Side == lab.System && it.Kind == view.Draw {
		m.printf("| | **%s** | |\n", mdText(e.Text.In(l)))
		return
	}
	var cells []line
	t := e.T
	switch {
	case e.Op == lab.OpPacket: // a packet: in the lane it leaves, with its way
		text := PacketText(e.Packet, l)
		if it.Kind == view.Folded {
			text, t = foldPacketText(it.Fold, l), it.Fold.T
		}
		way, right := "──▶ ", false
		if !it.FacesServer {
			way, right = "◀── ", true
		}
		cells, it.Right = []line{{way + text, nil}}, right
	case it.Kind == view.Folded:
		cells, t = foldLines(it.Fold, l, 72), it.Fold.T
	default:
		cells = m.text.cell(it, 72)
	}
	var lines []string
	for _, c := range cells {
		lines = append(lines, c.text)
	}
	cell := mdCell(lines)
	stamp := fmt.Sprintf("%.3f", float64(t.Microseconds())/1000)
	if !it.Right {
		m.printf("| %s | %s | |\n", stamp, cell)
	} else {
		m.printf("| %s | | %s |\n", stamp, cell)
	}
}

// summary writes the findings and the verdict of a run.
func (m *Markdown) summary(e lab.Event) {
	m.results = append(m.results, result(m.run, m.findings, e))
	m.printf("\n### %s\n\n", m.tr(lab.T("What happened", "发生了什么")))
	for _, f := range m.findings {
		mark := "✓"
		if !f.Event.OK {
			mark = "✗"
		}
		ms := ""
		if len(f.Markers) > 0 {
			ms = Markers(f.Markers) + " "
		}
		m.printf("- %s %s**%s**: %s\n", mark, ms, f.Event.ID, m.tr(f.Event.Text))
	}
	if e.Err != "" {
		m.printf("- ✗ %s\n", e.Err)
	}
	m.printf("\n")
	m.findings, m.started = nil, false
}
