package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"socketlab/demos"
	"socketlab/lab"
)

// The peer sides of demos 8, 11, 13 and 16: `lab serve N` for a Python
// client as the tutorials write it, and `lab client N` against Python
// servers, right and with the bugs the tutorials really have; each bug
// must fail with the hint that names it.

// clientVerdict runs `lab client args...` against a Python server started
// with script and mode, and checks the exit code and that stderr holds
// every part of want.
func clientVerdict(t *testing.T, script, mode string, wantCode int, want []string, args ...string) string {
	t.Helper()
	addr, result := startPy(t, script, mode)
	code, _, errOut := labClient(t, append(append([]string{}, args...), "--connect", addr, "--lang", "en")...)
	result()
	if code != wantCode {
		t.Errorf("%s %s: exit %d, want %d\n%s", script, mode, code, wantCode, errOut)
	}
	for _, w := range want {
		if !strings.Contains(errOut, w) {
			t.Errorf("%s %s: stderr %q lacks %q", script, mode, errOut, w)
		}
	}
	return errOut
}

func TestInteropServeLoops(t *testing.T) {
	python3(t)
	s := startServe(t, "8", "--count", "2")
	got := runPy(t, "loops_client.py", s.addr)
	want := []any{"CLIENT 1, MESSAGE 1", "CLIENT 1, MESSAGE 2", "CLIENT 1, MESSAGE 3", "CLIENT 2, MESSAGE 1", "CLIENT 2, MESSAGE 2", "CLIENT 2, MESSAGE 3"}
	if !jsonEqual(got["answers"], want) {
		t.Errorf("python got %v, want %v", got["answers"], want)
	}
	evs := s.wait(t)
	eofs := map[string]bool{}
	for _, e := range evs {
		if e.Side == "server" && e.Op == "recv" && e.N == 0 && e.Err == "" {
			eofs[e.Who] = true
		}
	}
	if !eofs["c1"] || !eofs["c2"] {
		t.Errorf("the trace does not show each client's b'': %v", eofs)
	}
	summaryOK(t, evs, "loops")
}

func TestInteropClientLoops(t *testing.T) {
	python3(t)
	clientVerdict(t, "loops_server.py", "good", 0, nil, "8", "--set", "clients=3")
	clientVerdict(t, "loops_server.py", "onemsg", 1, []string{"closed the connection after 1 message(s) of 3", "communication loop"}, "8")
	clientVerdict(t, "loops_server.py", "once", 1, []string{"accept() in a loop"}, "8")
	clientVerdict(t, "loops_server.py", "spin", 1, []string{"no answer came within", "if not data: break"}, "8")
}

func TestInteropServeConcurrent(t *testing.T) {
	python3(t)
	s := startServe(t, "11", "--count", "3")
	got := runPy(t, "concurrent_client.py", s.addr)
	if want := []any{"HELLO FROM C3", "HELLO FROM C2", "HELLO FROM C1"}; !jsonEqual(got["answers"], want) {
		t.Errorf("python got %v, want %v", got["answers"], want)
	}
	summaryOK(t, s.wait(t), "concurrent")
}

func TestInteropClientConcurrent(t *testing.T) {
	python3(t)
	clientVerdict(t, "concurrent_server.py", "threaded", 0, nil, "11")
	clientVerdict(t, "concurrent_server.py", "serial", 1, []string{"c2 got no answer for", "as soon as c1 left", "one client at a time", "ThreadingTCPServer"}, "11")
}

func TestInteropServeSendall(t *testing.T) {
	python3(t)
	s := startServe(t, "13", "--count", "2", "--set", "hold=300")
	short := runPy(t, "sendall_client.py", s.addr, "send")["n"].(float64)
	all := runPy(t, "sendall_client.py", s.addr, "sendall")["n"].(float64)
	if short >= 1000000 || short <= 0 || all != 1000000 {
		t.Errorf("send() took %v and sendall() %v of 1000000 bytes; want a short count, then all", short, all)
	}
	evs := s.wait(t)
	arrived := map[string]string{}
	for _, e := range evs {
		if e.Op == "note" && strings.Contains(e.Text, "bytes arrived") {
			arrived[e.Who] = e.Text
		}
	}
	xs := sha256.Sum256(bytes.Repeat([]byte("x"), 1000000))
	if want := fmt.Sprintf("%d bytes arrived, then b''; their SHA-256 is %x", int(short), sha256.Sum256(bytes.Repeat([]byte("x"), int(short)))); arrived["c1"] != want {
		t.Errorf("after a short send() the server says %q, want %q", arrived["c1"], want)
	}
	if want := fmt.Sprintf("1000000 bytes arrived, then b''; their SHA-256 is %x", xs); arrived["c2"] != want {
		t.Errorf("after sendall() the server says %q, want %q", arrived["c2"], want)
	}
	summaryOK(t, evs, "sendall")
}

