package render

import (
	"strings"

	"socketlab/lab/view"
)

// tagged lays out an event of a forked side (one of several clients, or a
// server's handler goroutine): the cell is drawn narrower and its first line
// starts with the tag, "[c2] connect(…)" (with the user logged in on it,
// "[c2 alice] recv(4)"), the other lines indented under it.
func (r *Text) tagged(it view.Item, w int) []line {
	tag := "[" + it.Event.Who + "] "
	if u := it.Event.User; u != "" {
		tag = "[" + it.Event.Who + " " + u + "] "
	}
	tw := Width(tag)
	inner := it
	inner.Event.Who, inner.Event.User = "", ""
	out := r.cell(inner, max(w-tw, 12))
	for i := range out {
		if i == 0 {
			out[i].text = tag + out[i].text
		} else {
			out[i].text = strings.Repeat(" ", tw) + out[i].text
		}
	}
	return out
}
