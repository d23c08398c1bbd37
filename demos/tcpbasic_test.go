package demos

import (
	"slices"
	"testing"

	"socketlab/lab"
)

// evidenceOf returns the events the finding id points at, as the trace
// records them (Finding.On and Finding.At resolved to seqs), failing the
// test if the run has no such finding.
func evidenceOf(t *testing.T, res lab.Result, id string) lab.Trace {
	t.Helper()
	for _, f := range res.Trace {
		if f.Op != lab.OpFinding || f.ID != id {
			continue
		}
		return res.Trace.Filter(func(e lab.Event) bool { return slices.Contains(f.Evidence, e.Seq) })
	}
	t.Fatalf("no finding %s", id)
	return nil
}

// keyCalls are the key events of t (Side.Key, Side.KeyIf, Side.KeyNote).
func keyCalls(t lab.Trace) lab.Trace {
	return t.Filter(func(e lab.Event) bool { return e.Key })
}

// steps are the step names of the events, in order.
func steps(t lab.Trace) []string {
	var out []string
	for _, e := range t {
		out = append(out, e.Step)
	}
	return out
}

// TestTcpBasicEvidence: each finding of demo 1 points at the calls it is
// about, and its key calls are the ones a learner should look at: the
// accept that returned the client's address, the two recvs whose bytes are
// the message and the reply.
func TestTcpBasicEvidence(t *testing.T) {
	for _, msg := range []string{"msg=hello", "msg=你好"} {
		res := repeatDemo(t, "tcp-basic", 5, repeat{Sets: []string{msg}})
		if got, want := steps(keyCalls(res.Trace)), []string{"new-connection", "read-message", "read-reply"}; !slices.Equal(got, want) {
			t.Errorf("%s: key calls %v, want %v", msg, got, want)
		}
		for id, want := range map[string][]string{
			"sequence":  {"new-connection", "read-message", "read-reply"},
			"addresses": {"new-connection"},
			"bytes":     {"read-message", "read-reply"},
		} {
			ev := evidenceOf(t, res, id)
			if got := steps(keyCalls(ev)); !slices.Equal(got, want) {
				t.Errorf("%s: finding %s points at key calls %v, want %v", msg, id, got, want)
			}
		}
		// The sequence is about every call of both sides, socket() first.
		seq := evidenceOf(t, res, "sequence")
		if len(seq) != 13 || seq[0].Op != lab.OpSocket {
			t.Errorf("%s: sequence points at %v", msg, seq.Ops())
		}
	}
}
