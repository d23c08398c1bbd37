package demos

import (
	"testing"

	"socketlab/lab"
)

func TestDisconnect100(t *testing.T) {
	res := repeatDemo(t, "disconnect", 100, repeat{})
	ids := map[string]bool{}
	for _, f := range res.Findings {
		ids[f.ID] = true
	}
	for _, id := range []string{"fin", "rst", "unread", "epipe", "survives"} {
		if !ids[id] {
			t.Errorf("mode=all has no finding %s", id)
		}
	}
}

func TestDisconnectModes(t *testing.T) {
	for _, m := range disconnectModes {
		t.Run(m, func(t *testing.T) {
			res := repeatDemo(t, "disconnect", 10, repeat{Sets: []string{"mode=" + m}})
			if len(res.Findings) != 2 {
				t.Errorf("mode=%s: %d findings, want 2", m, len(res.Findings))
			}
		})
	}
}

// TestDisconnectFindingsCanFail checks that an orderly close does not pass
// for a reset.
func TestDisconnectFindingsCanFail(t *testing.T) {
	d, _ := Lookup("disconnect")
	p, _ := lab.ParseParams(d.Knobs, []string{"mode=rst"})
	tr := lab.Trace{
		{Seq: 1, Side: lab.Server, Op: lab.OpAccept, Conn: 2},
		{Seq: 2, Side: lab.Server, Op: lab.OpRecv, Conn: 2, N: 0},
	}
	for _, f := range d.Findings(tr, p) {
		if f.OK {
			t.Errorf("finding %s held on a trace with no reset", f.ID)
		}
	}
}
