package demos

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"socketlab/demos/ftp"
	"socketlab/lab"
)

// The FTP demo's users, in the order they log in. Their passwords are
// throwaway ones: the trace shows them, as it shows every byte.
var ftpUsers = []string{"alice", "bob", "carol", "dave"}

func ftpPassword(user string) string { return "throwaway-" + user }

// ftpDemo is demo 18: the seeds' homework, a multi-user FTP. Several users
// log in at once and each puts, lists and gets a file in a home folder of
// their own; alice is refused a name with ../ and bob a command outside the
// fixed table; then alice's upload of a bigger file is cut half way and
// resumed from the server's partial file.
func ftpDemo() lab.Demo {
	return lab.Demo{
		ID:    18,
		Slug:  "ftp",
		Title: lab.T("The seeds' homework: a multi-user FTP", "种子教程的作业：多用户 FTP"),
		Brief: lab.T("login, put, ls, get with md5 and sha256, a home folder per user, a refused ../, a resumed upload",
			"登录、put、ls、get（md5 和 sha256 校验）、每个用户一个主目录、拒绝 ../、断点续传"),
		Knobs: []lab.Knob{
			// At most 256 MiB: the file is written and hashed before the first
			// call, and the server hashes the partial half before its 100,
			// silent work that must stay inside the run's idle limit.
			{Name: "size", Kind: lab.KindSize, Default: "256KiB", Min: 2, Max: 256 << 20,
				Help: lab.T("the size of the file alice uploads, is cut off half way and resumes (up to 256 MiB; lab ftp takes any size)",
					"alice 上传的文件大小：传到一半被切断，然后续传（最多 256 MiB；lab ftp 不限大小）")},
			{Name: "users", Kind: lab.KindInt, Default: "2", Min: 2, Max: int64(len(ftpUsers)),
				Help: lab.T("how many users are logged in at once (alice, bob, carol, dave)",
					"同时登录的用户数（alice、bob、carol、dave）")},
		},
		Server:   ftpDemoServer,
		Client:   ftpDemoClient,
		Findings: ftpFindings,
	}
}

