# upload-server, reference solution (demo 15, proto=json): the tutorial's
# upload server, made safe.
# Each file comes as struct.pack('i', h), h bytes of UTF-8 JSON
# {"cmd": "put", "filename": ..., "filesize": n}, then n bytes; several
# files may follow on one connection. Files go into uploads/ under the
# working folder, and only there: a name that is not a plain file name
# (empty, "." or "..", a / or \, a drive, a control character such as NUL)
# is refused, and its bytes are read and thrown away so that the next header
# is read in step. A file is written as a hidden .part file and renamed when
# it is whole, so a cut transfer leaves nothing behind. A negative or
# oversized length, or a header that is not JSON, closes that connection,
# never the server. Each file gets a reply framed the same way:
# {"status": "stored", "sha256": ...} or {"status": "refused", "error": ...}.
#
#   python3 ref.py {port}        (or: ref.py {host} {port}, or LAB_HOST / LAB_PORT)
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import uuid

UPLOADS = os.path.join(os.getcwd(), "uploads")
MAX_HEADER = 64 << 10
MAX_FILE = 1 << 30
MAX_NAME = 255


class Protocol(Exception):
    """The stream cannot be read in step any more: close the connection."""


def address():
    args = sys.argv[1:]
    host = args[0] if len(args) >= 2 else os.environ.get("LAB_HOST", "127.0.0.1")
    port = args[-1] if args else os.environ.get("LAB_PORT", "9000")
    return host, int(port)


def unsafe(name):
    """Why name is not a plain file name, or None when it is one."""
    if not isinstance(name, str) or name == "":
        return "empty"
    if name in (".", ".."):
        return "not a file name"
    if "/" in name or "\\" in name:
        return "contains a path separator: only a plain name may be given"
    if len(name) >= 2 and name[1] == ":":
        return "names a drive"
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in name):
        return "contains a control character"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME:
        return "longer than %d bytes" % MAX_NAME
    return None


def recv_exactly(conn, n, eof_ok=False):
    data = bytearray()
    while len(data) < n:
        chunk = conn.recv(min(n - len(data), 65536))
        if not chunk:
            if eof_ok and not data:
                return None                   # a clean end between two files
            raise Protocol("the client closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return bytes(data)


def receive(conn, size, out):
    """Read exactly size bytes into out (a file, or None to discard them)."""
    digest = hashlib.sha256()
    left = size
    while left > 0:
        chunk = conn.recv(min(left, 65536))
        if not chunk:
            raise Protocol("the client closed with %d of %d bytes still to come" % (left, size))
        digest.update(chunk)
        if out is not None:
            out.write(chunk)
        left -= len(chunk)
    return digest.hexdigest()


def reply(conn, fields):
    head = json.dumps(fields, ensure_ascii=False).encode("utf-8")
    conn.sendall(struct.pack("i", len(head)) + head)


def put(conn, header):
    size = header.get("filesize", header.get("datasize"))
    if type(size) is not int or not 0 <= size <= MAX_FILE:
        raise Protocol("filesize %r is not a size from 0 to %d" % (size, MAX_FILE))
    name = header.get("filename")
    why = unsafe(name)
    if why is None and header.get("cmd") != "put":
        why = "unknown command %r" % header.get("cmd")
    if why is not None:
        receive(conn, size, None)             # discard, to stay in step
        print("refused %r: %s" % (name, why))
        reply(conn, {"cmd": header.get("cmd"), "filename": name, "datasize": 0,
                     "status": "refused", "error": "unsafe file name %r: %s" % (name, why)})
        return
    part = os.path.join(UPLOADS, ".upload-%s.part" % uuid.uuid4().hex)
    try:
        with open(part, "xb") as f:
            sha = receive(conn, size, f)
        os.replace(part, os.path.join(UPLOADS, name))
    finally:
        if os.path.exists(part):
            os.remove(part)                   # a cut transfer leaves nothing behind
    print("stored %s (%d bytes)" % (name, size))
    reply(conn, {"cmd": "put", "filename": name, "filesize": size, "datasize": 0,
                 "sha256": sha, "status": "stored"})


def serve(conn, addr):
    try:
        while True:                           # several files per connection
            head = recv_exactly(conn, 4, eof_ok=True)
            if head is None:
                break
            headsize = struct.unpack("i", head)[0]
            if not 0 < headsize <= MAX_HEADER:
                raise Protocol("header length %d" % headsize)
            try:
                header = json.loads(recv_exactly(conn, headsize).decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise Protocol("header is not JSON: %s" % e)
            if not isinstance(header, dict):
                raise Protocol("header is not a JSON object")
            put(conn, header)
    except Protocol as e:
        print("client", addr, "closed:", e)
    except OSError as e:                      # reset, broken pipe
        print("client", addr, "went away:", e)
    finally:
        conn.close()


os.makedirs(UPLOADS, exist_ok=True)
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(address())
server.listen(5)
print("listening on %s:%d, storing into %s" % (server.getsockname() + (UPLOADS,)))
while True:
    conn, addr = server.accept()
    threading.Thread(target=serve, args=(conn, addr), daemon=True).start()
