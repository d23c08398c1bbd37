package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Uploads that never lie: `lab serve 15` tells a client "stored" only for
// a file that is on disk whole, under its name, and never mixes, overwrites
// or leaves half a file. All files go to a t.TempDir().

// putOf is a put header for name with body, and the body's SHA-256 unless
// sum is given.
func putOf(name string, size int, sum string) []byte {
	n, _ := json.Marshal(name)
	obj := fmt.Sprintf(`{"cmd": "put", "filename": %s, "filesize": %d`, n, size)
	if sum != "" {
		obj += fmt.Sprintf(`, "sha256": %q`, sum)
	}
	return jsonPut(obj + "}")
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// readPutReply reads one framed reply: its fields and its length in bytes.
func readPutReply(t *testing.T, c net.Conn, what string) (map[string]any, int) {
	t.Helper()
	var n int32
	if err := binary.Read(c, binary.LittleEndian, &n); err != nil || n <= 0 || n > 1<<16 {
		t.Fatalf("%s: reply length %d, %v", what, n, err)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: reply %q: %v", what, b, err)
	}
	return r, int(n) + 4
}

// wantReply checks a reply's status and that its error says why.
func wantReply(t *testing.T, what string, r map[string]any, status, why string) {
	t.Helper()
	if r["status"] != status || !strings.Contains(fmt.Sprint(r["error"]), why) {
		t.Errorf("%s: reply %v, want status %s and an error with %q", what, r, status, why)
	}
}

// TestServeUploadsNeverLie: a name being written is refused on a second
// connection, and the first upload still arrives whole; a stored name is
// never overwritten; a client that vanishes mid-file, a wrong SHA-256, a
// file over the quota, a put past the per-connection limit, a name too long
// to echo, a symlink and a partial file's name each get a refusal (a reply,
// not a reset), and the folder holds exactly the files told "stored".
func TestServeUploadsNeverLie(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "uploads")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(parent, "outside.txt")
	if err := os.Symlink(outside, filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	srv := serveInProcess(t, "15", "--count", "9", "--dir", dir, "--idle", "10s", "--set", "quota=3000", "--set", "files=2")

	// A: half of same.txt, then wait until the server holds it open.
	bodyA := []byte(strings.Repeat("A", 1000))
	a := dial(t, srv.addr)
	a.Write(append(putOf("same.txt", len(bodyA), sha(bodyA)), bodyA[:500]...))
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		_, e1 := os.Lstat(filepath.Join(dir, ".same.txt.part"))
		_, e2 := os.Lstat(filepath.Join(dir, "same.txt"))
		if e1 == nil || e2 == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server never opened same.txt")
		}
	}
	// B: the same name while A's is being written.
	bodyB := []byte(strings.Repeat("B", 1000))
	b := dial(t, srv.addr)
	b.Write(append(putOf("same.txt", len(bodyB), ""), bodyB...))
	r, _ := readPutReply(t, b, "B")
	wantReply(t, "B, same.txt while A writes it", r, "refused", "being uploaded on another connection")
	b.Close()
	// A finishes, stores a second file, and its third put is one too many.
	a.Write(bodyA[500:])
	r, _ = readPutReply(t, a, "A")
	wantReply(t, "A, same.txt", r, "stored", "")
	a.Write(append(putOf("two.txt", 10, ""), "0123456789"...))
	r, _ = readPutReply(t, a, "A two")
	wantReply(t, "A, two.txt", r, "stored", "")
	a.Write(append(putOf("three.txt", 10, ""), "0123456789"...))
	r, _ = readPutReply(t, a, "A three")
	wantReply(t, "A, a third file", r, "refused", "the most one connection may")
	if n, err := a.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("after the limit, the server should close: %d, %v", n, err)
	}
	a.Close()

	for _, tc := range []struct {
		what, name string
		send       []byte
		why        string
	}{
		{"same.txt again", "same.txt", append(putOf("same.txt", 5, ""), "again"...), "in the folder already"},
		{"a wrong SHA-256", "sum.txt", append(putOf("sum.txt", 5, sha([]byte("other"))), "hello"...), "not the"},
		{"over the quota", "big.txt", append(putOf("big.txt", 2000, ""), strings.Repeat("x", 2000)...), "quota"},
		{"a symlink", "link.txt", append(putOf("link.txt", 5, ""), "hello"...), "in the folder already"},
		{"a partial file's name", ".same.txt.part", append(putOf(".same.txt.part", 5, ""), "hello"...), ".NAME.part"},
	} {
		c := dial(t, srv.addr)
		c.Write(tc.send)
		r, _ := readPutReply(t, c, tc.what)
		wantReply(t, tc.what, r, "refused", tc.why)
		c.Close()
	}
	// A name of 60,000 bytes: the reply echoes only its start.
	c := dial(t, srv.addr)
	c.Write(putOf(strings.Repeat("n", 60000), 0, ""))
	r, n := readPutReply(t, c, "long name")
	wantReply(t, "a 60,000-byte name", r, "refused", "unsafe file name")
	if n > 1024 {
		t.Errorf("the refusal of a 60,000-byte name is %d bytes long; want a short reply", n)
	}
	c.Close()
	// D vanishes mid-file.
	d := dial(t, srv.addr)
	d.Write(append(putOf("cut.txt", 1000, ""), "only ten b"...))
	d.(*net.TCPConn).CloseWrite()
	io.Copy(io.Discard, d)
	d.Close()

	code, evs := srv.wait(t)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, srv.stderr.String())
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"link.txt", "same.txt", "two.txt"}; !slices.Equal(names, want) {
		t.Errorf("the folder holds %q, want %q: only the stored files, no partial one", names, want)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "same.txt")); err != nil || string(got) != string(bodyA) {
		t.Errorf("same.txt: %.20q… (%d bytes), %v; want A's 1000 bytes", got, len(got), err)
	}
	if _, err := os.Lstat(outside); err == nil {
		t.Error("the upload to the symlink wrote outside the folder")
	}
	// Only the vanished client's connection ends in an error: a refusal
	// is an answer, not a failure, and no close() is reported as failing.
	for tag, errs := range errorsIn(evs) {
		if tag != "c9" || len(errs) != 1 || !strings.Contains(errs[0], "got 10 of 1000 bytes") {
			t.Errorf("[%s] errors %q; want only c9's cut-off upload", tag, errs)
		}
	}
}

