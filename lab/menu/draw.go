package menu

// How a Select is drawn: how many items fit, the key help, the colours,
// promptui's templates.

import (
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/manifoldco/promptui"

	"socketlab/lab"
	"socketlab/lab/render"
)

// Lines of a Select besides its items: the key help and the title above,
// at most maxDetail(rows) lines of detail below, and one to spare.
const selectRest = 3

// maxDetail is how many lines an item's detail may take on a terminal rows
// high: 3, and up to 6 on a tall one, so that a long knob help is seen
// whole.
func maxDetail(rows int) int { return max(3, min(6, rows/6)) }

// visible is how many items a Select shows at once: all of them if the
// terminal has the rows, else as many as fit (at least 3).
func visible(items []Item, cols, rows int) int {
	detail := 1
	for _, it := range items {
		detail = max(detail, len(wrap(it.Detail, LineCols(cols)-2, maxDetail(rows))))
	}
	return max(1, min(len(items), max(3, rows-selectRest-detail)))
}

// Terminal codes.
const (
	showCursor = "\x1b[?25h"
	clearLine  = "\x1b[2K"
	lineUp     = "\x1b[1A"
	bold       = "1"
	faint      = "2"
	red        = "31"
	cyan       = "36"
)

// paint gives s the attribute code, when colour is on.
func (t *Terminal) paint(code, s string) string {
	if !t.Color || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// keyHelp is the line of key help above a menu: how to move, how to choose
// (Enter, or the numbers), and how to go back or quit (top). short leaves
// out how to move, for a narrow terminal.
func (t *Terminal) keyHelp(top bool, numbers map[int]int) (help, short string) {
	choose := lab.T("Enter: choose", "回车：选择")
	if len(numbers) > 0 {
		lo, hi := math.MaxInt, math.MinInt
		for n := range numbers {
			lo, hi = min(lo, n), max(hi, n)
		}
		nums := strconv.Itoa(lo)
		if hi > lo {
			nums += "–" + strconv.Itoa(hi)
		}
		choose = lab.Tf("Enter or %s: choose", "回车或 %s：选择", nums)
	}
	leave := lab.T("Esc/←/q: back", "Esc/←/q：返回")
	if top {
		leave = lab.T("q: quit", "q：退出")
	}
	short = choose.In(t.Lang) + " · " + leave.In(t.Lang)
	return lab.T("↑/↓ move", "↑/↓ 移动").In(t.Lang) + " · " + short, short
}

// selectTemplates draws every line of a Select through funcs that cut it to
// the terminal's width now and add colour only when it is on; help and
// short are the key help, and a shorter one for when it does not fit.
func (t *Terminal) selectTemplates(help, short string) *promptui.SelectTemplates {
	line := func() int { c, _ := t.size(); return LineCols(c) }
	label := func() int { c, _ := t.size(); return LabelCols(c) }
	return &promptui.SelectTemplates{
		Label:    `{{ title . }}`,
		Active:   `{{ active .Label }}`,
		Inactive: `{{ inactive .Label }}`,
		Selected: `{{ inactive .Label }}`,
		Details:  `{{ detail .Detail }}`,
		Help:     `{{ help }}`,
		FuncMap: template.FuncMap{
			"title":    func(s string) string { return t.paint(bold, Fit(s, line())) },
			"active":   func(s string) string { return t.paint(cyan, "▸ "+Fit(s, label())) },
			"inactive": func(s string) string { return "  " + Fit(s, label()) },
			"help": func() string {
				if render.Width(help) > line() {
					return t.paint(faint, Fit(short, line()))
				}
				return t.paint(faint, help)
			},
			"detail": func(s string) string {
				_, rows := t.size()
				lines := wrap(s, line()-2, maxDetail(rows))
				for i, l := range lines {
					lines[i] = "  " + t.paint(faint, l)
				}
				return strings.Join(lines, "\n")
			},
		},
	}
}
