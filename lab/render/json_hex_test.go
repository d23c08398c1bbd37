package render

import (
	"encoding/hex"
	"testing"
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
