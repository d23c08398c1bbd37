# bug: socketserver.TCPServer: one connection at a time, so bob waits while alice is connected
# hint: in its own thread
# ftp-server, a buggy program: ref.py with one change.
#
#   python3 bug-serial.py {port}
import base64
import hashlib
import hmac
import json
import os
import socketserver
import struct
import sys

MAX_HEADER = 16384
CHUNK = 65536
USERS = os.environ.get("LAB_FTP_USERS", "users.json")
ROOT = os.path.abspath(os.environ.get("LAB_FTP_ROOT", "ftp-root"))


class Closed(Exception):
    """The client left, or sent what cannot be read in step: close."""


def address():
    args = sys.argv[1:]
    host = args[0] if len(args) >= 2 else os.environ.get("LAB_HOST", "127.0.0.1")
    port = args[-1] if args else os.environ.get("LAB_PORT", "9000")
    return host, int(port)


def b64(s):
    return base64.b64decode(s + "=" * (-len(s) % 4))


def check_password(name, password):
    with open(USERS, encoding="utf-8") as f:
        users = {u["name"]: u["hash"] for u in json.load(f)["users"]}
    if not isinstance(password, str) or name not in users:
        return False
    _, _, cost, salt, key = users[name].split("$")
    c = dict(kv.split("=") for kv in cost.split(","))
    got = hashlib.scrypt(password.encode(), salt=b64(salt), n=2 ** int(c["ln"]), r=int(c["r"]),
                         p=int(c["p"]), maxmem=64 << 20, dklen=len(b64(key)))
    return hmac.compare_digest(got, b64(key))


def recv_exactly(conn, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = conn.recv(min(n - len(buf), CHUNK))
        if not chunk:
            raise Closed("the client left")
        buf += chunk
    return bytes(buf)


def send(conn, reply):
    b = json.dumps(reply).encode("utf-8")
    conn.sendall(struct.pack("<i", len(b)) + b)


def safe_path(home, name):
    """The path of name inside home, or None when it would leave it."""
    if not isinstance(name, str) or name == "" or name.startswith("/") or "\\" in name:
        return None
    if any(ord(ch) < 32 for ch in name) or (len(name) >= 2 and name[1] == ":"):
        return None
    parts = []
    for p in name.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            if not parts:
                return None
            parts.pop()
        elif p.startswith(".") and p.endswith(".part"):
            return None
        else:
            parts.append(p)
    if not parts:
        return None
    path = os.path.realpath(os.path.join(home, *parts))
    return path if path.startswith(home + os.sep) else None


def digests(path):
    m, s = hashlib.md5(), hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            m.update(chunk)
            s.update(chunk)
    return m.hexdigest(), s.hexdigest()


def drop(conn, n):
    while n > 0:
        chunk = conn.recv(min(n, CHUNK))
        if not chunk:
            raise Closed("the client left")
        n -= len(chunk)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.user = None
        conn = self.request
        try:
            while True:
                head = conn.recv(4)
                if not head:
                    return
                head += recv_exactly(conn, 4 - len(head))
                (n,) = struct.unpack("<i", head)
                if n <= 0 or n > MAX_HEADER:
                    send(conn, {"status": 400, "msg": "bad header length %d" % n})
                    return
                try:
                    req = json.loads(recv_exactly(conn, n).decode("utf-8"))
                    cmd = req["cmd"]
                except (ValueError, KeyError, TypeError):
                    send(conn, {"status": 400, "msg": "not a JSON request with a cmd"})
                    return
                run = COMMANDS.get(cmd)
                if run is None:
                    send(conn, {"status": 400, "msg": "unknown command"})
                    return
                if cmd not in ("login", "quit") and self.user is None:
                    if cmd == "put" and not req.get("resume"):
                        drop(conn, int(req.get("filesize", 0)))
                    send(conn, {"status": 401, "msg": "log in first"})
                    continue
                if run(self, conn, req) == "quit":
                    return
        except (Closed, ConnectionError):
            return

    def login(self, conn, req):
        name = req.get("user")
        if isinstance(name, str) and check_password(name, req.get("password")):
            os.makedirs(os.path.join(ROOT, name), exist_ok=True)
            self.user, self.home = name, os.path.realpath(os.path.join(ROOT, name))
            send(conn, {"status": 200, "msg": "welcome, " + name, "user": name, "path": "/"})
        else:
            self.user = None
            send(conn, {"status": 401, "msg": "wrong user name or password"})

    def ls(self, conn, req):
        entries = [{"name": e, "size": os.path.getsize(os.path.join(self.home, e))}
                   for e in sorted(os.listdir(self.home)) if not e.endswith(".part")]
        send(conn, {"status": 200, "msg": "%d names" % len(entries), "path": "/", "entries": entries})

    def pwd(self, conn, req):
        send(conn, {"status": 200, "msg": "/", "path": "/"})

    def quit(self, conn, req):
        send(conn, {"status": 200, "msg": "bye"})
        return "quit"

    def put(self, conn, req):
        name, size, resume = req.get("filename"), int(req["filesize"]), bool(req.get("resume"))
        path = safe_path(self.home, name)
        if path is None or size < 0:
            if not resume:
                drop(conn, size)
            send(conn, {"status": 403, "msg": "refused: %r" % (name,)})
            return
        part = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".part")
        have = os.path.getsize(part) if resume and os.path.exists(part) else 0
        if have > size:
            os.remove(part)
            have = 0
        if resume:
            send(conn, {"status": 100, "msg": "send from byte %d" % have, "filename": name, "offset": have})
        try:
            with open(part, "ab" if have else "wb") as f:
                left = size - have
                while left:
                    chunk = conn.recv(min(left, CHUNK))
                    if not chunk:
                        raise Closed("cut")
                    f.write(chunk)
                    left -= len(chunk)
        except (Closed, ConnectionError):
            if not resume:
                os.remove(part)
            raise
        md5, sha = digests(part)
        if req.get("md5", md5).lower() != md5 or req.get("sha256", sha).lower() != sha:
            os.remove(part)
            send(conn, {"status": 422, "msg": "checksum mismatch"})
            return
        os.replace(part, path)
        send(conn, {"status": 200, "msg": "stored", "filename": name, "filesize": size, "md5": md5, "sha256": sha})

    def get(self, conn, req):
        name, off = req.get("filename"), int(req.get("offset", 0))
        path = safe_path(self.home, name)
        if path is None:
            send(conn, {"status": 403, "msg": "refused: %r" % (name,)})
            return
        if not os.path.isfile(path):
            send(conn, {"status": 404, "msg": "no such file"})
            return
        size = os.path.getsize(path)
        off = max(0, min(off, size))
        md5, sha = digests(path)
        send(conn, {"status": 200, "msg": "%d bytes follow" % (size - off), "filename": name,
                    "filesize": size, "offset": off, "md5": md5, "sha256": sha})
        with open(path, "rb") as f:
            f.seek(off)
            while chunk := f.read(CHUNK):
                conn.sendall(chunk)


COMMANDS = {"login": Handler.login, "ls": Handler.ls, "pwd": Handler.pwd, "quit": Handler.quit,
            "put": Handler.put, "get": Handler.get}


class Server(socketserver.TCPServer):  # the bug: no thread per connection
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    with Server(address(), Handler) as server:
        print("ftp-server: serving %s on %s:%d" % (ROOT, *server.server_address), flush=True)
        server.serve_forever()
