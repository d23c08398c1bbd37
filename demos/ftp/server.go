package ftp

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"socketlab/demos/upload"
	"socketlab/lab"
)

// Config says how a Server serves.
type Config struct {
	Root  string // the served folder: each user's home folder is Root/NAME
	Users *Users
	Quota int64 // bytes each user may store, partial files included; 0 = no limit
	// MaxFails is how many wrong passwords one connection may send before
	// the server hangs up (default 5).
	MaxFails int
	// FailDelay is how long the answer to the first wrong password for a
	// user waits; it doubles with each further failure for that user (on
	// any connection), up to 16 times (default 500ms).
	FailDelay time.Duration
	// Sleep waits d unless ctx ends first; tests replace it to see the
	// delays without waiting. Nil means a real wait.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxDiscard is the most bytes of a refused put's body the server
	// reads and drops to stay in step with a client that sends the body
	// without waiting (the seed's client); a bigger body ends the
	// connection instead (default 1 GiB).
	MaxDiscard int64
}

// A Server serves the FTP protocol to many connections at once, each in
// its own goroutine (lab.Listener.Serve), like the seed's
// socketserver.ThreadingTCPServer.
type Server struct {
	cfg  Config
	root *os.Root

	mu       sync.Mutex
	accounts map[string]*account
	hashing  chan struct{} // one scrypt at a time: each costs 32 MiB
}

// account is what the connections of one user share.
type account struct {
	mu    sync.Mutex
	quota *upload.Quota  // bytes stored and reserved by transfers under way; nil until counted at the first login
	fails int            // wrong passwords in a row
	busy  map[string]int // files in use: -1 written, n > 0 read by n
}

// NewServer opens cfg.Root (which must exist) for serving.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Users == nil {
		return nil, errors.New("no users")
	}
	if cfg.MaxFails <= 0 {
		cfg.MaxFails = 5
	}
	if cfg.FailDelay <= 0 {
		cfg.FailDelay = 500 * time.Millisecond
	}
	if cfg.MaxDiscard <= 0 {
		cfg.MaxDiscard = 1 << 30
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	root, err := os.OpenRoot(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("open the served folder: %w", err)
	}
	return &Server{cfg: cfg, root: root, accounts: map[string]*account{}, hashing: make(chan struct{}, 1)}, nil
}

// Close closes the served folder.
func (srv *Server) Close() error { return srv.root.Close() }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (srv *Server) account(name string) *account {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	a := srv.accounts[name]
	if a == nil {
		a = &account{busy: map[string]int{}}
		srv.accounts[name] = a
	}
	return a
}

// session is one connection's state.
type session struct {
	srv   *Server
	s     *lab.Side
	c     *lab.Conn
	user  string
	home  *os.Root
	acct  *account
	usage *upload.Quota // the account's quota
	store *upload.Store // puts into home, counted in quota
	cwd   string        // relative to home, "" = home
	fails int
}

// errQuit ends a connection after quit's reply.
var errQuit = errors.New("quit")

// Handle serves one connection until the client quits or closes, then
// closes it. An error means the connection broke the protocol or the
// network failed; the server goes on with the others.
func (srv *Server) Handle(s *lab.Side, c *lab.Conn) error {
	ss := &session{srv: srv, s: s, c: c}
	defer func() {
		if ss.home != nil {
			ss.home.Close()
		}
	}()
	for {
		s.Step("request")
		b, err := ReadHeader(c, MaxHeader)
		if err == io.EOF { // the client closed between requests: if not head_struct: break
			s.Note(lab.T("the client closed the connection (recv returned b''): the session ends",
				"客户端关闭了连接（recv 返回 b''）：会话结束"))
			return c.Close()
		}
		if errors.Is(err, ErrLength) {
			return ss.hangUp(StatusBad, err)
		}
		if err != nil {
			return err
		}
		r, err := ParseRequest(b)
		if err != nil {
			return ss.hangUp(StatusBad, err)
		}
		if err := ss.serve(r); err != nil {
			if errors.Is(err, errQuit) {
				return c.Close()
			}
			return err
		}
	}
}

