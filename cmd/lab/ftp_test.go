package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"socketlab/demos/ftp"
)

// ftpServer starts lab ftp serve in-process on a t.TempDir() root with
// the users given (password NAME-pw-1) and returns its address, root and
// users file.
func ftpServer(t *testing.T, extra []string, users ...string) (addr, root, usersFile string) {
	t.Helper()
	dir := t.TempDir()
	root = filepath.Join(dir, "root")
	usersFile = filepath.Join(dir, "config", "users.json")
	os.Mkdir(root, 0o700)
	// The users get the cheap test cost: with the full cost every login
	// runs scrypt over 32 MiB, which under -race on a loaded machine took
	// longer than the Python clients' 10 s timeout. lab ftp adduser itself
	// and the full cost are tested apart (TestFTPAddUserTerminal, TestFTPDefaults,
	// demos/ftp).
	for _, u := range users {
		if _, err := ftp.AddUser(usersFile, u, u+"-pw-1", ftp.TestParams); err != nil {
			t.Fatalf("adduser %s: %v", u, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	args := append([]string{"ftp", "serve", "--root", root, "--users", usersFile, "--format", "none"}, extra...)
	go func() { done <- run(ctx, args, strings.NewReader(""), &out, &errOut) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d: %s", code, errOut.String())
		}
	})
	re := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	for i := 0; i < 1000; i++ {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], root, usersFile
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not say where it listens: %s %s", out.String(), errOut.String())
	return
}

func TestFTPClientScript(t *testing.T) {
	addr, root, users := ftpServer(t, []string{"--quota", "1MiB"}, "alice")
	local := t.TempDir()
	t.Chdir(local)
	os.WriteFile("a.txt", []byte("hello, ftp\n"), 0o600)
	t.Setenv("LAB_FTP_PASSWORD", "alice-pw-1")
	code, out, errOut := runLab(t, "", "ftp", "client", "--connect", addr, "--user", "alice",
		"-c", "put a.txt; ls; mkdir docs; cd docs; put a.txt copy.txt; pwd; cd ..; get docs/copy.txt b.txt; quota")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"welcome, alice", "stored /a.txt, 11 bytes", "a.txt", "docs/", "/docs", "got b.txt, 11 bytes", "of 1048576 bytes used"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if b, _ := os.ReadFile("b.txt"); string(b) != "hello, ftp\n" {
		t.Errorf("b.txt holds %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "alice", "docs", "copy.txt")); string(b) != "hello, ftp\n" {
		t.Errorf("the server stored %q", b)
	}
	// A failing command: exit 1, the error on stderr, the rest not run.
	code, out, errOut = runLab(t, "", "ftp", "client", "--connect", addr, "--user", "alice", "-c", "get ../x; ls")
	if code != 1 || !strings.Contains(errOut, "403") || strings.Contains(out, "names in") {
		t.Errorf("get ../x: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// Unknown commands are the shell's, not sent.
	code, _, errOut = runLab(t, "", "ftp", "client", "--connect", addr, "--user", "alice", "-c", "__init__")
	if code != 1 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("__init__: exit %d, %q", code, errOut)
	}
	// A wrong password: exit 1, and the password is not repeated.
	t.Setenv("LAB_FTP_PASSWORD", "Wrong-Guess-42")
	code, out, errOut = runLab(t, "", "ftp", "client", "--connect", addr, "--user", "alice", "-c", "ls")
	if code != 1 || !strings.Contains(errOut, "wrong user name or password") || strings.Contains(out+errOut, "Wrong-Guess-42") {
		t.Errorf("wrong password: exit %d, %q %q", code, out, errOut)
	}
	// The password from stdin's first line, commands on the next lines.
	t.Setenv("LAB_FTP_PASSWORD", "")
	code, out, errOut = runLab(t, "alice-pw-1\npwd\nls docs\n", "ftp", "client", "--connect", addr, "--user", "alice")
	if code != 0 || !strings.Contains(out, "copy.txt") {
		t.Errorf("stdin: exit %d, %q %q", code, out, errOut)
	}
	if b, _ := os.ReadFile(users); bytes.Contains(b, []byte("alice-pw-1")) {
		t.Error("the users file holds the password")
	}
}

func TestFTPUsage(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o700)
	for _, tc := range []struct {
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"", []string{"ftp"}, 2, "subcommand"},
		{"", []string{"ftp", "nope"}, 2, "unknown ftp subcommand"},
		{"\n", []string{"ftp", "adduser", "--users", filepath.Join(dir, "u.json"), "alice"}, 1, "empty"},
		{"x\n", []string{"ftp", "adduser", "--users", filepath.Join(dir, "u.json"), "Alice!"}, 2, "user name"},
		{"", []string{"ftp", "serve", "--root", root, "--users", filepath.Join(dir, "none.json")}, 1, "lab ftp adduser"},
		{"", []string{"ftp", "serve", "--root", root, "--users", filepath.Join(root, "u.json")}, 2, "outside"},
		{"", []string{"ftp", "serve", "--root", root, "--quota", "lots"}, 2, "--quota"},
		{"", []string{"ftp", "client"}, 2, "--connect"},
		{"", []string{"serve", "18"}, 2, "lab ftp serve"},
		{"", []string{"client", "ftp", "--connect", "127.0.0.1:1"}, 2, "lab ftp client"},
		{"", []string{"ftp", "client", "--connect", "127.0.0.1:1", "--user", "alice", "-c", "ls"}, 1, "connect"},
	} {
		t.Setenv("LAB_FTP_PASSWORD", "")
		code, _, errOut := runLab(t, tc.stdin, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 1 {
			t.Errorf("%v: exit %d, %q; want %d and %q in one or two lines", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}

// TestFTPPythonClients: two independent Python clients, written from the
// seed's put header, log in as two users at once; each stores, lists and
// gets its own file, resumes a get by offset, and is refused ../ and a
// getattr-style command.
func TestFTPPythonClients(t *testing.T) {
	python3(t)
	addr, root, _ := ftpServer(t, nil, "alice", "bob")
	local := t.TempDir()
	files := map[string]string{"alice": filepath.Join(local, "alice.txt"), "bob": filepath.Join(local, "bob.txt")}
	os.WriteFile(files["alice"], bytes.Repeat([]byte("alice line\n"), 20000), 0o600)
	os.WriteFile(files["bob"], bytes.Repeat([]byte("bob\n"), 3000), 0o600)
	var wg sync.WaitGroup
	results := map[string]map[string]any{}
	var mu sync.Mutex
	for _, u := range []string{"alice", "bob"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := pyCommand(t, "ftp_client.py", addr, u, u+"-pw-1", files[u]).CombinedOutput()
			if err != nil {
				t.Errorf("%s: %v\n%s", u, err, out)
				return
			}
			mu.Lock()
			results[u] = lastJSON(t, string(out))
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, u := range []string{"alice", "bob"} {
		r := results[u]
		if r == nil {
			continue
		}
		want := map[string]any{"login": 200.0, "put": 200.0, "put_md5_ok": true, "put_sha256_ok": true,
			"get_same": true, "resume_same": true, "escape": 403.0, "getattr": 400.0}
		for k, v := range want {
			if r[k] != v {
				t.Errorf("%s: %s = %v, want %v (all: %v)", u, k, r[k], v, r)
			}
		}
		if ls, _ := r["ls"].([]any); len(ls) != 1 || ls[0] != u+".txt" {
			t.Errorf("%s ls %v: sees another user's files", u, r["ls"])
		}
	}
	if _, err := os.Stat(filepath.Join(root, "escape.txt")); err == nil {
		t.Error("../escape.txt was written")
	}
}

// TestFTPClientTerminal drives the ftp> shell in a pseudo-terminal: the
// user name and a password without echo, help, a command recalled with ↑,
// an error that does not end the shell, quit.
func TestFTPClientTerminal(t *testing.T) {
	addr, root, _ := ftpServer(t, nil, "alice")
	local := t.TempDir()
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB: long enough for a bar
	os.WriteFile(filepath.Join(local, "big.bin"), big, 0o600)
	cmd := labCommand(t, "ftp", "client", "--connect", addr)
	cmd.Dir = local
	lt := startIn(t, 100, 30, cmd)
	lt.waitFor("user:")
	lt.send("alice\r")
	lt.waitFor("password for alice:")
	lt.send("alice-pw-1\r")
	lt.waitFor("welcome, alice", "ftp> ")
	lt.send("help\r")
	lt.waitFor("put LOCAL [REMOTE]", "get REMOTE [LOCAL]", "ftp> ")
	lt.send("mkdir docs\r")
	lt.waitFor("made /docs", "ftp> ")
	lt.send("cd ../..\r")
	lt.waitFor("403", "ftp> ")
	lt.send("cd docs\r")
	lt.waitFor("/docs", "ftp> ")
	lt.send("pwd\r")
	lt.waitFor("/docs", "ftp> ")
	lt.send("\x1b[A\r") // ↑ Enter: pwd again
	lt.waitFor("pwd", "/docs", "ftp> ")
	lt.send("put big.bin\r")
	lt.waitFor("100.0%", "stored /docs/big.bin, 4194304 bytes", "ftp> ")
	lt.send("quit\r")
	lt.waitFor("bye")
	if code := lt.exit(); code != 0 {
		t.Errorf("exit %d", code)
	}
	lt.mu.Lock()
	echoed := bytes.Contains(lt.raw, []byte("alice-pw-1"))
	if i := bytes.Index(lt.raw, []byte("alice-pw-1")); i >= 0 {
		t.Logf("around: %q", lt.raw[max(0, i-200):min(len(lt.raw), i+50)])
	}
	lt.mu.Unlock()
	if echoed {
		t.Error("the password was echoed")
	}
	if b, _ := os.ReadFile(filepath.Join(root, "alice", "docs", "big.bin")); !bytes.Equal(b, big) {
		t.Error("the file put from the terminal differs")
	}
}

// TestFTPAddUserTerminal: adduser asks twice without echo and stores a
// hash that checks; two different answers change nothing.
func TestFTPAddUserTerminal(t *testing.T) {
	users := filepath.Join(t.TempDir(), "users.json")
	lt := startLab(t, 100, 30, []string{"ftp", "adduser", "--users", users, "carol"})
	lt.waitFor("password for carol:")
	lt.send("Carol-Pw-77\r")
	lt.waitFor("again:")
	lt.send("Carol-Pw-77\r")
	lt.waitFor("added carol")
	if code := lt.exit(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	lt = startLab(t, 100, 30, []string{"ftp", "adduser", "--users", users, "carol"})
	lt.waitFor("password for carol:")
	lt.send("new-one-1\r")
	lt.waitFor("again:")
	lt.send("new-one-2\r")
	lt.waitFor("differ")
	if code := lt.exit(); code != 1 {
		t.Errorf("mismatch: exit %d, want 1", code)
	}
	us, err := ftp.ReadUsers(users)
	if err != nil || !us.Check("carol", "Carol-Pw-77") || us.Check("carol", "new-one-1") {
		t.Errorf("the users file does not hold the first password's hash: %v", err)
	}
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if bytes.Contains(lt.raw, []byte("new-one")) {
		t.Error("a password was echoed")
	}
}

// TestFTPClientAgainstPython: the lab's client against a Python server
// written from docs/wire-formats.md alone.
func TestFTPClientAgainstPython(t *testing.T) {
	python3(t)
	dir := t.TempDir()
	cmd := pyCommand(t, "ftp_server.py", dir, "alice", "py-pw-3")
	var out syncBuffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	re := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	var addr string
	for addr == "" {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the Python server ended: %v\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	local := t.TempDir()
	t.Chdir(local)
	data := bytes.Repeat([]byte("python side\n"), 50000)
	os.WriteFile("a.txt", data, 0o600)
	os.WriteFile("b.txt.part", data[:1000], 0o600) // an interrupted get to resume
	t.Setenv("LAB_FTP_PASSWORD", "py-pw-3")
	code, stdout, stderr := runLab(t, "", "ftp", "client", "--connect", addr, "--user", "alice",
		"-c", "put a.txt; ls; pwd; get a.txt b.txt")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s\n%s", code, stdout, stderr, out.String())
	}
	if err := <-done; err != nil {
		t.Fatalf("python: %v\n%s", err, out.String())
	}
	if !strings.Contains(stdout, "resumed at byte 1000") {
		t.Errorf("the get did not resume: %s", stdout)
	}
	if b, _ := os.ReadFile("b.txt"); !bytes.Equal(b, data) {
		t.Error("b.txt differs")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.txt")); !bytes.Equal(b, data) {
		t.Error("the Python server stored another file")
	}
	if !strings.Contains(out.String(), `"seen": ["login", "put", "ls", "pwd", "get", "quit"]`) {
		t.Errorf("the Python server saw: %s", out.String())
	}
}

// Every flag of lab ftp serve, client and adduser is in lab help ftp, in
// both languages.
func TestFTPHelpNamesEveryFlag(t *testing.T) {
	englishEnv(t)
	defer func() { parsing = nil }()
	for _, sub := range []string{"serve", "client", "adduser"} {
		var names []string
		parsing = func(fs *flag.FlagSet) {
			fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		}
		runLab(t, "", "ftp", sub, "--help")
		parsing = nil
		if len(names) == 0 {
			t.Errorf("lab ftp %s --help parsed no flags", sub)
		}
		for _, lang := range []string{"en", "zh"} {
			_, help, _ := runLab(t, "", "help", "ftp", "--lang", lang)
			for _, n := range names {
				if !regexp.MustCompile(`-?-` + regexp.QuoteMeta(n) + `\b`).MatchString(help) {
					t.Errorf("lab help ftp --lang %s does not name --%s (of ftp %s)", lang, n, sub)
				}
			}
		}
	}
}

// TestFTPDefaults: without --users, adduser and serve share the users
// file in the config folder; without --root, serve makes a new temporary
// folder and says where (XDG_CONFIG_HOME and TMPDIR point into the test's
// own folder).
func TestFTPDefaults(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("TMPDIR", filepath.Join(dir, "tmp"))
	os.Mkdir(filepath.Join(dir, "tmp"), 0o700)
	t.Setenv("LAB_FTP_PASSWORD", "dee-pw-5")
	if code, out, errOut := runLab(t, "", "ftp", "adduser", "dee"); code != 0 || !strings.Contains(out, filepath.Join(dir, "config", "socketlab", "ftp-users.json")) {
		t.Fatalf("adduser: %d %q %q", code, out, errOut)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"ftp", "serve", "--format", "none"}, strings.NewReader(""), &out, &errOut)
	}()
	re := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	addr := ""
	for addr == "" {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	roots, _ := filepath.Glob(filepath.Join(dir, "tmp", "socketlab-ftp-*"))
	if len(roots) != 1 || !strings.Contains(errOut.String(), roots[0]) {
		t.Errorf("temporary roots %v; serve said %q", roots, errOut.String())
	}
	if code, out, errOut := runLab(t, "", "ftp", "client", "--connect", addr, "--user", "dee", "-c", "mkdir x"); code != 0 {
		t.Errorf("client: %d %q %q", code, out, errOut)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d", code)
	}
	if len(roots) == 1 {
		if info, err := os.Stat(filepath.Join(roots[0], "dee", "x")); err != nil || !info.IsDir() {
			t.Errorf("dee's folder: %v", err)
		}
	}
}
