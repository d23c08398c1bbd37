package demos

import (
	"encoding/binary"
	"testing"
)

// TestPeerFramedCommand: lab serve 5 tells a framed message from the
// command names the seed's client (or a person at nc) sends.
func TestPeerFramedCommand(t *testing.T) {
	le := func(s string) []byte { return append(binary.LittleEndian.AppendUint32(nil, uint32(len(s))), s...) }
	be := func(s string) []byte { return append(binary.BigEndian.AppendUint32(nil, uint32(len(s))), s...) }
	for _, c := range []struct {
		in     []byte
		framed bool
	}{
		{[]byte("whoami"), false},
		{[]byte("pwd\n"), false},
		{[]byte("ls -l\r\n"), false},
		{[]byte("echo 你好"), false},
		{[]byte("ls"), false},
		{le("hello"), true},
		{be("whoami"), true},
		{le("whoami")[:4], true}, // the header alone, its body in the next recv
		{append(le(`{"cmd": "ls"}`), "body"...), true},
		{[]byte{0x01, 0x02, 0x03, 0x04, 'x'}, false}, // binary, but no length that fits
	} {
		if v := framedCommand(c.in, "struct"); (v != nil) != c.framed {
			t.Errorf("%q: framed = %v, want %v", c.in, v != nil, c.framed)
		}
	}
}
