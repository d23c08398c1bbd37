"""A student's FTP server written from docs/wire-formats.md alone (the
"FTP" section), to show the lab's client needs nothing more: login, ls,
pwd, put (with and without resume), get (with offset), quit. One client,
plain names only, files under the folder given.

usage: ftp_server.py DIR USER PASSWORD
Prints "listening on 127.0.0.1:PORT", serves one connection, then prints
one JSON object: the commands it was sent.
"""
import hashlib
import json
import os
import socket
import struct
import sys

from common import recv_exactly


def send(conn, head):
    b = json.dumps(head).encode("utf-8")
    conn.sendall(struct.pack("<i", len(b)) + b)


def digests(path):
    m, s = hashlib.md5(), hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(65536):
            m.update(chunk)
            s.update(chunk)
    return m.hexdigest(), s.hexdigest()


def main():
    folder, user, password = sys.argv[1:4]
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    print("listening on 127.0.0.1:%d" % srv.getsockname()[1], flush=True)
    conn, _ = srv.accept()
    seen = []
    logged_in = False
    while True:
        raw = conn.recv(4, socket.MSG_WAITALL)
        if len(raw) < 4:
            break
        (n,) = struct.unpack("<i", raw)
        req = json.loads(recv_exactly(conn, n).decode("utf-8"))
        cmd = req.get("cmd")
        seen.append(cmd)
        name = req.get("filename", "")
        if cmd == "login":
            logged_in = req.get("user") == user and req.get("password") == password
            if logged_in:
                send(conn, {"status": 200, "msg": "hi " + user, "user": user, "path": "/"})
            else:
                send(conn, {"status": 401, "msg": "wrong user name or password"})
        elif not logged_in:
            send(conn, {"status": 401, "msg": "log in first"})
        elif cmd == "quit":
            send(conn, {"status": 200, "msg": "bye"})
            break
        elif cmd == "pwd":
            send(conn, {"status": 200, "msg": "/", "path": "/"})
        elif cmd == "ls":
            entries = [{"name": e, "size": os.path.getsize(os.path.join(folder, e))}
                       for e in sorted(os.listdir(folder)) if not e.endswith(".part")]
            send(conn, {"status": 200, "msg": "%d names" % len(entries), "path": "/", "entries": entries})
        elif cmd in ("put", "get") and (name in ("", ".", "..") or "/" in name or "\\" in name):
            send(conn, {"status": 403, "msg": "refused: %r" % name})
            if cmd == "put" and not req.get("resume"):
                recv_exactly(conn, req["filesize"])
        elif cmd == "put":
            size = req["filesize"]
            part = os.path.join(folder, "." + name + ".part")
            have = os.path.getsize(part) if req.get("resume") and os.path.exists(part) else 0
            if req.get("resume"):
                send(conn, {"status": 100, "msg": "send from byte %d" % have, "filename": name, "offset": have})
            with open(part, "ab" if have else "wb") as f:
                left = size - have
                while left:
                    chunk = conn.recv(min(left, 65536))
                    if not chunk:
                        sys.exit("client gone")
                    f.write(chunk)
                    left -= len(chunk)
            md5, sha = digests(part)
            if req.get("sha256", sha) != sha:
                os.remove(part)
                send(conn, {"status": 422, "msg": "checksum mismatch"})
                continue
            os.replace(part, os.path.join(folder, name))
            send(conn, {"status": 200, "msg": "stored", "filename": name, "filesize": size, "md5": md5, "sha256": sha})
        elif cmd == "get":
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                send(conn, {"status": 404, "msg": "no such file"})
                continue
            size, off = os.path.getsize(path), req.get("offset", 0)
            md5, sha = digests(path)
            send(conn, {"status": 200, "msg": "here", "filename": name, "filesize": size, "offset": off,
                        "md5": md5, "sha256": sha})
            with open(path, "rb") as f:
                f.seek(off)
                while chunk := f.read(65536):
                    conn.sendall(chunk)
        else:
            send(conn, {"status": 400, "msg": "unknown command"})
    conn.close()
    print(json.dumps({"seen": seen}))


if __name__ == "__main__":
    main()
