package demos

import (
	"runtime"
	"slices"
	"testing"

	"socketlab/lab"
)

// stickyWant are the findings each mode of demo 4 must report. The ones
// read from the kernel's segment counts exist only where TCP_INFO does.
var stickyWant = map[string]struct{ always, linux []string }{
	"buffer": {[]string{"merged"}, []string{"where"}},
	"nagle":  {[]string{"merged"}, []string{"nagle", "stall"}},
	"cork":   {[]string{"merged"}, []string{"cork"}},
	"sleep":  {[]string{"apart", "hidden"}, nil},
}

// TestStickyEveryRun runs every mode of demo 4 many times: the recipes must
// force the phenomenon every time, not most of the time.
func TestStickyEveryRun(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 3
	}
	d := sticky()
	for mode, want := range stickyWant {
		t.Run(mode, func(t *testing.T) {
			ids := want.always
			if runtime.GOOS == "linux" {
				ids = append(slices.Clone(ids), want.linux...)
			}
			for i := range n {
				res := runDemo(t, d, lab.Options{}, "mode="+mode)
				var got []string
				for _, f := range res.Findings {
					got = append(got, f.ID)
					if !f.OK {
						t.Fatalf("run %d of %d: finding %s did not hold: %s", i+1, n, f.ID, f.Text.En)
					}
				}
				if !slices.Equal(got, ids) {
					t.Fatalf("run %d: findings %v, want %v", i+1, got, ids)
				}
			}
		})
	}
}

// TestStickyKnobs checks that a knob that hides a phenomenon makes its
// finding say so (✗) instead of claiming it.
func TestStickyKnobs(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the segment counts come from Linux's TCP_INFO")
	}
	cases := []struct {
		sets []string
		id   string
		ok   bool
	}{
		{[]string{"mode=nagle", "nagle=off"}, "nagle", false},
		{[]string{"mode=nagle", "nagle=off"}, "merged", true},
		{[]string{"mode=cork", "nagle=on"}, "cork", true},
		{[]string{"mode=buffer", "nagle=off"}, "where", true},
	}
	d := sticky()
	for _, c := range cases {
		for range 5 {
			res := runDemo(t, d, lab.Options{}, c.sets...)
			i := slices.IndexFunc(res.Findings, func(f lab.Finding) bool { return f.ID == c.id })
			if i < 0 {
				t.Fatalf("%v: no finding %s", c.sets, c.id)
			}
			if f := res.Findings[i]; f.OK != c.ok {
				t.Fatalf("%v: finding %s ok = %v, want %v: %s", c.sets, c.id, f.OK, c.ok, f.Text.En)
			}
		}
	}
}

// TestStickySegments checks the kernel's counts in the trace itself: in
// mode=nagle the writer's count stays at 1 over three sends (segments
// [1, 10]); in mode=buffer each send is its own segment.
func TestStickySegments(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("TCP_INFO is Linux-only")
	}
	d := sticky()
	for _, c := range []struct {
		mode    string
		out, in []int
	}{
		{"nagle", []int{1, 1, 1, 2}, []int{2}},
		{"buffer", []int{2}, []int{2}},
		{"cork", []int{1}, []int{1}},
	} {
		res := runDemo(t, d, lab.Options{}, "mode="+c.mode)
		var out, in []int
		for _, e := range res.Trace {
			if e.Op == lab.OpSegments && e.Call == lab.CallSegsOut {
				out = append(out, e.Segs)
			}
			if e.Op == lab.OpSegments && e.Call == lab.CallSegsIn {
				in = append(in, e.Segs)
			}
		}
		if !slices.Equal(out, c.out) || !slices.Equal(in, c.in) {
			t.Errorf("mode=%s: segments out %v in %v, want %v %v", c.mode, out, in, c.out, c.in)
		}
	}
}
