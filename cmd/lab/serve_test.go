package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Hostile peers: `lab serve` runs in this process (so its memory can be
// measured) and Go clients send it what a broken or malicious program
// would. Every client talks to 127.0.0.1 only, and every loop is bounded.

// inProcess is `lab serve` running in a goroutine of the test.
type inProcess struct {
	addr           string
	stdout, stderr *syncBuffer
	code           chan int
	cancel         context.CancelFunc
}

func serveInProcess(t *testing.T, args ...string) *inProcess {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &inProcess{stdout: &syncBuffer{}, stderr: &syncBuffer{}, code: make(chan int, 1), cancel: cancel}
	args = append(append([]string{"serve"}, args...), "--format", "json", "--lang", "en")
	go func() { p.code <- run(ctx, args, strings.NewReader(""), p.stdout, p.stderr) }()
	t.Cleanup(cancel)
	p.addr = waitFor(t, p.stderr.String, connectTo)
	return p
}

// wait returns the exit code and the trace once the server stopped.
func (p *inProcess) wait(t *testing.T) (int, []traceEvent) {
	t.Helper()
	select {
	case code := <-p.code:
		return code, peerTrace(t, p.stdout.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("lab serve did not stop\nstderr:\n%s", p.stderr.String())
	}
	return 0, nil
}

// errorsIn returns the error texts of the trace, by fork tag.
func errorsIn(evs []traceEvent) map[string][]string {
	out := map[string][]string{}
	for _, e := range evs {
		if e.Err != "" {
			out[e.Who] = append(out[e.Who], e.Err)
		}
	}
	return out
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return c
}

func header(n int32) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(n)) }

func jsonPut(obj string) []byte { return append(header(int32(len(obj))), obj...) }

// TestServeHostileUploads sends broken and malicious frames to the file
// server, one connection each, then a good upload: no panic, no allocation
// from a hostile length, a clear error for each in the trace, and the good
// client still served.
func TestServeHostileUploads(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name  string
		send  []byte
		close bool   // close right after sending (vanish)
		want  string // in the trace's errors of that connection
	}{
		{"negative length", header(-1), false, "negative frame length -1"},
		{"2 GB length", header(0x7fffffff), false, "exceeds limit"},
		{"half a header", []byte{0x10, 0x00}, true, "got 2, then the peer closed"},
		{"invalid UTF-8", append(header(4), 0xff, 0xfe, 0xfd, 0xfc), false, "invalid UTF-8"},
		{"invalid JSON", jsonPut(`{"cmd": "put", "filename": `), false, "malformed JSON header"},
		{"2 GB file", jsonPut(`{"cmd": "put", "filename": "big.bin", "filesize": 2147483648}`), false, "filesize 2147483648 exceeds limit"},
		{"vanishes mid-file", append(jsonPut(`{"cmd": "put", "filename": "cut.txt", "filesize": 1000}`), "only ten b"...), true, "got 10 of 1000 bytes"},
	}
	srv := serveInProcess(t, "15", "--count", fmt.Sprint(len(cases)+1), "--dir", dir, "--idle", "5s")

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, tc := range cases {
		c := dial(t, srv.addr)
		if _, err := c.Write(tc.send); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tc.close {
			c.(*net.TCPConn).CloseWrite()
		}
		io.Copy(io.Discard, c) // the server answers (or not) and hangs up
		c.Close()
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("serving the hostile frames allocated %d MiB", grew>>20)
	}

	// A good client after all of them.
	c := dial(t, srv.addr)
	body := []byte("still serving\n")
	c.Write(append(jsonPut(fmt.Sprintf(`{"cmd": "put", "filename": "ok.txt", "filesize": %d}`, len(body))), body...))
	var n int32
	if err := binary.Read(c, binary.LittleEndian, &n); err != nil || n <= 0 || n > 1<<16 {
		t.Fatalf("good client's reply length %d, %v", n, err)
	}
	reply := make([]byte, n)
	io.ReadFull(c, reply)
	var r map[string]any
	if err := json.Unmarshal(reply, &r); err != nil || r["status"] != "stored" {
		t.Errorf("good client's reply %s", reply)
	}
	c.Close()

	code, evs := srv.wait(t)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, srv.stderr.String())
	}
	errs := errorsIn(evs)
	for i, tc := range cases {
		tag := fmt.Sprintf("c%d", i+1)
		if !strings.Contains(strings.Join(errs[tag], "\n"), tc.want) {
			t.Errorf("%s [%s]: trace errors %q, want one with %q", tc.name, tag, errs[tag], tc.want)
		}
	}
	if len(errs[fmt.Sprintf("c%d", len(cases)+1)]) > 0 {
		t.Errorf("the good client got errors: %q", errs[fmt.Sprintf("c%d", len(cases)+1)])
	}
	if b, err := os.ReadFile(filepath.Join(dir, "ok.txt")); err != nil || string(b) != string(body) {
		t.Errorf("ok.txt = %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "big.bin")); err == nil {
		t.Error("the refused 2 GB file was created")
	}
}