// TestServeUploadsAckNames: the ack protocol carries no name; two uploads
// are stored side by side as received.bin and received-2.bin, and the
// trace says so.
func TestServeUploadsAckNames(t *testing.T) {
	dir := t.TempDir()
	srv := serveInProcess(t, "15", "--count", "2", "--dir", dir, "--idle", "10s", "--set", "proto=ack")
	for _, body := range []string{"hello", "world"} {
		c := dial(t, srv.addr)
		c.Write([]byte(fmt.Sprint(len(body))))
		ack := make([]byte, 4)
		if _, err := io.ReadFull(c, ack); err != nil || string(ack) != "1001" {
			t.Fatalf("ack %q, %v", ack, err)
		}
		c.Write([]byte(body))
		receipt, _ := io.ReadAll(c)
		if string(receipt) != sha([]byte(body)) {
			t.Errorf("receipt %q, want the SHA-256 of %q", receipt, body)
		}
		c.Close()
	}
	code, evs := srv.wait(t)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, srv.stderr.String())
	}
	for name, want := range map[string]string{"received.bin": "hello", "received-2.bin": "world"} {
		if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	said := false
	for _, e := range evs {
		said = said || strings.Contains(e.Text, "stored as received-2.bin")
	}
	if !said {
		t.Error("the trace does not say the second upload is stored as received-2.bin")
	}
}

// TestClientUploadGarbage: `lab client 15` against servers that do not
// speak the protocol (an HTTP server's answer; a stream of bytes that never
// ends, in both protocols) fails with one clear error and reads a bounded
// amount.
func TestClientUploadGarbage(t *testing.T) {
	englishEnv(t)
	for _, tc := range []struct {
		name, proto, want string
		endless           bool
	}{
		{"http", "json", "does not speak this protocol", false},
		{"http", "ack", "does not speak this protocol", false},
		{"endless", "json", "longer than any receipt", true},
		{"endless", "ack", "longer than any receipt", true},
	} {
		t.Run(tc.name+" "+tc.proto, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			sent := make(chan int64, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					sent <- 0
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(30 * time.Second))
				garbage := []byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
				if !tc.endless {
					if tc.proto == "ack" {
						c.Read(make([]byte, 64)) // the size
						c.Write([]byte("1001"))
					}
					io.Copy(io.Discard, c)
					c.Write(garbage)
					sent <- int64(len(garbage))
					return
				}
				go io.Copy(io.Discard, c)
				var n int64
				for n < 1<<30 {
					m, err := c.Write(garbage)
					n += int64(m)
					if err != nil {
						break
					}
				}
				sent <- n
			}()
			code, _, stderr := runLab(t, "", "client", "15", "--connect", ln.Addr().String(), "--set", "proto="+tc.proto, "--timeout", "20s")
			if code != exitFail || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "lab: error:") != 1 {
				t.Errorf("exit %d, want %d and an error with %q:\n%s", code, exitFail, tc.want, stderr)
			}
			ln.Close()
			if n := <-sent; tc.endless && n >= 1<<30 {
				t.Errorf("the client read %d bytes of an endless answer", n)
			}
		})
	}
}

