package exercise

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"socketlab/demos/ftp"
	"socketlab/lab"
)

// ftp-server (demo 18, `lab ftp`): the seeds' homework, a multi-user FTP
// server on the protocol of docs/wire-formats.md ("FTP"), graded by the
// lab's own client code (demos/ftp.Client) on traced connections.
//
// Before the program starts, the lab makes a folder of its own inside the
// program's working folder (.lab-ftp-server-*, removed afterwards) with a
// users file in `lab ftp adduser`'s format (users.json: salted scrypt
// hashes, cheap ones so that a Python server logs in quickly) and an empty
// served folder root/. The program finds them in LAB_FTP_USERS and
// LAB_FTP_ROOT (or {users} and {root} in its command). Every hostile name
// the lab sends lands, on a vulnerable server, inside that folder: the lab
// looks for what it wrote there and removes it.

// ftpUsers are the two users of the check; their passwords are derived
// from the check's folder (ftpPassword), new each check.
var ftpUsers = []string{"alice", "bob"}

// ftpHashCost is the scrypt cost of the check's users file: 1 MiB and a
// few milliseconds a hash, in Python too (lab ftp adduser writes ln=14,
// r=8, p=5; the program must read the cost from each hash).
var ftpHashCost = ftp.Params{LogN: 10, R: 8, P: 1}

const (
	ftpBigSize    = 32 << 20 // the big case's file
	ftpResumeSize = 4 << 20  // the resume case's file; half is sent before the cut
	ftpPause      = 5 * time.Second
)

func ftpPassword(work, user string) string {
	h := sha256.Sum256([]byte("lab check ftp-server\x00" + work + "\x00" + user))
	return user + "-" + hex.EncodeToString(h[:6])
}

// ftpSetup writes the users file and makes the served folder.
func ftpSetup(work string) ([]Var, error) {
	users := filepath.Join(work, "users.json")
	root := filepath.Join(work, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		return nil, err
	}
	for _, u := range ftpUsers {
		if _, err := ftp.AddUser(users, u, ftpPassword(work, u), ftpHashCost); err != nil {
			return nil, err
		}
	}
	return []Var{{Name: "users", Env: "LAB_FTP_USERS", Value: users}, {Name: "root", Env: "LAB_FTP_ROOT", Value: root}}, nil
}

