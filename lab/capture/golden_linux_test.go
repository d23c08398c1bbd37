//go:build linux

package capture

import (
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
)

var recapture = flag.Bool("recapture", false, "capture testdata/*.hex anew (root), then rewrite the goldens")

// TestRecapture writes the frames TestDecodeCaptured decodes, from real
// conversations on lo, each frame named after the call it came with.
func TestRecapture(t *testing.T) {
	if !*recapture {
		t.Skip("go test -recapture -update -run 'Recapture|Captured' captures the golden frames anew")
	}
	*update = true
	record := func(name string, conv func(c *Capture, do func(call string, f func() error))) {
		c := openCapture(t, Config{})
		var lines []string
		do := func(call string, f func() error) {
			t.Helper()
			if err := f(); err != nil {
				t.Fatalf("%s: %s: %v", name, call, err)
			}
			for _, p := range c.Drain() {
				lines = append(lines, call+"\t"+hex.EncodeToString(p.Frame))
			}
		}
		conv(c, do)
		c.Close()
		if err := os.WriteFile("testdata/"+name+".hex", []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tcp := func(network, addr string, reset bool) func(*Capture, func(string, func() error)) {
		return func(c *Capture, do func(string, func() error)) {
			ln := listenTCP(t, network, addr)
			c.SetPorts(addrOf(t, ln.Addr()).Port())
			b := bindTCP(t, network == "tcp6")
			var client, server net.Conn
			do("client connect()", func() (err error) { client, err = b.connect(addrOf(t, ln.Addr())); return err })
			do("server accept()", func() (err error) { server, err = ln.Accept(); return err })
			do("client send() 5 bytes", func() error { _, err := client.Write([]byte("hello")); return err })
			if reset {
				do("server close() with 5 bytes unread", server.Close)
				do("client close()", client.Close)
				return
			}
			do("server recv(1024)", func() error { _, err := server.Read(make([]byte, 1024)); return err })
			do("server send() 200 bytes", func() error { _, err := server.Write([]byte(strings.Repeat("x", 200))); return err })
			do("client recv(1024)", func() error { _, err := io.ReadFull(client, make([]byte, 200)); return err })
			do("client close()", client.Close)
			do("server recv(1024) → b''", func() error {
				if _, err := server.Read(make([]byte, 1)); err != io.EOF {
					return fmt.Errorf("%v, want EOF", err)
				}
				return nil
			})
			do("server close()", server.Close)
		}
	}
	udp := func(network, addr string) func(*Capture, func(string, func() error)) {
		return func(c *Capture, do func(string, func() error)) {
			pc, err := net.ListenPacket(network, addr)
			if err != nil {
				t.Fatal(err)
			}
			defer pc.Close()
			c.SetPorts(addrOf(t, pc.LocalAddr()).Port())
			cl, err := net.Dial(network, pc.LocalAddr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			do("client sendto() 7 bytes", func() error { _, err := cl.Write([]byte("datagra")); return err })
			do("server recvfrom(1024)", func() error { _, _, err := pc.ReadFrom(make([]byte, 1024)); return err })
			do("server sendto() 2 bytes", func() error { _, err := pc.WriteTo([]byte("ok"), cl.LocalAddr()); return err })
		}
	}
	record("tcp4", tcp("tcp4", "127.0.0.1:0", false))
	record("tcp6", tcp("tcp6", "[::1]:0", false))
	record("tcp4-reset", tcp("tcp4", "127.0.0.1:0", true))
	record("udp4", udp("udp4", "127.0.0.1:0"))
	record("udp6", udp("udp6", "[::1]:0"))
}
