package demos

import (
	"slices"
	"testing"
	"unicode/utf8"

	"socketlab/lab"
)

// smallBufferSettings are knob settings of demo 3 with reads of every kind:
// many pieces, one piece, no split character, a split in every read.
var smallBufferSettings = [][]string{nil, {"buf=1"}, {"buf=3"}, {"buf=65536"}, {"msg=你好，世界", "buf=4"}}

// TestSmallBufferEvidence: the key calls of demo 3 are part 1's data reads
// (read-piece) and its empty read (eof), and the reads of part 2 that cut a
// character; each finding points at its own.
func TestSmallBufferEvidence(t *testing.T) {
	d, _ := Lookup("small-buffer")
	for _, sets := range smallBufferSettings {
		res := runDemo(t, d, lab.Options{}, sets...)
		part1, part2 := clientReads(res.Trace, 1), clientReads(res.Trace, 2)
		for i, e := range part1 {
			want := "read-piece"
			if i == len(part1)-1 {
				want = "eof"
			}
			if !e.Key || e.Step != want || (want == "eof") != (e.N == 0) {
				t.Errorf("%v: part 1 read %d (%d bytes) is step %q key %v, want key %s", sets, i+1, e.N, e.Step, e.Key, want)
			}
		}
		for _, e := range part2 {
			if split := e.N > 0 && !utf8.Valid(e.Data); e.Key != split {
				t.Errorf("%v: part 2 read % x: key %v, splits a character %v", sets, e.Data, e.Key, split)
			}
		}
		for id, want := range map[string]string{"pieces": "read-piece", "eof": "eof", "split": "read-utf8"} {
			keys := keyCalls(evidenceOf(t, res, id))
			split := slices.ContainsFunc(part2, func(e lab.Event) bool { return e.Key })
			if id == "split" && !split {
				if len(keys) > 0 {
					t.Errorf("%v: split points at %v though no read split a character", sets, steps(keys))
				}
				continue
			}
			if len(keys) == 0 || slices.ContainsFunc(keys, func(e lab.Event) bool { return e.Step != want }) {
				t.Errorf("%v: finding %s points at key calls %v, want %s", sets, id, steps(keys), want)
			}
		}
		if fix := steps(keyCalls(evidenceOf(t, res, "fix"))); !slices.Contains(fix, "fix") {
			t.Errorf("%v: finding fix points at %v, not at the notes that show the fix", sets, fix)
		}
	}
}

// TestSmallBufferNotesFollowTheirCalls: whatever buf makes of the reads,
// the empty read of part 1 is announced as the end of the loop, and no
// read that returned bytes is.
func TestSmallBufferNotesFollowTheirCalls(t *testing.T) {
	d, _ := Lookup("small-buffer")
	for _, sets := range smallBufferSettings {
		anns := announcements(t, d, sets...)
		ends := 0
		for _, a := range anns {
			if a.e.Side != lab.Client || a.e.Op != lab.OpRecv {
				continue
			}
			// The notes that say the loop ends: the empty read's own, and
			// the one of a recv the demo did not name.
			end := a.key == "client.eof" || a.key == "client.recv"
			if a.e.N == 0 && !end || a.e.N > 0 && end {
				t.Errorf("%v: %s → %d bytes was announced with %s (%q)", sets, a.e.Call, a.e.N, a.key, a.note)
			}
			if a.e.N > 0 && (a.e.Step == "read-utf8") != (a.key == "client.read-utf8") {
				t.Errorf("%v: part 2 read %q was announced with %s (%q)", sets, a.e.Data, a.key, a.note)
			}
			if end {
				ends++
			}
		}
		if ends != 2 {
			t.Errorf("%v: %d reads announced as the end of the loop, want 2 (one per part)", sets, ends)
		}
	}
}
