package render

import (
	"bytes"
	"strings"
	"testing"

	"socketlab/lab"
)

// TestSelectCell: a selector's calls are drawn with the socket and, for
// select(), what it returned, in the run's language; the JSON keeps the
// op, the count and both texts.
func TestSelectCell(t *testing.T) {
	evs := []lab.Event{
		{Seq: 1, Side: lab.Server, Op: lab.OpSelect, Conn: 1, Call: "sel.register(server, EVENT_READ)"},
		{Seq: 2, Side: lab.Server, Op: lab.OpSelect, Call: "sel.select()", N: 2, Text: lab.T("2 ready: #4, #5", "2 个就绪：#4、#5")},
	}
	for _, c := range []struct {
		lang lab.Lang
		want []string
	}{
		{lab.En, []string{"#1 sel.register(server, EVENT_READ)", "sel.select() → 2 ready: #4, #5"}},
		{lab.Zh, []string{"#1 sel.register(server, EVENT_READ)", "sel.select() → 2 个就绪：#4、#5"}},
	} {
		var b bytes.Buffer
		r := NewText(&b, Options{Lang: c.lang, Width: 120})
		for _, e := range evs {
			r.Emit(e)
		}
		r.Finish()
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: no %q in\n%s", c.lang, w, b.String())
			}
		}
	}
	var b bytes.Buffer
	j := NewJSON(&b, lab.En)
	j.Emit(evs[1])
	j.Finish()
	for _, w := range []string{`"op":"select"`, `"call":"sel.select()"`, `"text":"2 ready: #4, #5"`, `"zh":"2 个就绪：#4、#5"`} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("JSON: no %s in %s", w, b.String())
		}
	}
}
