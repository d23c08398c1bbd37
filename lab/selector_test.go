//go:build unix

package lab

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// selectorDemo: two clients connect one after the other; one goroutine on
// the server accepts both through a selector, then, once both have sent,
// one select() reports both connections, and it serves each; then each
// client leaves and select() reports its EOF.
func selectorDemo(t *testing.T) Demo {
	server := func(ctx context.Context, s *Side) error {
		ln, err := s.Listen("127.0.0.1:0")
		if err != nil {
			return err
		}
		s.Signal("listening")
		sel := s.NewSelector()
		if err := sel.RegisterListener(ln); err != nil {
			return err
		}
		if err := sel.RegisterListener(ln); err == nil {
			t.Error("registering a socket twice worked")
		}
		var conns []*Conn
		for i := 1; i <= 2; i++ {
			if err := s.Wait(fmt.Sprintf("c%d-connected", i)); err != nil {
				return err
			}
			keys, err := sel.Select()
			if err != nil {
				return err
			}
			if len(keys) != 1 || keys[0].Listener != ln {
				t.Errorf("select %d: %+v, want the listener", i, keys)
			}
			c, err := ln.Accept()
			if err != nil {
				return err
			}
			if err := c.SetBlocking(false); err != nil {
				return err
			}
			if err := sel.Register(c); err != nil {
				return err
			}
			conns = append(conns, c)
		}
		s.Signal("accepted")
		for i, c := range conns {
			if err := s.Wait(fmt.Sprintf("c%d-sent", i+1)); err != nil {
				return err
			}
			if _, err := c.WaitQueued(2); err != nil && !errors.Is(err, errors.ErrUnsupported) {
				return err
			}
		}
		keys, err := sel.Select()
		if err != nil {
			return err
		}
		if len(keys) != 2 || keys[0].Conn != conns[0] || keys[1].Conn != conns[1] {
			t.Errorf("select after both sent: %+v, want both connections", keys)
		}
		for _, k := range keys {
			b, err := k.Conn.Recv(1024)
			if err != nil {
				return err
			}
			if _, err := k.Conn.Send([]byte(strings.ToUpper(string(b)))); err != nil {
				return err
			}
		}
		for open := len(conns); open > 0; {
			keys, err := sel.Select()
			if err != nil {
				return err
			}
			for _, k := range keys {
				b, err := k.Conn.Recv(1024)
				if err != nil || len(b) != 0 {
					t.Errorf("after the client left: %q, %v, want b''", b, err)
				}
				if err := sel.Unregister(k.Conn); err != nil {
					return err
				}
				if err := k.Conn.Close(); err != nil {
					return err
				}
				open--
			}
		}
		if err := sel.Unregister(conns[0]); err == nil {
			t.Error("unregistering a socket that is not registered worked")
		}
		return ln.Close()
	}
	client := func(ctx context.Context, s *Side) error {
		if err := s.Wait("listening"); err != nil {
			return err
		}
		var conns []*Conn
		for i := 1; i <= 2; i++ {
			c, err := s.Dial(s.ServerAddr())
			if err != nil {
				return err
			}
			conns = append(conns, c)
			s.Signal(fmt.Sprintf("c%d-connected", i))
		}
		if err := s.Wait("accepted"); err != nil {
			return err
		}
		for i, c := range conns {
			if err := c.SendAll(fmt.Appendf(nil, "c%d", i+1)); err != nil {
				return err
			}
			s.Signal(fmt.Sprintf("c%d-sent", i+1))
		}
		for i, c := range conns {
			b, err := c.Recv(1024)
			if err != nil {
				return err
			}
			if want := fmt.Sprintf("C%d", i+1); string(b) != want {
				t.Errorf("answer %q, want %q", b, want)
			}
		}
		for _, c := range conns {
			if err := c.Close(); err != nil {
				return err
			}
		}
		return nil
	}
	return Demo{ID: 1, Slug: "selector", Title: T("s", "s"), Brief: T("s", "s"), Server: server, Client: client,
		Findings: func(Trace, Params) []Finding { return nil }}
}

func TestSelector(t *testing.T) {
	for range 20 {
		res, err := Run(context.Background(), selectorDemo(t), Options{})
		if err != nil {
			t.Fatal(err)
		}
		var sels []string
		for _, e := range res.Trace.Calls(Server, OpSelect) {
			if e.Call == "sel.select()" {
				sels = append(sels, e.Text.En)
			}
		}
		if len(sels) < 4 || !strings.HasPrefix(sels[0], "1 ready: #1 (a connection to accept)") || !strings.HasPrefix(sels[2], "2 ready: #") {
			t.Fatalf("selects: %q", sels)
		}
		if bad := res.Trace.OutOfOrder(); len(bad) > 0 {
			t.Fatal(bad)
		}
		if t.Failed() {
			return
		}
	}
}

// TestSelectWokenByTheEnd: a select that waits for ever is woken when the
// run ends (the other side failed), and the run returns.
func TestSelectWokenByTheEnd(t *testing.T) {
	boom := errors.New("boom")
	d := pairDemo("select-end",
		func(s *Side, c *Conn) error {
			sel := s.NewSelector()
			if err := sel.Register(c); err != nil {
				return err
			}
			s.Signal("selecting")
			_, err := sel.Select() // the client never sends
			return err
		},
		func(s *Side, c *Conn) error {
			if err := s.Wait("selecting"); err != nil {
				return err
			}
			return boom
		}, nil)
	_, err := Run(context.Background(), d, Options{})
	if !errors.Is(err, boom) {
		t.Fatalf("run: %v, want the client's error", err)
	}
}
