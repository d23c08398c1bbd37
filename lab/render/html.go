package render

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"

	"socketlab/lab"
)

// LessonFunc returns a demo's lesson as Markdown in language l, "" when
// there is none.
type LessonFunc func(l lab.Lang, id int, slug string) string

// HTML writes a run as one self-contained HTML file (--format html): the
// sequence diagram, "What happened" and the lesson, in English and in
// Chinese with a switch between them, and the detail of every row (its
// bytes and hex) for a click to show. Styles, scripts and data are all
// inside the file: it refers to no other file and no address, so it
// opens from disk, offline, years later.
type HTML struct {
	w      io.Writer
	lang   lab.Lang
	en, zh *SVG
	lesson LessonFunc
	err    error
}

// NewHTML returns the HTML export of a run, written to w by Finish. lesson
// may be nil.
func NewHTML(w io.Writer, o Options, lesson LessonFunc) *HTML {
	en, zh := o, o
	en.Lang, zh.Lang = lab.En, lab.Zh
	return &HTML{w: w, lang: o.Lang, en: NewSVG(nil, en, 0), zh: NewSVG(nil, zh, 0), lesson: lesson}
}

// Needs is what the diagram and its details show of each call.
func (h *HTML) Needs() int { return h.en.Needs() }

// Err returns the first write error, if any.
func (h *HTML) Err() error { return h.err }

// Emit draws one event in both languages.
func (h *HTML) Emit(e lab.Event) {
	h.en.Emit(e)
	h.zh.Emit(e)
}

// Finish writes the file.
func (h *HTML) Finish() {
	h.en.Finish()
	h.zh.Finish()
	if h.err == nil {
		h.err = WriteHTML(h.w, h.lang, h.en, h.zh, h.lesson)
	}
}

// WriteHTML writes the self-contained HTML file of two diagrams of the
// same events, one per language; lang is the one shown first.
func WriteHTML(w io.Writer, lang lab.Lang, en, zh *SVG, lesson LessonFunc) error {
	if lang != lab.Zh {
		lang = lab.En
	}
	var b strings.Builder
	both := map[lab.Lang]*SVG{lab.En: en, lab.Zh: zh}
	title := func(l lab.Lang) string {
		runs := both[l].Runs()
		if len(runs) == 1 && runs[0].Title != "" {
			return runs[0].Title
		}
		return "Socket Lab"
	}
	fmt.Fprintf(&b, "<!doctype html>\n<html lang=\"%s\" data-lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n", htmlLang(lang), lang)
	b.WriteString(`<meta name="viewport" content="width=device-width, initial-scale=1">` + "\n")
	fmt.Fprintf(&b, "<title>%s</title>\n", html.EscapeString(title(lang)))
	b.WriteString("<style>\n")
	b.Write(Asset("view.css"))
	b.WriteString(exportCSS)
	b.WriteString("</style>\n</head>\n<body>\n<header class=\"top\">\n")
	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		fmt.Fprintf(&b, "<h1 class=\"l-%s\">%s</h1>\n", l, html.EscapeString(title(l)))
	}
	fmt.Fprintf(&b, "<nav class=\"langs\" aria-label=\"%s / %s\">", uiStrings["view.language"].En, uiStrings["view.language"].Zh)
	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		fmt.Fprintf(&b, `<button type="button" data-set-lang="%s">%s</button>`, l, html.EscapeString(uiStrings["lang."+string(l)].En))
	}
	b.WriteString("</nav>\n</header>\n<main>\n<div class=\"diagrams\">\n")
	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		fmt.Fprintf(&b, "<section class=\"diagram l-%s\" aria-label=\"%s\">\n", l, html.EscapeString(uiStrings["view.diagram"].In(l)))
		b.WriteString(both[l].Document(false))
		b.WriteString("</section>\n")
	}
	b.WriteString("</div>\n<div class=\"side\">\n")
	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		fmt.Fprintf(&b, "<p class=\"hint l-%s\">%s</p>\n", l, html.EscapeString(uiStrings["detail.hint"].In(l)))
	}
	b.WriteString("<aside id=\"detail\" class=\"detail\" hidden></aside>\n")
	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		runs := both[l].Runs()
		for _, run := range runs {
			b.WriteString(findingsHTML(run, l, len(runs) > 1))
		}
	}
	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		for _, run := range both[l].Runs() {
			info := run.Info
			if lesson == nil || info == nil || info.ID == 0 {
				continue
			}
			md := lesson(l, info.ID, info.Demo)
			if md == "" {
				continue
			}
			fmt.Fprintf(&b, "<section class=\"lesson l-%s\">\n%s</section>\n", l, LessonHTML(md))
		}
	}
	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		fmt.Fprintf(&b, "<p class=\"exported l-%s\">%s</p>\n", l, html.EscapeString(uiStrings["view.exported"].In(l)))
	}
	b.WriteString("</div>\n</main>\n")
	details, err := json.Marshal(en.Details())
	if err != nil {
		return err
	}
	words, err := json.Marshal(map[string]map[string]string{"en": UIStrings(lab.En, nil), "zh": UIStrings(lab.Zh, nil)})
	if err != nil {
		return err
	}
	// json.Marshal writes <, > and & as \u003c …, so no data ends the script.
	fmt.Fprintf(&b, "<script type=\"application/json\" id=\"lab-details\">%s</script>\n", details)
	fmt.Fprintf(&b, "<script type=\"application/json\" id=\"lab-strings\">%s</script>\n", words)
	b.WriteString("<script>\n")
	b.Write(Asset("detail.js"))
	b.Write(Asset("export.js"))
	b.WriteString("</script>\n</body>\n</html>\n")
	_, err = io.WriteString(w, b.String())
	return err
}