// hangUp answers a header that cannot be read as a request and closes the
// connection: what follows it (a body?) cannot be told from the next
// request, so the stream is out of step.
func (ss *session) hangUp(status int, err error) error {
	ss.s.Key("refuse-header")
	msg := err.Error() + "; closing the connection"
	why := err.Error()
	if he := (*HeaderError)(nil); errors.As(err, &he) {
		why = "报头有误：" + he.Zh
	}
	ss.reply(Reply{Status: status, Msg: msg, MsgZh: "报头无法识别（" + why + "）；关闭连接"})
	ss.s.Note(lab.Text{
		En: fmt.Sprintf("refused: %v; the reply says why, then the server closes this connection (the others go on)", err),
		Zh: fmt.Sprintf("拒绝：%s；回复说明原因，然后服务端关闭这个连接（其他连接照常）", why)})
	return ss.closeAfterReply()
}

// closeAfterReply ends a connection the server gives up on so that its
// last reply arrives: FIN first (shutdown(SHUT_WR)), then what the client
// still sends is read and dropped for a moment (at most 1 MiB, 1 s), then
// close. Closing with unread input would send a reset, and a reset can
// make the client's kernel drop the reply before the client reads it.
func (ss *session) closeAfterReply() error {
	if err := ss.c.CloseWrite(); err == nil {
		done := ss.c.Paced(lab.Pace{Total: time.Second}) // on top of (and shorter than) the idle limit
		io.Copy(io.Discard, io.LimitReader(ss.c.NetConn(), 1<<20))
		done()
	}
	return ss.c.Close()
}

// reply sends a framed reply header.
func (ss *session) reply(r Reply) error {
	b := AppendReply(nil, r)
	return ss.c.SendParts(b, frameMarks(len(b))...)
}

// refuse sends a refusal for request r. A put whose body is already on the
// way (no "resume") has its body read and dropped, up to MaxDiscard.
func (ss *session) refuse(r Request, status int, en, zh string) error {
	ss.s.Key("refused")
	if err := ss.reply(Reply{Status: status, Msg: en, MsgZh: zh, FileName: r.FileName}); err != nil {
		return err
	}
	if r.Cmd == "put" && !r.Resume && r.FileSize > 0 {
		if r.FileSize > ss.srv.cfg.MaxDiscard {
			ss.s.Note(lab.Tf("the refused put announced %d bytes, more than the server reads to drop: it closes the connection",
				"被拒绝的 put 声明了 %d 字节，超过服务端愿意读取丢弃的量：关闭连接", r.FileSize))
			ss.closeAfterReply()
			return errQuit
		}
		ss.s.Note(lab.Tf("the client sends the body without waiting (as the seed's put does): the server reads its %d bytes and drops them, to stay in step",
			"客户端不等回复就发送数据（种子教程的 put 就是这样）：服务端读取这 %d 字节并丢弃，保持同步", r.FileSize))
		if _, err := receive(ss.c, io.Discard, r.FileSize); err != nil {
			return err
		}
	}
	return nil
}

func (ss *session) ok(r Reply, en, zh string) error {
	r.Status, r.Msg, r.MsgZh = StatusOK, en, zh
	return ss.reply(r)
}

// handlers is the fixed command table's code: a request's "cmd" picks one
// of these or none. Nothing else a server can do is reachable by name.
var handlers = map[string]func(*session, Request) error{
	"login": (*session).login,
	"ls":    (*session).ls,
	"cd":    (*session).cd,
	"pwd":   (*session).pwd,
	"mkdir": (*session).mkdir,
	"rm":    (*session).rm,
	"put":   (*session).put,
	"get":   (*session).get,
	"quota": (*session).quota,
	"quit":  (*session).quit,
}

func (ss *session) serve(r Request) error {
	c, _ := Lookup(r.Cmd) // ParseRequest checked the table
	ss.s.Note(lab.Tf("request: %s", "请求：%s", r))
	if c.Login && ss.user == "" {
		return ss.refuse(r, StatusLogin, "log in first", "请先登录")
	}
	return handlers[r.Cmd](ss, r)
}

