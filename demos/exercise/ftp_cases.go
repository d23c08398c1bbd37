package exercise

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"socketlab/demos/ftp"
	"socketlab/lab"
)

// The ftp-server cases on names and users: login, wrong passwords, two
// users at once, traversal.

func ftpLogin(t *T) error {
	f := newFTP(t)
	cl, err := f.login("alice")
	if err != nil {
		return err
	}
	defer cl.C.Close()
	if _, err := names(cl, "alice"); err != nil {
		return err
	}
	return quit(cl)
}

// quit ends a session politely; a server that just closes is fine too.
func quit(cl *ftp.Client) error {
	cl.Do(ftp.Request{Cmd: "quit"})
	return cl.C.Close()
}

func ftpWrongPassword(t *T) error {
	f := newFTP(t)
	cl, err := f.connect()
	if err != nil {
		return err
	}
	defer cl.C.Close()
	refused := func(what lab.Text, r ftp.Request) error {
		rep, err := status(cl, r)
		switch {
		case err != nil:
			return ftpFail(what, err)
		case rep.Status != ftp.StatusLogin:
			return fail(join(what, lab.Tf("answered %d %q, not 401", "回答的是 %d %q，不是 401", rep.Status, rep.Msg)))
		}
		return nil
	}
	if err := refused(lab.T("ls before any login: ", "登录前的 ls："), ftp.Request{Cmd: "ls"}); err != nil {
		return err
	}
	if err := refused(lab.T("bob with a wrong password: ", "bob 用错误的密码："), ftp.Request{Cmd: "login", User: "bob", Password: "not-" + ftpPassword(t.Work, "bob")}); err != nil {
		return err
	}
	if err := refused(lab.T("ls after the wrong password: ", "密码错误之后的 ls："), ftp.Request{Cmd: "ls"}); err != nil {
		return err
	}
	if err := refused(lab.T("an unknown user mallory: ", "不存在的用户 mallory："), ftp.Request{Cmd: "login", User: "mallory", Password: ftpPassword(t.Work, "alice")}); err != nil {
		return err
	}
	rep, err := cl.Login("bob", ftpPassword(t.Work, "bob"))
	if err != nil || rep.Status != ftp.StatusOK {
		return ftpFail(lab.T("bob with his right password, after the wrong ones: ", "bob 在错误之后用正确的密码："), err)
	}
	if _, err := names(cl, "bob"); err != nil {
		return err
	}
	return quit(cl)
}

func ftpTwoUsers(t *T) error {
	f := newFTP(t)
	alice, err := f.login("alice")
	if err != nil {
		return err
	}
	defer alice.C.Close()
	bob, err := f.connect()
	if err != nil {
		return err
	}
	done := bob.C.Paced(lab.Pace{Total: ftpPause, What: lab.T("the reply to bob's login", "bob 登录的回复")})
	rep, err := bob.Login("bob", ftpPassword(t.Work, "bob"))
	done()
	switch {
	case lab.Classify(err) == lab.ClassTimeout:
		bob.C.Close()
		return failHint(lab.Tf("bob's login got no reply in %v while alice was connected: your server serves one connection at a time", "alice 连着的时候 bob 的登录 %v 内没有得到回复：你的服务端一次只服务一个连接", ftpPause),
			lab.T("serve each connection in its own thread: socketserver.ThreadingTCPServer, or threading.Thread(target=handle, args=(conn,)).start() after each accept()",
				"每个连接用自己的线程服务：socketserver.ThreadingTCPServer，或者每次 accept() 之后 threading.Thread(target=handle, args=(conn,)).start()"))
	case err != nil:
		bob.C.Close()
		return ftpFail(lab.T("bob's login with the right password: ", "bob 用正确密码登录："), err)
	case rep.Status != ftp.StatusOK:
		bob.C.Close()
		return fail(lab.Tf("bob's login with the right password was answered %d, not 200", "bob 用正确密码登录，得到的回答是 %d，不是 200", rep.Status))
	}
	defer bob.C.Close()
	files := map[string]string{"alice": "two-alice.txt", "bob": "two-bob.txt"}
	data := map[string][]byte{"alice": []byte("alice's notes\n"), "bob": letters(5000)}
	for _, u := range ftpUsers {
		cl := map[string]*ftp.Client{"alice": alice, "bob": bob}[u]
		if err := put(cl, u, files[u], data[u]); err != nil {
			return err
		}
	}
	isolation := lab.T("give each user their own folder ROOT/<name> and join every name to the home of the user logged in on that connection (keep it per connection, not in a global)",
		"给每个用户自己的文件夹 ROOT/<用户名>，每个名字都拼到这个连接上已登录用户的主目录下（按连接保存，不要放在全局变量里）")
	for _, u := range ftpUsers {
		other := "bob"
		if u == "bob" {
			other = "alice"
		}
		cl := map[string]*ftp.Client{"alice": alice, "bob": bob}[u]
		got, err := names(cl, u)
		if err != nil {
			return err
		}
		has := func(n string) bool {
			for _, g := range got {
				if g == n {
					return true
				}
			}
			return false
		}
		switch {
		case has(files[other]):
			return failHint(lab.Tf("%s's ls lists %s, %s's file: %v", "%s 的 ls 列出了 %s，那是 %s 的文件：%v", u, files[other], other, got), isolation)
		case !has(files[u]):
			return failHint(lab.Tf("%s's ls does not list %s, just put: %v", "%s 的 ls 没有列出刚 put 的 %s：%v", u, files[u], got), isolation)
		}
		if err := f.stored(u, files[u], data[u]); err != nil {
			return err
		}
	}
	rep, err = status(bob, ftp.Request{Cmd: "get", FileName: files["alice"]})
	if err != nil {
		return ftpFail(lab.Tf("bob's get %s: ", "bob get %s：", files["alice"]), err)
	}
	if rep.OK() {
		return failHint(lab.Tf("bob's get %s, alice's file, was answered %d", "bob get alice 的文件 %s，得到的回答是 %d", files["alice"], rep.Status), isolation)
	}
	quit(alice)
	return quit(bob)
}

