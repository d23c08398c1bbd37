package demos

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// uploadFindings runs the upload with sets and returns its findings by id.
func uploadRun(t *testing.T, sets ...string) (lab.Result, map[string]lab.Finding) {
	t.Helper()
	res := runDemo(t, fileUpload(), lab.Options{}, sets...)
	by := map[string]lab.Finding{}
	for _, f := range res.Findings {
		by[f.ID] = f
	}
	return res, by
}

// TestFileUploadSizes uploads files at boundary sizes: every finding holds,
// and the trace keeps only the first bytes of each chunk. With 65300 bytes
// the third put's header crosses the end of the JSON stream's first
// lab.StreamKeep bytes, so the trace keeps only its head: the findings
// must not need the rest.
func TestFileUploadSizes(t *testing.T) {
	for _, size := range []string{"0", "1", "64", "65", "65300", "65536", "1048577"} {
		t.Run(size, func(t *testing.T) {
			res, by := uploadRun(t, "size="+size)
			for _, id := range []string{"ack", "whole", "header", "refused"} {
				if f, ok := by[id]; !ok || !f.OK {
					t.Errorf("finding %s: %v %s", id, ok, f.Text.En)
				}
			}
			var kept, moved int
			for _, e := range res.Trace {
				kept += len(e.Data)
				if e.Op.IsData() {
					moved += e.N
					if len(e.Data) > e.N {
						t.Errorf("seq %d: %d bytes kept of n=%d", e.Seq, len(e.Data), e.N)
					}
				}
			}
			// Each stream keeps its first lab.StreamKeep bytes and then the
			// first bytes of each call: a few hundred KiB, not 4 MiB.
			if size == "1048577" && (kept > 12*lab.StreamKeep || moved < 4*(1<<20+1)) {
				t.Errorf("1 MiB+1 upload: %d bytes kept of %d moved; want only the first bytes of the chunks", kept, moved)
			}
		})
	}
}

// TestFileUploadHostileNames sets the name knob to names that try to leave
// the folder: the server refuses each, the other uploads still arrive whole,
// and nothing is left on disk, inside the temporary folder's parents or
// elsewhere. TMPDIR is a fresh folder two levels deep, so "../../../../x"
// lands in a place the test can look at. The absolute name points into the
// test's folder too, not at the real /etc/passwd: these tests may run as
// root, and a broken check must not be able to overwrite system files.
func TestFileUploadHostileNames(t *testing.T) {
	for _, name := range []string{"../../etc/passwd", "../../../../escape.txt", "/ABS/etc/passwd", "a\x00b", "../escape.txt", "..", "", "sub/notes.txt", `..\..\x`, "aux.txt", "a.txt:hidden", "invoice\u202etxt.exe", "notes.txt."} {
		base := t.TempDir()
		name = strings.Replace(name, "/ABS", base, 1)
		t.Run(strings.ReplaceAll(strings.TrimPrefix(name, base), "/", "|"), func(t *testing.T) {
			tmp := filepath.Join(base, "a", "b")
			if err := os.MkdirAll(tmp, 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("TMPDIR", tmp)
			res, by := uploadRun(t, "name="+name)
			// The refused finding quotes the server's error, which names the
			// reason (wire.ErrUnsafeName), and points at the outside notes.
			if f := by["refused"]; !f.OK || !strings.Contains(f.Text.En, wire.ErrUnsafeName.Error()) || !slices.Contains(f.Steps, outsideStep) {
				t.Errorf("refused: %v %v %s", f.OK, f.Steps, f.Text.En)
			}
			if f := by["header"]; f.OK || len(f.Steps) != 0 {
				t.Errorf("header should be not shown, pointing at nothing: %v %v %s", f.OK, f.Steps, f.Text.En)
			}
			for _, id := range []string{"ack", "whole"} {
				if !by[id].OK {
					t.Errorf("%s: %s", id, by[id].Text.En)
				}
			}
			var outside int
			for _, e := range res.Trace.Calls(lab.Server, lab.OpNote) {
				if e.Step == outsideStep {
					outside++
				}
			}
			if outside != 2 {
				t.Errorf("%d notes on writing outside the folder, want 2 (this name and %s)", outside, hostileName)
			}
			// The run removed its folder and wrote nothing beside it.
			filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					t.Error(err)
					return nil
				}
				if rel, _ := filepath.Rel(base, p); rel != "." && rel != "a" && rel != filepath.Join("a", "b") {
					t.Errorf("left behind: %s", rel)
				}
				return nil
			})
		})
	}
}