func (ss *session) login(r Request) error {
	if ss.user != "" {
		return ss.refuse(r, StatusConflict, "already logged in as "+ss.user, "已经以 "+ss.user+" 登录")
	}
	srv := ss.srv
	ss.s.Key("check-password")
	ss.srv.hashing <- struct{}{}
	good := CheckName(r.User) == nil && CheckPassword(r.Password) == nil && srv.cfg.Users.Check(r.User, r.Password)
	<-ss.srv.hashing
	var acct *account
	if _, known := srv.cfg.Users.byName[r.User]; known {
		acct = srv.account(r.User)
	}
	if !good {
		ss.fails++
		n := ss.fails
		if acct != nil {
			acct.mu.Lock()
			acct.fails++
			n = max(n, acct.fails)
			acct.mu.Unlock()
		}
		d := srv.cfg.FailDelay << min(n-1, 4)
		// The note names the user but never the password.
		ss.s.Note(lab.Tf("wrong user name or password for %q (failure %d): the answer waits %v, doubling with each failure, so guessing is slow",
			"用户 %q 的用户名或密码错误（第 %d 次）：回复等待 %v，每失败一次加倍，猜密码就很慢", cutS(r.User), n, d))
		if err := srv.cfg.Sleep(ss.s.Context(), d); err != nil {
			return err
		}
		if ss.fails >= srv.cfg.MaxFails {
			ss.reply(Reply{Status: StatusTooMany, Msg: fmt.Sprintf("%d wrong passwords: closing the connection", ss.fails),
				MsgZh: fmt.Sprintf("密码错误 %d 次：关闭连接", ss.fails)})
			ss.closeAfterReply()
			return errQuit
		}
		return ss.refuse(r, StatusLogin, "wrong user name or password", "用户名或密码错误")
	}
	if err := srv.root.Mkdir(r.User, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return ss.refuse(r, StatusServer, "your home folder cannot be made", "无法创建你的主目录")
	}
	home, err := srv.root.OpenRoot(r.User)
	if err != nil {
		ss.s.Note(lab.Tf("the home folder of %s cannot be opened: %v", "无法打开 %s 的主目录：%v", r.User, err))
		return ss.refuse(r, StatusServer, "your home folder cannot be opened", "无法打开你的主目录")
	}
	acct.mu.Lock()
	acct.fails = 0
	if acct.quota == nil {
		used, err := upload.Usage(home)
		if err != nil {
			acct.mu.Unlock()
			home.Close()
			return ss.refuse(r, StatusServer, "your home folder cannot be read", "无法读取你的主目录")
		}
		acct.quota = upload.NewQuota(srv.cfg.Quota, used)
	}
	ss.usage = acct.quota
	acct.mu.Unlock()
	ss.user, ss.home, ss.acct, ss.cwd = r.User, home, acct, ""
	ss.store = upload.New(home, ss.usage)
	ss.s.SetUser(r.User)
	ss.s.Note(lab.Tf("%s logged in: from now on every name is resolved inside %s/%s, opened as an os.Root",
		"%s 已登录：从现在起，每个名字都在 %s/%s 里解析，它用 os.Root 打开", r.User, srv.cfg.Root, r.User))
	return ss.ok(Reply{User: r.User, Path: "/"}, "welcome, "+r.User, "欢迎，"+r.User)
}

// resolve resolves a name of r against the current folder; a refusal has
// already been answered when ok is false.
func (ss *session) resolve(r Request, p string) (rel string, ok bool, err error) {
	rel, rerr := Resolve(ss.cwd, p)
	var ne *NameError
	if errors.As(rerr, &ne) {
		ss.s.Key("refuse-name")
		return "", false, ss.refuse(r, StatusForbidden, ne.Error(), ne.Text(lab.Zh))
	}
	return rel, true, nil
}

