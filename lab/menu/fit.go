package menu

import (
	"strings"
	"unicode"

	"socketlab/lab/render"
)

// Every line the menu draws stays at least one cell short of the terminal's
// width: a line that reaches the last column may wrap on some terminals, and
// promptui redraws by counting lines, so one wrapped line misdraws the menu.
const margin = 1

// itemPrefix is what promptui and the templates put before an item's label:
// the scroll mark ("↑", "↓" or a space), a space, the cursor ("▸" or a
// space) and a space.
const itemPrefix = 4

// Fit cuts s to at most cols terminal cells, measured as the terminal shows
// them: escape codes take no cells and CJK characters two. A cut label ends
// in "…". Control characters (a newline would break promptui's redrawing)
// become spaces.
func Fit(s string, cols int) string {
	return render.Fit(clean(s), cols)
}

// LineCols is how many cells a line of a terminal cols wide may use.
func LineCols(cols int) int { return cols - margin }

// LabelCols is how many cells an item's label may use on a terminal cols wide.
func LabelCols(cols int) int { return cols - itemPrefix - margin }

// clean removes escape codes and turns control characters into spaces.
func clean(s string) string {
	s = render.StripANSI(s)
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// wrap breaks s into at most max lines (any number if max is 0) of at
// most cols cells; the last one ends in "…" when s does not fit.
func wrap(s string, cols, max int) []string {
	if s == "" {
		return nil
	}
	lines := render.Wrap(clean(s), cols)
	if max > 0 && len(lines) > max {
		rest := strings.Join(lines[max-1:], " ")
		lines = append(lines[:max-1], render.Fit(rest, cols))
	}
	return lines
}