// TestServeCrowd has 200 clients talk to demo 1's server at once, with at
// most 32 served at a time: every one gets its own answer.
func TestServeCrowd(t *testing.T) {
	const clients = 200
	srv := serveInProcess(t, "1", "--count", fmt.Sprint(clients), "--idle", "10s")
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", srv.addr, 10*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(30 * time.Second))
			msg := fmt.Sprintf("client %d", i)
			if _, err := c.Write([]byte(msg)); err != nil {
				errs <- err
				return
			}
			got := make([]byte, len(msg))
			if _, err := io.ReadFull(c, got); err != nil {
				errs <- fmt.Errorf("%s: %w", msg, err)
				return
			}
			if want := strings.ToUpper(msg); string(got) != want {
				errs <- fmt.Errorf("%s: got %q", msg, got)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	code, evs := srv.wait(t)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, srv.stderr.String())
	}
	tags := map[string]bool{}
	for _, e := range evs {
		if e.Op == "accept" && e.Err == "" {
			tags[e.Who] = true
		}
	}
	if len(tags) != clients {
		t.Errorf("%d tagged accepts, want %d", len(tags), clients)
	}
}

// TestServeIdle: a client that connects and sends nothing is dropped after
// --idle, while another client is served in the meantime.
func TestServeIdle(t *testing.T) {
	srv := serveInProcess(t, "1", "--count", "2", "--idle", "300ms")
	silent := dial(t, srv.addr)
	defer silent.Close()

	busy := dial(t, srv.addr)
	busy.Write([]byte("abc"))
	got := make([]byte, 3)
	if _, err := io.ReadFull(busy, got); err != nil || string(got) != "ABC" {
		t.Fatalf("the other client got %q, %v", got, err)
	}
	busy.Close()

	if n, err := silent.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("the silent client read %d, %v; want EOF once the server hangs up", n, err)
	}
	code, evs := srv.wait(t)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	timedOut, shown := false, 0
	for _, e := range evs {
		if e.Who == "c1" && e.Errno == "timeout" && e.Op == "recv" {
			timedOut = true
		}
		if e.Who == "c1" && e.Errno == "timeout" {
			shown++ // the recv's ✗, and not once more under the note that explains it
		}
		if e.Who == "c2" && e.Err != "" {
			t.Errorf("the busy client's connection failed: %+v", e)
		}
	}
	if !timedOut {
		t.Errorf("no timed-out recv for the silent client in the trace:\n%s", srv.stdout.String())
	}
	if shown != 1 {
		t.Errorf("the time-out is shown %d times, want once:\n%s", shown, srv.stdout.String())
	}
	if !strings.Contains(srv.stdout.String(), "no progress for 300ms") {
		t.Error("the trace does not say why the silent client was dropped")
	}
}

// TestServeStop: Ctrl-C ends a server cleanly, with exit 0 and its
// clients' sockets closed.
func TestServeStop(t *testing.T) {
	srv := serveInProcess(t, "14")
	c := dial(t, srv.addr)
	defer c.Close()
	welcome := make([]byte, len("Welcome"))
	if _, err := io.ReadFull(c, welcome); err != nil {
		t.Fatal(err)
	}
	srv.cancel()
	io.Copy(io.Discard, c) // returns at EOF: the server closed the connection
	code, evs := srv.wait(t)
	if code != 0 || !strings.Contains(srv.stderr.String(), "sockets closed") {
		t.Errorf("exit %d, stderr %q", code, srv.stderr.String())
	}
	if last := evs[len(evs)-1]; last.Err != "" {
		t.Errorf("a stopped server's summary has an error: %+v", last)
	}
}

func TestServeUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "12"}, "demos with a real-peer side: 1 tcp-basic"},
		{[]string{"serve", "nope"}, "valid demos:"},
		{[]string{"serve", "1", "--listen", "127.0.0.1"}, "missing port"},
		{[]string{"serve", "1", "--listen", "127.0.0.1:99999"}, "port must be a number"},
		{[]string{"serve", "1", "--count", "-1"}, "out of range"},
		{[]string{"serve", "15", "--set", "proto=ftp"}, "proto"},
		{[]string{"client", "1"}, "client needs --connect"},
		{[]string{"client", "1", "--connect", "localhost"}, "missing port"},
		{[]string{"client", "1", "--connect", "127.0.0.1:0"}, "port must be a number"},
		{[]string{"client", "19", "--connect", "127.0.0.1:80"}, "has no client side"},
	} {
		code, _, errOut := runLab(t, "", tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("lab %s: exit %d, %q; want 2 and %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
}

// TestServeWarnsNotLoopback: listening on every interface says so.
func TestServeWarnsNotLoopback(t *testing.T) {
	srv := serveInProcess(t, "1", "--listen", "0.0.0.0:0", "--count", "1")
	if !strings.Contains(srv.stderr.String(), "warning: listening on 0.0.0.0:0, not loopback") {
		t.Errorf("no warning in %q", srv.stderr.String())
	}
	if !strings.Contains(srv.addr, "127.0.0.1:") {
		t.Errorf("the address to connect to is %s, want 127.0.0.1", srv.addr)
	}
	dial(t, srv.addr).Close()
	srv.wait(t)
}

// TestServeAndClient runs `lab client N` against `lab serve N` for every
// demo that has both sides, with the knob settings that change the wire.
func TestServeAndClient(t *testing.T) {
	for _, tc := range []struct {
		demo string
		sets []string
	}{
		{"1", nil}, {"2", nil}, {"3", nil}, {"3", []string{"buf=1"}}, {"4", nil},
		{"5", nil}, {"5", []string{"order=network"}}, {"6", nil}, {"6", []string{"meta=minimal"}},
		{"7", nil}, {"7", []string{"codec=gob"}}, {"7", []string{"codec=json"}}, {"8", nil}, {"11", nil}, {"13", []string{"hold=100"}}, {"13", []string{"call=send", "hold=100"}}, {"16", nil},
		{"10", nil}, {"10", []string{"framing=struct"}}, {"10", []string{"framing=json"}},
		{"14", nil}, {"14", []string{"msgs=你好,q"}},
		{"15", nil}, {"15", []string{"proto=ack", "size=300000"}},
	} {
		t.Run(strings.Join(append([]string{tc.demo}, tc.sets...), " "), func(t *testing.T) {
			var sets []string
			for _, s := range tc.sets {
				sets = append(sets, "--set", s)
			}
			count := "1"
			switch tc.demo {
			case "2":
				count = "6" // datagrams: three words, an empty one, a big one, "end"
			case "8", "11":
				count = "3" // clients=3 connections
			}
			args := append([]string{tc.demo, "--count", count}, sets...)
			if tc.demo == "15" {
				args = append(args, "--dir", t.TempDir())
			}
			srv := serveInProcess(t, args...)
			code, out, errOut := runLab(t, "", append([]string{"client", tc.demo, "--connect", srv.addr, "--format", "json"}, sets...)...)
			if code != 0 {
				t.Fatalf("lab client: exit %d\n%s", code, errOut)
			}
			evs := peerTrace(t, out)
			if last := evs[len(evs)-1]; !last.OK {
				t.Errorf("client summary %+v", last)
			}
			if code, evs := srv.wait(t); code != 0 || len(errorsIn(evs)) > 0 {
				t.Errorf("lab serve: exit %d, errors %q", code, errorsIn(evs))
			}
		})
	}
}

// TestClientTimeout: lab client gives up on an answer that has not come
// within --timeout: a server that says nothing (but keeps the connection
// open, so --idle alone would wait), and one that trickles an endless
// answer a byte at a time. The error says which limit, in words.
func TestClientTimeout(t *testing.T) {
	englishEnv(t)
	for _, name := range []string{"silent", "trickle"} {
		demo := map[string]string{"silent": "1", "trickle": "3"}[name] // 3 reads until the server closes
		t.Run(name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				for name == "trickle" {
					select {
					case <-stop:
						return
					case <-time.After(20 * time.Millisecond):
						if _, err := c.Write([]byte("x")); err != nil {
							return
						}
					}
				}
				<-stop
			}()
			code, _, stderr := runLab(t, "", "client", demo, "--connect", ln.Addr().String(), "--timeout", "300ms", "--idle", "30s")
			if code != exitFail || !strings.Contains(stderr, "the answer did not arrive within 300ms") || strings.Count(stderr, "lab: error:") != 1 {
				t.Errorf("exit %d, want %d and the answer's limit:\n%s", code, exitFail, stderr)
			}
		})
	}
}
