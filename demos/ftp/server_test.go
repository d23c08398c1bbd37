package ftp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"socketlab/lab"
)

// fixture is a server on loopback serving a t.TempDir() root.
type fixture struct {
	t      *testing.T
	dir    string // the test's folder: root/ and users.json inside
	root   string
	users  string
	srv    *Server
	sess   *lab.Session // the server's, keeping every event
	addr   string
	ended  chan error // one value per connection the server finished
	mu     sync.Mutex
	sleeps []time.Duration
}

func pw(user string) string { return user + "-Secret-9" }

func newFixture(t *testing.T, quota int64, users ...string) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), ended: make(chan error, 64)}
	f.root = filepath.Join(f.dir, "root")
	f.users = filepath.Join(f.dir, "users.json")
	if err := os.Mkdir(f.root, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if _, err := AddUser(f.users, u, pw(u), TestParams); err != nil {
			t.Fatal(err)
		}
	}
	us, err := ReadUsers(f.users)
	if err != nil {
		t.Fatal(err)
	}
	f.srv, err = NewServer(Config{Root: f.root, Users: us, Quota: quota, Sleep: func(ctx context.Context, d time.Duration) error {
		f.mu.Lock()
		f.sleeps = append(f.sleeps, d)
		f.mu.Unlock()
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	f.sess = lab.NewSession(context.Background(), lab.SessionOptions{Keep: true})
	side := f.sess.Side(lab.Server, lab.Params{})
	ln, err := side.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = ln.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		ln.Serve(lab.ServeOptions{Idle: time.Minute}, func(s *lab.Side, c *lab.Conn) error {
			err := f.srv.Handle(s, c)
			f.ended <- err
			return err
		})
	}()
	t.Cleanup(func() {
		f.sess.Close()
		<-done
		f.srv.Close()
	})
	return f
}

// client connects a new client (in a session of its own).
func (f *fixture) client() *Client {
	f.t.Helper()
	sess := lab.NewSession(context.Background(), lab.SessionOptions{})
	f.t.Cleanup(sess.Close)
	s := sess.Side(lab.Client, lab.Params{})
	c, err := s.Dial(f.addr)
	if err != nil {
		f.t.Fatal(err)
	}
	return &Client{S: s, C: c}
}

// login connects and logs in as user.
func (f *fixture) login(user string) *Client {
	f.t.Helper()
	cl := f.client()
	if _, err := cl.Login(user, pw(user)); err != nil {
		f.t.Fatalf("login %s: %v", user, err)
	}
	return cl
}

// status is the status of a refusal, 200 for none, 0 for another error.
func status(err error) int {
	var re *ReplyError
	switch {
	case err == nil:
		return 200
	case errors.As(err, &re):
		return re.Reply.Status
	}
	return 0
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func randBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 18))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func shaHex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func listNames(t *testing.T, cl *Client, p string) []string {
	t.Helper()
	rep, err := cl.Do(Request{Cmd: "ls", Path: p})
	if err != nil {
		t.Fatalf("ls %s: %v", p, err)
	}
	var n []string
	for _, e := range rep.Entries {
		n = append(n, e.Name)
	}
	return n
}

