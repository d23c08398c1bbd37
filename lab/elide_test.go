package lab

import (
	"bytes"
	"context"
	"testing"
)

// TestElide checks that an eliding connection records real counts, keeps
// only the first bytes, cuts the marks to them, and keeps all again after
// Elide(KeepAll), in both directions and across HandTo.
func TestElide(t *testing.T) {
	msg := []byte("0123456789")
	d := pairDemo("elide",
		func(s *Side, c *Conn) error {
			c.Elide(4)
			c = c.HandTo(s.Fork("h1")) // the setting goes with the connection
			if _, err := c.RecvExactly(len(msg), 0, T("all", "全部")); err != nil {
				return err
			}
			c.Elide(KeepAll)
			if _, err := c.RecvExactly(len(msg), 0, Text{}); err != nil {
				return err
			}
			return c.Close()
		},
		func(s *Side, c *Conn) error {
			c.Elide(0)
			if err := c.SendParts(msg, Mark{From: 0, To: 2, Label: T("a", "a")}, Mark{From: 2, To: 10, Label: T("b", "b")}); err != nil {
				return err
			}
			c.Elide(KeepAll)
			if err := c.SendAll(msg); err != nil {
				return err
			}
			return c.Close()
		}, nil)
	res, err := Run(context.Background(), d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sends := res.Trace.Calls(Client, OpSendAll)
	if len(sends) != 2 {
		t.Fatalf("%d sendalls, want 2", len(sends))
	}
	if e := sends[0]; e.N != 10 || len(e.Data) != 0 || e.Elided != 10 || len(e.Marks) != 0 {
		t.Errorf("elided send: n=%d data=%q elided=%d marks=%v", e.N, e.Data, e.Elided, e.Marks)
	}
	if e := sends[1]; e.N != 10 || !bytes.Equal(e.Data, msg) || e.Elided != 0 {
		t.Errorf("send after KeepAll: n=%d data=%q elided=%d", e.N, e.Data, e.Elided)
	}
	var kept, elided, n int
	for _, e := range res.Trace.Calls(Server, OpRecv) {
		if e.Who != "h1" {
			t.Errorf("recv not tagged h1: %+v", e)
		}
		if e.Offset < 10 {
			kept, elided, n = kept+len(e.Data), elided+e.Elided, n+e.N
			if len(e.Data) > 4 || len(e.Data)+e.Elided != e.N || !bytes.HasPrefix(msg[e.Offset:], e.Data) {
				t.Errorf("elided recv: n=%d data=%q elided=%d", e.N, e.Data, e.Elided)
			}
			for _, m := range e.Marks {
				if m.To > len(e.Data) {
					t.Errorf("mark %v beyond the %d bytes kept", m, len(e.Data))
				}
			}
		} else if e.Elided != 0 || len(e.Data) != e.N {
			t.Errorf("recv after KeepAll: n=%d data=%q elided=%d", e.N, e.Data, e.Elided)
		}
	}
	if n != 10 || kept+elided != 10 {
		t.Errorf("eliding recvs: n=%d kept=%d elided=%d, want 10 in all", n, kept, elided)
	}
}
