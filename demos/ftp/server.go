package ftp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
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
	hashing  chan struct{} // one scrypt at a time: each costs 16 MiB (the old cost 32 MiB)
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
