package demos

import (
	"io"
	"strings"
	"sync"
	"testing"

	"socketlab/lab"
	"socketlab/lessons"
)

// announced is one step announcement and the call it announced.
type announced struct {
	note string    // the step note shown
	key  string    // the key it was looked up under: "server.recv", "client.send-hello"
	e    lab.Event // the call as recorded
}

// announcements runs d in step mode (every prompt answered at once) and
// pairs each announcement with the call it announced: a side's calls are
// made one after another, so its k-th announcement is its k-th call.
func announcements(t *testing.T, d lab.Demo, sets ...string) []announced {
	t.Helper()
	type who struct {
		side lab.Role
		tag  string
	}
	var mu sync.Mutex
	anns := map[who][]lab.Announcement{}
	step := lab.NewStepper(strings.NewReader(strings.Repeat("\n", 100000)), io.Discard, lab.En, true, 0)
	step.Show = func(a lab.Announcement, l lab.Lang) string {
		mu.Lock()
		defer mu.Unlock()
		k := who{a.Side, a.Who}
		anns[k] = append(anns[k], a)
		return ""
	}
	res := runDemo(t, d, lab.Options{Step: step, Notes: notesOf(t, d)}, sets...)
	steps, err := lessons.Steps("en", d.ID, d.Slug)
	if err != nil {
		t.Fatal(err)
	}
	var out []announced
	seen := map[who]int{}
	for _, e := range res.Trace {
		if !e.Op.IsCall() || e.Side == lab.System {
			continue
		}
		k := who{e.Side, e.Who}
		i := seen[k]
		seen[k]++
		if i >= len(anns[k]) {
			t.Fatalf("%s [%s]: call %d (%s) was never announced", e.Side, e.Who, i+1, e.Call)
		}
		a := anns[k][i]
		if a.Call != e.Call {
			t.Fatalf("%s [%s]: announcement %d was %s, the call %s", e.Side, e.Who, i+1, a.Call, e.Call)
		}
		out = append(out, announced{a.Note.En, noteKey(steps, e), e})
	}
	return out
}

// notesOf is the lookup lab run uses: side.step, then side.op.
func notesOf(t *testing.T, d lab.Demo) lab.NoteFunc {
	notes, err := lessons.Steps("en", d.ID, d.Slug)
	if err != nil {
		t.Fatal(err)
	}
	return func(role lab.Role, step string, op lab.Op) (lab.Text, bool) {
		for _, k := range []string{string(role) + "." + step, string(role) + "." + op.String()} {
			if n, ok := notes[k]; ok && (step != "" || k == string(role)+"."+op.String()) {
				return lab.T(n, n), true
			}
		}
		return lab.Text{}, false
	}
}

// noteKey is the key of the step note notesOf finds for e: side.step if
// the steps file has it, else side.op; "" if neither. Tests tell notes
// apart by it, never by their words.
func noteKey(notes map[string]string, e lab.Event) string {
	if k := string(e.Side) + "." + e.Step; e.Step != "" && notes[k] != "" {
		return k
	}
	if k := string(e.Side) + "." + e.Op.String(); notes[k] != "" {
		return k
	}
	return ""
}

// announcedOn finds the announcement of the first call for which match
// holds.
func announcedOn(anns []announced, match func(lab.Event) bool) (announced, bool) {
	for _, a := range anns {
		if match(a.e) {
			return a, true
		}
	}
	return announced{}, false
}

// noteOn finds the note announced before the first call for which match
// holds.
func noteOn(anns []announced, match func(lab.Event) bool) (string, bool) {
	for _, a := range anns {
		if match(a.e) {
			return a.note, true
		}
	}
	return "", false
}

// TestNotesFollowTheirCalls: whatever a knob adds or removes before it, a
// call's step note stays on that call. Demo 9 in every mode: the recv that
// got ECONNRESET is announced with a reset note, the one that got an empty read (EOF) with
// the orderly one, the send that failed with EPIPE with the EPIPE note.
func TestNotesFollowTheirCalls(t *testing.T) {
	d, _ := Lookup("disconnect")
	for _, mode := range append([]string{"all"}, disconnectModes...) {
		t.Run(mode, func(t *testing.T) {
			anns := announcements(t, d, "mode="+mode)
			reset := func(e lab.Event) bool { return e.Side == lab.Server && e.Op == lab.OpRecv && e.Errno == "ECONNRESET" }
			eof := func(e lab.Event) bool {
				return e.Side == lab.Server && e.Op == lab.OpRecv && e.N == 0 && e.Err == "" && e.Step != ""
			}
			pipe := func(e lab.Event) bool { return e.Side == lab.Server && e.Op == lab.OpSend && e.Errno == "EPIPE" }
			resetNote := func(key string) bool { return key == "server.rst" || key == "server.unread" }
			for _, c := range []struct {
				match func(lab.Event) bool
				modes string            // the modes that make this call
				want  func(string) bool // the key of its note
				about string
			}{
				{reset, "rst unread all", resetNote, "ECONNRESET"},
				{eof, "fin all", func(k string) bool { return k == "server.fin" }, "b''"},
				{pipe, "write-after-close all", func(k string) bool { return k == "server.epipe" }, "EPIPE"},
			} {
				a, ok := announcedOn(anns, c.match)
				if ok != strings.Contains(c.modes, mode) {
					t.Errorf("mode %s: the call for %s was made = %v", mode, c.about, ok)
					continue
				}
				if ok && !c.want(a.key) {
					t.Errorf("mode %s: the call was announced with %s (%q), want the note about %s", mode, a.key, a.note, c.about)
				}
			}
			// No ending note on a call that did not end anything.
			for _, a := range anns {
				if resetNote(a.key) && !reset(a.e) || a.key == "server.fin" && !eof(a.e) {
					t.Errorf("mode %s: %s (%q) was announced over %s → %d bytes (err %q)", mode, a.key, a.note, a.e.Call, a.e.N, a.e.Errno)
				}
			}
		})
	}
}