func TestInteropClientSendall(t *testing.T) {
	python3(t)
	addr, result := startPy(t, "sendall_server.py", "good")
	code, out, errOut := labClient(t, "13", "--connect", addr, "--format", "json", "--set", "size=1MB")
	got := result()
	if code != 0 || got["n"] != 1e6 || got["sha256"] != fmt.Sprintf("%x", sha256.Sum256(sendallPayload(1e6))) {
		t.Errorf("sendall: exit %d, the server got %v\n%s", code, got, errOut)
	}
	summaryOK(t, peerTrace(t, out), "sendall")

	addr, result = startPy(t, "sendall_server.py", "good")
	code, out, errOut = labClient(t, "13", "--connect", addr, "--format", "json", "--set", "size=1MB", "--set", "call=send")
	got = result()
	var sent int
	for _, e := range peerTrace(t, out) {
		if e.Op == "send" && e.Side == "client" {
			sent = e.N
		}
	}
	if code != 0 || sent <= 0 || sent >= 1e6 || got["n"] != float64(sent) {
		t.Errorf("one send(): exit %d, took %d, the server got %v\n%s", code, sent, got, errOut)
	}

	clientVerdict(t, "sendall_server.py", "once", 1, []string{"closed the connection while", "until recv() returns b''"}, "13", "--set", "size=1MB")
}

// sendallPayload is demo 13's payload ("sendall! " repeated).
func sendallPayload(n int) []byte {
	return bytes.Repeat([]byte("sendall! "), n/9+1)[:n]
}

func TestInteropServeHTTP(t *testing.T) {
	python3(t)
	s := startServe(t, "16", "--count", "2")
	got := runPy(t, "http_client.py", s.addr)
	want := []any{map[string]any{"status": "HTTP/1.1 200 OK", "body": "hello, 你好\n"}, map[string]any{"status": "HTTP/1.1 404 Not Found", "body": "404 page not found\n"}}
	if !jsonEqual(got["answers"], want) || got["closed"] != true {
		t.Errorf("python got %v", got)
	}
	// A request the server cannot parse: 400, no Content-Length, a close.
	c := dial(t, s.addr)
	c.Write([]byte("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"))
	answer, _ := io.ReadAll(c)
	c.Close()
	if !strings.HasPrefix(string(answer), "HTTP/1.1 400 Bad Request\r\n") || strings.Contains(string(answer), "Content-Length") {
		t.Errorf("a bad request line got %q", answer)
	}
	evs := s.wait(t)
	// The server's lane shows the raw request bytes.
	if in := string(bytesOf(t, evs, "server", "recv")); !strings.Contains(in, "GET / HTTP/1.1\r\nHost: "+s.addr+"\r\n\r\nGET /nope HTTP/1.1\r\n") {
		t.Errorf("the server's recv calls hold %q", in)
	}
	summaryOK(t, evs, "http")
}

func TestInteropClientHTTP(t *testing.T) {
	python3(t)
	clientVerdict(t, "http_server.py", "good", 0, nil, "16")
	clientVerdict(t, "http_server.py", "once", 0, nil, "16") // allowed, with a note
	for _, tc := range []struct {
		mode string
		want []string
	}{
		{"chars", []string{"Content-Length of answer 1 says 10, but more bytes followed the body", "len(body.encode('utf-8'))"}},
		{"big", []string{"Content-Length of answer 1 says 19, but 14 body bytes came, then nothing more within 3s", "counts the body's bytes"}},
		{"nolength", []string{"has no Content-Length", "send Content-Length"}},
		{"lf", []string{"end in \\n alone", "\\r\\n"}},
		{"noclose", []string{"said Connection: close, but the server kept the connection open", "close the connection"}},
	} {
		clientVerdict(t, "http_server.py", tc.mode, 1, tc.want, "16")
	}
}