func ftpServer() Exercise {
	return Exercise{
		Slug: "ftp-server", Role: Server, Demo: 18, Proto: "tcp",
		Title:     lab.T("the seeds' homework: a multi-user FTP server", "种子的作业：多用户在线的 FTP 服务端"),
		Task:      ftpTask,
		Setup:     ftpSetup,
		PyStarter: ftpPyStarter,
		Cases: []Case{
			{ID: "login", Name: lab.T("alice logs in with her password, then ls", "alice 用她的密码登录，然后 ls"),
				Hint: lab.T(`read users.json from LAB_FTP_USERS, find the user's "hash" and compare hashlib.scrypt(password, salt, n=2**ln, r, p, dklen) with its key (hmac.compare_digest); answer {"status": 200, "msg": …}; then ls answers 200 with "entries"`,
					`从 LAB_FTP_USERS 读 users.json，找到这个用户的 "hash"，把 hashlib.scrypt(password, salt, n=2**ln, r, p, dklen) 和其中的 key 比较（hmac.compare_digest）；回答 {"status": 200, "msg": …}；然后 ls 回答 200 和 "entries"`),
				Client: ftpLogin},
			{ID: "wrong-password", Name: lab.T("ls before login, bob with a wrong password, an unknown user, then bob's right password", "登录前 ls、bob 用错密码、一个不存在的用户，然后 bob 用对的密码"),
				Hint: lab.T("check the password, not only the name: a wrong password or an unknown user gets 401 and stays logged out; every command but login needs a login first (401)",
					"要检查密码，而不只是用户名：错误的密码或不存在的用户得到 401，并且仍然没有登录；除 login 以外的每个命令都要先登录（401）"),
				Client: ftpWrongPassword},
			{ID: "two-users", Name: lab.T("alice and bob logged in at once, each puts a file; each ls sees only their own", "alice 和 bob 同时登录，各 put 一个文件；每人 ls 只看到自己的"),
				Hint: lab.T("serve each connection in its own thread (socketserver.ThreadingTCPServer), and give each user their own folder ROOT/<name>: every path is joined to the home of the user logged in on that connection",
					"每个连接用自己的线程服务（socketserver.ThreadingTCPServer），并给每个用户自己的文件夹 ROOT/<用户名>：每个路径都拼到这个连接上已登录用户的主目录下"),
				Client: ftpTwoUsers},
			{ID: "traversal", Name: lab.T(`put "../x", "../../x", an absolute name and a NUL; get "../bob/…": all refused, nothing written outside`, `put "../x"、"../../x"、一个绝对路径和一个 NUL；get "../bob/…"：全部拒绝，外面什么也没写`),
				Hint: lab.T(`refuse (403) a name that is absolute, climbs above the home with "..", or holds "\" or a NUL, before you open anything; for a refused put still read and drop its filesize bytes, so the next header is found`,
					`在打开任何文件之前，拒绝（403）绝对路径、用 ".." 越过主目录、含 "\" 或 NUL 的名字；被拒绝的 put 仍要读掉并丢弃它的 filesize 个字节，这样才能找到下一个报头`),
				Client: ftpTraversal},
			{ID: "big", Name: lab.T("a 32 MiB put, md5 and sha256 checked, then get it back", "put 一个 32 MiB 的文件，检查 md5 和 sha256，再 get 回来"),
				Hint: lab.T("move the body in pieces (recv(65536) until filesize bytes; read and sendall 64 KiB at a time) and update hashlib.md5() and hashlib.sha256() with each piece: the reply's md5 and sha256 are the whole file's",
					"分块传送文件体（recv(65536) 直到 filesize 个字节；每次读 64 KiB 再 sendall），每一块都 update 进 hashlib.md5() 和 hashlib.sha256()：回复里的 md5 和 sha256 是整个文件的"),
				Client: ftpBig},
			{ID: "resume", Name: lab.T(`a put with "resume": true cut half way (the socket closed), put again: 100 with the offset; then get from an offset`, `带 "resume": true 的 put 在一半时断开（套接字关闭），再 put：100 和 offset；然后从一个 offset 开始 get`),
				Hint: lab.T(`断点续传: keep what arrived of a cut resumable put (a hidden .NAME.part), answer the next resumable put with {"status": 100, "offset": <its size>}, append the rest and hash the whole file; a get with "offset" sends the file from that byte`,
					`断点续传：被打断的可续传 put 收到的部分要留着（隐藏的 .NAME.part），下一次可续传的 put 回答 {"status": 100, "offset": <它的大小>}，接着追加剩下的并对整个文件算校验和；带 "offset" 的 get 从那个字节开始发送文件`),
				Client: ftpResume},
			{ID: "bad-header", Name: lab.T("a 2 GiB length (negative as 'i'), 2 GiB − 1, a {\"cmd\": \"__init__\"}; then a new client", "2 GiB 的长度（按 'i' 是负数）、2 GiB − 1、一个 {\"cmd\": \"__init__\"}；然后来一个新客户端"),
				Hint: lab.T("check the 4-byte length before reading: 0, negative or over 16384 gets a framed 400 and a close; a recv() that returns b'' means the client left (if not data: break); look commands up in a fixed table, never getattr(self, cmd)",
					"读之前先检查 4 字节长度：0、负数或超过 16384 就回一个带报头的 400 并关闭；recv() 返回 b'' 表示客户端走了（if not data: break）；命令在固定的表里查，绝不用 getattr(self, cmd)"),
				Client: ftpBadHeader},
		},
	}
}

