package demos

import (
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"socketlab/lab"
	"socketlab/lessons"
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
	for mode, want := range stickyWant {
		t.Run(mode, func(t *testing.T) {
			ids := want.always
			if runtime.GOOS == "linux" {
				ids = append(slices.Clone(ids), want.linux...)
			}
			repeatDemo(t, "sticky", 200, repeat{Sets: []string{"mode=" + mode}, Short: 3, IDs: ids})
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
	for _, c := range cases {
		repeatDemo(t, "sticky", 5, repeat{Sets: c.sets, Short: 5, Want: map[string]bool{c.id: c.ok}})
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

// TestStickyNotesFollowTheirCalls: in every mode of demo 4, whatever calls
// a mode adds (a first byte "x", socket options, a second connection, the
// connections of a nagle retry), each step note stays on its call.
func TestStickyNotesFollowTheirCalls(t *testing.T) {
	d := sticky()
	for _, sets := range [][]string{
		{"mode=buffer"}, {"mode=nagle"}, {"mode=cork"}, {"mode=sleep"},
		{"mode=nagle", "nagle=off"}, {"mode=buffer", "nagle=on"},
	} {
		t.Run(strings.Join(sets, ","), func(t *testing.T) {
			checkStickyNotes(t, sets, announcements(t, d, sets...))
		})
	}
	// A pause before every call longer than the delayed ACK defeats the
	// nagle recipe: the writer retries on new connections, up to
	// maxAttempts. The notes must stay on their calls on every one.
	t.Run("nagle-retries", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("the retries follow the segment counts of Linux's TCP_INFO")
		}
		slow := lab.NewStepper(strings.NewReader(""), io.Discard, lab.En, false, 60*time.Millisecond)
		res := runDemo(t, d, lab.Options{Step: slow}, "mode=nagle")
		if n := len(res.Trace.Calls(lab.Client, lab.OpConnect)); n != maxAttempts {
			t.Fatalf("%d connections, want %d: the recipe should have failed on every attempt", n, maxAttempts)
		}
		checkStickyNotes(t, []string{"mode=nagle"}, recordedNotes(t, d, res.Trace))
	})
}

// recordedNotes pairs each call of a trace with the note step mode shows
// before it: the lookup by the side, step name and op the call recorded
// (the announcements themselves are checked by announcements).
func recordedNotes(t *testing.T, d lab.Demo, tr lab.Trace) []announced {
	notes := notesOf(t, d)
	steps, err := lessons.Steps("en", d.ID, d.Slug)
	if err != nil {
		t.Fatal(err)
	}
	var out []announced
	for _, e := range tr {
		if !e.Op.IsCall() || e.Side == lab.System {
			continue
		}
		n, _ := notes(e.Side, e.Step, e.Op)
		out = append(out, announced{n.En, noteKey(steps, e), e})
	}
	return out
}

// checkStickyNotes checks the notes of one run of demo 4 by the key each
// call's note was looked up under (side.step, else side.op), not by its
// words: the merge note (server.read-queued) is announced over the recv
// that got every message, and only there; the note about a prompt read
// (server.read-promptly) over the reads that got part of them; the note
// about an empty read (server.recv) over the empty reads; each send's note
// is the one of the message it sends, each socket option's note the one of
// the option and its value.
func checkStickyNotes(t *testing.T, sets []string, anns []announced) {
	t.Helper()
	p, _ := lab.ParseParams(sticky().Knobs, sets)
	total := len(strings.Join(stickyMessages(p.String("mode")), ""))
	// The socket options the demo sets, by the value the call shows.
	optNote := map[string]string{
		"TCP_QUICKACK 0": "server.delay-ack",
		"TCP_NODELAY 0":  "client.nagle-on",
		"TCP_CORK 1":     "client.cork",
		"TCP_CORK 0":     "client.uncork",
	}
	merged := 0
	for _, a := range anns {
		e, key := a.e, a.key
		glued := key == "server.read-queued"
		switch {
		case e.Side == lab.Server && e.Op == lab.OpRecv:
			if glued {
				merged++
			}
			prompt := key == "server.read-promptly"
			eof := key == "server.recv"
			switch {
			case e.N == 0 && !eof, e.N > 0 && eof:
				t.Errorf("%s → %d bytes was announced with %s: %q", e.Call, e.N, key, a.note)
			case glued && (e.N != total || !e.Key):
				t.Errorf("the merge note was announced over a recv of %q (key %v), not of all %d bytes", e.Data, e.Key, total)
			case e.N > 0 && e.N < total && !prompt:
				t.Errorf("a prompt read of %q was announced with %s: %q", e.Data, key, a.note)
			}
		case e.Side == lab.Client && e.Op == lab.OpSend:
			if key != "client.send-"+string(e.Data) {
				t.Errorf("the send of %q was announced with %s: %q", e.Data, key, a.note)
			}
		case e.Op == lab.OpSetOpt:
			// setsockopt(IPPROTO_TCP, TCP_CORK, 1) → "TCP_CORK 1"
			args := strings.Split(strings.TrimSuffix(e.Call, ")"), ", ")
			if opt := args[len(args)-2] + " " + args[len(args)-1]; key != optNote[opt] {
				t.Errorf("%s %s was announced with %s, want %s: %q", e.Side, e.Call, key, optNote[opt], a.note)
			}
		}
		if glued && (e.Side != lab.Server || e.Op != lab.OpRecv) {
			t.Errorf("the merge note was announced over %s %s", e.Side, e.Call)
		}
	}
	if merged == 0 {
		t.Error("no recv was announced with the merge note")
	}
}

// TestStickyEvidence: each finding of demo 4 points at the key events a
// learner should look at: the recv that got the messages merged (or, in
// part 1 of sleep, the reads that got them apart), the reader's note on
// the kernel's segment count, and in mode=nagle the last send, which
// returned at once while its bytes waited.
func TestStickyEvidence(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the segment counts come from Linux's TCP_INFO")
	}
	d := sticky()
	for mode, want := range map[string]map[string][]string{
		"buffer": {"merged": {"read-queued"}, "where": {"segments", "read-queued"}},
		"nagle":  {"merged": {"send-world", "read-queued"}, "nagle": {"segments"}, "stall": {"send-world"}},
		"cork":   {"merged": {"read-queued"}, "cork": {"segments"}},
		"sleep":  {"apart": {"read-promptly"}, "hidden": {"read-queued"}},
	} {
		res := runDemo(t, d, lab.Options{}, "mode="+mode)
		for id, steps := range want {
			var got []string
			for _, e := range keyCalls(evidenceOf(t, res, id)) {
				if !slices.Contains(got, e.Step) {
					got = append(got, e.Step)
				}
			}
			if !slices.Equal(got, steps) {
				t.Errorf("mode=%s: finding %s points at key events %v, want %v", mode, id, got, steps)
			}
		}
	}
}
