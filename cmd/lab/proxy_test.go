package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestProxyBadFlags: every mistake is one error line and one hint, exit 2,
// before any socket is opened.
func TestProxyBadFlags(t *testing.T) {
	englishEnv(t)
	up := "--upstream=127.0.0.1:9000"
	tests := []struct {
		args []string
		err  string
		hint string
	}{
		{[]string{"proxy"}, "proxy needs --upstream", "lab proxy --upstream 127.0.0.1:9000"},
		{[]string{"proxy", "--upstream", "9000"}, `--upstream "9000"`, "an address looks like 127.0.0.1:9000"},
		{[]string{"proxy", "--upstream", "127.0.0.1:0"}, "the port must be a number from 1 to 65535", ""},
		{[]string{"proxy", "--upstream", "127.0.0.1:70000"}, "the port must be a number from 1 to 65535", ""},
		{[]string{"proxy", up, "--listen", "localhost"}, `--listen "localhost"`, "127.0.0.1:9000"},
		{[]string{"proxy", up, "--listen", "127.0.0.1:9000"}, "would forward to itself", "another port"},
		{[]string{"proxy", up, "--slice", "-1"}, "--slice -1 is out of range", "--slice from 1 to 65536, or 0 for off"},
		{[]string{"proxy", up, "--slice", "65537"}, "--slice 65537 is out of range", ""},
		{[]string{"proxy", up, "--slice", "one"}, `--slice "one" is not a whole number`, "lab help proxy"},
		{[]string{"proxy", up, "--delay", "-5ms"}, "out of range", "durations from 0 to 1m"},
		{[]string{"proxy", up, "--merge", "2m"}, "out of range", "durations from 0 to 1m"},
		{[]string{"proxy", up, "--merge", "soon"}, `--merge "soon" is not a duration`, ""},
		{[]string{"proxy", up, "--format", "xml"}, `unknown --format "xml"`, "text, json, md or none"},
		{[]string{"proxy", up, "extra"}, `unexpected argument "extra"`, "lab proxy --upstream"},
		{[]string{"proxy", up, "--lang", "fr"}, `unknown language "fr"`, ""},
		{[]string{"proxy", up, "--bogus"}, "unknown flag --bogus", "lab help proxy"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			checkUsage(t, tt.args, tt.err, tt.hint, true)
		})
	}
}

func TestProxyHelp(t *testing.T) {
	englishEnv(t)
	for _, args := range [][]string{{"help", "proxy"}, {"proxy", "--help"}} {
		code, stdout, _ := runLab(t, "", args...)
		if code != 0 || !strings.Contains(stdout, "--slice N") || !strings.Contains(stdout, "--merge DUR") {
			t.Errorf("%v: exit %d, help:\n%s", args, code, stdout)
		}
	}
	code, stdout, _ := runLab(t, "", "help", "proxy", "--lang=zh")
	if code != 0 || !strings.Contains(stdout, "粘包") {
		t.Errorf("Chinese help: exit %d:\n%s", code, stdout)
	}
}

// labProxy is the real program running `lab proxy` in a child process.
type labProxy struct {
	cmd    *exec.Cmd
	addr   string
	stdout bytes.Buffer
	mu     sync.Mutex
	stderr strings.Builder
	done   chan struct{}
}

// startLabProxy starts `lab proxy args…` and waits for it to print its
// address (on stdout with the text trace or --format none, on stderr with
// json and md).
func startLabProxy(t *testing.T, args ...string) *labProxy {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("stops the proxy with SIGINT, which Windows cannot send")
	}
	p := &labProxy{done: make(chan struct{})}
	p.cmd = labCommand(t, append([]string{"proxy"}, args...)...)
	outPipe, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errPipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); <-p.done })
	addrs := make(chan string, 2)
	scan := func(r io.Reader, keep func(string)) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			keep(line)
			if _, rest, ok := strings.Cut(line, "lab proxy: listening on "); ok {
				addrs <- strings.Fields(strings.TrimSuffix(strings.Fields(rest)[0], ","))[0]
			}
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		scan(outPipe, func(l string) { p.mu.Lock(); p.stdout.WriteString(l + "\n"); p.mu.Unlock() })
	}()
	go func() {
		defer wg.Done()
		scan(errPipe, func(l string) { p.mu.Lock(); p.stderr.WriteString(l + "\n"); p.mu.Unlock() })
	}()
	go func() { wg.Wait(); p.cmd.Wait(); close(p.done) }()
	select {
	case p.addr = <-addrs:
	case <-p.done:
		t.Fatalf("lab proxy exited before listening:\n%s", p.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("lab proxy printed no address")
	}
	return p
}

// stop sends Ctrl-C and returns the exit code.
func (p *labProxy) stop(t *testing.T) int {
	t.Helper()
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatal("lab proxy did not stop on Ctrl-C")
	}
	return p.cmd.ProcessState.ExitCode()
}

// jsonTrace parses the proxy's JSON lines.
func (p *labProxy) jsonTrace(t *testing.T) []map[string]any {
	t.Helper()
	var evs []map[string]any
	for i, line := range strings.Split(strings.TrimSpace(p.stdout.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", i+1, err, line)
		}
		evs = append(evs, m)
	}
	return evs
}

// echoServer answers every connection with its bytes, upper-cased, after
// the client's half-close.
func echoServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				b, _ := io.ReadAll(c)
				c.Write(bytes.ToUpper(b))
			}()
		}
	}()
	return l.Addr().String()
}

