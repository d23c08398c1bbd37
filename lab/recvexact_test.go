package lab

import (
	"context"
	"errors"
	"io"
	"slices"
	"testing"
)

func TestSpanMarks(t *testing.T) {
	hdr, body := T("header", "报头"), T("body", "数据")
	spans := []Span{{From: 0, To: 10, Label: hdr}, {From: 10, To: Rest, Label: body}}
	type m struct {
		from, to int
		label    string
	}
	for _, c := range []struct {
		off   int64
		n     int
		spans []Span
		want  []m
	}{
		{0, 10, spans, []m{{0, 10, "header"}}},
		{0, 16, spans, []m{{0, 10, "header"}, {10, 16, "body"}}},
		{8, 4, spans, []m{{0, 2, "header"}, {2, 4, "body"}}},
		{20, 5, spans, []m{{0, 5, "body"}}},
		{0, 0, spans, nil},
		{0, 5, nil, nil},
		{0, 10, []Span{{From: 4, To: 6, Label: body}}, []m{{0, 4, ""}, {4, 6, "body"}, {6, 10, ""}}},
		{3, 4, []Span{{From: 10, To: 20, Label: body}}, []m{{0, 4, ""}}},
	} {
		var got []m
		for _, mk := range spanMarks(c.off, c.n, c.spans) {
			got = append(got, m{mk.From, mk.To, mk.Label.En})
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("spanMarks(%d, %d) = %v, want %v", c.off, c.n, got, c.want)
		}
	}
}

// TestRecvExactly sends 10 bytes and closes; the client reads 4 exactly in
// pieces of at most 3, labels the rest with spans, then asks for more than
// is left.
func TestRecvExactly(t *testing.T) {
	var got4, rest []byte
	var short error
	d := pairDemo("exact",
		func(s *Side, c *Conn) error {
			if err := c.SendAll([]byte("0123456789")); err != nil {
				return err
			}
			if err := c.Close(); err != nil {
				return err
			}
			s.Signal("sent")
			return nil
		},
		func(s *Side, c *Conn) error {
			if err := s.Wait("sent"); err != nil {
				return err
			}
			var err error
			if got4, err = c.RecvExactlyPart(4, 3, "head", T("head", "头")); err != nil {
				return err
			}
			if rest, err = c.RecvSpans(2, Span{From: 4, To: 5, Label: T("a", "a")}, Span{From: 5, To: Rest, Label: T("b", "b"), Part: "b"}); err != nil {
				return err
			}
			_, short = c.RecvExactly(10, 0, T("tail", "尾"))
			return c.Close()
		}, nil)
	res, err := Run(context.Background(), d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if string(got4) != "0123" || string(rest) != "45" {
		t.Errorf("got %q then %q", got4, rest)
	}
	if !errors.Is(short, io.ErrUnexpectedEOF) {
		t.Errorf("reading past the end: %v, want unexpected EOF", short)
	}
	var calls []string
	for _, e := range res.Trace.Calls(Client, OpRecv) {
		calls = append(calls, e.Call)
	}
	if want := []string{"recv(3)", "recv(1)", "recv(2)", "recv(10)", "recv(6)"}; !slices.Equal(calls, want) {
		t.Errorf("calls %v, want %v", calls, want)
	}
	if m := res.Trace.Calls(Client, OpRecv)[2].Marks; len(m) != 2 || m[0].Label.En != "a" || m[1].Label.En != "b" || m[0].Part != "" || m[1].Part != "b" {
		t.Errorf("marks of recv(2): %+v", m)
	}
	// The part id goes on every piece of a receive-exactly loop.
	for _, e := range res.Trace.Calls(Client, OpRecv)[:2] {
		if len(e.Marks) != 1 || e.Marks[0].Part != "head" {
			t.Errorf("marks of %s: %+v, want part head", e.Call, e.Marks)
		}
	}
}
