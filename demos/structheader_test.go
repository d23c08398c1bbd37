package demos

import (
	"slices"
	"testing"

	"socketlab/lab"
)

// TestStructHeaderEveryRun runs demo 5 many times: the two frames must wait
// merged in the receive buffer and still come out apart, every time.
func TestStructHeaderEveryRun(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 3
	}
	d := structHeader()
	want := []string{"separated", "parts", "whole", "order", "limit"}
	for i := range n {
		res := runDemo(t, d, lab.Options{})
		var got []string
		for _, f := range res.Findings {
			got = append(got, f.ID)
			if !f.OK {
				t.Fatalf("run %d of %d: finding %s did not hold: %s", i+1, n, f.ID, f.Text.En)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("run %d: findings %v, want %v", i+1, got, want)
		}
	}
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
