package demos

import (
	"slices"
	"strings"
	"testing"

	"socketlab/lab"
)

// TestFTP30: demo 18's findings hold run after run, with two and with four
// users at once (the barriers make everyone log in before anyone puts, and
// the cut upload's end before its resumption).
func TestFTP30(t *testing.T) {
	repeatDemo(t, "ftp", 20, repeat{Sets: []string{"users=2"}, Short: 20, InOrder: true, Check: count(8)})
	repeatDemo(t, "ftp", 10, repeat{Sets: []string{"users=4", "size=1000001"}, Short: 10, InOrder: true, Check: count(8)})
}

// TestFTPFindingsCanFail: the findings read the trace, not a script: a
// trace without the resumed put or the refusal fails them.
func TestFTPFindingsCanFail(t *testing.T) {
	d, _ := Lookup("ftp")
	res := runDemo(t, d, lab.Options{})
	p, _ := lab.ParseParams(d.Knobs, nil)
	cut := res.Trace.Filter(func(e lab.Event) bool {
		b := string(e.Data)
		return !strings.Contains(b, `"status":100`) && !strings.Contains(b, `"status":403`)
	})
	bad := map[string]bool{}
	for _, f := range ftpFindings(cut, p) {
		if !f.OK {
			bad[f.ID] = true
		}
	}
	if !bad["resumed"] || !bad["refused"] || bad["stored"] {
		t.Errorf("findings failed on a trace without 100 and 403 replies: %v", bad)
	}
	// The password is in the login's bytes: the finding depends on it.
	hidden := res.Trace.Filter(func(e lab.Event) bool { return !strings.Contains(string(e.Data), `"password"`) })
	for _, f := range ftpFindings(hidden, p) {
		if f.ID == "login" && f.OK {
			t.Error("login holds without the login requests")
		}
	}
	// Headers and file bytes are found by their part ids: reworded labels
	// change no finding, lost ids fail every one that reads a header.
	for _, c := range []struct {
		what string
		mark func(*lab.Mark)
		ok   bool
	}{
		{"labels reworded", func(m *lab.Mark) { m.Label = lab.T("x", "x") }, true},
		{"part ids lost", func(m *lab.Mark) { m.Part = "" }, false},
	} {
		tr := slices.Clone(res.Trace)
		edit(tr, func(e lab.Event) bool { return len(e.Marks) > 0 }, func(e *lab.Event) {
			e.Marks = slices.Clone(e.Marks)
			for i := range e.Marks {
				c.mark(&e.Marks[i])
			}
		})
		for _, f := range ftpFindings(tr, p) {
			if f.OK != c.ok {
				t.Errorf("%s: finding %s ok = %v, want %v", c.what, f.ID, f.OK, c.ok)
			}
		}
	}
}
