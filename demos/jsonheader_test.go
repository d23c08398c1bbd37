package demos

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"socketlab/lab"
)

func TestJSONHeaderManyRuns(t *testing.T) {
	all := map[string]bool{"parts": true, "meta": true, "checksum": true, "grow": true}
	repeatDemo(t, "json-header", 50, repeat{Short: 3, Want: all})
}

func TestJSONHeaderKnobs(t *testing.T) {
	for _, c := range []struct {
		sets []string
		want map[string]bool
	}{
		{[]string{"meta=minimal"}, map[string]bool{"parts": true, "meta": false, "checksum": false, "grow": false}},
		{[]string{"size=0"}, map[string]bool{"parts": true, "meta": true, "checksum": true, "grow": true}},
		{[]string{"size=1"}, map[string]bool{"parts": true, "meta": true, "checksum": true, "grow": true}},
		{[]string{"size=256KiB"}, map[string]bool{"parts": true, "meta": true, "checksum": true, "grow": true}},
		{[]string{"size=0", "meta=minimal"}, map[string]bool{"parts": true, "meta": false}},
	} {
		t.Run(fmt.Sprint(c.sets), func(t *testing.T) {
			repeatDemo(t, "json-header", 1, repeat{Sets: c.sets, Want: c.want})
		})
	}
}

func TestReportBody(t *testing.T) {
	for _, n := range []int{0, 1, 52, 53, 54, 256 << 10} {
		if got := len(reportBody(n)); got != n {
			t.Errorf("reportBody(%d) has %d bytes", n, got)
		}
	}
}

func TestCannedOutput(t *testing.T) {
	if n := len(CannedOutput("ls -l")); n <= 1024 || n > 2048 {
		t.Errorf("ls -l output is %d bytes, want more than a recv(1024) and at most 2 KiB", n)
	}
	if got := string(CannedOutput("  whoami\n")); got != "learner\n" {
		t.Errorf("whoami = %q", got)
	}
	for _, cmd := range []string{"rm -rf /", "", "x\x00y", strings.Repeat("你", 100)} {
		out := CannedOutput(cmd)
		if !strings.Contains(string(out), "command not found") || len(out) > 400 {
			t.Errorf("CannedOutput(%q) = %q", cmd, out)
		}
		if !utf8.Valid(out) && utf8.ValidString(cmd) {
			t.Errorf("CannedOutput(%q) cut a character: %q", cmd, out)
		}
	}
}

// TestJSONHeaderFindingsCanFail: the findings check the client's stream by
// counts and digests (the trace keeps only the head of a 256 KiB body), so
// one changed or lost byte anywhere must make every finding fail.
func TestJSONHeaderFindingsCanFail(t *testing.T) {
	d, _ := Lookup("json-header")
	lastRead := func(tr lab.Trace) int {
		reads := clientReads(tr, 1)
		for i := range tr {
			if tr[i].Seq == reads.Last().Seq {
				return i
			}
		}
		t.Fatal("no client read")
		return 0
	}
	firstSend := func(tr lab.Trace) int {
		for i, e := range tr {
			if e.Side == lab.Server && e.Op == lab.OpSendAll {
				return i
			}
		}
		t.Fatal("no server sendall")
		return 0
	}
	flip := func(e *lab.Event) {
		e.Sum.Hash ^= 1
	}
	for _, size := range []string{"3000", "256KiB"} {
		p, err := lab.ParseParams(d.Knobs, []string{"size=" + size})
		if err != nil {
			t.Fatal(err)
		}
		res := runDemo(t, d, lab.Options{}, "size="+size)
		for _, f := range d.Findings(res.Trace, p) {
			if !f.OK {
				t.Fatalf("size=%s: finding %s did not hold on the real trace: %s", size, f.ID, f.Text.En)
			}
		}
		for _, c := range []struct {
			what   string
			tamper func(lab.Trace)
		}{
			{"a byte the client read changed", func(tr lab.Trace) { flip(&tr[lastRead(tr)]) }},
			{"a byte the server sent changed", func(tr lab.Trace) { flip(&tr[firstSend(tr)]) }},
			{"the client's last byte lost", func(tr lab.Trace) { tr[lastRead(tr)].N-- }},
		} {
			tr := slices.Clone(res.Trace)
			c.tamper(tr)
			for _, f := range d.Findings(tr, p) {
				if f.OK {
					t.Errorf("size=%s, %s: finding %s held: %s", size, c.what, f.ID, f.Text.En)
				}
			}
		}
		// The parts are found by their ids, not their labels' words:
		// reworded labels change nothing, lost ids fail "parts".
		for _, c := range []struct {
			what string
			mark func(*lab.Mark)
			want bool
		}{
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
				if f.ID == "parts" && f.OK != c.want {
					t.Errorf("size=%s, %s: finding parts ok = %v, want %v", size, c.what, f.OK, c.want)
				}
			}
		}
	}
}
