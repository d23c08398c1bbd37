package exercise

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"socketlab/demos/ftp"
	store "socketlab/demos/upload"
	"socketlab/lab"
)

// The ftp-server check's client side: the folder it made, logins, puts
// and gets, and the checks of what the server stored.

// ftpT is one case's view of the check's folder.
type ftpT struct {
	*T
	root string
}

func newFTP(t *T) *ftpT { return &ftpT{T: t, root: filepath.Join(t.Work, "root")} }

// home is where the server keeps user's files.
func (f *ftpT) home(user string) string { return filepath.Join(f.root, user) }

// connect dials the program and returns a client on the new connection.
func (f *ftpT) connect() (*ftp.Client, error) {
	c, err := f.Dial()
	if err != nil {
		return nil, err
	}
	return &ftp.Client{S: f.Side, C: c}, nil
}

// login connects and logs user in with the right password.
func (f *ftpT) login(user string) (*ftp.Client, error) {
	cl, err := f.connect()
	if err != nil {
		return nil, err
	}
	rep, err := cl.Login(user, ftpPassword(f.Work, user))
	if err != nil {
		cl.C.Close()
		return nil, ftpFail(lab.Tf("%s's login with the right password: ", "%s 用正确密码登录：", user), err)
	}
	if rep.Status != ftp.StatusOK {
		cl.C.Close()
		return nil, fail(lab.Tf("%s's login with the right password was answered %d, not 200", "%s 用正确密码登录，得到的回答是 %d，不是 200", user, rep.Status))
	}
	return cl, nil
}

// ftpFail says what went wrong with a request: a refusal, a reply that is
// no reply, a connection closed or a timeout.
func ftpFail(what lab.Text, err error) error {
	var re *ftp.ReplyError
	var ce *ftp.Error
	switch {
	case errors.As(err, &re):
		return fail(join(what, lab.Tf("answered %d %q", "回答的是 %d %q", re.Reply.Status, re.Reply.Msg)))
	case errors.As(err, &ce):
		return fail(join(what, ce.Text))
	case errors.Is(err, ftp.ErrLength) || errors.Is(err, ftp.ErrHeader):
		return fail(join(what, lab.Tf("the reply is not a 4-byte 'i' length and a JSON header with \"status\" (%v)", "回复不是 4 字节 'i' 长度加带 \"status\" 的 JSON 报头（%v）", err)))
	case lab.Classify(err) == lab.ClassTimeout:
		return fail(join(what, lab.Tf("no reply in time (%v)", "没有及时回复（%v）", err)))
	}
	return fail(join(what, lab.Tf("%v", "%v", err)))
}

// status sends a request without a body and returns its reply's status,
// refusals included.
func status(cl *ftp.Client, r ftp.Request) (ftp.Reply, error) {
	rep, err := cl.Do(r)
	var re *ftp.ReplyError
	if errors.As(err, &re) {
		return re.Reply, nil
	}
	return rep, err
}

// names lists the user's folder with ls.
func names(cl *ftp.Client, user string) ([]string, error) {
	rep, err := cl.Do(ftp.Request{Cmd: "ls"})
	if err != nil {
		return nil, ftpFail(lab.Tf("%s's ls: ", "%s 的 ls：", user), err)
	}
	var n []string
	for _, e := range rep.Entries {
		n = append(n, e.Name)
	}
	return n, nil
}

func sums(b []byte) (string, string) {
	m, s := md5.Sum(b), sha256.Sum256(b)
	return hex.EncodeToString(m[:]), hex.EncodeToString(s[:])
}

