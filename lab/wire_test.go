package lab

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"socketlab/lab/capture"
)

// needCapture skips a test where this machine cannot capture, except in
// CI, which runs as root and must capture.
func needCapture(t *testing.T) {
	t.Helper()
	if sup := capture.Probe(); !sup.OK {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must be able to capture packets: %v", sup.Err)
		}
		t.Skipf("no packet capture here (%v): run as root to test it", sup.Err)
	}
}

// wireDemo talks once over one connection; linger 0 makes the client's
// close a reset.
func wireDemo(linger bool) Demo {
	return pairDemo("wire",
		func(s *Side, c *Conn) error {
			if _, err := c.RecvExactly(5, 0, Text{}); err != nil {
				return err
			}
			if linger {
				if _, err := c.Recv(16); err == nil {
					return errors.New("the client's reset did not reach the server")
				}
				return c.Close()
			}
			if _, err := c.Recv(16); err != nil { // b'': the client closed
				return err
			}
			return c.Close()
		},
		func(s *Side, c *Conn) error {
			if err := c.SendAll([]byte("hello")); err != nil {
				return err
			}
			s.Signal("sent")
			if linger {
				c.SetLinger(0)
			}
			return c.Close()
		}, nil)
}

// at returns the index of the first event for which match holds, or -1.
func at(tr Trace, match func(Event) bool) int {
	for i, e := range tr {
		if match(e) {
			return i
		}
	}
	return -1
}

func packet(flags, dir string) func(Event) bool {
	return func(e Event) bool {
		return e.Op == OpPacket && e.Packet.Flags == flags && e.Packet.Dir == dir
	}
}

// TestWirePackets: each segment appears under the call that caused it: the
// handshake under the client's connect() and before the server's accept()
// returns, the data under send() and before the recv() that gets it, the
// FIN under close(); a close with linger 0 sends RST instead.
func TestWirePackets(t *testing.T) {
	needCapture(t)
	for range 20 {
		res, err := Run(context.Background(), wireDemo(false), Options{Packets: true})
		if err != nil {
			t.Fatal(err)
		}
		tr := res.Trace
		connect := at(tr, func(e Event) bool { return e.Op == OpConnect && e.Side == Client })
		accept := at(tr, func(e Event) bool { return e.Op == OpAccept })
		send := at(tr, func(e Event) bool { return e.Op == OpSendAll })
		recv := at(tr, func(e Event) bool { return e.Op == OpRecv && e.N > 0 })
		cclose := at(tr, func(e Event) bool { return e.Op == OpClose && e.Side == Client })
		syn, synack, ack := at(tr, packet("SYN", "c2s")), at(tr, packet("SYN, ACK", "s2c")), at(tr, packet("ACK", "c2s"))
		data := at(tr, func(e Event) bool { return e.Op == OpPacket && e.Packet.Len == 5 && e.Packet.Dir == "c2s" })
		fin := at(tr, packet("FIN, ACK", "c2s"))
		for _, c := range []struct {
			name      string
			a, b      int
			wantAfter bool
		}{
			{"SYN after connect()", syn, connect, true},
			{"SYN-ACK after the SYN", synack, syn, true},
			{"ACK after the SYN-ACK", ack, synack, true},
			{"the handshake before accept()", ack, accept, false},
			{"the data after send()", data, send, true},
			{"the data before recv()", data, recv, false},
			{"the FIN after the client's close()", fin, cclose, true},
		} {
			if c.a < 0 || c.b < 0 || (c.a > c.b) != c.wantAfter {
				t.Fatalf("%s: at %d and %d\n%s", c.name, c.a, c.b, dumpTrace(tr))
			}
		}
		// The server's socket has its number once accept() returned: the
		// data may come before it, and then only its role is known.
		if e := tr[data]; e.Packet.Seq != 1 || e.Conn != tr[send].Conn || e.Packet.PeerConn != 0 && e.Packet.PeerConn != tr[recv].Conn ||
			e.Packet.From != Client || e.Packet.To != Server {
			t.Fatalf("the data segment: %+v %+v", e, e.Packet)
		}
		for i := 1; i < len(tr); i++ {
			if tr[i].T < tr[i-1].T {
				t.Fatalf("time went back at seq %d", tr[i].Seq)
			}
		}
	}
	res, err := Run(context.Background(), wireDemo(true), Options{Packets: true})
	if err != nil {
		t.Fatal(err)
	}
	cclose := at(res.Trace, func(e Event) bool { return e.Op == OpClose && e.Side == Client })
	rst := at(res.Trace, func(e Event) bool { return e.Op == OpPacket && strings.Contains(e.Packet.Flags, "RST") })
	if rst < 0 || rst < cclose {
		t.Fatalf("no RST under the client's close(): close at %d, RST at %d\n%s", cclose, rst, dumpTrace(res.Trace))
	}
}

// TestWireFallback: without the privilege to capture, the trace says so
// once and shows TCP_INFO per call instead: ESTABLISHED after the connect,
// a state after the close read from /proc.
func TestWireFallback(t *testing.T) {
	orig := openCapture
	defer func() { openCapture = orig }()
	openCapture = func(capture.Config) (*capture.Capture, error) {
		return nil, &capture.PrivilegeError{}
	}
	res, err := Run(context.Background(), wireDemo(false), Options{Packets: true})
	if err != nil {
		t.Fatal(err)
	}
	note := at(res.Trace, func(e Event) bool {
		return e.Op == OpNote && e.Name == "wire" && strings.Contains(e.Text.En, "TCP_INFO")
	})
	if note < 0 {
		t.Fatalf("no note saying the capture is missing\n%s", dumpTrace(res.Trace))
	}
	if at(res.Trace, func(e Event) bool { return e.Op == OpPacket }) >= 0 {
		t.Fatal("packets without a capture")
	}
	est := at(res.Trace, func(e Event) bool {
		return e.Op == OpTCPInfo && e.Side == Wire && e.Packet.From == Client && e.Packet.State == "ESTABLISHED"
	})
	closed := at(res.Trace, func(e Event) bool {
		return e.Op == OpTCPInfo && e.Packet.From == Client && e.Packet.State != "ESTABLISHED"
	})
	if est < 0 || closed < est {
		t.Fatalf("TCP_INFO states: established at %d, after close at %d\n%s", est, closed, dumpTrace(res.Trace))
	}
}

// dumpTrace writes a trace for a failure message.
func dumpTrace(tr Trace) string {
	var b strings.Builder
	for _, e := range tr {
		b.WriteString(e.Side.Name(En) + " " + e.Op.String() + " " + e.Call)
		if e.Packet != nil {
			b.WriteString(" [" + e.Packet.Flags + "] " + e.Packet.Dir + " " + e.Packet.State)
		}
		b.WriteString("\n")
	}
	return b.String()
}