var ftpTask = lab.T(`Write the seeds' homework, a multi-user FTP server, on the protocol of
docs/wire-formats.md ("FTP"; lab help ftp; lesson 18): listen on TCP port
LAB_PORT ({port}) and serve every connection at once, in its own thread
(socketserver.ThreadingTCPServer). Every message, both ways, is a 4-byte
struct.pack('<i', h) length, h bytes of a UTF-8 JSON object, then a body for
a put request and a get reply only. Requests: {"cmd": "login", "user",
"password"}, "ls", "pwd", "put" (filename, filesize, optional resume, md5,
sha256), "get" (filename, optional offset), "quit"; replies {"status": …,
"msg": …} with 200 done, 100 go on, 400 bad request, 401 log in first / wrong
password, 403 refused name, 404 not found, 422 checksum mismatch. cd, mkdir,
rm and quota are optional (the lab does not check them).

Users: the lab writes a users file in lab ftp adduser's format and gives its
path in LAB_FTP_USERS ({users}); serve the files under LAB_FTP_ROOT ({root}),
each user in their own folder ROOT/<name> (make it at login). The file keeps
only salted scrypt hashes:
  {"version": 1, "users": [{"name": "alice", "hash": "$scrypt$ln=10,r=8,p=1$<salt>$<key>"}]}
salt and key in base64 without "=" padding; read the cost from each hash:
  _, _, cost, salt, key = h.split("$"); c = dict(kv.split("=") for kv in cost.split(","))
  b64 = lambda s: base64.b64decode(s + "=" * (-len(s) % 4))
  ok = hmac.compare_digest(hashlib.scrypt(password.encode(), salt=b64(salt), n=2 ** int(c["ln"]),
           r=int(c["r"]), p=int(c["p"]), maxmem=64 << 20, dklen=len(b64(key))), b64(key))
To try it by hand: lab ftp adduser --users users.json alice, then
LAB_FTP_USERS=users.json python3 ftp_server.py 9000 and lab ftp client --connect 127.0.0.1:9000.

Names are relative to the user's folder: refuse (403) an absolute one, ".."
above the home, "\" or a NUL. A put without "resume" has its body right after
the header (the seed's); reply 200 with "filesize", "md5" and "sha256" of the
stored file. A put with "resume": true first gets {"status": 100, "offset": k},
k the bytes kept from an earlier cut put of that name, then the rest. A get
reply carries "filesize", "offset", "md5", "sha256" (whole file), then the
bytes from offset. A bad length (0, negative, over 16384) gets a framed 400
and a close, never the server's end.

  lab sends  37 00 00 00  {"cmd": "login", "user": "alice", "password": "…"}
  you send   28 00 00 00  {"status": 200, "msg": "welcome, alice"}
  lab sends  32 00 00 00  {"cmd": "put", "filesize": 5, "filename": "a.txt"}  68 65 6c 6c 6f
  you send   …           {"status": 200, "msg": "stored", "filename": "a.txt", "filesize": 5,
                          "md5": "5d41402a…", "sha256": "2cf24dba…"}   and ROOT/alice/a.txt = "hello"`,
	`写出种子的作业：多用户在线的 FTP 服务端，用 docs/wire-formats.md 的协议（"FTP" 一节；lab help ftp；
第 18 课）：在 TCP 端口 LAB_PORT（{port}）上监听，同时服务每个连接，各用自己的线程
（socketserver.ThreadingTCPServer）。每条消息，两个方向都是：4 字节 struct.pack('<i', h) 长度，
h 个字节的 UTF-8 JSON 对象，然后只有 put 请求和 get 回复带文件体。请求：{"cmd": "login", "user",
"password"}、"ls"、"pwd"、"put"（filename、filesize，可选 resume、md5、sha256）、"get"（filename，
可选 offset）、"quit"；回复 {"status": …, "msg": …}：200 完成、100 继续、400 错误的请求、
401 请先登录 / 密码错误、403 名字被拒绝、404 不存在、422 校验和不符。cd、mkdir、rm 和 quota
可做可不做（实验台不检查它们）。

用户：实验台按 lab ftp adduser 的格式写一个用户文件，路径放在 LAB_FTP_USERS（{users}）里；
服务 LAB_FTP_ROOT（{root}）下的文件，每个用户用自己的文件夹 ROOT/<用户名>（登录时创建）。
这个文件只保存加盐的 scrypt 哈希：
  {"version": 1, "users": [{"name": "alice", "hash": "$scrypt$ln=10,r=8,p=1$<salt>$<key>"}]}
salt 和 key 是去掉 "=" 填充的 base64；代价参数从每个哈希里读：
  _, _, cost, salt, key = h.split("$"); c = dict(kv.split("=") for kv in cost.split(","))
  b64 = lambda s: base64.b64decode(s + "=" * (-len(s) % 4))
  ok = hmac.compare_digest(hashlib.scrypt(password.encode(), salt=b64(salt), n=2 ** int(c["ln"]),
           r=int(c["r"]), p=int(c["p"]), maxmem=64 << 20, dklen=len(b64(key))), b64(key))
手动试一试：lab ftp adduser --users users.json alice，然后
LAB_FTP_USERS=users.json python3 ftp_server.py 9000，再 lab ftp client --connect 127.0.0.1:9000。

名字都相对于用户的文件夹：拒绝（403）绝对路径、越过主目录的 ".."、"\" 或 NUL。不带 "resume"
的 put（种子的写法）文件体紧跟在报头后面；回复 200，带上存下的文件的 "filesize"、"md5" 和
"sha256"。带 "resume": true 的 put 先得到 {"status": 100, "offset": k}，k 是之前被打断的同名 put
留下的字节数，然后收剩下的部分。get 的回复带 "filesize"、"offset"、"md5"、"sha256"（整个文件的），
然后是从 offset 开始的字节。错误的长度（0、负数、超过 16384）回一个带报头的 400 并关闭连接，
绝不结束服务端。

  实验台发送  37 00 00 00  {"cmd": "login", "user": "alice", "password": "…"}
  你发送      28 00 00 00  {"status": 200, "msg": "welcome, alice"}
  实验台发送  32 00 00 00  {"cmd": "put", "filesize": 5, "filename": "a.txt"}  68 65 6c 6c 6f
  你发送      …           {"status": 200, "msg": "stored", "filename": "a.txt", "filesize": 5,
                          "md5": "5d41402a…", "sha256": "2cf24dba…"}   并且 ROOT/alice/a.txt = "hello"`)