func ftpTraversal(t *T) error {
	f := newFTP(t)
	tok := f.token("traversal")
	// What a vulnerable server would hand out: bob's file and one of the
	// lab's, both made here by the lab.
	if err := os.MkdirAll(f.home("bob"), 0o755); err != nil {
		return err
	}
	secret := []byte("the lab's secret " + tok + "\n")
	bobs := "secret-" + tok + ".txt"
	labs := filepath.Join(t.Work, "lab-secret-"+tok+".txt")
	for _, p := range []string{filepath.Join(f.home("bob"), bobs), labs} {
		if err := os.WriteFile(p, secret, 0o644); err != nil {
			return err
		}
	}
	cl, err := f.login("alice")
	if err != nil {
		return err
	}
	defer cl.C.Close()
	puts := []string{"../lab-check-" + tok + "-up.txt", "../../lab-check-" + tok + "-up2.txt",
		filepath.Join(t.Work, "lab-check-"+tok+"-abs.txt"), "lab-check-" + tok + "\x00.txt"}
	gets := []string{"../bob/" + bobs, labs}
	refusal := lab.T(`refuse (403) an absolute name, ".." above the home, "\" or a NUL before you open anything, and for a refused put read and drop its filesize bytes`,
		`在打开任何文件之前拒绝（403）绝对路径、越过主目录的 ".."、"\" 或 NUL，被拒绝的 put 要读掉并丢弃它的 filesize 个字节`)
	if err := f.hostilePuts(cl, tok, puts, refusal); err != nil {
		return err
	}
	if err := f.outside(tok); err != nil {
		return err
	}
	for _, name := range gets {
		what := lab.Tf("get %q: ", "get %q：", name)
		rep, err := status(cl, ftp.Request{Cmd: "get", FileName: name})
		if err != nil {
			return failHint(ftpFail(what, err).(*Mismatch).What, refusal)
		}
		if rep.OK() {
			return failHint(join(what, lab.Tf("answered %d: alice got a file outside her folder", "回答了 %d：alice 拿到了她文件夹之外的文件", rep.Status)), refusal)
		}
	}
	after := []byte("still in step\n")
	if err := put(cl, "alice", "after-traversal.txt", after); err != nil {
		return err
	}
	if err := f.stored("alice", "after-traversal.txt", after); err != nil {
		return err
	}
	return quit(cl)
}

// hostilePuts puts a short file under each hostile name: each must be
// refused (4xx), and nothing may land outside alice's folder.
func (f *ftpT) hostilePuts(cl *ftp.Client, tok string, puts []string, refusal lab.Text) error {
	body := []byte("the lab was here\n")
	for _, name := range puts {
		what := lab.Tf("put %q: ", "put %q：", name)
		m, s := sums(body)
		_, err := cl.PutFrom(bytes.NewReader(body), int64(len(body)), ftp.Request{FileName: name, MD5: m, SHA256: s})
		var re *ftp.ReplyError
		if errors.As(err, &re) && re.Reply.Status >= 400 && re.Reply.Status < 500 {
			continue
		}
		if e := f.outside(tok); e != nil {
			return e
		}
		if err == nil {
			return failHint(join(what, lab.T("answered 200: the name leaves alice's folder", "回答了 200：这个名字会离开 alice 的文件夹")), refusal)
		}
		return failHint(ftpFail(what, err).(*Mismatch).What, refusal)
	}
	return nil
}

// outside finds (and removes) anything the case's names (tok) made in the
// check's folder outside alice's: a server that let a name out.
func (f *ftpT) outside(tok string) error {
	var found []string
	filepath.WalkDir(f.Work, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(d.Name(), "lab-check-"+tok) && !strings.HasPrefix(p, f.home("alice")+string(filepath.Separator)) {
			found = append(found, p)
		}
		return nil
	})
	for _, p := range found {
		os.Remove(p)
	}
	if len(found) == 0 {
		return nil
	}
	rel, _ := filepath.Rel(f.Work, found[0])
	return failHint(lab.Tf("your server wrote %s, outside alice's folder (the lab removed it)", "你的服务端写出了 %s，在 alice 的文件夹之外（实验台已把它删除）", rel),
		lab.T(`never join the client's name to the folder as it came: os.path.join(home, "/x") is "/x" and "../x" climbs out; refuse (403) absolute names and ".." above the home`,
			`绝不要把客户端给的名字原样拼到文件夹上：os.path.join(home, "/x") 就是 "/x"，"../x" 会爬出去；拒绝（403）绝对路径和越过主目录的 ".."`))
}