// TestTwoUsersAtOnce: alice and bob are logged in at the same time, each
// puts a file of the same name with other bytes, each sees and gets only
// their own, and neither reaches the other's.
func TestTwoUsersAtOnce(t *testing.T) {
	f := newFixture(t, 0, "alice", "bob")
	local := t.TempDir()
	a, b := f.login("alice"), f.login("bob") // both connections open and logged in
	data := map[string][]byte{"alice": randBytes(300<<10, 1), "bob": randBytes(200<<10, 2)}
	var wg sync.WaitGroup
	for user, cl := range map[string]*Client{"alice": a, "bob": b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := filepath.Join(local, user+".bin")
			writeFile(t, p, data[user])
			if _, err := cl.Put(p, "same.bin"); err != nil {
				t.Errorf("%s put: %v", user, err)
			}
		}()
	}
	wg.Wait()
	for user, cl := range map[string]*Client{"alice": a, "bob": b} {
		if got := listNames(t, cl, ""); !slices.Equal(got, []string{"same.bin"}) {
			t.Errorf("%s ls: %v", user, got)
		}
		out := filepath.Join(local, user+".back")
		if _, err := cl.Get("same.bin", out); err != nil {
			t.Fatalf("%s get: %v", user, err)
		}
		if got, _ := os.ReadFile(out); !bytes.Equal(got, data[user]) {
			t.Errorf("%s got another file back", user)
		}
		onDisk, _ := os.ReadFile(filepath.Join(f.root, user, "same.bin"))
		if !bytes.Equal(onDisk, data[user]) {
			t.Errorf("%s's home holds another file", user)
		}
		other := map[string]string{"alice": "bob", "bob": "alice"}[user]
		if _, err := cl.Get("../"+other+"/same.bin", filepath.Join(local, "x")); status(err) != StatusForbidden {
			t.Errorf("%s get ../%s/same.bin: %v, want 403", user, other, err)
		}
	}
	// The trace puts each user's calls in a lane of their own.
	lanes := map[string]string{}
	for _, e := range f.sess.Events() {
		if e.User != "" {
			if w, ok := lanes[e.User]; ok && w != e.Who {
				t.Errorf("user %s in lanes %s and %s", e.User, w, e.Who)
			}
			lanes[e.User] = e.Who
		}
	}
	if len(lanes) != 2 || lanes["alice"] == lanes["bob"] {
		t.Errorf("lanes by user: %v", lanes)
	}
}

// TestWrongPasswords: a wrong password is refused, each failure waits
// twice as long as the one before, the fifth closes the connection, and
// the right password still works afterwards. The password is in no note
// or error of the server's.
func TestWrongPasswords(t *testing.T) {
	f := newFixture(t, 0, "alice")
	cl := f.client()
	for i := 1; i <= 5; i++ {
		_, err := cl.Login("alice", "wrong-"+pw("alice"))
		want := StatusLogin
		if i == 5 {
			want = StatusTooMany
		}
		if status(err) != want {
			t.Fatalf("attempt %d: %v, want %d", i, err, want)
		}
	}
	if _, err := cl.Do(Request{Cmd: "pwd"}); err == nil {
		t.Error("the connection is still served after 5 wrong passwords")
	}
	<-f.ended
	if _, err := f.client().Login("nobody", "x"); status(err) != StatusLogin {
		t.Errorf("unknown user: %v", err)
	}
	f.login("alice") // the right password works, and resets the count
	f.mu.Lock()
	got := slices.Clone(f.sleeps)
	f.mu.Unlock()
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 500 * time.Millisecond}
	if !slices.Equal(got, want) {
		t.Errorf("delays %v, want %v", got, want)
	}
	for _, e := range f.sess.Events() {
		if e.Op == lab.OpNote && (strings.Contains(e.Text.En+e.Text.Zh+e.Err, "Secret") || strings.Contains(e.Err, "Secret")) {
			t.Errorf("a note shows the password: %s", e.Text.En)
		}
	}
	users, _ := os.ReadFile(f.users)
	if bytes.Contains(users, []byte("Secret")) || !bytes.Contains(users, []byte("$scrypt$")) {
		t.Errorf("users file: %s", users)
	}
}