// fsError answers an error of the file system for r.
func (ss *session) fsError(r Request, p string, err error) error {
	switch {
	case escapes(err):
		ss.s.Key("refuse-name")
		return ss.refuse(r, StatusForbidden, fmt.Sprintf("%s: %q leads out of your home folder (a link)", ErrForbidden, p),
			fmt.Sprintf("拒绝：%q 指向你的主目录之外（符号链接）", p))
	case errors.Is(err, fs.ErrNotExist):
		return ss.refuse(r, StatusNotFound, fmt.Sprintf("%q: no such file or folder", p), fmt.Sprintf("%q：没有这个文件或文件夹", p))
	case errors.Is(err, fs.ErrExist):
		return ss.refuse(r, StatusConflict, fmt.Sprintf("%q exists already", p), fmt.Sprintf("%q 已经存在", p))
	case errors.Is(err, syscall.ENOTEMPTY):
		return ss.refuse(r, StatusConflict, fmt.Sprintf("%q: the folder is not empty", p), fmt.Sprintf("%q：文件夹不是空的", p))
	case errors.Is(err, syscall.ENOTDIR):
		return ss.refuse(r, StatusConflict, fmt.Sprintf("%q: not a folder", p), fmt.Sprintf("%q：不是文件夹", p))
	}
	ss.s.Note(lab.Tf("%s: %v", "%s：%v", p, err))
	return ss.refuse(r, StatusServer, fmt.Sprintf("%q: the server could not do it", p), fmt.Sprintf("%q：服务端无法完成", p))
}

func (ss *session) pwd(r Request) error {
	return ss.ok(Reply{Path: Show(ss.cwd)}, Show(ss.cwd), Show(ss.cwd))
}

func (ss *session) cd(r Request) error {
	rel, ok, err := ss.resolve(r, r.Path)
	if !ok {
		return err
	}
	info, err := ss.home.Stat(rootPath(rel))
	if err != nil {
		return ss.fsError(r, r.Path, err)
	}
	if !info.IsDir() {
		return ss.refuse(r, StatusConflict, fmt.Sprintf("%q: not a folder", r.Path), fmt.Sprintf("%q：不是文件夹", r.Path))
	}
	ss.cwd = rel
	return ss.ok(Reply{Path: Show(rel)}, Show(rel), Show(rel))
}

func (ss *session) mkdir(r Request) error {
	rel, ok, err := ss.resolve(r, r.Path)
	if !ok {
		return err
	}
	if rel == "" {
		return ss.refuse(r, StatusConflict, "your home folder exists already", "你的主目录已经存在")
	}
	if err := ss.home.Mkdir(rel, 0o700); err != nil {
		return ss.fsError(r, r.Path, err)
	}
	return ss.ok(Reply{Path: Show(rel)}, "made "+Show(rel), "已创建 "+Show(rel))
}

func (ss *session) rm(r Request) error {
	rel, ok, err := ss.resolve(r, r.Path)
	if !ok {
		return err
	}
	if rel == "" {
		return ss.refuse(r, StatusForbidden, "your home folder cannot be removed", "不能删除你的主目录")
	}
	if !ss.lock(rel, true) {
		return ss.busy(r)
	}
	defer ss.unlock(rel)
	info, err := ss.home.Lstat(rel)
	if err != nil {
		return ss.fsError(r, r.Path, err)
	}
	if err := ss.home.Remove(rel); err != nil {
		return ss.fsError(r, r.Path, err)
	}
	if info.Mode().IsRegular() {
		ss.usage.Add(-info.Size())
	}
	return ss.ok(Reply{Path: Show(rel)}, "removed "+Show(rel), "已删除 "+Show(rel))
}

