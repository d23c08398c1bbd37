package main

import (
	"strings"
	"testing"
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