// TestFileUploadRepeat runs the default upload 20 times.
func TestFileUploadRepeat(t *testing.T) {
	repeatDemo(t, "file-upload", 20, repeat{Short: 2, Check: count(4)})
}

// TestContentLineStores checks contentLine, which writes two words a store
// while they fit, against the plain way of writing a line: its number, then
// one word at a time from the seed's bits, the last one cut at the newline.
func TestContentLineStores(t *testing.T) {
	plain := func(i int64) (line [64]byte) {
		copy(line[:], fmt.Sprintf("%08d ", (i+1)%100000000))
		var p rand.PCG
		p.Seed(uploadSeed, uint64(i))
		x, pos := p.Uint64(), 9
		for pos < 63 {
			pos += copy(line[pos:63], uploadWords[x&15]+" ")
			x = x>>4 | x<<60
		}
		line[63] = '\n'
		return line
	}
	for _, i := range []int64{0, 1, 9, 9998, 9999, 10000, 99999998, 99999999, 100000000, 1 << 40} {
		for j := i; j < i+200; j++ {
			var got [64]byte
			if contentLine(j, &got); got != plain(j) {
				t.Fatalf("line %d:\n got %q\nwant %q", j, got, plain(j))
			}
		}
	}
}

// TestHashContent: the SHA-256 a client announces, generated and hashed in
// two goroutines, is the SHA-256 of the file it sends, at sizes around the
// 64-byte lines, the 64 KiB sends and the 1 MiB chunks it hashes.
func TestHashContent(t *testing.T) {
	for _, size := range []int64{0, 1, 63, 64, uploadChunk - 1, uploadChunk, uploadChunk + 1, 1<<20 - 1, 1 << 20, 1<<20 + 1, 3<<20 + 5} {
		whole := make([]byte, size)
		(&content{size: size}).Read(whole)
		if want := sha256.Sum256(whole); !bytes.Equal(hashContent(size), want[:]) {
			t.Errorf("size %d: hashContent differs from the SHA-256 of the file", size)
		}
	}
}

// TestContentIsStreamed checks the made-up file reads the same at every
// chunking, so the sender's and the findings' SHA-256 agree.
func TestContentIsStreamed(t *testing.T) {
	const size = 1000
	whole := make([]byte, size)
	(&content{size: size}).Read(whole)
	for _, step := range []int{1, 7, 63, 64, 65, 999} {
		c := &content{size: size}
		var got []byte
		buf := make([]byte, step)
		for {
			n, err := c.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				break
			}
		}
		if string(got) != string(whole) {
			t.Fatalf("read %d at a time: differs", step)
		}
	}
	if !strings.HasPrefix(string(whole), "00000001 ") || whole[63] != '\n' || string(whole[64:73]) != "00000002 " {
		t.Errorf("content starts %q", whole[:80])
	}
}

// BenchmarkFileUpload measures a 64 MiB upload (uploaded twice: with the
// ack and with the JSON header) and reports the largest heap in use seen
// after a run and the trace's size, which the recorder keeps small.
func BenchmarkFileUpload(b *testing.B) {
	d := fileUpload()
	p, err := lab.ParseParams(d.Knobs, []string{"size=64MiB"})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(2 * 64 << 20)
	var heap uint64
	var kept int
	for b.Loop() {
		res, err := lab.Run(b.Context(), d, lab.Options{Params: p})
		if err != nil || !res.OK {
			b.Fatalf("%v %v", err, res.Findings)
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		heap = max(heap, m.HeapInuse)
		kept = len(res.Trace.Bytes())
	}
	b.ReportMetric(float64(heap)/(1<<20), "MiB-heap")
	b.ReportMetric(float64(kept), "trace-bytes")
}
