package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Interop: Python 3 programs under testdata/py speak the tutorials' wire
// formats against `lab serve` (Python is the client) and `lab client`
// (Python is the server). Each Python peer prints one JSON object on its
// last line with what it saw; the lab's side is checked in its JSON trace.

// python3 returns the interpreter, or skips the test when there is none.
func python3(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: the interop tests need it to play the tutorials' programs")
	}
	return p
}

// syncBuffer is a bytes.Buffer safe for a process writing while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var connectTo = regexp.MustCompile(`connect to (\S+)`)

// waitFor polls read until re matches, for at most 10 s.
func waitFor(t testing.TB, read func() string, re *regexp.Regexp) string {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for time.Now().Before(end) {
		if m := re.FindStringSubmatch(read()); m != nil {
			return m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %v in:\n%s", re, read())
	return ""
}

// served is a `lab serve` process with a JSON trace on stdout.
type served struct {
	cmd            *exec.Cmd
	addr           string
	stdout, stderr *syncBuffer
	done           chan error
}

// startServe starts `lab serve args... --format json` and waits for the
// address it prints.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	s := &served{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	s.cmd = labCommand(t, append(append([]string{"serve"}, args...), "--format", "json")...)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.cmd.Process.Kill() })
	s.addr = waitFor(t, s.stderr.String, connectTo)
	return s
}

// wait waits for the server to stop by itself (--count) and returns its
// JSON trace.
func (s *served) wait(t *testing.T) []traceEvent {
	t.Helper()
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("lab serve: %v\nstderr:\n%s", err, s.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("lab serve did not stop after --count\nstderr:\n%s", s.stderr.String())
	}
	if strings.Contains(s.stderr.String(), "panic") {
		t.Fatalf("lab serve panicked:\n%s", s.stderr.String())
	}
	return peerTrace(t, s.stdout.String())
}

// traceEvent is the part of a JSON trace line the tests read.
type traceEvent struct {
	Seq     int    `json:"seq"`
	Side    string `json:"side"`
	Op      string `json:"op"`
	Who     string `json:"who"`
	Call    string `json:"call"`
	N       int    `json:"n"`
	DataHex string `json:"data_hex"`
	Err     string `json:"err"`
	Errno   string `json:"errno"`
	Text    string `json:"text"`
	ID      string `json:"id"`
	OK      bool   `json:"ok"`
	Demo    string `json:"demo"`
}

func peerTrace(t *testing.T, out string) []traceEvent {
	t.Helper()
	var evs []traceEvent
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var e traceEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("trace line %q: %v", sc.Text(), err)
		}
		evs = append(evs, e)
	}
	if len(evs) == 0 || evs[len(evs)-1].Op != "summary" {
		t.Fatalf("the trace does not end with a summary:\n%s", out)
	}
	return evs
}

// bytesOf joins the data of one side's events of one op.
func bytesOf(t *testing.T, evs []traceEvent, side, op string) []byte {
	t.Helper()
	var out []byte
	for _, e := range evs {
		if e.Side == side && e.Op == op && e.Err == "" {
			b, err := hex.DecodeString(e.DataHex)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b...)
		}
	}
	return out
}

// runPy runs a Python peer and returns the JSON object of its last line.
func runPy(t *testing.T, script string, args ...string) map[string]any {
	t.Helper()
	out, err := pyCommand(t, script, args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("%s: %v\n%s", script, err, ee.Stderr)
		}
		t.Fatalf("%s: %v", script, err)
	}
	return lastJSON(t, string(out))
}

func pyCommand(t *testing.T, script string, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, python3(t), append([]string{filepath.Join("testdata", "py", script)}, args...)...)
	cmd.Env = append(os.Environ(), "PYTHONIOENCODING=utf-8", "PYTHONDONTWRITEBYTECODE=1")
	return cmd
}

func lastJSON(t *testing.T, out string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var v map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &v); err != nil {
		t.Fatalf("python output %q: %v", out, err)
	}
	return v
}

// summaryOK checks the trace's last line.
func summaryOK(t *testing.T, evs []traceEvent, slug string) {
	t.Helper()
	last := evs[len(evs)-1]
	if last.Demo != slug || !last.OK || last.Err != "" {
		t.Errorf("summary = %+v, want demo %s ok", last, slug)
	}
}