// ftpDemoServer is `lab ftp serve` in miniature: a users file with the
// demo's users, a temporary served folder, one goroutine per connection.
func ftpDemoServer(ctx context.Context, s *lab.Side) error {
	n := s.Params.Int("users")
	base, err := os.MkdirTemp("", "socketlab-ftp-")
	if err != nil {
		return fmt.Errorf("make the served folder: %w", err)
	}
	defer os.RemoveAll(base)
	root := filepath.Join(base, "root")
	if err := os.Mkdir(root, 0o700); err != nil {
		return err
	}
	usersFile := filepath.Join(base, "users.json") // beside the served folder, never inside it
	for _, u := range ftpUsers[:n] {
		// The demo's hashes are cheap (scrypt 2^10); lab ftp adduser uses 2^15.
		if _, err := ftp.AddUser(usersFile, u, ftpPassword(u), ftp.TestParams); err != nil {
			return err
		}
	}
	users, err := ftp.ReadUsers(usersFile)
	if err != nil {
		return err
	}
	srv, err := ftp.NewServer(ftp.Config{Root: root, Users: users})
	if err != nil {
		return err
	}
	defer srv.Close()
	s.Note(lab.Tf("%s holds a salted scrypt hash per user, never a password; each user's home folder is %s/NAME",
		"%s 里每个用户只有一个加盐的 scrypt 哈希，没有密码；每个用户的主目录是 %s/用户名", usersFile, root))
	ln, err := s.ListenBacklog("127.0.0.1:0", 5) // server.listen(5)
	if err != nil {
		return err
	}
	s.SetServerAddr(ln.Addr().String())
	s.Signal("listening")
	// One connection per user, then alice's cut upload and its resumption.
	var cut sync.Once
	_, err = ln.Serve(lab.ServeOptions{Count: n + 2}, func(fs *lab.Side, c *lab.Conn) error {
		err := srv.Handle(fs, c)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			fs.Note(lab.T("the client vanished in the middle of the file: the bytes that came stay in the hidden partial file",
				"客户端在文件传到一半时消失了：已经收到的字节留在隐藏的部分文件里"))
			cut.Do(func() { s.Signal("cut") })
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	s.Step("stop-listening")
	return ln.Close()
}

// ftpSession is one of the demo client's connections.
type ftpSession struct {
	s  *lab.Side
	cl *ftp.Client
}

func ftpDial(s *lab.Side, user string) (*ftpSession, error) {
	conn, err := s.Dial(s.ServerAddr())
	if err != nil {
		return nil, err
	}
	cl := &ftp.Client{S: s, C: conn}
	if _, err := cl.Login(user, ftpPassword(user)); err != nil {
		return nil, fmt.Errorf("%s: login: %w", user, err)
	}
	return &ftpSession{s: s, cl: cl}, nil
}

// ftpFile writes the made-up file a user uploads into dir: its first line
// names the user, so no two users' files are alike.
func ftpFile(dir, user string, size int64) (string, error) {
	p := filepath.Join(dir, user+"-notes.txt")
	f, err := os.Create(p)
	if err != nil {
		return "", err
	}
	head := fmt.Sprintf("%s's notes\n", user)
	body := io.MultiReader(strings.NewReader(head), &content{size: max(size-int64(len(head)), 0)})
	if _, err := io.CopyBuffer(f, io.LimitReader(body, size), make([]byte, uploadChunk)); err != nil {
		f.Close()
		return "", err
	}
	return p, f.Close()
}

func ftpDemoClient(ctx context.Context, s *lab.Side) error {
	n := s.Params.Int("users")
	size := int64(s.Params.Int("size"))
	dir, err := os.MkdirTemp("", "socketlab-ftp-client-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := s.Wait("listening"); err != nil {
		return err
	}
	errs := make(chan error, n)
	for _, u := range ftpUsers[:n] {
		f := s.Fork(u)
		go func() {
			defer f.Retire()
			errs <- ftpUser(f, u, ftpUsers[:n], dir)
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			return err
		}
	}
	return ftpResume(s.Fork("alice"), dir, size)
}

// ftpUser is one user's session: log in, wait until everyone is logged in,
// put a file, list the home folder, then alice tries ../ and gets her file
// back, and bob sends a command that is not in the table.
func ftpUser(s *lab.Side, user string, all []string, dir string) error {
	local, err := ftpFile(dir, user, 2000+int64(len(user)))
	if err != nil {
		return err
	}
	fs, err := ftpDial(s, user)
	if err != nil {
		return err
	}
	s.Signal("in-" + user)
	for _, u := range all { // everyone is logged in at once before anyone puts
		if err := s.Wait("in-" + u); err != nil {
			return err
		}
	}
	cl := fs.cl
	name := filepath.Base(local)
	if user == "bob" {
		// The seed's put, as it is: the header, then the file at once.
		f, err := os.Open(local)
		if err != nil {
			return err
		}
		defer f.Close()
		info, _ := f.Stat()
		if _, err := cl.PutFrom(f, info.Size(), ftp.Request{FileName: name}); err != nil {
			return fmt.Errorf("bob: put: %w", err)
		}
	} else if _, err := cl.Put(local, name); err != nil {
		return fmt.Errorf("%s: put: %w", user, err)
	}
	cl.Key("ls")
	if _, err := cl.Do(ftp.Request{Cmd: "ls"}); err != nil {
		return fmt.Errorf("%s: ls: %w", user, err)
	}
	switch user {
	case "alice":
		s.Signal("alice-listed")
		if err := s.Wait("bob-listed"); err != nil {
			return err
		}
		cl.Key("climb")
		_, err := cl.Get("../bob/bob-notes.txt", filepath.Join(dir, "stolen.txt"))
		var re *ftp.ReplyError
		if !errors.As(err, &re) || re.Reply.Status != ftp.StatusForbidden {
			return fmt.Errorf("alice: get ../bob/bob-notes.txt: %v, want a 403 refusal", err)
		}
		s.Note(lab.T("the answer: "+re.Reply.Msg, "回答："+re.Reply.Text(lab.Zh)))
		if _, err := cl.Get(name, filepath.Join(dir, "alice-back.txt")); err != nil {
			return fmt.Errorf("alice: get: %w", err)
		}
	case "bob":
		s.Signal("bob-listed")
		if err := s.Wait("alice-listed"); err != nil {
			return err
		}
		// What getattr(self, cmd) would have run: a method by its name.
		s.Key("not-a-command")
		head := []byte(`{"cmd": "__init__"}`)
		b := append(ftp.AppendLength(nil, len(head)), head...)
		if err := cl.C.SendParts(b, lab.Mark{From: 0, To: 4, Label: ftp.LabelLength}, lab.Mark{From: 4, To: len(b), Label: ftp.LabelHeader}); err != nil {
			return err
		}
		rep, err := cl.ReadReply()
		if err != nil || rep.Status != ftp.StatusBad {
			return fmt.Errorf("bob: __init__: %+v %v, want 400", rep, err)
		}
		s.Step("closed")
		if _, err := cl.C.Recv(1024); err != nil {
			return err
		}
		return cl.C.Close()
	}
	s.Step("quit")
	if _, err := cl.Do(ftp.Request{Cmd: "quit"}); err != nil {
		return err
	}
	return cl.C.Close()
}

// cutReader stops after limit bytes, as if the client died there.
type cutReader struct {
	f     *os.File
	limit int64
	at    int64
}

func (c *cutReader) Read(p []byte) (int, error) {
	if c.at >= c.limit {
		return 0, errors.New("the client was killed")
	}
	n, err := c.f.Read(p[:min(int64(len(p)), c.limit-c.at)])
	c.at += int64(n)
	return n, err
}

func (c *cutReader) Seek(off int64, whence int) (int64, error) {
	n, err := c.f.Seek(off, whence)
	c.at = n
	return n, err
}

// ftpResume is alice's bigger upload: cut off half way, then resumed on a
// new connection from the offset the server reports.
func ftpResume(s *lab.Side, dir string, size int64) error {
	defer s.Retire()
	local, err := ftpFile(dir, "big", size)
	if err != nil {
		return err
	}
	fs, err := ftpDial(s, "alice")
	if err != nil {
		return err
	}
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	m, sh, err := ftpDigests(f)
	if err != nil {
		return err
	}
	req := ftp.Request{FileName: "big.txt", Resume: true, MD5: m, SHA256: sh}
	s.Section(lab.T("an upload cut off half way", "传到一半被切断的上传"))
	_, err = fs.cl.PutFrom(&cutReader{f: f, limit: size / 2}, size, req)
	if err == nil {
		return errors.New("the cut upload did not stop")
	}
	s.Note(lab.Tf("the client stops after %d of %d bytes, as if killed, and closes the socket", "客户端在 %d / %d 字节处停下，就像被杀掉一样，并关闭套接字",
		size/2, size))
	s.Step("cut")
	if err := fs.cl.C.Close(); err != nil {
		return err
	}
	if err := s.Wait("cut"); err != nil {
		return err
	}
	s.Section(lab.T("the same put again: the server says where to go on", "再 put 一次：服务端告诉客户端从哪里继续"))
	fs, err = ftpDial(s, "alice")
	if err != nil {
		return err
	}
	fs.cl.Key("resume")
	if _, err := fs.cl.PutFrom(f, size, req); err != nil {
		return fmt.Errorf("resumed put: %w", err)
	}
	s.Step("quit")
	if _, err := fs.cl.Do(ftp.Request{Cmd: "quit"}); err != nil {
		return err
	}
	return fs.cl.C.Close()
}

func ftpDigests(f *os.File) (string, string, error) {
	h1, h2 := md5.New(), sha256.New()
	if _, err := io.CopyBuffer(io.MultiWriter(h1, h2), f, make([]byte, uploadChunk)); err != nil {
		return "", "", err
	}
	return hex.EncodeToString(h1.Sum(nil)), hex.EncodeToString(h2.Sum(nil)), nil
}

// ftpMsg is a request or reply header found in the trace.
type ftpMsg struct {
	e   lab.Event
	req ftp.Request
	cmd string // the request's "cmd", even when the server refused it
	rep ftp.Reply
}

// ftpHeaders returns the headers a side sent, in order: each is one
// sendall() with a length and a JSON header part.
func ftpHeaders(t lab.Trace, side lab.Role) []ftpMsg {
	var out []ftpMsg
	for _, e := range t.Calls(side, lab.OpSendAll) {
		if len(e.Marks) != 2 || e.Marks[1].Label != ftp.LabelHeader {
			continue
		}
		b := e.Part(e.Marks[1])
		m := ftpMsg{e: e}
		if side == lab.Client {
			var raw struct {
				Cmd string `json:"cmd"`
			}
			json.Unmarshal(b, &raw)
			m.cmd = raw.Cmd
			m.req, _ = ftp.ParseRequest(b)
		} else {
			m.rep, _ = ftp.ParseReply(b)
		}
		out = append(out, m)
	}
	return out
}

func ftpFindings(t lab.Trace, p lab.Params) []lab.Finding {
	n := p.Int("users")
	size := int64(p.Int("size"))
	reqs, reps := ftpHeaders(t, lab.Client), ftpHeaders(t, lab.Server)
	users := ftpUsers[:n]

	// Logins: every user got 200, and the password is in the bytes sent.
	var logins, loginOK []lab.Event
	plain := false
	for _, r := range reqs {
		if r.cmd == "login" {
			logins = append(logins, r.e)
			plain = plain || strings.Contains(string(r.e.Part(r.e.Marks[1])), `"password": "`+ftpPassword(r.req.User)+`"`)
		}
	}
	byUser := map[string][]ftpMsg{} // the server's replies by the user logged in on the connection
	for _, r := range reps {
		if r.e.User != "" {
			byUser[r.e.User] = append(byUser[r.e.User], r)
		}
		if r.rep.Status == ftp.StatusOK && r.rep.User != "" {
			loginOK = append(loginOK, r.e)
		}
	}
	login := check("login", len(loginOK) == n+2 && plain, lab.Tf(
		"%d logins answered 200 (each user once, alice twice more for her big file); each login's bytes carry the password in plain text for anyone on the path to read",
		"%d 次登录都得到 200（每个用户一次，alice 为大文件又登录两次）；每次登录的字节里都有明文密码，路径上的任何人都能看到",
		len(loginOK))).On(logins...)

	// At once: every user's login was answered before any user's put.
	firstPut, lastLogin := int(^uint(0)>>1), 0
	for _, r := range reqs {
		switch {
		case r.cmd == "put" && r.e.Seq < firstPut:
			firstPut = r.e.Seq
		}
	}
	for _, e := range loginOK[:min(n, len(loginOK))] {
		lastLogin = max(lastLogin, e.Seq)
	}
	lanes := map[string]bool{}
	for _, u := range users {
		if rs := byUser[u]; len(rs) > 0 {
			lanes[rs[0].e.Who] = true
		}
	}
	together := check("together", len(loginOK) >= n && lastLogin < firstPut && len(lanes) == n, lab.Tf(
		"%d users were logged in at once, each served by a goroutine of its own, in a lane of its own ([c1 alice] …)",
		"%d 个用户同时在线，每个由自己的 goroutine 服务，在自己的一栏里（[c1 alice] ……）", n)).On(loginOK[:min(n, len(loginOK))]...)

	// Stored, isolated, got back.
	stored, isolated := 0, 0
	var storedEv, lsEv []lab.Event
	for _, u := range users {
		for _, r := range byUser[u] {
			switch {
			case r.rep.Status == ftp.StatusOK && r.rep.SHA256 != "" && r.rep.FileName == u+"-notes.txt" && r.rep.Offset == nil:
				stored++
				storedEv = append(storedEv, r.e)
			case r.rep.Status == ftp.StatusOK && r.rep.Path == "/" && r.rep.Entries != nil:
				if len(r.rep.Entries) == 1 && r.rep.Entries[0].Name == u+"-notes.txt" {
					isolated++
				}
				lsEv = append(lsEv, r.e)
			}
		}
	}
	putOK := check("stored", stored == n, lab.Tf(
		"%d of %d puts stored, each reply carrying the md5 and sha256 the server computed; bob's used the seed's header as it is, the body right behind it",
		"%d / %d 次 put 已保存，每个回复带着服务端算出的 md5 和 sha256；bob 原样使用种子教程的报头，数据紧跟其后", stored, n)).On(storedEv...)
	iso := check("isolated", isolated == n, lab.Tf(
		"every ls lists one name, the user's own file: %d home folders, none sees another", "每次 ls 只列出一个名字，即用户自己的文件：%d 个主目录，互相看不见", n)).On(lsEv...)

	var got, refused, table, offset, resumed []lab.Event
	var off int64 = -1
	for _, r := range byUser["alice"] {
		switch {
		case r.rep.Status == ftp.StatusForbidden:
			refused = append(refused, r.e)
		case r.rep.Status == ftp.StatusOK && r.rep.FileName == "alice-notes.txt" && r.rep.Offset != nil:
			got = append(got, r.e)
		case r.rep.Status == ftp.StatusContinue && r.rep.Offset != nil && r.rep.FileName == "big.txt":
			offset = append(offset, r.e)
			off = *r.rep.Offset
		case r.rep.Status == ftp.StatusOK && r.rep.FileName == "big.txt" && r.rep.SHA256 != "":
			resumed = append(resumed, r.e)
		}
	}
	for _, r := range byUser["bob"] {
		if r.rep.Status == ftp.StatusBad && strings.Contains(r.rep.Msg, "unknown command") {
			table = append(table, r.e)
		}
	}
	sentAfter := int64(0) // the file bytes alice sent on the resumed connection
	if len(offset) == 2 {
		for _, e := range t.Calls(lab.Client, lab.OpSendAll) {
			if e.Seq > offset[1].Seq && len(e.Marks) == 1 && e.Marks[0].Label == ftp.LabelFile {
				sentAfter += int64(e.N)
			}
		}
	}
	gotOK := check("got", len(got) == 1, lab.T(
		"alice's get came back whole: the client checked the md5 and sha256 of what it received against the reply's",
		"alice 的 get 完整取回：客户端把收到内容的 md5 和 sha256 与回复里的对比，一致")).On(got...)
	climb := check("refused", len(refused) == 1, lab.T(
		"get ../bob/bob-notes.txt was refused (403): .. cannot climb above alice's home folder, and nothing of bob's was sent",
		"get ../bob/bob-notes.txt 被拒绝（403）：.. 不能越过 alice 的主目录，bob 的文件一个字节也没有发出")).On(refused...)
	tbl := check("table", len(table) == 1, lab.T(
		`{"cmd": "__init__"} was answered 400 "unknown command": the server looks a name up in its fixed table and never calls a method by the name the network sent (the seed's getattr would have)`,
		`{"cmd": "__init__"} 得到 400 "unknown command"：服务端只在固定的命令表里查名字，从不按网络发来的名字调用方法（种子教程的 getattr 就会）`)).On(table...)
	res := check("resumed", len(offset) == 2 && off == size/2 && len(resumed) == 1 && sentAfter == size-off, lab.Tf(
		"the cut upload left %d bytes in .big.txt.part; the second put was answered 100 with offset %d, sent only the last %d bytes, and the whole file's sha256 matched",
		"被切断的上传在 .big.txt.part 里留下 %d 字节；第二次 put 得到 100，offset 为 %d，只发送了最后 %d 字节，整个文件的 sha256 一致",
		off, off, sentAfter)).On(append(offset, resumed...)...)
	return slices.Clip([]lab.Finding{login, together, putOK, iso, gotOK, climb, tbl, res})
}