// ftpPyStarter is the Python starter's body: the users file read, the
// framing written, the commands left to the learner.
const ftpPyStarter = `import base64
import hashlib
import hmac
import json
import os
import socketserver
import struct
import sys

# {port}, or {host} {port}, or LAB_HOST / LAB_PORT: how lab check says where.
args = sys.argv[1:]
HOST = args[0] if len(args) >= 2 else os.environ.get("LAB_HOST", "127.0.0.1")
PORT = int(args[-1]) if args else int(os.environ.get("LAB_PORT", "9000"))
USERS = os.environ.get("LAB_FTP_USERS", "users.json")  # lab ftp adduser --users users.json NAME
ROOT = os.environ.get("LAB_FTP_ROOT", "ftp-root")


def b64(s):
    return base64.b64decode(s + "=" * (-len(s) % 4))


def check_password(name, password):
    with open(USERS, encoding="utf-8") as f:
        users = {u["name"]: u["hash"] for u in json.load(f)["users"]}
    if name not in users:
        return False
    _, _, cost, salt, key = users[name].split("$")
    c = dict(kv.split("=") for kv in cost.split(","))
    got = hashlib.scrypt(password.encode(), salt=b64(salt), n=2 ** int(c["ln"]), r=int(c["r"]),
                         p=int(c["p"]), maxmem=64 << 20, dklen=len(b64(key)))
    return hmac.compare_digest(got, b64(key))


def send(conn, reply):
    b = json.dumps(reply).encode("utf-8")
    conn.sendall(struct.pack("<i", len(b)) + b)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        conn = self.request
        # TODO: the communication loop, as the statement above says: read the
        # 4-byte length (check it), the JSON header, then run the command from
        # a fixed table (login, ls, pwd, put, get, quit).


socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer.daemon_threads = True
with socketserver.ThreadingTCPServer((HOST, PORT), Handler) as server:
    print("serving", ROOT, "on", PORT, flush=True)
    server.serve_forever()
`

