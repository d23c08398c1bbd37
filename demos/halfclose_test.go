package demos

import (
	"slices"
	"strings"
	"testing"

	"socketlab/lab"
)

func TestHalfClose100(t *testing.T) {
	res := repeatDemo(t, "half-close", 100, repeat{})
	ids := map[string]bool{}
	for _, f := range res.Findings {
		ids[f.ID] = true
	}
	for _, id := range []string{"peer-eof", "peer-sends", "still-receives", "no-more-send", "close-resets", "closed-cannot-recv"} {
		if !ids[id] {
			t.Errorf("mode=both has no finding %s", id)
		}
	}
	if bad := res.Trace.OutOfOrder(); len(bad) > 0 {
		t.Error(bad)
	}
}

func TestHalfCloseModes(t *testing.T) {
	for mode, want := range map[string]int{"shutdown": 4, "close": 2} {
		t.Run(mode, func(t *testing.T) {
			res := repeatDemo(t, "half-close", 10, repeat{Sets: []string{"mode=" + mode}})
			if len(res.Findings) != want {
				t.Errorf("mode=%s: %d findings, want %d", mode, len(res.Findings), want)
			}
			// One connection, ended the mode's way.
			if n := len(res.Trace.Calls(lab.Client, lab.OpConnect)); n != 1 {
				t.Errorf("mode=%s: %d connections", mode, n)
			}
		})
	}
}

// TestHalfCloseFindingsCanFail: a shutdown that the server saw as a reset,
// and a close the server saw as an EOF, do not pass.
func TestHalfCloseFindingsCanFail(t *testing.T) {
	d, _ := Lookup("half-close")
	p, _ := lab.ParseParams(d.Knobs, nil)
	tr := lab.Trace{
		{Seq: 1, Side: lab.Client, Op: lab.OpShutdown, Conn: 2, Step: "shut-wr"},
		{Seq: 2, Side: lab.Client, Op: lab.OpSend, Conn: 2, Req: 4, N: 4, Step: "send-after-shutdown"},
		{Seq: 3, Side: lab.Server, Op: lab.OpRecv, Conn: 3, Req: 1024, Err: "reset", Errno: "ECONNRESET", Step: "after-shutdown"},
		{Seq: 4, Side: lab.Client, Op: lab.OpRecv, Conn: 2, Req: 1024, N: 8, Data: []byte(halfGreeting), Step: "read-after-shutdown"},
		{Seq: 5, Side: lab.Client, Op: lab.OpClose, Conn: 4, Step: "close-unread"},
		{Seq: 6, Side: lab.Server, Op: lab.OpRecv, Conn: 5, Req: 1024, Step: "after-close"},
		{Seq: 7, Side: lab.Client, Op: lab.OpRecv, Conn: 4, Req: 1024, N: 3, Data: []byte("abc"), Step: "recv-after-close"},
	}
	for _, f := range d.Findings(tr, p) {
		if f.OK {
			t.Errorf("finding %s held on a trace that shows the opposite: %s", f.ID, f.Text.En)
		}
	}
}

// TestHalfCloseNotesFollowTheirCalls: in every mode, the server's recv that
// got EOF is announced with the shutdown note, the one that got ECONNRESET
// with the reset note, the client's failing send with EPIPE and its recv on
// a closed socket with Errno 9.
func TestHalfCloseNotesFollowTheirCalls(t *testing.T) {
	d, _ := Lookup("half-close")
	eof := func(e lab.Event) bool { return e.Side == lab.Server && e.Op == lab.OpRecv && e.N == 0 && e.Err == "" }
	reset := func(e lab.Event) bool { return e.Side == lab.Server && e.Op == lab.OpRecv && e.Errno == "ECONNRESET" }
	pipe := func(e lab.Event) bool { return e.Side == lab.Client && e.Op == lab.OpSend && e.Errno == "EPIPE" }
	closed := func(e lab.Event) bool { return e.Side == lab.Client && e.Op == lab.OpRecv && e.Errno == "closed" }
	answered := func(e lab.Event) bool {
		return e.Side == lab.Client && e.Op == lab.OpRecv && strings.Contains(string(e.Data), "HELLO")
	}
	for _, mode := range []string{"both", "shutdown", "close"} {
		t.Run(mode, func(t *testing.T) {
			anns := announcements(t, d, "mode="+mode)
			for _, c := range []struct {
				match func(lab.Event) bool
				modes string
				want  string // the key of its note
			}{
				{eof, "both shutdown", "server.after-shutdown"},
				{reset, "both close", "server.after-close"},
				{pipe, "both shutdown", "client.send-after-shutdown"},
				{closed, "both close", "client.recv-after-close"},
				{answered, "both shutdown", "client.read-after-shutdown"},
			} {
				a, ok := announcedOn(anns, c.match)
				if ok != slices.Contains(strings.Fields(c.modes), mode) {
					t.Errorf("mode %s: the call for %s was made = %v", mode, c.want, ok)
					continue
				}
				if ok && a.key != c.want {
					t.Errorf("mode %s: the call was announced with %s (%q), want the note %s", mode, a.key, a.note, c.want)
				}
			}
			for _, a := range anns {
				if a.key == "server.after-close" && !reset(a.e) || a.key == "client.send-after-shutdown" && !pipe(a.e) {
					t.Errorf("mode %s: %s (%q) was announced over %s (err %q)", mode, a.key, a.note, a.e.Call, a.e.Errno)
				}
			}
		})
	}
}
