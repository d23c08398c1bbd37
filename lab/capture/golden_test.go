package capture

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the captured frames")

// Captured frames live in testdata/NAME.hex, one a line: the call that
// caused it, a tab, the frame in hex (as AF_PACKET delivered it on lo, cut
// to 128 bytes). go test -recapture (as root, Linux) captures them anew.

func readFrames(t *testing.T, path string) (calls []string, frames [][]byte) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		call, h, ok := strings.Cut(sc.Text(), "\t")
		b, err := hex.DecodeString(h)
		if !ok || err != nil {
			t.Fatalf("%s: line %q: %v", path, sc.Text(), err)
		}
		calls, frames = append(calls, call), append(frames, b)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return calls, frames
}

// describe is what the golden files hold of each frame: the call, the
// segment as Wireshark's info column writes it, and its layers.
func describe(calls []string, frames [][]byte) ([]byte, error) {
	var b bytes.Buffer
	tr := NewTracker()
	for i, f := range frames {
		p, err := Decode(f)
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", i+1, err)
		}
		s := tr.Track(&p)
		fmt.Fprintf(&b, "%d %s: %v from the %v\n", i+1, calls[i], p.Proto, s.From)
		fmt.Fprintf(&b, "  %v\n", s)
		fmt.Fprintf(&b, "  ethernet %d, ipv%d %d, %v %d, payload %d of %d bytes; hop limit %d\n",
			len(p.Link), p.Version, len(p.Net), strings.ToLower(p.Proto.String()), len(p.Transport), len(p.Payload), p.PayloadLen, p.HopLimit)
	}
	return b.Bytes(), nil
}

func TestDecodeCaptured(t *testing.T) {
	files, err := filepath.Glob("testdata/*.hex")
	if err != nil || len(files) == 0 {
		t.Fatalf("no captured frames in testdata: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			got, err := describe(readFrames(t, file))
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(file, ".hex") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s decodes as\n%s\nwant (%s)\n%s", file, got, golden, want)
			}
		})
	}
}