func (ss *session) ls(r Request) error {
	rel := ss.cwd
	if r.Path != "" {
		var ok bool
		var err error
		if rel, ok, err = ss.resolve(r, r.Path); !ok {
			return err
		}
	}
	dir, err := ss.home.Open(rootPath(rel))
	if err != nil {
		return ss.fsError(r, r.Path, err)
	}
	defer dir.Close()
	var entries []Entry
	more := 0
	for { // in batches: a folder of a million names costs one batch of memory
		batch, err := dir.ReadDir(256)
		for _, d := range batch {
			if isPart(d.Name()) {
				continue
			}
			if len(entries) >= MaxListed {
				more++
				continue
			}
			e := Entry{Name: d.Name(), Dir: d.IsDir()}
			if info, err := d.Info(); err == nil && info.Mode().IsRegular() {
				e.Size = info.Size()
			}
			entries = append(entries, e)
		}
		if err == io.EOF || len(batch) == 0 {
			break
		}
		if err != nil {
			if errors.Is(err, syscall.ENOTDIR) {
				return ss.refuse(r, StatusConflict, fmt.Sprintf("%q: not a folder", r.Path), fmt.Sprintf("%q：不是文件夹", r.Path))
			}
			return ss.fsError(r, r.Path, err)
		}
	}
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	en := fmt.Sprintf("%d names in %s", len(entries), Show(rel))
	zh := fmt.Sprintf("%s 里有 %d 个名字", Show(rel), len(entries))
	if more > 0 {
		en += fmt.Sprintf(" (%d more not listed)", more)
		zh += fmt.Sprintf("（另有 %d 个未列出）", more)
	}
	return ss.ok(Reply{Path: Show(rel), Entries: entries, More: more}, en, zh)
}

func (ss *session) quota(r Request) error {
	used := ss.usage.Used()
	lim := ss.usage.Limit()
	en, zh := fmt.Sprintf("%d bytes used, no limit", used), fmt.Sprintf("已用 %d 字节，不限", used)
	if lim > 0 {
		en, zh = fmt.Sprintf("%d of %d bytes used", used, lim), fmt.Sprintf("已用 %d / %d 字节", used, lim)
	}
	return ss.ok(Reply{Used: num(used), Limit: num(lim)}, en, zh)
}

func (ss *session) quit(r Request) error {
	ss.ok(Reply{}, "bye", "再见")
	return errQuit
}

// lock marks rel as being written (put, rm) or read (get): two
// connections of one user never write one file at once, nor read it while
// it is written; reads share it.
func (ss *session) lock(rel string, write bool) bool {
	a := ss.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	n := a.busy[rel] // -1: written; > 0: that many reading
	if n < 0 || write && n > 0 {
		return false
	}
	if write {
		a.busy[rel] = -1
	} else {
		a.busy[rel] = n + 1
	}
	return true
}

func (ss *session) unlock(rel string) {
	a := ss.acct
	a.mu.Lock()
	if n := a.busy[rel]; n > 1 {
		a.busy[rel] = n - 1
	} else {
		delete(a.busy, rel)
	}
	a.mu.Unlock()
}

func (ss *session) busy(r Request) error {
	return ss.refuse(r, StatusConflict, "another connection of yours is using this file", "你的另一个连接正在使用这个文件")
}

// hashes are the two digests the protocol carries.
type hashes struct{ md5, sha hash.Hash }

func newHashes() hashes { return hashes{md5.New(), sha256.New()} }

func (h hashes) Write(p []byte) (int, error) {
	h.md5.Write(p)
	return h.sha.Write(p)
}

func (h hashes) hex() (string, string) {
	return hex.EncodeToString(h.md5.Sum(nil)), hex.EncodeToString(h.sha.Sum(nil))
}

// receive reads exactly n bytes of a body into w, Chunk bytes at most per
// recv(), and never more (the next request may follow).
func receive(c *lab.Conn, w io.Writer, n int64) (int64, error) {
	c.Progress(n)
	defer c.Progress(0)
	buf := make([]byte, min(n, Chunk))
	var got int64
	for got < n {
		k, err := c.Read(buf[:min(int64(len(buf)), n-got)])
		if _, werr := w.Write(buf[:k]); werr != nil {
			return got, werr
		}
		got += int64(k)
		if errors.Is(err, io.EOF) {
			return got, fmt.Errorf("got %d of %d bytes, then the peer closed: %w", got, n, io.ErrUnexpectedEOF)
		}
		if err != nil {
			return got, err
		}
	}
	return got, nil
}