// TestServePeerLists ties what the help, the README and the guide to your
// own code say has a server side to the catalogue (demos.PeerIDs): a demo
// that gains a peer side must be listed, and one listed must have it.
func TestServePeerLists(t *testing.T) {
	var want []string
	for _, d := range demos.All() {
		if d.Peer != nil {
			want = append(want, fmt.Sprintf("%d %s", d.ID, d.Slug))
		}
	}
	ids := func(list string) []string {
		var out []string
		for _, f := range regexp.MustCompile(`\d+`).FindAllString(list, -1) {
			n, _ := strconv.Atoi(f)
			if d, err := demos.Lookup(f); err == nil && d.ID == n {
				out = append(out, fmt.Sprintf("%d %s", n, d.Slug))
			} else {
				out = append(out, f+" ?")
			}
		}
		return out
	}
	check := func(where string, got []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s lists %v, the catalogue %v", where, got, want)
		}
	}
	for _, l := range []lab.Lang{lab.En, lab.Zh} {
		m := regexp.MustCompile(`(?:Demos with a server side|有服务端的演示)：?:? ?([0-9, 、]+)`).FindStringSubmatch(serveHelp.In(l))
		if m == nil {
			t.Fatalf("lab help serve (%s) does not list the demos with a server side", l)
		}
		check("lab help serve ("+string(l)+")", ids(m[1]))
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Demos ([0-9, and]+) have a server\s+side`).FindStringSubmatch(strings.Join(strings.Fields(string(readme)), " "))
	if m == nil {
		t.Fatal(`README.md has no line "Demos 1, 2, … have a server side"`)
	}
	check("README.md", ids(m[1]))
	row := regexp.MustCompile("(?m)^\\| (\\d+) `([a-z-]+)` \\|")
	for _, doc := range []string{"your-own-code.md", "your-own-code.zh.md"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "docs", doc))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range row.FindAllStringSubmatch(string(b), -1) {
			got = append(got, r[1]+" "+r[2])
		}
		check("docs/"+doc+"'s table", got)
	}
}

// TestServeTryLines: every line `lab serve N` offers to paste works in a
// Unix shell and in Windows PowerShell alike: one line, no $, backtick or
// here-doc, nc without flags BSD nc lacks, and python3 -c code that
// compiles.
func TestServeTryLines(t *testing.T) {
	py := python3(t)
	ncLine := regexp.MustCompile(`^nc (-u )?127\.0\.0\.1 9000$`)
	pyLine := regexp.MustCompile(`^python3 -c "([^"]+)"$`)
	var codes []string
	var where []string
	for _, d := range demos.All() {
		if d.Peer == nil {
			continue
		}
		lines := d.Peer.Try("127.0.0.1", "9000")
		if len(lines) == 0 {
			t.Errorf("demo %s offers nothing to try", d.Name())
		}
		for _, l := range lines {
			switch {
			case strings.ContainsAny(l, "\n\r$`") || strings.Contains(l, "<<"):
				t.Errorf("demo %s: %q has a line break, $, a backtick or a here-doc", d.Name(), l)
			case strings.HasPrefix(l, "# "):
			case ncLine.MatchString(l):
			case pyLine.MatchString(l):
				codes = append(codes, pyLine.FindStringSubmatch(l)[1])
				where = append(where, d.Name())
			default:
				t.Errorf("demo %s: %q is neither nc HOST PORT nor python3 -c \"…\"", d.Name(), l)
			}
		}
	}
	prog := `import json, sys
for i, c in enumerate(json.load(sys.stdin)):
    try:
        compile(c, "try", "exec")
    except SyntaxError as e:
        print(i, e)
`
	in, _ := json.Marshal(codes)
	cmd := exec.Command(py, "-c", prog)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l == "" {
			continue
		}
		var i int
		fmt.Sscanf(l, "%d", &i)
		t.Errorf("demo %s: the python line does not compile: %s\n%s", where[i], l, codes[i])
	}
}