func TestInteropServeTCPBasic(t *testing.T) {
	python3(t)
	s := startServe(t, "1", "--count", "1")
	got := runPy(t, "tcp_basic_client.py", s.addr)
	want := []any{hex.EncodeToString([]byte("HELLO, 你好")), hex.EncodeToString([]byte("BYTES ARE BYTES"))}
	if !jsonEqual(got["answers"], want) {
		t.Errorf("python got %v, want %v", got["answers"], want)
	}
	evs := s.wait(t)
	if in := string(bytesOf(t, evs, "server", "recv")); in != "hello, 你好bytes are bytes" {
		t.Errorf("the lab received %q", in)
	}
	// demo 1 answers with one send(), as the tutorial does (sendOnce).
	if out := string(bytesOf(t, evs, "server", "send")); out != "HELLO, 你好BYTES ARE BYTES" {
		t.Errorf("the lab sent %q", out)
	}
	for _, e := range evs {
		if e.Side == "server" && e.Op == "recv" && e.Who != "c1" {
			t.Errorf("recv without the connection's tag: %+v", e)
		}
	}
	summaryOK(t, evs, "tcp-basic")
}

func TestInteropServeUDP(t *testing.T) {
	python3(t)
	s := startServe(t, "udp", "--count", "4")
	got := runPy(t, "udp_client.py", s.addr)
	// recvfrom(1024) cuts the 1500-byte datagram: the answer is 1024 bytes.
	if want := []any{3.0, 3.0, 0.0, 1024.0}; !jsonEqual(got["lengths"], want) {
		t.Errorf("answer lengths %v, want %v", got["lengths"], want)
	}
	evs := s.wait(t)
	if out := bytesOf(t, evs, "server", "sendto"); !bytes.HasPrefix(out, []byte("ONETWOXXX")) || len(out) != 6+1024 {
		t.Errorf("the lab sent %q…", out[:min(len(out), 12)])
	}
	summaryOK(t, evs, "udp")
}

func TestInteropServeStructHeader(t *testing.T) {
	python3(t)
	s := startServe(t, "struct-header", "--count", "1")
	got := runPy(t, "struct_header_client.py", s.addr)
	who := got["whoami"].(map[string]any)
	if who["head"] != "08000000" || who["body"] != "learner\n" {
		t.Errorf("whoami: %v, want head 08000000 (struct.pack('i', 8)) and learner\\n", who)
	}
	ls := got["ls -l"].(map[string]any)
	if ls["n"] != 1511.0 || !strings.HasPrefix(ls["body"].(string), "total 88\n") {
		t.Errorf("ls -l: n=%v body %.20q", ls["n"], ls["body"])
	}
	rm := got["rm -rf /"].(map[string]any)
	if !strings.Contains(rm["body"].(string), "command not found") {
		t.Errorf("an unknown command ran or got %q", rm["body"])
	}
	summaryOK(t, s.wait(t), "struct-header")
}

func TestInteropServeJSONHeader(t *testing.T) {
	python3(t)
	s := startServe(t, "6", "--count", "1")
	got := runPy(t, "json_header_client.py", s.addr)
	h := got["header"].(map[string]any)
	if h["datasize"] != 8.0 || got["body"] != "learner\n" || h["sha256"] == nil {
		t.Errorf("header %v body %q", h, got["body"])
	}
	s2 := startServe(t, "6", "--count", "1", "--set", "meta=minimal")
	got = runPy(t, "json_header_client.py", s2.addr)
	if h := got["header"].(map[string]any); len(h) != 1 || h["datasize"] != 8.0 {
		t.Errorf("meta=minimal header %v, want only datasize", h)
	}
	summaryOK(t, s.wait(t), "json-header")
	summaryOK(t, s2.wait(t), "json-header")
}

func TestInteropServeObjects(t *testing.T) {
	python3(t)
	s := startServe(t, "objects", "--count", "1")
	got := runPy(t, "objects_client.py", s.addr)
	n := got["n"].(float64)
	if got["total"] != n+10 || !regexp.MustCompile(`^\d+ +$`).MatchString(got["header"].(string)) {
		t.Errorf("header %q, n %v, total %v: want f\"{n:<10}\" then n bytes", got["header"], n, got["total"])
	}
	want := map[string]any{
		"msg": "你好, server", "id": 42.0, "big": float64(1 << 40), "raw": "0001feff", "none": nil, "ok": true,
		"nested": map[string]any{"hosts": []any{"127.0.0.1", "::1"}, "port": 8080.0},
		"tags":   []any{"tcp", "pickle"},
		"scores": []any{95.0, 87.5, -3.0},
	}
	for k, v := range want {
		if !jsonEqual(got[k], v) {
			t.Errorf("pickle.loads gave %s = %v, want %v", k, got[k], v)
		}
	}
	summaryOK(t, s.wait(t), "objects")
}

func TestInteropServeChat(t *testing.T) {
	python3(t)
	s := startServe(t, "14", "--count", "1")
	got := runPy(t, "chat_client.py", s.addr)
	if !jsonEqual(got["answers"], []any{"hello,你好", "吃了吗？,你好"}) || got["closed"] != true ||
		!strings.Contains(got["welcome"].(string), "欢迎") {
		t.Errorf("chat: %v", got)
	}
	summaryOK(t, s.wait(t), "chat")
}

