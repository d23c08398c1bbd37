//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openCapture opens a capture on lo, or skips the test without the
// privilege (never in CI, which runs as root).
func openCapture(t *testing.T, cfg Config) *Capture {
	t.Helper()
	c, err := Open(cfg)
	var pe *PrivilegeError
	if errors.As(err, &pe) && os.Getenv("CI") != "true" {
		t.Skipf("capture needs root or CAP_NET_RAW: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// bound is a TCP socket bound to an ephemeral port on loopback and not
// yet connected: as the lab does (bind before connect), the client's
// port is known before the SYN leaves.
type bound struct {
	fd    int
	local netip.AddrPort
}

func bindTCP(t *testing.T, v6 bool) *bound {
	t.Helper()
	family, sa := unix.AF_INET, unix.Sockaddr(&unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	if v6 {
		family, sa = unix.AF_INET6, &unix.SockaddrInet6{Addr: netip.IPv6Loopback().As16()}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	name, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	b := &bound{fd: fd}
	switch a := name.(type) {
	case *unix.SockaddrInet4:
		b.local = netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		b.local = netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port))
	}
	return b
}

// connect connects the socket (a blocking connect(2)) and hands it to Go.
func (b *bound) connect(to netip.AddrPort) (net.Conn, error) {
	var sa unix.Sockaddr = &unix.SockaddrInet6{Addr: to.Addr().As16(), Port: int(to.Port())}
	if to.Addr().Is4() {
		sa = &unix.SockaddrInet4{Addr: to.Addr().As4(), Port: int(to.Port())}
	}
	if err := unix.Connect(b.fd, sa); err != nil {
		unix.Close(b.fd)
		return nil, os.NewSyscallError("connect", err)
	}
	f := os.NewFile(uintptr(b.fd), "client")
	defer f.Close()
	return net.FileConn(f)
}

// want is a segment as a test expects it, relative numbers.
type want struct {
	from     End
	flags    Flags
	seq, ack uint32
	n        int
}

func (w want) String() string {
	return fmt.Sprintf("%v [%v] Seq=%d Ack=%d Len=%d", w.from, w.flags, w.seq, w.ack, w.n)
}

func wantOf(s Seg) want { return want{s.From, s.Flags, s.Seq, s.Ack, s.PayloadLen} }

// conversation drains a capture around each call and checks what it saw.
type conversation struct {
	t    *testing.T
	c    *Capture
	tr   *Tracker
	conv Tuple
	seen map[want]bool
	last time.Time
}

// call runs f, a socket call, and returns the segments queued when it
// returned: each of this connection, stamped between the start of the
// call and its return, and never seen before.
func (cv *conversation) call(name string, f func() error) []Seg {
	cv.t.Helper()
	before := time.Now()
	if err := f(); err != nil {
		cv.t.Fatalf("%s: %v", name, err)
	}
	after := time.Now()
	var segs []Seg
	for _, p := range cv.c.Drain() {
		s := cv.tr.Track(&p)
		w := wantOf(s)
		if s.Conn != cv.conv {
			cv.t.Errorf("%s: a segment of %v, not %v", name, s.Conn, cv.conv)
		}
		if cv.seen[w] {
			cv.t.Errorf("%s: %v seen twice", name, w)
		}
		cv.seen[w] = true
		if p.Time.Before(before) || p.Time.After(after) || p.Time.Before(cv.last) {
			cv.t.Errorf("%s: %v stamped %v, the call ran from %v to %v, the segment before %v",
				name, w, p.Time.Format(time.StampNano), before.Format(time.StampNano), after.Format(time.StampNano), cv.last.Format(time.StampNano))
		}
		cv.last = p.Time
		segs = append(segs, s)
	}
	return segs
}

func (cv *conversation) expect(name string, got []Seg, ws ...want) {
	cv.t.Helper()
	var g []string
	for _, s := range got {
		g = append(g, wantOf(s).String())
	}
	var w []string
	for _, x := range ws {
		w = append(w, x.String())
	}
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		cv.t.Errorf("%s: queued when it returned\n\t%s\nwant\n\t%s", name, strings.Join(g, "\n\t"), strings.Join(w, "\n\t"))
	}
}

// TestCaptureConversation is what FACTS promises for one connection: the
// handshake is queued when connect() returns, the data and its ACK when
// send() returns, each FIN and its ACK when the close() that sent it
// returns (the ACK of the first FIN may ride on the second), each segment
// once, stamped while its call ran.
func TestCaptureConversation(t *testing.T) {
	for _, tt := range []struct{ name, listen, dial, laddr string }{
		{"ipv4", "tcp4", "tcp4", "127.0.0.1:0"},
		{"ipv6", "tcp6", "tcp6", "[::1]:0"},
		{"dual-stack listener", "tcp", "tcp4", "[::]:0"}, // the server's addresses are ::ffff:127.0.0.1
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := openCapture(t, Config{})
			ln := listenTCP(t, tt.listen, tt.laddr)
			port := addrOf(t, ln.Addr()).Port()
			if err := c.SetPorts(port); err != nil {
				t.Fatal(err)
			}
			b := bindTCP(t, tt.dial == "tcp6")
			server := netip.AddrPortFrom(b.local.Addr(), port)
			expect := Tuple{TCP, b.local, server}
			if tt.listen == "tcp" {
				// As the server's socket will report them.
				expect.Client = netip.AddrPortFrom(netip.AddrFrom16(b.local.Addr().As16()), b.local.Port())
				expect.Server = netip.AddrPortFrom(netip.AddrFrom16(server.Addr().As16()), port)
			}
			cv := &conversation{t: t, c: c, tr: NewTracker(), seen: map[want]bool{},
				conv: Tuple{TCP, b.local, server}}
			cv.tr.Expect(expect)

			var client net.Conn
			got := cv.call("connect", func() (err error) { client, err = b.connect(server); return err })
			defer client.Close()
			var srv net.Conn
			cv.call("accept", func() (err error) { srv, err = ln.Accept(); return err })
			defer srv.Close()
			if raw := srv.LocalAddr().(*net.TCPAddr).AddrPort(); tt.listen == "tcp" && !raw.Addr().Is4In6() {
				t.Errorf("the dual-stack server's socket reports %v: no mapped address to normalise", raw)
			}
			if c, s := addrOf(t, srv.RemoteAddr()), addrOf(t, srv.LocalAddr()); c != cv.conv.Client || s != cv.conv.Server {
				t.Errorf("the server's socket: %v ⇄ %v, normalised; want %v", c, s, cv.conv)
			}
			cv.expect("connect", got,
				want{Client, SYN, 0, 0, 0}, want{Server, SYN | ACK, 0, 1, 0}, want{Client, ACK, 1, 1, 0})
			if len(got) > 0 && got[0].Options.MSS == 0 {
				t.Errorf("SYN without MSS: %v", got[0])
			}

			got = cv.call("send", func() error { _, err := client.Write([]byte("hello")); return err })
			cv.expect("send", got, want{Client, PSH | ACK, 1, 1, 5}, want{Server, ACK, 1, 6, 0})
			if len(got) > 0 && string(got[0].Payload) != "hello" {
				t.Errorf("payload %q", got[0].Payload)
			}

			buf := make([]byte, 16)
			got = cv.call("recv", func() error { _, err := io.ReadFull(srv, buf[:5]); return err })
			cv.expect("recv", got)

			got = cv.call("client close", client.Close)
			ackOfFIN := want{Server, ACK, 1, 7, 0} // now, or later (delayed), or on the server's FIN
			if len(got) == 2 && wantOf(got[1]) == ackOfFIN {
				cv.expect("client close", got, want{Client, FIN | ACK, 6, 1, 0}, ackOfFIN)
			} else {
				cv.expect("client close", got, want{Client, FIN | ACK, 6, 1, 0})
			}
			got = cv.call("recv EOF", func() error {
				if n, err := srv.Read(buf); err != io.EOF {
					return fmt.Errorf("read %d bytes, %v; want EOF", n, err)
				}
				return nil
			})
			if len(got) == 1 && wantOf(got[0]) == ackOfFIN { // the delayed ACK's timer fired
				got = got[1:]
			}
			cv.expect("recv EOF", got)
			got = cv.call("server close", srv.Close)
			if len(got) == 3 && wantOf(got[0]) == ackOfFIN {
				got = got[1:]
			}
			cv.expect("server close", got, want{Server, FIN | ACK, 1, 7, 0}, want{Client, ACK, 7, 2, 0})

			if st := c.Stats(); st.Outgoing != 0 || st.Undecoded != 0 || st.Dropped != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// close() with unread data answers with RST, not FIN.
func TestCaptureResetOnUnreadData(t *testing.T) {
	c := openCapture(t, Config{})
	ln := listenTCP(t, "tcp4", "127.0.0.1:0")
	if err := c.SetPorts(addrOf(t, ln.Addr()).Port()); err != nil {
		t.Fatal(err)
	}
	b := bindTCP(t, false)
	to := addrOf(t, ln.Addr())
	cv := &conversation{t: t, c: c, tr: NewTracker(), seen: map[want]bool{}, conv: Tuple{TCP, b.local, to}}
	cv.tr.Expect(cv.conv)
	var client net.Conn
	cv.call("connect", func() (err error) { client, err = b.connect(to); return err })
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}

	got := cv.call("send", func() error { _, err := client.Write([]byte("unread")); return err })
	cv.expect("send", got, want{Client, PSH | ACK, 1, 1, 6}, want{Server, ACK, 1, 7, 0})
	got = cv.call("server close", server.Close)
	cv.expect("server close with unread data", got, want{Server, RST | ACK, 1, 7, 0})
	if len(got) == 1 && got[0].Flags.String() != "RST, ACK" {
		t.Errorf("flags %q", got[0].Flags)
	}
	if _, err := client.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("the client's recv: %v, want ECONNRESET", err)
	}
}

// A datagram is captured with its length; one longer than the snap
// length is cut, and says so.
func TestCaptureUDP(t *testing.T) {
	for _, network := range []string{"udp4", "udp6"} {
		t.Run(network, func(t *testing.T) {
			c := openCapture(t, Config{})
			addr := "127.0.0.1:0"
			if network == "udp6" {
				addr = "[::1]:0"
			}
			pc, err := net.ListenPacket(network, addr)
			if err != nil {
				t.Fatal(err)
			}
			defer pc.Close()
			if err := c.SetPorts(addrOf(t, pc.LocalAddr()).Port()); err != nil {
				t.Fatal(err)
			}
			client, err := net.Dial(network, pc.LocalAddr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			if got := c.Drain(); len(got) != 0 {
				t.Fatalf("connect() on UDP sent %d packets", len(got))
			}
			big := strings.Repeat("x", 1000)
			for _, msg := range []string{"datagra", big} {
				if _, err := client.Write([]byte(msg)); err != nil {
					t.Fatal(err)
				}
				got := c.Drain()
				if len(got) != 1 {
					t.Fatalf("%d packets for one datagram", len(got))
				}
				p := got[0]
				if p.Proto != UDP || p.PayloadLen != len(msg) || int(p.UDPLen) != UDPLen+len(msg) ||
					p.Src != addrOf(t, client.LocalAddr()) || p.Dst != addrOf(t, pc.LocalAddr()) {
					t.Errorf("%v %v → %v, payload %d, udp length %d; sent %d bytes", p.Proto, p.Src, p.Dst, p.PayloadLen, p.UDPLen, len(msg))
				}
				if cut := len(msg) > 50; p.Cut() != cut || (cut && len(p.Frame) != DefaultSnap) ||
					p.FrameLen != EthernetLen+len(p.Net)+UDPLen+len(msg) || !strings.HasPrefix(msg, string(p.Payload)) {
					t.Errorf("%d bytes sent: %d of %d captured, cut %v, payload %q…", len(msg), len(p.Frame), p.FrameLen, p.Cut(), p.Payload[:min(8, len(p.Payload))])
				}
			}
		})
	}
}

// SetPorts swaps the filter: a port's packets are kept from then on, and
// those already queued stay.
func TestCaptureSetPorts(t *testing.T) {
	a, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	pa, pb := addrOf(t, a.LocalAddr()).Port(), addrOf(t, b.LocalAddr()).Port()
	c := openCapture(t, Config{Ports: []uint16{pa}})

	send := func(to net.PacketConn, msg string) {
		if _, err := a.WriteTo([]byte(msg), to.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	send(b, "before") // from a: kept
	if err := c.SetPorts(pb); err != nil {
		t.Fatal(err)
	}
	send(a, "to itself") // only a: dropped now
	send(b, "after")
	var got []string
	for _, p := range c.Drain() {
		got = append(got, string(p.Payload))
	}
	if strings.Join(got, ",") != "before,after" {
		t.Errorf("kept %q, want before, after", got)
	}
	if ports := c.Ports(); len(ports) != 1 || ports[0] != pb {
		t.Errorf("ports %v", ports)
	}
	if err := c.SetPorts(); err != nil {
		t.Fatal(err)
	}
	send(b, "none")
	if n := len(c.Drain()); n != 0 {
		t.Errorf("no port: %d packets", n)
	}
}

// Wait reports what arrives between calls: here the delayed ACK of a FIN
// that the server does not answer at once.
func TestCaptureWait(t *testing.T) {
	c := openCapture(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}

	ln := listenTCP(t, "tcp4", "127.0.0.1:0")
	if err := c.SetPorts(addrOf(t, ln.Addr()).Port()); err != nil {
		t.Fatal(err)
	}
	client, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	tr := NewTracker()
	for _, p := range c.Drain() {
		tr.Track(&p)
	}
	if err := client.Close(); err != nil {
		t.Fatal(err)
	}
	var fin, ack *Seg
	for ack == nil {
		for _, p := range c.Drain() {
			s := tr.Track(&p)
			switch {
			case s.From == Client && s.Flags.Has(FIN):
				fin = &s
			case s.From == Server && s.Flags == ACK && fin != nil && s.Ack == fin.Next():
				ack = &s
			default:
				t.Errorf("unexpected %v", s)
			}
		}
		if ack == nil {
			if err := c.Wait(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("the server's kernel acknowledged the FIN %v after it", ack.Time.Sub(fin.Time))

	// A Wait blocked when the capture closes returns net.ErrClosed.
	done := make(chan error)
	go func() { done <- c.Wait(context.Background()) }()
	time.Sleep(time.Millisecond) // let it block (it returns the same either way)
	c.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("wait across close: %v", err)
	}
	if err := c.Wait(context.Background()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("wait after close: %v", err)
	}
}

// Wait is woken by a packet, and by its context.
func TestCaptureWaitWakes(t *testing.T) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	c := openCapture(t, Config{Ports: []uint16{addrOf(t, pc.LocalAddr()).Port()}})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Wait(ctx) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while waiting: %v", err)
	}

	go func() { done <- c.Wait(context.Background()) }()
	if _, err := pc.WriteTo([]byte("wake"), pc.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := c.Drain(); len(got) != 1 || string(got[0].Payload) != "wake" {
		t.Errorf("drained %d packets after the wake", len(got))
	}
}

// A ring that is not drained keeps its first frames and counts the rest
// as dropped.
func TestCaptureDrops(t *testing.T) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	c := openCapture(t, Config{Ports: []uint16{addrOf(t, pc.LocalAddr()).Port()}, Frames: 16})
	for i := range 100 {
		if _, err := pc.WriteTo([]byte{byte(i)}, pc.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	got := c.Drain()
	if len(got) != 16 {
		t.Fatalf("drained %d, want the ring's 16", len(got))
	}
	for i, p := range got {
		if p.Payload[0] != byte(i) {
			t.Fatalf("packet %d carries %d", i, p.Payload[0])
		}
	}
	if st := c.Stats(); st.Packets != 16 || st.Dropped != 84 {
		t.Errorf("stats %+v, want 16 packets and 84 dropped", st)
	}
}

func TestProbe(t *testing.T) {
	s := Probe()
	c, err := Open(Config{})
	if err == nil {
		c.Close()
	}
	if s.OK != (err == nil) {
		t.Errorf("probe says %v, open says %v", s.OK, err)
	}
	if s.OK && !strings.Contains(s.Source, "AF_PACKET") || !s.OK && s.Source != Fallback {
		t.Errorf("%+v", s)
	}
}