// put sends a seed-style put (the body right after the header) with the
// file's md5 and sha256, and checks the reply's.
func put(cl *ftp.Client, user, name string, data []byte) error {
	m, s := sums(data)
	rep, err := cl.PutFrom(bytes.NewReader(data), int64(len(data)), ftp.Request{FileName: name, MD5: m, SHA256: s})
	var ce *ftp.Error
	if errors.As(err, &ce) && rep.Status == ftp.StatusOK {
		err = nil // stored, but the reply's checksums are not the file's: said below
	}
	what := lab.Tf("%s's put %s (%d bytes): ", "%s put %s（%d 字节）：", user, name, len(data))
	hint := lab.T(`answer a stored put with {"status": 200, "filename", "filesize", "md5", "sha256"}: hashlib.md5() and hashlib.sha256() of the whole file, updated with every piece received, then hexdigest()`,
		`保存好的 put 回答 {"status": 200, "filename", "filesize", "md5", "sha256"}：整个文件的 hashlib.md5() 和 hashlib.sha256()，收到的每一块都 update 进去，最后 hexdigest()`)
	switch {
	case err != nil:
		return ftpFail(what, err)
	case rep.MD5 == "" || rep.SHA256 == "":
		return failHint(join(what, lab.T(`the reply has no "md5" or no "sha256"`, `回复里没有 "md5" 或没有 "sha256"`)), hint)
	case !strings.EqualFold(rep.MD5, m) || !strings.EqualFold(rep.SHA256, s):
		return failHint(join(what, lab.Tf("the reply says md5 %s sha256 %s, the file has md5 %s sha256 %s", "回复说 md5 %s sha256 %s，文件的是 md5 %s sha256 %s", rep.MD5, rep.SHA256, m, s)), hint)
	}
	return nil
}

// stored checks the disk: the user's home holds name with these bytes.
func (f *ftpT) stored(user, name string, data []byte) error {
	path := filepath.Join(f.home(user), name)
	got, err := hashFile(path)
	_, want := sums(data)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return failHint(lab.Tf("your server answered 200 but %s is not in %s's folder (ROOT/%s)", "你的服务端回答了 200，可是 %s 不在 %s 的文件夹（ROOT/%s）里", name, user, user),
			lab.T("store each user's files in ROOT/<name>, their own folder (ROOT is LAB_FTP_ROOT)", "把每个用户的文件存在 ROOT/<用户名>，他们自己的文件夹里（ROOT 是 LAB_FTP_ROOT）"))
	case err != nil:
		return fail(lab.Tf("%s: %v", "%s：%v", path, err))
	case got != want:
		return fail(lab.Tf("ROOT/%s/%s on the disk is not the file sent (sha256 %s, sent %s)", "磁盘上的 ROOT/%s/%s 不是发送的文件（sha256 %s，发送的是 %s）", user, name, got, want))
	}
	return nil
}

func hashFile(path string) (string, error) {
	fl, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fl.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fl); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// get asks for name from off and hashes the body as it comes.
func get(cl *ftp.Client, user, name string, off int64) (rep ftp.Reply, n int64, md5hex, shahex string, err error) {
	what := lab.Tf("%[1]s's get %[2]s from byte %[3]d: ", "%[1]s 从第 %[3]d 字节 get %[2]s：", user, name, off)
	if rep, err = cl.Do(ftp.Request{Cmd: "get", FileName: name, Offset: off}); err != nil {
		return rep, 0, "", "", ftpFail(what, err)
	}
	if rep.FileSize == nil {
		return rep, 0, "", "", fail(join(what, lab.T(`the reply has no "filesize"`, `回复里没有 "filesize"`)))
	}
	start := int64(0)
	if rep.Offset != nil {
		start = *rep.Offset
	}
	if start != off {
		return rep, 0, "", "", fail(join(what, lab.Tf(`the reply's "offset" is %d`, `回复里的 "offset" 是 %d`, start)))
	}
	h := store.NewHasher(true)
	want := *rep.FileSize - off
	cl.C.Progress(want)
	n, err = io.CopyBuffer(h, io.LimitReader(cl.C, want), make([]byte, ftp.Chunk))
	cl.C.Progress(0)
	if err == nil && n < want {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return rep, n, "", "", fail(join(what, lab.Tf("%d of %d bytes arrived (%v)", "收到 %d / %d 字节（%v）", n, want, err)))
	}
	sums := h.Sums()
	return rep, n, sums.MD5, sums.SHA256, nil
}

// token is a random-looking word for the names of one case, new each check.
func (f *ftpT) token(what string) string {
	h := sha256.Sum256([]byte(f.Work + "\x00" + what))
	return hex.EncodeToString(h[:5])
}

// --- the cases -----------------------------------------------------------