func TestInteropServeUpload(t *testing.T) {
	python3(t)
	parent := t.TempDir()
	dir := filepath.Join(parent, "uploads")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, "file-upload", "--count", "1", "--dir", dir)
	got := runPy(t, "upload_client.py", s.addr)
	replies := got["replies"].([]any)
	if r := replies[0].(map[string]any); r["status"] != "stored" {
		t.Errorf("first put: %v", r)
	}
	if r := replies[1].(map[string]any); r["status"] != "refused" {
		t.Errorf("put of ../escape.txt: %v, want refused", r)
	}
	s.wait(t)
	b, err := os.ReadFile(filepath.Join(dir, "hello.txt"))
	if want := strings.Repeat("你好, file\n", 1000); err != nil || string(b) != want {
		t.Errorf("hello.txt: %d bytes, err %v", len(b), err)
	}
	if _, err := os.Stat(filepath.Join(parent, "escape.txt")); err == nil {
		t.Error("../escape.txt was written outside the folder")
	}
}

// startPy starts a Python server and returns its address (its first line).
func startPy(t *testing.T, script string, args ...string) (addr string, result func() map[string]any) {
	t.Helper()
	cmd := pyCommand(t, script, args...)
	out, errOut := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	addr = waitFor(t, out.String, regexp.MustCompile(`^(\S+)\n`))
	return addr, func() map[string]any {
		if err := <-done; err != nil {
			t.Fatalf("%s: %v\n%s", script, err, errOut.String())
		}
		return lastJSON(t, out.String())
	}
}

// labClient runs `lab client args...` and returns its exit code and output.
func labClient(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := labCommand(t, append([]string{"client"}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	if strings.Contains(errOut.String(), "panic") {
		t.Fatalf("lab client panicked:\n%s", errOut.String())
	}
	return code, out.String(), errOut.String()
}

func TestInteropClientTCPBasic(t *testing.T) {
	python3(t)
	addr, result := startPy(t, "tcp_basic_server.py")
	code, out, errOut := labClient(t, "1", "--connect", addr, "--format", "json", "--set", "msg=hi, 你好")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if got := result()["got"]; got != "hi, 你好" {
		t.Errorf("the python server got %q", got)
	}
	evs := peerTrace(t, out)
	if in := string(bytesOf(t, evs, "client", "recv")); in != "HI, 你好" {
		t.Errorf("lab client received %q", in)
	}
	summaryOK(t, evs, "tcp-basic")

	addr, result = startPy(t, "tcp_basic_server.py", "bad")
	code, _, errOut = labClient(t, "1", "--connect", addr)
	result()
	if code != 1 || !strings.Contains(errOut, "upper-cased") {
		t.Errorf("a lower-case answer: exit %d, stderr %q; want 1 and what was wrong", code, errOut)
	}
}

func TestInteropClientStructHeader(t *testing.T) {
	python3(t)
	addr, result := startPy(t, "struct_header_server.py", "good")
	code, out, errOut := labClient(t, "5", "--connect", addr, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if got := result()["cmds"]; !jsonEqual(got, []any{"whoami", "ls -l", "pwd"}) {
		t.Errorf("the python server got %v", got)
	}
	if in := string(bytesOf(t, peerTrace(t, out), "client", "recv")); !strings.Contains(in, "output of ls -l\n") {
		t.Errorf("lab client received %q", in)
	}
	for _, tc := range []struct{ mode, want string }{
		{"negative", "negative frame length -5"},
		{"huge", "frame length 2147483647 exceeds limit"},
		{"short", "unexpected EOF"},
	} {
		addr, result := startPy(t, "struct_header_server.py", tc.mode)
		code, out, errOut := labClient(t, "5", "--connect", addr, "--format", "json", "--idle", "5s")
		result()
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want 1 and %q", tc.mode, code, errOut, tc.want)
		}
		if last := peerTrace(t, out); last[len(last)-1].Err == "" {
			t.Errorf("%s: the trace's summary carries no error", tc.mode)
		}
	}
}

func TestInteropClientRefusesEvilPickle(t *testing.T) {
	python3(t)
	marker := filepath.Join(t.TempDir(), "pwned")
	addr, result := startPy(t, "objects_evil_server.py", marker)
	code, _, errOut := labClient(t, "7", "--connect", addr)
	result()
	if code != 1 || !strings.Contains(errOut, "unsafe pickle") || !strings.Contains(errOut, "system") {
		t.Errorf("exit %d, stderr %q; want 1 and the refused callable named", code, errOut)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the pickle's command ran")
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