// sendFile sends n bytes of f from its current position, Chunk bytes per
// sendall().
func sendFile(c *lab.Conn, f io.Reader, n int64) error {
	c.Progress(n)
	defer c.Progress(0)
	buf := make([]byte, min(n, Chunk))
	for sent := int64(0); sent < n; {
		k, err := io.ReadFull(f, buf[:min(int64(len(buf)), n-sent)])
		if err != nil {
			return fmt.Errorf("read the file: %w", err)
		}
		if err := c.SendParts(buf[:k], lab.Mark{From: 0, To: k, Label: LabelFile}); err != nil {
			return err
		}
		sent += int64(k)
	}
	return nil
}

// put receives a file through the upload store: the body goes into the
// hidden partial file .NAME.part, which is renamed to NAME only once it is
// whole and its checksums match, so a half-received file is never listed
// or served.
//
// Without "resume" (the seed's put) the body follows the header at once
// and replaces the file; a partial file left from before is dropped, and
// the partial file is removed if the transfer fails. With "resume" the
// client waits: the server answers 100 with the offset it already has (the
// size of .NAME.part), the client sends the rest, and an interrupted
// transfer leaves the partial file for the next try.
func (ss *session) put(r Request) error {
	rel, ok, err := ss.resolve(r, r.FileName)
	if !ok {
		return err
	}
	if rel == "" {
		return ss.refuse(r, StatusConflict, "your home folder is a folder", "你的主目录是文件夹")
	}
	if !ss.lock(rel, true) {
		return ss.busy(r)
	}
	defer ss.unlock(rel)
	// The new file replaces the old one once whole: the old one's bytes
	// are counted until then but do not stop the put.
	u, err := ss.store.Begin(rel, r.FileSize, upload.Options{Replace: true, Resume: r.Resume, Restart: true, MD5: true})
	if err != nil {
		return ss.refuseUpload(r, err)
	}
	defer u.Abort() // does nothing once stored or kept
	if r.Resume {
		if err := ss.sendOffset(r, u); err != nil {
			return err
		}
	}
	ss.s.Step("receive")
	if got, err := receive(ss.c, u, r.FileSize-u.Offset()); err != nil {
		if r.Resume {
			u.Keep()
			ss.s.Note(lab.Tf("the put stopped after %d of %d bytes: %s keeps them for a resumed put",
				"put 在 %d / %d 字节处中断：%s 保留它们，等待续传", u.Offset()+got, r.FileSize, u.Part()))
		}
		return err
	}
	if err := u.Commit(upload.Sums{MD5: r.MD5, SHA256: r.SHA256}); err != nil {
		done := r
		done.FileSize = 0 // the body was read: nothing to drop
		return ss.refuseUpload(done, err)
	}
	sums := u.Sums()
	ss.s.Key("stored")
	return ss.ok(Reply{FileName: r.FileName, FileSize: num(r.FileSize), MD5: sums.MD5, SHA256: sums.SHA256, Used: num(ss.usage.Used())},
		fmt.Sprintf("stored %s, %d bytes", Show(rel), r.FileSize), fmt.Sprintf("已保存 %s，%d 字节", Show(rel), r.FileSize))
}

// sendOffset answers a resumable put with 100 and the offset the partial
// file has reached: the client sends the rest.
func (ss *session) sendOffset(r Request, u *upload.Upload) error {
	have := u.Offset()
	ss.s.Key("offset")
	msg := fmt.Sprintf("send from byte %d", have)
	if err := ss.reply(Reply{Status: StatusContinue, Msg: msg, MsgZh: fmt.Sprintf("从第 %d 字节开始发送", have),
		FileName: r.FileName, Offset: num(have)}); err != nil {
		return err
	}
	if have > 0 {
		ss.s.Note(lab.Tf("%[1]s has %[2]d bytes of %[3]q from an interrupted put: the client sends only the %[4]d after them",
			"%[1]s 已有 %[3]q 的 %[2]d 字节（来自中断的 put）：客户端只需发送其后的 %[4]d 字节", u.Part(), have, r.FileName, r.FileSize-have))
	}
	return nil
}

