package exercise

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
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
