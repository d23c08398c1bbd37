package demos

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"socketlab/lab"
)

// findingsOf runs a demo and returns its findings by id.
func findingsOf(t *testing.T, slug string, sets ...string) map[string]lab.Finding {
	t.Helper()
	d, err := Lookup(slug)
	if err != nil {
		t.Fatal(err)
	}
	res := runDemo(t, d, lab.Options{}, sets...)
	out := map[string]lab.Finding{}
	for _, f := range res.Findings {
		out[f.ID] = f
	}
	return out
}

// wantFindings checks that each listed finding exists and came out as want.
func wantFindings(t *testing.T, got map[string]lab.Finding, want map[string]bool) {
	t.Helper()
	for id, ok := range want {
		f, found := got[id]
		if !found {
			t.Errorf("no finding %s", id)
			continue
		}
		if f.OK != ok {
			t.Errorf("finding %s ok = %v, want %v: %s", id, f.OK, ok, f.Text.En)
		}
	}
}

func TestJSONHeaderManyRuns(t *testing.T) {
	n := 50
	if testing.Short() {
		n = 3
	}
	all := map[string]bool{"parts": true, "meta": true, "checksum": true, "grow": true}
	for i := range n {
		got := findingsOf(t, "json-header")
		wantFindings(t, got, all)
		if t.Failed() {
			t.Fatalf("run %d of %d", i+1, n)
		}
	}
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
			wantFindings(t, findingsOf(t, "json-header", c.sets...), c.want)
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