// refuseUpload answers a put the upload store refused, with the status
// its kind of refusal has in this protocol.
func (ss *session) refuseUpload(r Request, err error) error {
	var ur *upload.Refusal
	if !errors.As(err, &ur) {
		return ss.fsError(r, r.FileName, err)
	}
	switch ur.Kind {
	case upload.KindQuota:
		ss.s.Key("quota")
		return ss.refuse(r, StatusQuota, fmt.Sprintf("quota: %d bytes more would make %d of %d", ur.Need, ur.Used+ur.Need-ur.Freed, ur.Limit),
			fmt.Sprintf("配额：再存 %d 字节就是 %d，超过 %d", ur.Need, ur.Used+ur.Need-ur.Freed, ur.Limit))
	case upload.KindChecksum:
		ss.s.Key("checksum")
		return ss.refuse(r, StatusChecksum, "checksum mismatch: "+ur.En, "校验和不符："+ur.Zh)
	case upload.KindExists, upload.KindBusy, upload.KindNotFile:
		return ss.refuse(r, StatusConflict, ur.En, ur.Zh)
	case upload.KindPartName:
		return ss.refuse(r, StatusForbidden, ur.En, ur.Zh)
	case upload.KindFS:
		if ur.Err != nil {
			return ss.fsError(r, r.FileName, ur.Err)
		}
	}
	ss.s.Note(lab.Text{En: cutS(r.FileName) + ": " + ur.En, Zh: cutS(r.FileName) + "：" + ur.Zh})
	return ss.refuse(r, StatusServer, ur.En, ur.Zh)
}

// get sends a file from "offset" on. The reply carries the whole file's
// size and checksums, so a client that resumes checks the whole file.
func (ss *session) get(r Request) error {
	rel, ok, err := ss.resolve(r, r.FileName)
	if !ok {
		return err
	}
	if !ss.lock(rel, false) {
		return ss.busy(r)
	}
	defer ss.unlock(rel)
	f, err := ss.home.Open(rootPath(rel))
	if err != nil {
		return ss.fsError(r, r.FileName, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return ss.fsError(r, r.FileName, err)
	}
	if !info.Mode().IsRegular() {
		return ss.refuse(r, StatusConflict, fmt.Sprintf("%q is a folder, not a file", r.FileName), fmt.Sprintf("%q 是文件夹，不是文件", r.FileName))
	}
	size := info.Size()
	if r.Offset > size {
		return ss.refuse(r, StatusBad, fmt.Sprintf("offset %d is past the end of %q (%d bytes)", r.Offset, r.FileName, size),
			fmt.Sprintf("偏移 %d 超出了 %q 的末尾（%d 字节）", r.Offset, r.FileName, size))
	}
	h := newHashes()
	if _, err := io.CopyN(h, f, size); err != nil {
		return ss.fsError(r, r.FileName, err)
	}
	if _, err := f.Seek(r.Offset, io.SeekStart); err != nil {
		return ss.fsError(r, r.FileName, err)
	}
	m, sh := h.hex()
	ss.s.Key("send-file")
	en, zh := fmt.Sprintf("%d bytes follow", size-r.Offset), fmt.Sprintf("后面是 %d 字节", size-r.Offset)
	if r.Offset > 0 {
		en += fmt.Sprintf(", from byte %d", r.Offset)
		zh += fmt.Sprintf("，从第 %d 字节开始", r.Offset)
	}
	if err := ss.ok(Reply{FileName: r.FileName, FileSize: num(size), Offset: num(r.Offset), MD5: m, SHA256: sh}, en, zh); err != nil {
		return err
	}
	return sendFile(ss.c, f, size-r.Offset)
}

// ReadHeader reads one framed header: the 4-byte length, checked against
// max, then that many bytes. It returns io.EOF when the peer closed before
// the first byte.
func ReadHeader(c *lab.Conn, max int) ([]byte, error) {
	head, err := c.RecvExactly(LenSize, 0, LabelLength) // head_struct = conn.recv(4)
	if len(head) == 0 && errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("read header length: %w", err)
	}
	n, err := ParseLength(head, max) // head_len = struct.unpack('i', head_struct)[0]
	if err != nil {
		return nil, err
	}
	b, err := c.RecvExactly(n, 0, LabelHeader) // head_json = conn.recv(head_len), but looped until whole
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	return b, nil
}
