//go:build linux

package grade

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func needPython(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is missing in CI (.ci/run installs it)")
		}
		t.Skip("python3 is not installed: the learner-program tests need it")
	}
	return py
}

// start runs a program and stops it at the end of the test, checking
// that nothing of it is left.
func start(t *testing.T, c Command) *Program {
	t.Helper()
	p, err := Start(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Error(err)
		}
		assertGone(t, p.PID())
	})
	return p
}

// assertGone fails unless no live process is left in the group or among
// the pids.
func assertGone(t *testing.T, pgid int, pids ...int) {
	t.Helper()
	all, err := allProcs()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if !s.live() {
			continue
		}
		if s.pgrp == pgid {
			t.Errorf("process %d (%s) of group %d is left", s.pid, s.comm, pgid)
		}
		for _, p := range pids {
			if s.pid == p {
				t.Errorf("process %d (%s) is left", s.pid, s.comm)
			}
		}
	}
}

const oneClient = `
import os, socket
s = socket.socket()
s.bind(("127.0.0.1", int(os.environ["LAB_PORT"])))
s.listen(1)
print("listening", flush=True)
c, a = s.accept()
c.sendall(b"first client")
c.close()
`

// A one-client server is found without spending its only accept(): the
// lab's own connection afterwards is the one it serves.
func TestWaitListeningNeverConnects(t *testing.T) {
	py := needPython(t)
	p := start(t, Command{Args: []string{py, "-c", oneClient}})
	sock, err := p.WaitListening(context.Background(), Listen{Proto: "tcp"})
	if err != nil {
		t.Fatal(err)
	}
	if int(sock.Local.Port()) != p.Port() || sock.Proto != "tcp" || sock.PID != p.PID() {
		t.Fatalf("found %v, want tcp on port %d held by %d", sock, p.Port(), p.PID())
	}
	c, err := net.Dial("tcp", sock.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "first client" {
		t.Fatalf("read %q, %v: the server's accept() went to someone else", got, err)
	}
	if _, err := p.Wait(context.Background(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if out := p.Output(); string(out.Stdout) != "listening\n" {
		t.Errorf("stdout %q", out.Stdout)
	}
}

func TestPlaceholdersAndEnv(t *testing.T) {
	p := start(t, Command{Args: []string{"/bin/sh", "-c", `echo "$1 $2 $LAB_HOST $LAB_PORT $PYTHONUNBUFFERED"`, "sh", "{host}", "port={port}"}, Env: []string{"PATH=/usr/bin:/bin"}})
	if _, err := p.Wait(context.Background(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("127.0.0.1 port=%d 127.0.0.1 %d 1\n", p.Port(), p.Port())
	if got := string(p.Output().Stdout); got != want {
		t.Fatalf("stdout %q, want %q", got, want)
	}
}

func TestStdin(t *testing.T) {
	p := start(t, Command{Args: []string{"/bin/cat"}, Stdin: []byte("whoami\nls -l\n")})
	e, err := p.Wait(context.Background(), 10*time.Second)
	if err != nil || e.Code != 0 {
		t.Fatal(e, err)
	}
	if got := string(p.Output().Stdout); got != "whoami\nls -l\n" {
		t.Fatalf("stdout %q", got)
	}
}

func TestExitsEarly(t *testing.T) {
	p := start(t, Command{Args: []string{"/bin/sh", "-c", "echo 'Address already in use' >&2; exit 3"}})
	_, err := p.WaitListening(context.Background(), Listen{Proto: "tcp"})
	var f *Failure
	if !errors.As(err, &f) || !errors.Is(err, ErrExited) {
		t.Fatalf("err %v, want ErrExited", err)
	}
	if f.Exit.Code != 3 || f.Exit.Killed || !strings.Contains(string(f.Stderr), "Address already in use") {
		t.Fatalf("exit %+v, stderr %q", f.Exit, f.Stderr)
	}
}

func TestNeverListens(t *testing.T) {
	py := needPython(t)
	// It binds a UDP socket: a TCP exercise names what it found instead.
	p := start(t, Command{Args: []string{py, "-c", `import socket, time; s = socket.socket(type=socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print("bound", flush=True); time.sleep(300)`}})
	waited := false
	_, err := p.WaitListening(context.Background(), Listen{Proto: "tcp", Timeout: 1500 * time.Millisecond,
		Notice: 100 * time.Millisecond, OnWait: func() { waited = true }})
	var f *Failure
	if !errors.As(err, &f) || !errors.Is(err, ErrNeverListened) {
		t.Fatalf("err %v, want ErrNeverListened", err)
	}
	if !waited {
		t.Error("OnWait was not called")
	}
	if !strings.Contains(string(f.Stdout), "bound") {
		t.Skipf("the program had not bound its socket yet: %q", f.Output)
	}
	if len(f.Sockets) != 1 || f.Sockets[0].Proto != "udp" {
		t.Errorf("sockets %v, want the UDP one", f.Sockets)
	}
}

func TestSpinning(t *testing.T) {
	p := start(t, Command{Args: []string{"/bin/sh", "-c", "while :; do :; done"}})
	// On a loaded machine a spinning program may get less than SpinShare
	// of a core in one window: it is spinning when one window of five shows it.
	var err error
	for range 5 {
		if err = p.CheckIdle(context.Background(), 500*time.Millisecond); errors.Is(err, ErrSpinning) {
			break
		}
	}
	if !errors.Is(err, ErrSpinning) {
		t.Fatalf("err %v, want ErrSpinning", err)
	}
	// A spinning thread of a server whose main thread sleeps in accept().
	if py, err := exec.LookPath("python3"); err == nil {
		th := start(t, Command{Args: []string{py, "-c", "import threading, time\ndef spin():\n    while True: pass\nthreading.Thread(target=spin, daemon=True).start()\ntime.sleep(300)"}})
		var err error
		for range 5 {
			if err = th.CheckIdle(context.Background(), 500*time.Millisecond); errors.Is(err, ErrSpinning) {
				break
			}
		}
		if !errors.Is(err, ErrSpinning) {
			t.Fatalf("a spinning thread: err %v, want ErrSpinning", err)
		}
	}
	w := start(t, Command{Args: []string{"/bin/sleep", "300"}})
	for range 3 {
		if err := w.CheckIdle(context.Background(), 300*time.Millisecond); err != nil {
			t.Fatalf("a sleeping program: %v", err)
		}
	}
}

// readPIDs reads n lines of process ids from the program's stdout.
func readPIDs(t *testing.T, p *Program, n int) []int {
	t.Helper()
	for range 500 {
		lines := strings.Fields(string(p.Output().Stdout))
		if len(lines) >= n {
			var pids []int
			for _, l := range lines[:n] {
				pid, err := strconv.Atoi(l)
				if err != nil {
					t.Fatal(err)
				}
				pids = append(pids, pid)
			}
			return pids
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %d pids in %q", n, p.Output().Stdout)
	return nil
}

// Stop ends the group, a child that ignores SIGTERM, and one that left
// the group with setsid.
func TestStopKillsDescendants(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("setsid is not installed")
	}
	p, err := Start(context.Background(), Command{Args: []string{"/bin/sh", "-c",
		`sleep 300 & echo $!; sh -c 'trap "" TERM; echo $$; while :; do sleep 1; done' & setsid sleep 300 & echo $!; wait`},
		Grace: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	pids := readPIDs(t, p, 3)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	e, ended := p.Exit()
	if !ended || !e.Killed {
		t.Errorf("exit %+v (ended %v), want killed", e, ended)
	}
	assertGone(t, p.PID(), pids...)
	if p.Alive() {
		t.Error("Alive after Stop")
	}
}

// A program whose first process has ended but whose child still holds
// the port is alive, and found listening.
func TestChildHoldsTheSocket(t *testing.T) {
	py := needPython(t)
	p := start(t, Command{Args: []string{py, "-c", `
import os, socket, time
s = socket.socket(); s.bind(("127.0.0.1", int(os.environ["LAB_PORT"]))); s.listen()
if os.fork() == 0:
    time.sleep(300)
`}})
	if _, err := p.Wait(context.Background(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if !p.Alive() {
		t.Fatal("not alive, with a child left")
	}
	sock, err := p.WaitListening(context.Background(), Listen{Proto: "tcp", Timeout: 5 * time.Second})
	if err != nil || int(sock.Local.Port()) != p.Port() {
		t.Fatalf("%v, %v", sock, err)
	}
}

func TestCancelStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p, err := Start(ctx, Command{Args: []string{"/bin/sleep", "300"}})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-p.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("not stopped 20 s after the cancel")
	}
	assertGone(t, p.PID())
}

// The lab dying by SIGKILL takes the program's whole group with it (the
// watcher): the test runs itself as the lab.
func TestLabKilled(t *testing.T) {
	if os.Getenv("GRADE_TEST_LAB") == "1" {
		p, err := Start(context.Background(), Command{Args: []string{"/bin/sh", "-c", "sleep 300 & echo $!; wait"}})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println(p.PID(), readPIDs(t, p, 1)[0])
		time.Sleep(5 * time.Minute)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLabKilled$")
	cmd.Env = append(os.Environ(), "GRADE_TEST_LAB=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	var pgid, child int
	if _, err2 := fmt.Sscan(line, &pgid, &child); err != nil || err2 != nil {
		t.Fatalf("%q: %v %v", line, err, err2)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	for i := 0; ; i++ {
		all, err := allProcs()
		if err != nil {
			t.Fatal(err)
		}
		left := false
		for _, s := range familyOf(all, pgid, 0) {
			left = left || s.live()
		}
		if !left {
			break
		}
		if i == 1000 {
			assertGone(t, pgid, child)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTail(t *testing.T) {
	for _, size := range []int{1, 7, 64} {
		tl := newTail(size)
		var all []byte
		for i := range 200 {
			chunk := []byte(strings.Repeat(string(rune('a'+i%26)), i%9))
			tl.Write(chunk)
			all = append(all, chunk...)
			kept := all[max(len(all)-size, 0):]
			if got := tl.Bytes(); string(got) != string(kept) {
				t.Fatalf("size %d after %d bytes: %q, want %q", size, len(all), got, kept)
			}
			if tl.Total() != int64(len(all)) {
				t.Fatalf("total %d, want %d", tl.Total(), len(all))
			}
		}
		got, lost := tl.Since(0)
		if lost != int64(len(all)-len(got)) {
			t.Fatalf("lost %d of %d, kept %d", lost, len(all), len(got))
		}
	}
}