// TestClientEndlessStream: `lab client 10` (framing none reads to the
// server's close) and `lab client 3` (reads to the close) against a server
// that never stops sending: the client stops at its limit with a clear
// error, long before the server has sent 1 GiB.
func TestClientEndlessStream(t *testing.T) {
	englishEnv(t)
	for _, demo := range []string{"10", "3"} {
		t.Run(demo, func(t *testing.T) { endlessStream(t, demo) })
	}
}

func endlessStream(t *testing.T, demo string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sent := make(chan int64, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			sent <- 0
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(60 * time.Second))
		go io.Copy(io.Discard, c)
		chunk := []byte(strings.Repeat("total 0\n", 8192))
		var n int64
		for n < 1<<30 {
			m, err := c.Write(chunk)
			n += int64(m)
			if err != nil {
				break
			}
		}
		sent <- n
	}()
	code, _, stderr := runLab(t, "", "client", demo, "--connect", ln.Addr().String(), "--format", "none")
	if code != exitFail || !strings.Contains(stderr, "stopped reading") || strings.Count(stderr, "lab: error:") != 1 {
		t.Errorf("exit %d, want %d and the limit's error:\n%s", code, exitFail, stderr)
	}
	ln.Close()
	if n := <-sent; n >= 1<<30 {
		t.Errorf("the server sent %d bytes: the client never stopped reading", n)
	}
}

// TestServeUploadsAckQuota: with the ack protocol a file over the quota is
// refused before the acknowledgement, so not a byte of it is sent, and
// `lab client 15` says so and fails.
func TestServeUploadsAckQuota(t *testing.T) {
	englishEnv(t)
	dir := t.TempDir()
	srv := serveInProcess(t, "15", "--count", "1", "--dir", dir, "--idle", "10s", "--set", "proto=ack", "--set", "quota=1000")
	code, out, stderr := runLab(t, "", "client", "15", "--connect", srv.addr, "--set", "proto=ack", "--set", "size=2000", "--format", "json")
	if code != exitFail || !strings.Contains(stderr, "the server refused the upload") || !strings.Contains(stderr, "quota") {
		t.Errorf("exit %d, want %d and the refusal:\n%s", code, exitFail, stderr)
	}
	for _, e := range peerTrace(t, out) {
		if e.Op == "sendall" && e.N > 100 {
			t.Errorf("the client sent %d bytes of the refused file", e.N)
		}
	}
	srv.wait(t)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the folder holds %d entries after a refusal", len(entries))
	}
}

// TestServeRefusedHeaderOneClose: a header the server cannot read past is
// refused with a reply and one close(); no second close() shows a false
// "✗ … use of closed network connection" in the lane.
func TestServeRefusedHeaderOneClose(t *testing.T) {
	srv := serveInProcess(t, "15", "--count", "2", "--dir", t.TempDir(), "--idle", "10s")
	for _, send := range [][]byte{header(-1), []byte("not a size\n")} {
		c := dial(t, srv.addr)
		c.Write(send)
		io.Copy(io.Discard, c)
		c.Close()
	}
	_, evs := srv.wait(t)
	closes := map[string]int{}
	for _, e := range evs {
		if e.Op == "close" && e.Who != "" {
			closes[e.Who]++
			if e.Err != "" {
				t.Errorf("[%s] close() failed: %s", e.Who, e.Err)
			}
		}
	}
	for _, tag := range []string{"c1", "c2"} {
		if closes[tag] != 1 {
			t.Errorf("[%s] %d close() calls, want 1", tag, closes[tag])
		}
	}
}

// TestHelpPeerKnobs: `lab help 15` lists the knobs of lab serve 15 and lab
// client 15 (proto, quota, files) with their defaults, in both languages.
func TestHelpPeerKnobs(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		code, out, stderr := runLab(t, "", "help", "15", "--lang", lang)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", lang, code, stderr)
		}
		for _, want := range []string{"lab serve 15", "--set proto=", "--set quota=", "4GiB", "--set files=", "100"} {
			if !strings.Contains(out, want) {
				t.Errorf("lab help 15 --lang %s has no %q:\n%s", lang, want, out)
			}
		}
	}
}
