//go:build linux

package capture

import (
	"context"
	"net"
	"net/netip"
	"testing"
)

func listenTCP(t *testing.T, network, addr string) net.Listener {
	t.Helper()
	var lc net.ListenConfig
	lc.SetMultipathTCP(false) // Go ≥ 1.24 would make it MPTCP
	ln, err := lc.Listen(context.Background(), network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func addrOf(t *testing.T, a net.Addr) netip.AddrPort {
	t.Helper()
	ap, ok := AddrOf(a)
	if !ok {
		t.Fatalf("%v is no TCP or UDP address", a)
	}
	return ap
}

func pair(t *testing.T) (client, server *net.TCPConn, ln net.Listener) {
	t.Helper()
	ln = listenTCP(t, "tcp4", "127.0.0.1:0")
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c.(*net.TCPConn), s.(*net.TCPConn), ln
}