// TestQuota: a put that would go over the quota is refused before its
// bytes are stored; removing a file makes room again.
func TestQuota(t *testing.T) {
	f := newFixture(t, 1000, "alice")
	local := t.TempDir()
	cl := f.login("alice")
	p := filepath.Join(local, "600.bin")
	writeFile(t, p, randBytes(600, 3))
	if _, err := cl.Put(p, "a.bin"); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Put(p, "b.bin"); status(err) != StatusQuota {
		t.Fatalf("second put: %v, want 413", err)
	}
	if _, err := os.Stat(filepath.Join(f.root, "alice", "b.bin")); err == nil {
		t.Error("the refused file was stored")
	}
	rep, err := cl.Do(Request{Cmd: "quota"})
	if err != nil || *rep.Used != 600 || *rep.Limit != 1000 {
		t.Fatalf("quota: %+v %v", rep, err)
	}
	// The seed's put (no resume: the body follows at once) is refused
	// too; the server drops its body and the connection stays in step.
	if _, err := cl.PutFrom(bytes.NewReader(randBytes(600, 4)), 600, Request{FileName: "c.bin"}); status(err) != StatusQuota {
		t.Fatalf("seed put: %v, want 413", err)
	}
	if _, err := cl.Do(Request{Cmd: "rm", Path: "a.bin"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Put(p, "b.bin"); err != nil {
		t.Fatalf("put after rm: %v", err)
	}
	// A replaced file's bytes are given back.
	if _, err := cl.Put(p, "b.bin"); err != nil {
		t.Fatalf("put again: %v", err)
	}
	if rep, _ := cl.Do(Request{Cmd: "quota"}); *rep.Used != 600 {
		t.Errorf("used %d after replacing, want 600", *rep.Used)
	}
}

// TestResumePut: an upload killed half way leaves a hidden partial file;
// the next put of the same name is told to send from where it stopped, and
// the stored file has the right checksum.
func TestResumePut(t *testing.T) {
	f := newFixture(t, 0, "alice")
	data := randBytes(1<<20+17, 5)
	half := int64(len(data) / 2)
	cl := f.login("alice")
	sum := shaHex(data)
	if err := cl.send(Request{Cmd: "put", FileName: "big.bin", FileSize: int64(len(data)), Resume: true, SHA256: sum}); err != nil {
		t.Fatal(err)
	}
	rep, err := cl.ReadReply()
	if err != nil || rep.Status != StatusContinue || *rep.Offset != 0 {
		t.Fatalf("first put: %+v %v", rep, err)
	}
	if err := cl.C.SendAll(data[:half]); err != nil {
		t.Fatal(err)
	}
	cl.C.Close() // killed half way
	<-f.ended
	part := filepath.Join(f.root, "alice", ".big.bin.part")
	if info, err := os.Stat(part); err != nil || info.Size() != half {
		t.Fatalf("partial file: %v %v", info, err)
	}
	cl = f.login("alice")
	if got := listNames(t, cl, ""); len(got) != 0 {
		t.Errorf("ls shows %v during a partial upload", got)
	}
	if err := cl.send(Request{Cmd: "put", FileName: "big.bin", FileSize: int64(len(data)), Resume: true, SHA256: sum}); err != nil {
		t.Fatal(err)
	}
	rep, err = cl.ReadReply()
	if err != nil || rep.Status != StatusContinue || *rep.Offset != half {
		t.Fatalf("resumed put: %+v %v, want offset %d", rep, err, half)
	}
	if err := cl.C.SendAll(data[half:]); err != nil {
		t.Fatal(err)
	}
	rep, err = answer(cl.ReadReply())
	if err != nil || rep.SHA256 != sum {
		t.Fatalf("stored: %+v %v", rep, err)
	}
	if got, _ := os.ReadFile(filepath.Join(f.root, "alice", "big.bin")); !bytes.Equal(got, data) {
		t.Error("the stored file differs")
	}
	if _, err := os.Stat(part); err == nil {
		t.Error("the partial file is still there")
	}
	if rep, _ := cl.Do(Request{Cmd: "quota"}); *rep.Used != int64(len(data)) {
		t.Errorf("used %d, want %d", *rep.Used, len(data))
	}
	// A wrong checksum: not stored, the partial file removed.
	if _, err := cl.PutFrom(bytes.NewReader(data[:10]), 10, Request{FileName: "bad.bin", Resume: true, SHA256: sum}); status(err) != StatusChecksum {
		t.Errorf("wrong checksum: %v, want 422", err)
	}
	if _, err := os.Stat(filepath.Join(f.root, "alice", ".bad.bin.part")); err == nil {
		t.Error("a failed put left its partial file")
	}
	// The same with the seed's put (no "resume"): its body was read, so the
	// 422 comes at once and the connection is still in step.
	if _, err := cl.PutFrom(bytes.NewReader(data[:10]), 10, Request{FileName: "bad.bin", SHA256: sum}); status(err) != StatusChecksum {
		t.Errorf("wrong checksum, seed put: %v, want 422", err)
	}
	if rep, err := cl.Do(Request{Cmd: "quota"}); err != nil || *rep.Used != int64(len(data)) {
		t.Errorf("after a refused seed put: %+v %v, want %d bytes used", rep, err, len(data))
	}
}

// TestResumeGet: a download cut half way leaves LOCAL.part; the next get
// asks for the rest with "offset" and checks the whole file.
func TestResumeGet(t *testing.T) {
	f := newFixture(t, 0, "alice")
	data := randBytes(700<<10, 6)
	cl := f.login("alice") // makes the home folder
	writeFile(t, filepath.Join(f.root, "alice", "f.bin"), data)
	local := filepath.Join(t.TempDir(), "f.bin")
	writeFile(t, local+".part", data[:300<<10]) // what an interrupted get kept
	rep, err := cl.Get("f.bin", local)
	if err != nil || *rep.Offset != 300<<10 || *rep.FileSize != int64(len(data)) {
		t.Fatalf("get: %+v %v", rep, err)
	}
	if got, _ := os.ReadFile(local); !bytes.Equal(got, data) {
		t.Error("the resumed file differs")
	}
	// A partial file that is not the start of this file fails the check
	// and is removed, so the next get starts afresh.
	bad := append([]byte("not the file"), data[12:100]...)
	writeFile(t, local+".part", bad)
	if _, err := cl.Get("f.bin", local); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("get with a wrong partial file: %v", err)
	}
	if _, err := os.Stat(local + ".part"); err == nil {
		t.Error("the wrong partial file was kept")
	}
	if _, err := cl.Get("f.bin", local); err != nil {
		t.Fatal(err)
	}
	// Killed half way: the client's connection is closed during the body.
	cl2 := f.login("alice")
	local2 := filepath.Join(t.TempDir(), "g.bin")
	cl2.Progress = func(_ string, done, _ int64) {
		if done >= 200<<10 {
			cl2.C.NetConn().Close()
		}
	}
	if _, err := cl2.Get("f.bin", local2); err == nil {
		t.Fatal("a get cut half way succeeded")
	}
	if info, err := os.Stat(local2 + ".part"); err != nil || info.Size() < 200<<10 || info.Size() >= int64(len(data)) {
		t.Fatalf("partial: %v %v", info, err)
	}
	if _, err := f.login("alice").Get("f.bin", local2); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(local2); !bytes.Equal(got, data) {
		t.Error("the file resumed after a kill differs")
	}
}

// TestHostileNames: every name that leaves the home folder is refused
// with 403 for every command, and nothing is written outside it.
func TestHostileNames(t *testing.T) {
	f := newFixture(t, 0, "alice", "bob")
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "secret"), []byte("outside"))
	f.login("bob").Put(mkLocal(t, "bob's"), "b.txt")
	cl := f.login("alice")
	home := filepath.Join(f.root, "alice")
	if err := os.Symlink(outside, filepath.Join(home, "out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(home, "secret")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../bob", filepath.Join(home, "tobob")); err != nil {
		t.Fatal(err)
	}
	hostile := []string{
		"../bob/b.txt", "../../users.json", "..", "a/../../x", "/etc/passwd", "/", filepath.Join(outside, "secret"),
		"a\x00b", "x\nb", "C:x", `..\..\x`, "a\x1b[2J", ".x.part", "out/secret", "out/new", "secret", "tobob/b.txt",
		strings.Repeat("a", 300),
	}
	local := mkLocal(t, "payload")
	for _, name := range hostile {
		_, err := cl.Put(local, name)
		putStatus := status(err)
		_, err = cl.Get(name, filepath.Join(t.TempDir(), "got"))
		getStatus := status(err)
		_, err = cl.Do(Request{Cmd: "cd", Path: name})
		cdStatus := status(err)
		_, err = cl.Do(Request{Cmd: "mkdir", Path: name + "/d"})
		mkStatus := status(err)
		_, err = cl.Do(Request{Cmd: "rm", Path: name})
		rmStatus := status(err)
		for cmd, st := range map[string]int{"put": putStatus, "get": getStatus, "cd": cdStatus, "mkdir": mkStatus, "rm": rmStatus} {
			ok := st == StatusForbidden
			if name == "secret" && (cmd == "rm" || cmd == "put") {
				// The link itself is alice's own: rm removes the link (not
				// its target), put refuses to write through it (409).
				ok = st == StatusOK || st == StatusConflict || st == StatusNotFound
			}
			if name == "/" && cmd == "rm" {
				ok = st == StatusForbidden
			}
			if !ok {
				t.Errorf("%s %q: status %d, want 403", cmd, name, st)
			}
		}
		if rep, err := cl.Do(Request{Cmd: "pwd"}); err != nil || rep.Path != "/" {
			t.Fatalf("after %q: pwd %v %v", name, rep.Path, err)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(outside, "secret")); string(got) != "outside" {
		t.Errorf("the file outside now holds %q", got)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("the folder outside holds %d names", len(entries))
	}
	if got, _ := os.ReadFile(filepath.Join(f.root, "bob", "b.txt")); string(got) != "bob's" {
		t.Errorf("bob's file holds %q", got)
	}
	// Inside, .. is fine.
	for _, r := range []Request{{Cmd: "mkdir", Path: "docs"}, {Cmd: "cd", Path: "docs"}, {Cmd: "cd", Path: "../docs/.."}} {
		if _, err := cl.Do(r); err != nil {
			t.Errorf("%s %s: %v", r.Cmd, r.Path, err)
		}
	}
}

func frame(h string) []byte { return append(AppendLength(nil, len(h)), h...) }

func mkLocal(t *testing.T, content string) string {
	p := filepath.Join(t.TempDir(), "local.txt")
	writeFile(t, p, []byte(content))
	return p
}

// TestBadHeaders: lengths and headers that are not requests get a framed
// 400 reply and a close; the server goes on serving others.
func TestBadHeaders(t *testing.T) {
	f := newFixture(t, 0, "alice")
	for _, tc := range []struct {
		name string
		send []byte
		want string
	}{
		{"2 GiB length", []byte{0, 0, 0, 0x80}, "negative"},
		{"huge length", []byte{0xff, 0xff, 0xff, 0x7f}, "at most"},
		{"http", []byte("GET / HTTP/1.1\r\n\r\n"), "at most"},
		{"zero", []byte{0, 0, 0, 0}, "empty"},
		{"not json", append([]byte{3, 0, 0, 0}, "abc"...), "not a JSON object"},
		{"getattr", frame(`{"cmd": "__init__"}`), "unknown command"},
		{"not utf-8", frame("{\"cmd\": \"\xff\xfe\"}"), "UTF-8"},
		{"no cmd", frame(`{"filename": "a.txt", "filesize": 3}`), `no "cmd"`},
	} {
		c, err := net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(tc.send)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		all, _ := io.ReadAll(c)
		c.Close()
		if len(all) < 4 {
			t.Errorf("%s: got %q, want a framed reply", tc.name, all)
			continue
		}
		rep, err := ParseReply(all[4:])
		if err != nil || rep.Status != StatusBad || !strings.Contains(rep.Msg, tc.want) {
			t.Errorf("%s: %+v %v, want 400 %q", tc.name, rep, err, tc.want)
		}
	}
	f.login("alice") // still serving
}

// TestSessionsOfOneUser: two connections of one user share the quota and
// never write one file at once; a seed put before login is refused and
// its body dropped, so the connection stays in step.
func TestSessionsOfOneUser(t *testing.T) {
	f := newFixture(t, 1000, "alice")
	cl := f.client()
	if _, err := cl.PutFrom(bytes.NewReader([]byte("early")), 5, Request{FileName: "x.txt"}); status(err) != StatusLogin {
		t.Fatalf("put before login: %v, want 401", err)
	}
	if _, err := cl.Login("alice", pw("alice")); err != nil {
		t.Fatalf("login after a refused put: %v", err)
	}
	// cl starts a resumable put and holds it at the 100.
	if err := cl.send(Request{Cmd: "put", FileName: "a.bin", FileSize: 600, Resume: true}); err != nil {
		t.Fatal(err)
	}
	if rep, err := cl.ReadReply(); err != nil || rep.Status != StatusContinue {
		t.Fatalf("first put: %+v %v", rep, err)
	}
	other := f.login("alice")
	local := filepath.Join(t.TempDir(), "l.bin")
	writeFile(t, local, randBytes(600, 9))
	if _, err := other.Put(local, "a.bin"); status(err) != StatusConflict {
		t.Errorf("the same file from another connection: %v, want 409", err)
	}
	if _, err := other.Put(local, "b.bin"); status(err) != StatusQuota {
		t.Errorf("a second put while 600 bytes are reserved: %v, want 413", err)
	}
	if err := cl.C.SendAll(randBytes(600, 9)); err != nil {
		t.Fatal(err)
	}
	if _, err := answer(cl.ReadReply()); err != nil {
		t.Fatalf("first put: %v", err)
	}
	for _, tc := range []struct {
		r    Request
		want int
	}{
		{Request{Cmd: "mkdir", Path: "d"}, StatusOK},
		{Request{Cmd: "mkdir", Path: "d"}, StatusConflict},
		{Request{Cmd: "mkdir", Path: "no/such"}, StatusNotFound},
		{Request{Cmd: "cd", Path: "a.bin"}, StatusConflict},
		{Request{Cmd: "ls", Path: "a.bin"}, StatusConflict}, // not a folder
		{Request{Cmd: "cd", Path: "nope"}, StatusNotFound},
		{Request{Cmd: "rm", Path: "/"}, StatusForbidden},
		{Request{Cmd: "rm", Path: "nope"}, StatusNotFound},
		{Request{Cmd: "login", User: "alice", Password: pw("alice")}, StatusConflict},
	} {
		if _, err := cl.Do(tc.r); status(err) != tc.want {
			t.Errorf("%s %s: %v, want %d", tc.r.Cmd, tc.r.Path, err, tc.want)
		}
	}
	if _, err := cl.Get("d", filepath.Join(t.TempDir(), "x")); status(err) != StatusConflict {
		t.Errorf("get a folder: %v, want 409", err)
	}
	if _, err := cl.Get("a.bin", filepath.Join(t.TempDir(), "x")); err != nil {
		t.Errorf("get: %v", err)
	}
	os.WriteFile(filepath.Join(f.root, "alice", "d", "f"), []byte("x"), 0o600)
	if _, err := cl.Do(Request{Cmd: "rm", Path: "d"}); status(err) != StatusConflict {
		t.Errorf("rm a folder that is not empty: %v, want 409", err)
	}
}

// TestListIsBounded: a folder of more than MaxListed names is listed in
// part, with the count of the rest.
func TestListIsBounded(t *testing.T) {
	f := newFixture(t, 0, "alice")
	cl := f.login("alice")
	home := filepath.Join(f.root, "alice")
	for i := range MaxListed + 5 {
		os.WriteFile(filepath.Join(home, "f"+strconv.Itoa(i)), nil, 0o600)
	}
	os.WriteFile(filepath.Join(home, ".hidden.part"), nil, 0o600)
	rep, err := cl.Do(Request{Cmd: "ls"})
	if err != nil || len(rep.Entries) != MaxListed || rep.More != 5 {
		t.Fatalf("ls: %d entries, more %d, %v", len(rep.Entries), rep.More, err)
	}
}

// TestReadersShare: while one connection is in the middle of a get, a
// second get of the file is served and a put to it waits its turn (409).
func TestReadersShare(t *testing.T) {
	f := newFixture(t, 0, "alice")
	a := f.login("alice")
	data := bytes.Repeat([]byte("sixteen bytes..."), 1<<20) // 16 MiB, more than the socket buffers hold: the server waits in send
	writeFile(t, filepath.Join(f.root, "alice", "big.bin"), data)
	if err := a.send(Request{Cmd: "get", FileName: "big.bin"}); err != nil {
		t.Fatal(err)
	}
	rep, err := answer(a.ReadReply()) // the body is now on its way; a reads none of it yet
	if err != nil {
		t.Fatal(err)
	}
	b := f.login("alice")
	out := filepath.Join(t.TempDir(), "b.bin")
	if _, err := b.Get("big.bin", out); err != nil {
		t.Errorf("a second get while the first is under way: %v", err)
	}
	if _, err := b.Put(mkLocal(t, "x"), "big.bin"); status(err) != StatusConflict {
		t.Errorf("a put while a get is under way: %v, want 409", err)
	}
	got, err := io.ReadAll(io.LimitReader(a.C, *rep.FileSize))
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("the first get: %d bytes, %v", len(got), err)
	}
	if _, err := b.Put(mkLocal(t, "x"), "big.bin"); err != nil {
		t.Errorf("a put after the gets: %v", err)
	}
}

