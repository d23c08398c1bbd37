package render

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"socketlab/lab"
)

// TestAppendHex: the eight-bytes-at-a-time hex is encoding/hex's, for
// every byte value, every length around the eight-byte steps, and after
// bytes already in dst.
func TestAppendHex(t *testing.T) {
	src := make([]byte, 600)
	for i := range src {
		src[i] = byte(i*37 + i>>8)
	}
	for n := range len(src) {
		if got := string(appendHex(nil, src[:n])); got != hex.EncodeToString(src[:n]) {
			t.Fatalf("%d bytes: %s", n, got)
		}
	}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	if got := string(appendHex([]byte("x:"), all)); got != "x:"+hex.EncodeToString(all) {
		t.Errorf("every byte value: %s", got)
	}
}

// TestJSONHexReuse: a call whose bytes equal the last call's reuses its
// hex; every line's data_hex is still exactly its own call's bytes, for
// repeats, near misses (one byte differs, one byte shorter), sizes at and
// beyond the reuse limits, and a caller that changes its buffer after the
// call (a lent call).
func TestJSONHexReuse(t *testing.T) {
	a := make([]byte, 4096)
	for i := range a {
		a[i] = byte(i * 31)
	}
	b := bytes.Clone(a)
	b[len(b)-1] ^= 1
	big := bytes.Repeat([]byte{7, 200}, maxReuse/2+1)
	lent := bytes.Clone(a)
	calls := [][]byte{a, a, b, a, a[:len(a)-1], a[:minReuse], a[:minReuse-1], a[:minReuse-1], big, big, big[:maxReuse], big[:maxReuse], lent, nil, a,
		big[:(32 << 10)], big[:(32 << 10)], big[:(32<<10)-1], a, big[1 : (32<<10)+1]}
	var out bytes.Buffer
	j := NewJSON(&out, lab.En)
	for i, d := range calls {
		j.Emit(lab.Event{Seq: i + 1, Side: lab.Client, Op: lab.OpSend, Conn: 1, Req: len(d), N: len(d), Data: d})
		if i == 12 {
			lent[0] ^= 0xff // the buffer is the caller's again
		}
	}
	calls[12] = bytes.Clone(a) // what lent held when it was written
	j.Finish()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != len(calls) {
		t.Fatalf("%d lines for %d calls", len(lines), len(calls))
	}
	for i, line := range lines {
		var v struct {
			Seq int    `json:"seq"`
			Hex string `json:"data_hex"`
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if v.Seq != i+1 || v.Hex != hex.EncodeToString(calls[i]) {
			t.Errorf("line %d (seq %d): data_hex of %d bytes is not its call's %d bytes", i+1, v.Seq, len(v.Hex)/2, len(calls[i]))
		}
	}
}

// BenchmarkJSONProxyCalls renders what a proxy's JSON trace gets for
// 64 KiB forwarded: the recv and the send of the same random bytes.
// MB/s counts the bytes forwarded.
func BenchmarkJSONProxyCalls(b *testing.B) {
	data := make([]byte, 32<<20)
	rand.NewChaCha8([32]byte{3}).Read(data)
	j := NewJSON(io.Discard, lab.En)
	b.SetBytes(64 << 10)
	off := 0
	for b.Loop() {
		d := data[off : off+64<<10]
		off = (off + 64<<10) % len(data)
		j.Emit(lab.Event{Side: lab.Proxy, Op: lab.OpRecv, Conn: 3, Call: "recv(65536)", Req: len(d), N: len(d), Data: d})
		j.Emit(lab.Event{Side: lab.Proxy, Op: lab.OpSendAll, Conn: 4, Call: "sendall()", Req: len(d), N: len(d), Data: d})
	}
	j.Finish()
}
