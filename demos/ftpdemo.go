package demos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"socketlab/demos/ftp"
	"socketlab/demos/upload"
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
	h := upload.NewHasher(true)
	if _, err := io.CopyBuffer(h, f, make([]byte, uploadChunk)); err != nil {
		return "", "", err
	}
	sums := h.Sums()
	return sums.MD5, sums.SHA256, nil
}
