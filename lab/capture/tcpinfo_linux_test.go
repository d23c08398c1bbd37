//go:build linux

package capture

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"testing"
)

func snapshot(t *testing.T, c *net.TCPConn) Info {
	t.Helper()
	i, err := Snapshot(c)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// Without capture, TCP_INFO snapshots tell the story of a connection:
// ESTABLISHED, a data segment out and its bytes acknowledged, then
// CLOSE_WAIT once the peer has closed.
func TestSnapshot(t *testing.T) {
	client, server, _ := pair(t)
	before := snapshot(t, client)
	if before.State != Established || before.SndMSS == 0 || before.SndWnd == 0 || before.RcvWnd == 0 {
		t.Errorf("after connect: %+v", before)
	}
	if before.Options&4 != 0 && (before.SndWScale == 0 || before.RcvWScale == 0) {
		t.Errorf("window scaling on, shifts %d and %d", before.SndWScale, before.RcvWScale)
	}
	if _, err := client.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	sent := snapshot(t, client)
	d := Diff(before, sent)
	if d.DataSegsOut != 1 || d.BytesSent != 5 || d.BytesAcked != 5 || d.From != Established || d.To != Established {
		t.Errorf("after send(5): %v (%+v)", d, d)
	}
	if _, err := io.ReadFull(server, make([]byte, 5)); err != nil {
		t.Fatal(err)
	}
	if s := snapshot(t, server); s.DataSegsIn != 1 || s.BytesReceived != 5 {
		t.Errorf("the server: %d data segments in, %d bytes", s.DataSegsIn, s.BytesReceived)
	}

	if err := server.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := client.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read %d, %v; want EOF", n, err)
	}
	closing := snapshot(t, client)
	if d := Diff(sent, closing); d.To != CloseWait || d.SegsIn < 1 {
		t.Errorf("after the peer's close: %v", d)
	}
}

// After close() the socket has no TCP_INFO: /proc/net/tcp still shows
// it, in TIME_WAIT on the side that closed first, while the other side
// is gone.
func TestProcTimeWait(t *testing.T) {
	client, server, ln := pair(t)
	local, remote := addrOf(t, client.LocalAddr()), addrOf(t, client.RemoteAddr())
	if st, err := ProcState(local, remote); err != nil || st != Established {
		t.Errorf("client before close: %v, %v", st, err)
	}
	if st, err := ProcState(addrOf(t, ln.Addr()), netip.MustParseAddrPort("0.0.0.0:0")); err != nil || st != Listen {
		t.Errorf("listener: %v, %v", st, err)
	}

	if err := client.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Snapshot(client); err == nil {
		t.Error("TCP_INFO of a closed socket")
	}
	if _, err := server.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("server read: %v, want EOF", err)
	}
	if st, err := ProcState(remote, local); err != nil || st != CloseWait {
		t.Errorf("server after the client's FIN: %v, %v", st, err)
	}
	if err := server.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := ProcLookup(local, remote)
	if err != nil || s.State != TimeWait || s.Timer != 3 || s.Inode != 0 {
		t.Errorf("client after both closed: %+v, %v; want TIME_WAIT", s, err)
	}
	if _, err := ProcLookup(remote, local); !errors.Is(err, ErrNoSocket) {
		t.Errorf("server after both closed: %v, want ErrNoSocket", err)
	}
}

// An IPv4 connection on a dual-stack socket is in /proc/net/tcp6 under
// ::ffff:127.0.0.1; ProcLookup finds it by either form.
func TestProcMapped(t *testing.T) {
	ln := listenTCP(t, "tcp", "[::]:0")
	c, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", ln.Addr().(*net.TCPAddr).Port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw := s.LocalAddr().(*net.TCPAddr).AddrPort()
	peer := s.RemoteAddr().(*net.TCPAddr).AddrPort()
	if !raw.Addr().Is4In6() {
		t.Fatalf("server address %v is not mapped", raw)
	}
	for _, a := range [][2]netip.AddrPort{{raw, peer}, {Normalize(raw), Normalize(peer)}} {
		if st, err := ProcState(a[0], a[1]); err != nil || st != Established {
			t.Errorf("%v ⇄ %v: %v, %v", a[0], a[1], st, err)
		}
	}
}