// TestProxyCommand runs the real program with --slice 1 between a client
// and an echo server: the bytes arrive intact, the JSON trace shows every
// forwarded write as one byte, and Ctrl-C ends it with exit 0.
func TestProxyCommand(t *testing.T) {
	up := echoServer(t)
	p := startLabProxy(t, "--upstream", up, "--slice", "1", "--format", "json")
	msg := "slice me, 切开"
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	c.Write([]byte(msg))
	c.(*net.TCPConn).CloseWrite()
	back, err := io.ReadAll(c)
	c.Close()
	if err != nil || string(back) != strings.ToUpper(msg) {
		t.Fatalf("client got %q, %v; want %q", back, err, strings.ToUpper(msg))
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("exit %d after Ctrl-C, want 0; stderr:\n%s", code, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "sockets closed") {
		t.Errorf("no goodbye on stderr:\n%s", p.stderr.String())
	}
	evs := p.jsonTrace(t)
	upstreamConn := 0.0
	var toServer []byte
	sends := 0
	for _, m := range evs {
		if m["side"] != "proxy" && m["op"] != "finding" && m["op"] != "summary" && m["op"] != "run" {
			t.Errorf("event of side %v in a proxy trace", m["side"])
		}
		if m["op"] == "connect" && m["err"] == nil {
			upstreamConn = m["conn"].(float64)
		}
		if m["op"] == "send" && m["conn"] == upstreamConn {
			if m["n"] != 1.0 || m["req"] != 1.0 {
				t.Errorf("a send to the server of %v/%v bytes, want 1/1", m["n"], m["req"])
			}
			b, _ := hex.DecodeString(m["data_hex"].(string))
			toServer = append(toServer, b...)
			sends++
		}
	}
	if string(toServer) != msg || sends != len(msg) {
		t.Errorf("%d sends to the server carried %q, want %d carrying %q", sends, toServer, len(msg), msg)
	}
	if last := evs[len(evs)-1]; last["op"] != "summary" {
		t.Errorf("last line %v, want the summary", last)
	}
}

// TestProxyQuietAndWarning: --format none prints only the address and the
// totals; a listen address that is not loopback gets a warning.
func TestProxyQuietAndWarning(t *testing.T) {
	up := echoServer(t)
	p := startLabProxy(t, "--upstream", up, "--format", "none", "--listen", "0.0.0.0:0")
	_, port, _ := net.SplitHostPort(p.addr)
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	c.Write([]byte("quiet"))
	c.(*net.TCPConn).CloseWrite()
	back, _ := io.ReadAll(c)
	c.Close()
	if string(back) != "QUIET" {
		t.Errorf("client got %q", back)
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	out := p.stdout.String()
	if !strings.Contains(out, "forwarded 1 connection(s): 5 bytes client → server, 5 bytes server → client") {
		t.Errorf("no totals in quiet mode:\n%s", out)
	}
	if strings.Contains(out, "recv(") {
		t.Errorf("quiet mode printed the trace:\n%s", out)
	}
	if !strings.Contains(p.stderr.String(), "warning: listening on 0.0.0.0:0, not loopback") {
		t.Errorf("no warning for a non-loopback listen:\n%s", p.stderr.String())
	}
}

// TestProxyPython puts `lab proxy --slice 1` between a Python client and
// server (testdata/proxy): a server that takes one recv() for a whole
// message gets one byte of it, a server that reads the length header and
// then exactly that many bytes gets all of it.
func TestProxyPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: skipping the Python programs behind lab proxy")
	}
	if testing.Short() {
		t.Skip("slow: starts Python")
	}
	dir := filepath.Join("testdata", "proxy")
	const msg = "twenty bytes, framed"
	for _, tc := range []struct{ mode, want string }{
		{"naive", "took 0 bytes: "}, // it got 1 byte of the 4-byte header, and no message
		{"exact", "took 20 bytes: " + msg},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			server := exec.Command(py, filepath.Join(dir, "server.py"), tc.mode)
			out, err := server.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := server.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { server.Process.Kill(); server.Wait() })
			port, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				t.Fatalf("server.py printed no port: %v", err)
			}
			// 50 ms between bytes: the naive server's recv() returns
			// with the first byte long before the second comes.
			p := startLabProxy(t, "--upstream", "127.0.0.1:"+strings.TrimSpace(port), "--slice", "1", "--delay", "50ms", "--format", "json")
			_, pport, _ := net.SplitHostPort(p.addr)
			client := exec.Command(py, filepath.Join(dir, "client.py"), pport, msg)
			answer, err := client.Output()
			if err != nil {
				t.Fatalf("client.py: %v", err)
			}
			if code := p.stop(t); code != 0 {
				t.Errorf("proxy exit %d", code)
			}
			// What the server answered, as the proxy read it from the server.
			var fromServer []byte
			serverConn := 0.0
			for _, m := range p.jsonTrace(t) {
				if m["op"] == "connect" && m["err"] == nil {
					serverConn = m["conn"].(float64)
				}
				if m["op"] == "recv" && m["conn"] == serverConn {
					b, _ := hex.DecodeString(m["data_hex"].(string))
					fromServer = append(fromServer, b...)
				}
			}
			if string(fromServer) != tc.want {
				t.Errorf("server answered %q, want %q", fromServer, tc.want)
			}
			if got := strings.TrimRight(string(answer), "\n"); got != tc.want {
				t.Errorf("client.py printed %q, want %q", got, tc.want)
			}
		})
	}
}
