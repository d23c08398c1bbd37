package demos

import (
	"slices"
	"testing"

	"socketlab/lab"
)

// TestStructHeaderEveryRun runs demo 5 many times: the two frames must wait
// merged in the receive buffer and still come out apart, every time.
func TestStructHeaderEveryRun(t *testing.T) {
	repeatDemo(t, "struct-header", 200, repeat{Short: 3, IDs: []string{"separated", "parts", "whole", "order", "limit"}})
}

// TestStructHeaderKnobs runs demo 5 at boundary sizes and buffers and in
// both byte orders: the messages must always come out whole.
func TestStructHeaderKnobs(t *testing.T) {
	for _, sets := range [][]string{
		{"size=0"},
		{"size=1", "buf=1"},
		{"size=3", "buf=2"}, // a header split over two recvs
		{"order=network"},   // 00 00 00 05
		{"size=1MiB", "buf=64KiB"},
		{"size=65536", "buf=65536"},
		{"size=10MB"}, // more than lab.KeepCalls recv(1024) calls: the trace keeps one event for the rest
	} {
		res := runDemo(t, structHeader(), lab.Options{}, sets...)
		for _, f := range res.Findings {
			if !f.OK {
				t.Errorf("%v: finding %s did not hold: %s", sets, f.ID, f.Text.En)
			}
		}
		frames := readerFrames(res.Trace)
		if len(frames) != 3 {
			t.Errorf("%v: reader saw %d frames, want 3", sets, len(frames))
		}
	}
}

// TestStructHeaderHeaderBytes checks the header bytes each order puts on the
// wire, as the reader's labelled recvs show them.
func TestStructHeaderHeaderBytes(t *testing.T) {
	for order, want := range map[string][]byte{
		"native":  {5, 0, 0, 0},
		"network": {0, 0, 0, 5},
	} {
		res := runDemo(t, structHeader(), lab.Options{}, "order="+order)
		if got := readerFrames(res.Trace)[0].header; !slices.Equal(got, want) {
			t.Errorf("order=%s: header % x, want % x", order, got, want)
		}
	}
}

// TestStructHeaderRefusesHugeTraces checks that a size/buf pair needing too
// many recv calls fails the run with a reason instead of filling memory.
func TestStructHeaderRefusesHugeTraces(t *testing.T) {
	p, err := lab.ParseParams(structHeader().Knobs, []string{"size=16MiB", "buf=1"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = lab.Run(t.Context(), structHeader(), lab.Options{Params: p})
	if err == nil {
		t.Fatal("size=16MiB buf=1 ran; want an error naming the limit")
	}
}

// TestStructHeaderEvidence: the key calls of demo 5 are the first recv of
// each header and of each payload, and the note on the refused length;
// each finding points at its own. A header split over two recvs (buf=2)
// or an empty payload (size=0) must not move a name to another call.
func TestStructHeaderEvidence(t *testing.T) {
	for _, c := range []struct {
		sets []string
		keys []string // the key events, in order
	}{
		{nil, []string{"read-header", "read-payload", "read-header", "read-payload", "read-header", "read-payload", "limit"}},
		{[]string{"size=0"}, []string{"read-header", "read-payload", "read-header", "read-payload", "read-header", "limit"}},
		{[]string{"size=3", "buf=2"}, []string{"read-header", "read-payload", "read-header", "read-payload", "read-header", "read-payload", "limit"}},
	} {
		res := runDemo(t, structHeader(), lab.Options{}, c.sets...)
		keys := keyCalls(res.Trace)
		if got := steps(keys); !slices.Equal(got, c.keys) {
			t.Errorf("%v: key events %v, want %v", c.sets, got, c.keys)
		}
		for _, e := range keys {
			label := map[string]lab.Text{"read-header": structHeaderLabel, "read-payload": structPayloadLabel}[e.Step]
			if e.Op == lab.OpRecv && (len(e.Marks) != 1 || e.Marks[0].Label != label) {
				t.Errorf("%v: %s is a recv of %v", c.sets, e.Step, e.Marks)
			}
		}
		for id, want := range map[string][]string{
			"separated": {"read-header", "read-payload"},
			"parts":     {"read-header", "read-payload"},
			"whole":     {"read-payload"},
			"order":     {"read-header"},
			"limit":     {"limit"},
		} {
			var got []string
			for _, e := range keyCalls(evidenceOf(t, res, id)) {
				if !slices.Contains(got, e.Step) {
					got = append(got, e.Step)
				}
			}
			if id == "whole" && slices.Contains(c.sets, "size=0") {
				want = nil // the big message has no payload recv at all
			}
			if !slices.Equal(got, want) {
				t.Errorf("%v: finding %s points at %v, want %v", c.sets, id, got, want)
			}
		}
	}
}

// TestStructHeaderWholeReadsTheDigest: beyond the first lab.StreamKeep
// bytes the trace keeps only the head of each recv, so "whole" must be
// decided by the byte counts and the stream's SHA-256: a trace whose last
// payload recv has another digest, or one byte fewer, does not pass.
func TestStructHeaderWholeReadsTheDigest(t *testing.T) {
	sets := []string{"size=1MiB", "buf=64KiB"}
	p, err := lab.ParseParams(structHeader().Knobs, sets)
	if err != nil {
		t.Fatal(err)
	}
	res := runDemo(t, structHeader(), lab.Options{}, sets...)
	if !findingOK(t, res, "whole") {
		t.Fatal("whole did not hold on the real run")
	}
	big := readerFrames(res.Trace)[2]
	if kept := len(big.payload); kept >= big.payloadN {
		t.Fatalf("the trace kept %d of %d payload bytes: this test wants a trimmed stream", kept, big.payloadN)
	}
	last := big.payloadEvs.Last().Seq
	for name, tamper := range map[string]func(*lab.Event){
		"digest": func(e *lab.Event) { e.Sum.Hash ^= 1 },
		"count": func(e *lab.Event) {
			e.N--
			e.Marks = []lab.Mark{{From: 0, To: e.N, Label: structPayloadLabel, Part: structPartPayload}}
		},
	} {
		tr := slices.Clone(res.Trace)
		for i := range tr {
			if tr[i].Seq == last {
				tamper(&tr[i])
			}
		}
		for _, f := range structHeaderFindings(tr, p) {
			if f.ID == "whole" && f.OK {
				t.Errorf("a trace with another %s passed: %s", name, f.Text.En)
			}
		}
	}
}
