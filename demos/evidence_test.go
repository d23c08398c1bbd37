package demos

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"socketlab/lab"
)

// keySteps returns, for each finding of a run, the names of the key calls
// and notes among its evidence: the markers the views put before it.
func keySteps(t *testing.T, res lab.Result) map[string][]string {
	t.Helper()
	bySeq := map[int]lab.Event{}
	for _, e := range res.Trace {
		bySeq[e.Seq] = e
	}
	out := map[string][]string{}
	for _, e := range res.Trace {
		if e.Op != lab.OpFinding {
			continue
		}
		if len(e.Evidence) == 0 {
			t.Errorf("finding %s points at nothing", e.ID)
		}
		steps := map[string]bool{}
		for _, s := range e.Evidence {
			if ev := bySeq[s]; ev.Key {
				steps[ev.Step] = true
			}
		}
		out[e.ID] = slices.Sorted(maps.Keys(steps))
	}
	return out
}

// TestFindingsPointAtKeyCalls: each finding of demos 6, 7, 8, 10 and 11
// points at the calls it is about, and among them at the key calls a
// student should look at, and at no other; a key call marked only when it
// shows its phenomenon (KeyIf) is not marked when a knob hides it.
func TestFindingsPointAtKeyCalls(t *testing.T) {
	for _, c := range []struct {
		demo string
		sets []string
		want map[string][]string // finding → its key steps, sorted
	}{
		{"json-header", nil, map[string][]string{
			"parts": {"read-body", "read-json", "read-length"}, "meta": {"read-json"},
			"checksum": {"read-body"}, "grow": {"read-json"}}},
		{"json-header", []string{"size=256KiB"}, map[string][]string{
			"parts": {"read-body", "read-json", "read-length"}, "meta": {"read-json"},
			"checksum": {"read-body"}, "grow": {"read-json"}}},
		{"objects", nil, map[string][]string{"pieces": {"read-header"}, "equal": {"decoded"}, "refused": {"refuse"}}},
		{"objects", []string{"buf=1"}, map[string][]string{"pieces": {"read-header"}, "equal": {"decoded"}, "refused": {"refuse"}}},
		{"loops", nil, map[string][]string{"communication": nil, "connection": {"client-left"}, "spin": {"spin"}}},
		{"remote-cmd", nil, map[string][]string{
			"cut": {"answer-ls"}, "drift": {"answer-whoami"}, "stream": {"answer-ls", "answer-whoami"}, "safe": {"not-found"}}},
		{"remote-cmd", []string{"buf=2048"}, map[string][]string{
			"cut": nil, "drift": nil, "stream": nil, "safe": {"not-found"}}},
		{"remote-cmd", []string{"framing=struct"}, map[string][]string{
			"cut": {"output-ls"}, "in-step": {"output-ls", "output-whoami"}, "safe": {"not-found"}}},
		{"remote-cmd", []string{"framing=json", "buf=65536"}, map[string][]string{
			"cut": nil, "in-step": {"output-whoami"}, "safe": {"not-found"}}},
		{"concurrent", nil, map[string][]string{
			"queued": {"accept-queued"}, "one-at-a-time": {"accept-queued"},
			"together": {"accept-at-once"}, "handlers": {"accept-at-once"}}},
	} {
		t.Run(fmt.Sprint(c.demo, c.sets), func(t *testing.T) {
			d, err := Lookup(c.demo)
			if err != nil {
				t.Fatal(err)
			}
			got := keySteps(t, runDemo(t, d, lab.Options{}, c.sets...))
			if len(got) != len(c.want) {
				t.Errorf("findings %v, want %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(c.want)))
			}
			for id, want := range c.want {
				if steps, ok := got[id]; !ok || !slices.Equal(steps, want) {
					t.Errorf("finding %s points at the key calls %v, want %v", id, steps, want)
				}
			}
		})
	}
}