// TestServeStopNoPhantom: a server stopped while it waits for its next
// client shows no accept() or recvfrom() cut off in a lane of its own:
// no client was there.
func TestServeStopNoPhantom(t *testing.T) {
	for _, demo := range []string{"1", "2"} {
		t.Run(demo, func(t *testing.T) {
			srv := serveInProcess(t, demo)
			network := map[string]string{"1": "tcp", "2": "udp"}[demo]
			c, err := net.Dial(network, srv.addr)
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			c.Write([]byte("hi"))
			if _, err := io.ReadFull(c, make([]byte, 2)); err != nil {
				t.Fatal(err)
			}
			c.Close()
			// The server is waiting for its next client once it has
			// recorded the close of this one (tcp) or the answer (udp).
			waitFor(t, srv.stdout.String, regexp.MustCompile(`"op":"(close|sendto)"()`))
			srv.cancel()
			code, evs := srv.wait(t)
			if code != 0 {
				t.Fatalf("exit %d", code)
			}
			for _, e := range evs {
				if e.Err != "" && (e.Op == "accept" || e.Op == "recvfrom") {
					t.Errorf("a phantom call: %+v", e)
				}
			}
		})
	}
}

// TestInteropServeStructFramed: a lesson-5 client that frames its message
// for lab serve 5 gets an answer (command not found), but the server's
// verdict on it fails and names the mismatch.
func TestInteropServeStructFramed(t *testing.T) {
	python3(t)
	s := startServe(t, "5", "--count", "1", "--lang", "en")
	got := runPy(t, "struct_framed_client.py", s.addr)
	if !strings.Contains(got["answer"].(string), "command not found") {
		t.Errorf("python got %v", got)
	}
	evs := s.wait(t)
	var verdict string
	for _, e := range evs {
		if e.Op == "finding" && !e.OK {
			verdict = e.Text
		}
	}
	for _, want := range []string{"[c1]", "a framed message, where demo 5's server expects a command name", "send the command as plain text"} {
		if !strings.Contains(verdict, want) {
			t.Errorf("the failing finding %q lacks %q", verdict, want)
		}
	}
	if last := evs[len(evs)-1]; last.OK {
		t.Errorf("the summary says all is well: %+v", last)
	}
}

// TestServeClientVerdict: a client that closes with part of an answer
// unread resets the connection, and lab serve's verdict on it says so.
func TestServeClientVerdict(t *testing.T) {
	srv := serveInProcess(t, "5", "--count", "1")
	c := dial(t, srv.addr)
	c.Write([]byte("ls -l"))          // 4 + 1,511 bytes come back
	io.ReadFull(c, make([]byte, 100)) // the answer came in one segment: the rest waits in the queue
	c.Close()                         // unread bytes: the kernel sends RST
	code, evs := srv.wait(t)
	var found []string
	for _, e := range evs {
		if e.Op == "finding" && !e.OK {
			found = append(found, e.Text)
		}
	}
	if code != 0 || len(found) != 1 || !strings.Contains(found[0], "[c1] it reset the connection (RST): a client that closes with part of an answer unread") {
		t.Errorf("exit %d, failing findings %q", code, found)
	}
}

// TestInteropClientStructVerdicts: lab client 5 names the bug of a server
// that packs '!i', and of one that expects a framed command; a header and
// its output sent apart gets the Nagle × delayed ACK note.
func TestInteropClientStructVerdicts(t *testing.T) {
	python3(t)
	clientVerdict(t, "struct_header_server.py", "network", 1, []string{"reads as 285212672 in 'i' order (little-endian), too big for an answer, but as 17 in network order", "--set order=network", "pack with 'i'"}, "5")
	clientVerdict(t, "struct_header_server.py", "framed", 1, []string{"closed without answering \"whoami\"", "4-byte length first"}, "5")
	addr, result := startPy(t, "struct_header_server.py", "split")
	code, out, errOut := labClient(t, "5", "--connect", addr, "--format", "json", "--lang", "en")
	result()
	if code != 0 || !strings.Contains(out, "Nagle's algorithm holds the second until the client's delayed ACK") {
		t.Errorf("split: exit %d, no Nagle note in the trace\n%s", code, errOut)
	}
}
