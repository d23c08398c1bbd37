package demos

import (
	"fmt"
	"slices"
	"testing"

	"socketlab/lab"
)

// TestRemoteCmdManyRuns proves the recipe: with framing=none the answers
// fall out of step every run; with a header they are in step every run.
func TestRemoteCmdManyRuns(t *testing.T) {
	for _, c := range []struct {
		framing string
		runs    int
		want    map[string]bool
	}{
		{"none", 200, map[string]bool{"cut": true, "drift": true, "stream": true, "safe": true}},
		{"struct", 200, map[string]bool{"cut": true, "in-step": true, "safe": true}},
		{"json", 50, map[string]bool{"cut": true, "in-step": true, "safe": true}},
	} {
		t.Run(c.framing, func(t *testing.T) {
			repeatDemo(t, "remote-cmd", c.runs, repeat{Sets: []string{"framing=" + c.framing}, Short: 3, Want: c.want, Check: count(len(c.want))})
		})
	}
}

func TestRemoteCmdKnobs(t *testing.T) {
	for _, c := range []struct {
		sets []string
		want map[string]bool
	}{
		// A buffer that holds the longest answer hides the bug.
		{[]string{"buf=2048"}, map[string]bool{"cut": false, "drift": false, "stream": true, "safe": true}},
		{[]string{"buf=1511"}, map[string]bool{"cut": false, "drift": false, "stream": true}},
		{[]string{"buf=1510"}, map[string]bool{"cut": true, "drift": true, "stream": true}},
		{[]string{"buf=1"}, map[string]bool{"cut": true, "drift": true, "stream": true}},
		{[]string{"buf=10"}, map[string]bool{"cut": true, "drift": true, "stream": true}},
		{[]string{"framing=struct", "buf=1"}, map[string]bool{"cut": true, "in-step": true}},
		{[]string{"framing=struct", "buf=65536"}, map[string]bool{"cut": false, "in-step": true}},
		{[]string{"framing=json", "buf=7"}, map[string]bool{"cut": true, "in-step": true}},
	} {
		t.Run(fmt.Sprint(c.sets), func(t *testing.T) {
			repeatDemo(t, "remote-cmd", 1, repeat{Sets: c.sets, Want: c.want})
		})
	}
}

// Framed, the answers' output is found by its part id: reworded labels
// keep the answers in step, lost ids put them out of step.
func TestRemoteCmdOutputByPart(t *testing.T) {
	d, _ := Lookup("remote-cmd")
	for _, framing := range []string{"struct", "json"} {
		sets := []string{"framing=" + framing, "buf=7"}
		p, err := lab.ParseParams(d.Knobs, sets)
		if err != nil {
			t.Fatal(err)
		}
		res := runDemo(t, d, lab.Options{}, sets...)
		for _, c := range []struct {
			what string
			mark func(*lab.Mark)
			want bool
		}{
			{"as run", func(*lab.Mark) {}, true},
			{"labels reworded", func(m *lab.Mark) { m.Label = lab.T("x", "x") }, true},
			{"part ids lost", func(m *lab.Mark) { m.Part = "" }, false},
		} {
			tr := slices.Clone(res.Trace)
			edit(tr, func(e lab.Event) bool { return e.Side == lab.Client && e.Op == lab.OpRecv && len(e.Marks) > 0 },
				func(e *lab.Event) {
					e.Marks = slices.Clone(e.Marks)
					for i := range e.Marks {
						c.mark(&e.Marks[i])
					}
				})
			for _, f := range d.Findings(tr, p) {
				if f.ID == "in-step" && f.OK != c.want {
					t.Errorf("framing=%s, %s: in-step ok = %v, want %v", framing, c.what, f.OK, c.want)
				}
			}
		}
	}
}
