# http-server, reference solution (demo 16): HTTP/1.1 by hand on a socket.
# A request's head is lines ending in \r\n, and an empty line ends it: read
# until that empty line, however the bytes are cut, and keep what follows for
# the next request. Answer GET / with 200 and "hello, 你好\n", any other path
# with 404; the body's length goes in Content-Length, counted in bytes (the
# body is UTF-8: 14 bytes, 10 characters). The connection stays open for the
# next request unless the client says "Connection: close" (or speaks
# HTTP/1.0). A thread per client.
#
#   python3 ref.py {port}        (or: ref.py {host} {port}, or LAB_HOST / LAB_PORT)
import os
import socket
import sys
import threading

HELLO = "hello, 你好\n".encode("utf-8")
NOT_FOUND = "not found\n".encode("utf-8")
MAX_HEAD = 16 << 10
MAX_BODY = 1 << 20


def address():
    args = sys.argv[1:]
    host = args[0] if len(args) >= 2 else os.environ.get("LAB_HOST", "127.0.0.1")
    port = args[-1] if args else os.environ.get("LAB_PORT", "9000")
    return host, int(port)


def response(status, body, close, head_only=False):
    lines = ["HTTP/1.1 " + status,
             "Content-Type: text/plain; charset=utf-8",
             "Content-Length: %d" % len(body)]          # bytes, not characters
    if close:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")
    return head if head_only else head + body


def end_of_head(buf):
    """Where the empty line ends, and its length; (-1, 0) when not yet."""
    i = buf.find(b"\r\n\r\n")
    if i >= 0:
        return i, 4
    i = buf.find(b"\n\n")                      # a lenient reader also takes bare \n
    return (i, 2) if i >= 0 else (-1, 0)


def talk(conn):
    buf = b""
    while True:
        end, skip = end_of_head(buf)
        while end < 0:                         # read until the empty line
            if len(buf) > MAX_HEAD:
                conn.sendall(response("431 Request Header Fields Too Large", b"", True))
                return
            data = conn.recv(4096)
            if not data:                       # the client closed between requests
                return
            buf += data
            end, skip = end_of_head(buf)
        head, buf = buf[:end].decode("latin-1"), buf[end + skip:]
        lines = head.replace("\r\n", "\n").split("\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            conn.sendall(response("400 Bad Request", b"", True))
            return
        method, path, version = parts
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            conn.sendall(response("400 Bad Request", b"", True))
            return
        length = int(length)
        while len(buf) < length:               # a request body: read it and drop it
            data = conn.recv(4096)
            if not data:
                return
            buf += data
        buf = buf[length:]
        connection = headers.get("connection", "").lower()
        close = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
        if method not in ("GET", "HEAD"):
            reply = response("405 Method Not Allowed", b"", close)
        elif path.split("?")[0] == "/":
            reply = response("200 OK", HELLO, close, method == "HEAD")
        else:
            reply = response("404 Not Found", NOT_FOUND, close, method == "HEAD")
        conn.sendall(reply)
        if close:
            return


def serve(conn, addr):
    try:
        talk(conn)
    except OSError as e:                       # reset, broken pipe
        print("client", addr, "went away:", e)
    finally:
        conn.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(address())
server.listen(5)
print("listening on http://%s:%d/" % server.getsockname())
while True:
    conn, addr = server.accept()
    threading.Thread(target=serve, args=(conn, addr), daemon=True).start()