// htmlLang is the lang attribute of a language.
func htmlLang(l lab.Lang) string {
	if l == lab.Zh {
		return "zh-CN"
	}
	return "en"
}

// findingsHTML is "What happened" of one run in language l: each finding
// with ✓ or ✗, the markers of the calls it is about, its id and text, then
// the verdict; after several runs (lab run all) each names its run.
func findingsHTML(run SVGRun, l lab.Lang, several bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<section class=\"findings l-%s\">\n<h2>%s", l, html.EscapeString(uiStrings["view.findings"].In(l)))
	if several && run.Title != "" {
		fmt.Fprintf(&b, " <small>%s</small>", html.EscapeString(run.Title))
	}
	b.WriteString("</h2>\n<ul>\n")
	for _, f := range run.Findings {
		mark, class := "✓", "ok"
		if !f.OK {
			mark, class = "✗", "no"
		}
		b.WriteString("<li>")
		fmt.Fprintf(&b, `<span class="%s">%s</span> `, class, mark)
		if f.Markers != "" {
			fmt.Fprintf(&b, `<span class="markers">%s</span> `, html.EscapeString(f.Markers))
		}
		if f.ID != "" {
			fmt.Fprintf(&b, `<span class="fid">%s</span>: `, html.EscapeString(f.ID))
		}
		b.WriteString(html.EscapeString(f.Text.In(l)))
		b.WriteString("</li>\n")
	}
	b.WriteString("</ul>\n")
	if run.Summary != nil {
		v, how := Verdict(*run.Summary)
		fmt.Fprintf(&b, "<p class=\"verdict %s\">%s</p>\n", how, html.EscapeString(v.In(l)))
	} else if len(run.Findings) == 0 {
		fmt.Fprintf(&b, "<p class=\"verdict\">%s</p>\n", html.EscapeString(uiStrings["view.no-findings"].In(l)))
	}
	b.WriteString("</section>\n")
	return b.String()
}

// exportCSS lays the exported file out: the diagram beside the findings,
// the detail and the lesson on a wide screen, one above the other on a
// narrow one.
const exportCSS = `
body { margin: 0; font-family: var(--sans); color: var(--ink); background: var(--paper); font-size: 17px; }
header.top { display: flex; align-items: center; gap: 1em; padding: 0.5em 1em; border-bottom: 2px solid var(--line); }
header.top h1 { font-size: 1.3em; margin: 0; flex: 1; }
.langs button { font: inherit; padding: 0.2em 0.7em; cursor: pointer; }
.langs button[aria-pressed="true"] { font-weight: bold; border: 2px solid var(--accent); }
main { display: grid; grid-template-columns: minmax(0, 2fr) minmax(18em, 1fr); gap: 1.2em; padding: 1em; }
.side { min-width: 0; }
.side .detail { position: sticky; top: 0.5em; max-height: 60vh; overflow: auto; margin-bottom: 1em; }
.hint, .exported { color: var(--muted); font-size: 0.9em; }
@media (max-width: 1000px) { main { grid-template-columns: 1fr; } }
`
