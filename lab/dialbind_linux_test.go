package lab

import (
	"net"
	"testing"
)

// TestHoldPort: while a dial binds its socket for the capture, the port it
// connects to is held, so the kernel cannot give the socket that very port
// (a connect from a port to itself); a port in use needs no holding.
func TestHoldPort(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	release := holdPort("tcp4", addr) // a listener holds it already
	release()
	ln.Close() // the port is free now, as after demo 17's server closed

	release = holdPort("tcp4", addr)
	if l, err := net.Listen("tcp4", addr); err == nil {
		l.Close()
		t.Fatalf("%s could be bound while held", addr)
	}
	release()
	l, err := net.Listen("tcp4", addr)
	if err != nil {
		t.Fatalf("%s after the release: %v", addr, err)
	}
	l.Close()
	holdPort("tcp4", "not an address")() // nothing to hold
}