// --- the lab's side ----------------------------------------------------

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
	mh, sh := md5.New(), sha256.New()
	want := *rep.FileSize - off
	cl.C.Progress(want)
	n, err = io.CopyBuffer(io.MultiWriter(mh, sh), io.LimitReader(cl.C, want), make([]byte, ftp.Chunk))
	cl.C.Progress(0)
	if err == nil && n < want {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return rep, n, "", "", fail(join(what, lab.Tf("%d of %d bytes arrived (%v)", "收到 %d / %d 字节（%v）", n, want, err)))
	}
	return rep, n, hexSum(mh), hexSum(sh), nil
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// token is a random-looking word for the names of one case, new each check.
func (f *ftpT) token(what string) string {
	h := sha256.Sum256([]byte(f.Work + "\x00" + what))
	return hex.EncodeToString(h[:5])
}

// --- the cases -----------------------------------------------------------

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
	body := []byte("the lab was here\n")
	puts := []string{"../lab-check-" + tok + "-up.txt", "../../lab-check-" + tok + "-up2.txt",
		filepath.Join(t.Work, "lab-check-"+tok+"-abs.txt"), "lab-check-" + tok + "\x00.txt"}
	gets := []string{"../bob/" + bobs, labs}
	refusal := lab.T(`refuse (403) an absolute name, ".." above the home, "\" or a NUL before you open anything, and for a refused put read and drop its filesize bytes`,
		`在打开任何文件之前拒绝（403）绝对路径、越过主目录的 ".."、"\" 或 NUL，被拒绝的 put 要读掉并丢弃它的 filesize 个字节`)
	outside := func() error { // anything the lab's names made outside alice's folder
		var found []string
		filepath.WalkDir(t.Work, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.Contains(d.Name(), "lab-check-"+tok) && !strings.HasPrefix(p, f.home("alice")+string(filepath.Separator)) {
				found = append(found, p)
			}
			return nil
		})
		for _, p := range found {
			os.Remove(p)
		}
		if len(found) > 0 {
			rel, _ := filepath.Rel(t.Work, found[0])
			return failHint(lab.Tf("your server wrote %s, outside alice's folder (the lab removed it)", "你的服务端写出了 %s，在 alice 的文件夹之外（实验台已把它删除）", rel),
				lab.T(`never join the client's name to the folder as it came: os.path.join(home, "/x") is "/x" and "../x" climbs out; refuse (403) absolute names and ".." above the home`,
					`绝不要把客户端给的名字原样拼到文件夹上：os.path.join(home, "/x") 就是 "/x"，"../x" 会爬出去；拒绝（403）绝对路径和越过主目录的 ".."`))
		}
		return nil
	}
	for _, name := range puts {
		what := lab.Tf("put %q: ", "put %q：", name)
		m, s := sums(body)
		_, err := cl.PutFrom(bytes.NewReader(body), int64(len(body)), ftp.Request{FileName: name, MD5: m, SHA256: s})
		var re *ftp.ReplyError
		switch {
		case errors.As(err, &re) && re.Reply.Status >= 400 && re.Reply.Status < 500:
			continue
		case err == nil:
			if e := outside(); e != nil {
				return e
			}
			return failHint(join(what, lab.T("answered 200: the name leaves alice's folder", "回答了 200：这个名字会离开 alice 的文件夹")), refusal)
		default:
			if e := outside(); e != nil {
				return e
			}
			return failHint(ftpFail(what, err).(*Mismatch).What, refusal)
		}
	}
	if err := outside(); err != nil {
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

func ftpBig(t *T) error {
	f := newFTP(t)
	cl, err := f.login("alice")
	if err != nil {
		return err
	}
	defer cl.C.Close()
	data := letters(ftpBigSize)
	m, s := sums(data)
	if err := put(cl, "alice", "big.bin", data); err != nil {
		return err
	}
	if err := f.stored("alice", "big.bin", data); err != nil {
		return err
	}
	rep, n, gm, gs, err := get(cl, "alice", "big.bin", 0)
	if err != nil {
		return err
	}
	wholeHint := lab.T("hash the whole file (hashlib.md5() and hashlib.sha256() updated with each 64 KiB piece) and send it all: read and sendall a piece at a time until filesize bytes",
		"对整个文件算校验和（每块 64 KiB 都 update 进 hashlib.md5() 和 hashlib.sha256()），并把它全部发出：一块一块地读、sendall，直到 filesize 个字节")
	switch {
	case *rep.FileSize != ftpBigSize || n != ftpBigSize || gs != s || gm != m:
		return failHint(lab.Tf("get big.bin: %d bytes arrived, filesize %d, sha256 %s (sent %s)", "get big.bin：收到 %d 字节，filesize %d，sha256 %s（发送的是 %s）", n, *rep.FileSize, gs, s), wholeHint)
	case !strings.EqualFold(rep.SHA256, s) || !strings.EqualFold(rep.MD5, m):
		return failHint(lab.Tf("get big.bin: the reply says md5 %q sha256 %q, the file has md5 %s sha256 %s", "get big.bin：回复说 md5 %q sha256 %q，文件的是 md5 %s sha256 %s", rep.MD5, rep.SHA256, m, s), wholeHint)
	}
	return quit(cl)
}

func ftpResume(t *T) error {
	f := newFTP(t)
	data := letters(ftpResumeSize)[1000:] // not the big case's bytes
	half := int64(len(data) / 2)
	m, s := sums(data)
	req := ftp.Request{Cmd: "put", FileName: "resume.bin", FileSize: int64(len(data)), Resume: true, MD5: m, SHA256: s}
	offset := func(cl *ftp.Client, try string) (int64, error) {
		what := lab.Text{En: fmt.Sprintf("the %s resumable put: ", try),
			Zh: fmt.Sprintf("第%s次可续传的 put：", map[string]string{"first": "一", "second": "二"}[try])}
		rep, err := cl.Do(req)
		switch {
		case err != nil:
			return 0, ftpFail(what, err)
		case rep.Status != ftp.StatusContinue || rep.Offset == nil:
			return 0, fail(join(what, lab.Tf(`answered %d %q, not {"status": 100, "offset": …} before the body`, `回答的是 %d %q，不是文件体之前的 {"status": 100, "offset": …}`, rep.Status, rep.Msg)))
		}
		return *rep.Offset, nil
	}
	cl, err := f.login("alice")
	if err != nil {
		return err
	}
	off, err := offset(cl, "first")
	if err != nil {
		cl.C.Close()
		return err
	}
	if off != 0 {
		cl.C.Close()
		return fail(lab.Tf("the first resumable put of a new name was told offset %d, not 0", "一个新名字的第一次可续传 put 得到的 offset 是 %d，不是 0", off))
	}
	// Half the file, then the cut: a FIN, as a client that dies sends.
	if err := cl.C.SendAll(data[:half]); err != nil {
		cl.C.Close()
		return ftpFail(lab.T("the first half: ", "前一半："), err)
	}
	waitRead(cl.C)
	cl.C.CloseWrite()
	waitClosed(cl.C, ftpPause) // the server has seen the end of that put
	cl.C.Close()

	if cl, err = f.login("alice"); err != nil {
		return err
	}
	defer cl.C.Close()
	if off, err = offset(cl, "second"); err != nil {
		return err
	}
	if off != half {
		return failHint(lab.Tf("after the cut, the second resumable put was told offset %d, but %d bytes had arrived", "断开之后，第二次可续传的 put 得到的 offset 是 %d，可是已经到了 %d 个字节", off, half),
			lab.T(`断点续传: when the connection breaks in a resumable put, keep the partial file (e.g. .resume.bin.part) and answer the next put of that name with {"status": 100, "offset": <its size>}`,
				`断点续传：可续传的 put 中途连接断开时，保留部分文件（例如 .resume.bin.part），下一次同名 put 回答 {"status": 100, "offset": <它的大小>}`))
	}
	cl.C.Progress(int64(len(data)) - off)
	err = cl.C.SendAll(data[off:])
	cl.C.Progress(0)
	if err != nil {
		return ftpFail(lab.T("the rest of the file: ", "文件剩下的部分："), err)
	}
	rep, err := cl.ReadReply()
	switch {
	case err != nil:
		return ftpFail(lab.T("the resumed put: ", "续传的 put："), err)
	case rep.Status != ftp.StatusOK:
		return fail(lab.Tf("the resumed put was answered %d %q, not 200", "续传的 put 得到的回答是 %d %q，不是 200", rep.Status, rep.Msg))
	case !strings.EqualFold(rep.SHA256, s) || !strings.EqualFold(rep.MD5, m):
		return failHint(lab.Tf("the resumed put's reply says md5 %q sha256 %q; the whole file has md5 %s sha256 %s", "续传的 put 的回复说 md5 %q sha256 %q；整个文件的是 md5 %s sha256 %s", rep.MD5, rep.SHA256, m, s),
			lab.T("hash the whole file, the part kept and the rest together (read the partial file through the hashes first), not only the bytes of this connection",
				"对整个文件算校验和，保留的部分和剩下的部分一起（先把部分文件读一遍喂给哈希），而不只是这个连接收到的字节"))
	}
	if err := f.stored("alice", "resume.bin", data); err != nil {
		return err
	}
	from := int64(len(data)) - 12345
	grep, n, _, _, err := get(cl, "alice", "resume.bin", from)
	if err != nil {
		return err
	}
	if n != int64(len(data))-from || !strings.EqualFold(grep.SHA256, s) {
		return fail(lab.Tf("get resume.bin from byte %d: %d bytes, sha256 %q (whole file: %s)", "从第 %d 字节 get resume.bin：%d 字节，sha256 %q（整个文件：%s）", from, n, grep.SHA256, s))
	}
	return quit(cl)
}

// waitClosed reads until the program closes its end (or d passes).
func waitClosed(c *lab.Conn, d time.Duration) bool {
	defer c.Paced(lab.Pace{Total: d, What: lab.T("the close", "关闭")})()
	for {
		b, err := c.Recv(64 << 10)
		if err != nil || len(b) == 0 {
			return err == nil || errors.Is(err, io.EOF) || lab.Classify(err) == lab.ClassReset
		}
	}
}

func ftpBadHeader(t *T) error {
	f := newFTP(t)
	bad := []struct {
		what lab.Text
		b    []byte
	}{
		{lab.T("the length 00 00 00 80 (2 GiB, -2147483648 as 'i')", "长度 00 00 00 80（2 GiB，按 'i' 是 -2147483648）"), []byte{0, 0, 0, 0x80}},
		{lab.T("the length ff ff ff 7f (2 GiB − 1) and no header", "长度 ff ff ff 7f（2 GiB − 1），后面没有报头"), binary.LittleEndian.AppendUint32(nil, 0x7fffffff)},
		{lab.T(`{"cmd": "__init__"}`, `{"cmd": "__init__"}`), ftp.AppendRequest(nil, ftp.Request{Cmd: "__init__"})},
	}
	for _, x := range bad {
		cl, err := f.connect()
		if err != nil {
			return afterOther(err)
		}
		cl.C.SendAll(x.b)
		cl.C.CloseWrite()
		done := cl.C.Paced(lab.Pace{Total: ftpPause, What: lab.T("the reply or the close", "回复或关闭")})
		rep, err := cl.ReadReply()
		done()
		var ce *ftp.Error
		switch {
		case err == nil && (rep.Status < 400 || rep.Status >= 500):
			cl.C.Close()
			return fail(join(x.what, lab.Tf(": answered %d %q, not 400", "：回答的是 %d %q，不是 400", rep.Status, rep.Msg)))
		case err == nil, errors.As(err, &ce), lab.Classify(err) == lab.ClassReset: // a framed 400, or a close
		case lab.Classify(err) == lab.ClassTimeout:
			cl.C.Close()
			return fail(join(x.what, lab.Tf(": in %v your server neither answered nor closed the connection, though the lab had closed its side", "：%v 内你的服务端既没有回答也没有关闭连接，尽管实验台已经关闭了自己这一端", ftpPause)))
		default:
			cl.C.Close()
			return fail(join(x.what, lab.Tf(": the answer is not a framed reply (%v)", "：回答不是带报头的回复（%v）", err)))
		}
		if err == nil && !waitClosed(cl.C, ftpPause) {
			cl.C.Close()
			return fail(join(x.what, lab.Tf(": your server answered but did not close the connection within %v", "：你的服务端回答了，但 %v 内没有关闭连接", ftpPause)))
		}
		cl.C.Close()
	}
	cl, err := f.login("alice")
	if err != nil {
		return afterOther(err)
	}
	defer cl.C.Close()
	if _, err := names(cl, "alice"); err != nil {
		return afterOther(err)
	}
	return quit(cl)
}
