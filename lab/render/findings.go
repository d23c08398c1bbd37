package render

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"socketlab/lab"
	"socketlab/lab/view"
)

// runResult is one run's summary, for the table that ends lab run all.
type runResult struct {
	id          int
	demo        string
	title       lab.Text
	held, total int
	err         string
}

// result is what a summary says of its run.
func result(info *lab.RunInfo, findings []view.Item, e lab.Event) runResult {
	res := runResult{demo: e.Demo, total: len(findings), err: e.Err}
	if info != nil {
		res.id, res.title = info.ID, info.Title
	}
	for _, f := range findings {
		if f.Event.OK {
			res.held++
		}
	}
	return res
}

// summary prints "What happened": each finding with the markers of the
// events it is about and its id, then the verdict.
func (r *Text) summary(e lab.Event) {
	r.results = append(r.results, result(r.run, r.findings, e))
	r.printf("\n%s\n", r.pal.heading.Sprint(r.tr(lab.T("What happened", "发生了什么"))))
	markW := 0
	for _, f := range r.findings {
		markW = max(markW, Width(Markers(f.Markers)))
	}
	for _, f := range r.findings {
		mark, c := "✓", r.pal.good
		if !f.Event.OK {
			mark, c = "✗", r.pal.warn
		}
		ms := Pad(Markers(f.Markers), markW)
		lead := "  " + mark + " "
		if markW > 0 {
			lead += ms + " "
		}
		text := r.tr(f.Event.Text)
		if id := f.Event.ID; id != "" && !strings.HasPrefix(text, id+":") && !strings.HasPrefix(text, id+"：") {
			text = id + ": " + text
		}
		indent := strings.Repeat(" ", Width(lead)+2)
		for i, l := range Wrap(text, r.o.Width-Width(lead)-2) {
			if i == 0 {
				r.printf("%s%s%s\n", "  "+c.Sprint(mark)+" ", r.markCol(ms, markW), l)
			} else {
				r.printf("%s%s\n", indent, l)
			}
		}
	}
	r.findings = nil
	verdict, how := Verdict(e)
	c := r.pal.good
	switch how {
	case VerdictFailed:
		c = r.pal.bad
	case VerdictMissing:
		c = r.pal.warn
	}
	for _, l := range Wrap(r.tr(verdict), r.o.Width-2) {
		r.printf("  %s\n", c.Sprint(l))
	}
}

// How a run ended, as its verdict says.
const (
	VerdictHeld    = "held"    // every finding held
	VerdictMissing = "missing" // a finding did not hold
	VerdictFailed  = "failed"  // the run failed
)

// Verdict is the last line of "What happened": what the summary e says of
// its run, and which of the Verdict kinds that is.
func Verdict(e lab.Event) (lab.Text, string) {
	switch {
	case e.Err != "" && !e.Text.IsZero():
		return lab.Text{En: "the run failed: " + e.Text.En, Zh: "运行失败：" + e.Text.Zh}, VerdictFailed
	case e.Err != "":
		return lab.Tf("the run failed: %s", "运行失败，系统的原话是：%s", e.Err), VerdictFailed
	case e.OK && e.Findings == 1:
		return lab.Tf("demo %s: the finding holds", "演示 %s：结论成立", e.Demo), VerdictHeld
	case e.OK:
		return lab.Tf("demo %s: all %d findings hold", "演示 %s：全部 %d 项结论成立", e.Demo, e.Findings), VerdictHeld
	}
	return lab.Tf("demo %s: a finding did not hold (see ✗ above)", "演示 %s：有结论不成立（见上面的 ✗）", e.Demo), VerdictMissing
}

// markCol is the column of a finding's markers, bold, or nothing when no
// finding of the run has one.
func (r *Text) markCol(ms string, w int) string {
	if w == 0 {
		return ""
	}
	return r.pal.key.Sprint(ms) + " "
}

// summaryTable is the table that ends lab run all: every demo and how many
// of its findings held.
func summaryTable(results []runResult, l lab.Lang, width int) string {
	var b bytes.Buffer
	t := tablewriter.NewTable(&b,
		tablewriter.WithEastAsian(tw.Off),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNormal),
		tablewriter.WithColumnWidths(tw.NewMapper[int, int]().Set(2, max(12, min(44, width-36)))),
	)
	t.Header(lab.T("#", "#").In(l), lab.T("demo", "演示").In(l), lab.T("title", "标题").In(l),
		lab.T("findings held", "成立的结论").In(l), "")
	for _, res := range results {
		mark := "✓"
		if res.err != "" || res.held < res.total {
			mark = "✗"
		}
		held := fmt.Sprintf("%d / %d", res.held, res.total)
		if res.err != "" {
			held = lab.T("run failed", "运行失败").In(l)
		}
		id := ""
		if res.id > 0 {
			id = fmt.Sprint(res.id)
		}
		t.Append(id, res.demo, res.title.In(l), held, mark)
	}
	t.Render()
	return b.String()
}