// TestGarbageStreams: streams of random bytes, some behind a valid login
// and a valid frame length, get framed replies or a close, never a panic
// or a hang (each stream ends with a half-close), and the server goes on.
func TestGarbageStreams(t *testing.T) {
	f := newFixture(t, 0, "alice")
	r := rand.New(rand.NewPCG(18, 15))
	login := AppendRequest(nil, Request{Cmd: "login", User: "alice", Password: pw("alice")})
	for i := range 60 {
		var b []byte
		if i%2 == 0 {
			b = append(b, login...)
		}
		if i%3 == 0 {
			b = AppendLength(b, r.IntN(64)+1)
		}
		for range r.IntN(200) {
			b = append(b, byte(r.Uint32()))
		}
		c, err := net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(b)
		c.(*net.TCPConn).CloseWrite()
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		all, err := io.ReadAll(c)
		c.Close()
		if err != nil {
			t.Fatalf("stream %d: %v (a hang?)", i, err)
		}
		for len(all) > 0 { // every byte back is a framed reply
			n, err := ParseLength(all[:min(4, len(all))], MaxReplyHeader)
			if err != nil || len(all) < 4+n {
				t.Fatalf("stream %d: the server sent %q", i, all)
			}
			if _, err := ParseReply(all[4 : 4+n]); err != nil {
				t.Fatalf("stream %d: reply %q: %v", i, all[4:4+n], err)
			}
			all = all[4+n:]
		}
	}
	for _, e := range f.sess.Events() {
		if strings.Contains(e.Err, "internal error") || strings.Contains(e.Text.En, "internal error") {
			t.Errorf("the server panicked: %s %s", e.Err, e.Text.En)
		}
	}
	f.login("alice")
}

// TestLongName: a 255-byte name is stored (its partial file has a short
// name of its own) and listed.
func TestLongName(t *testing.T) {
	f := newFixture(t, 0, "alice")
	cl := f.login("alice")
	name := strings.Repeat("n", 251) + ".txt"
	if _, err := cl.Put(mkLocal(t, "long"), name); err != nil {
		t.Fatalf("put a 255-byte name: %v", err)
	}
	if got := listNames(t, cl, ""); !slices.Equal(got, []string{name}) {
		t.Errorf("ls: %v", got)
	}
	if _, err := cl.Put(mkLocal(t, "x"), strings.Repeat("n", 256)); status(err) != StatusForbidden {
		t.Errorf("a 256-byte name: %v, want 403", err)
	}
}
