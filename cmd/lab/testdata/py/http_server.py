"""Demo 16's web server for `lab client 16`, right or with a bug the
tutorials' HTTP servers have. Modes: good (Content-Length in bytes,
keep-alive, closes on Connection: close), chars (Content-Length counts
characters), big (Content-Length 5 more than the body), nolength (no Content-Length: the body ends at the close),
lf (lines end in \\n alone), noclose (ignores Connection: close), once
(answers one request and closes without saying Connection: close)."""
import socket
import sys
import time
from common import report

mode = sys.argv[1] if len(sys.argv) > 1 else "good"
body = "hello, 你好\n"
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(5)
srv.settimeout(20)
print("127.0.0.1:%d" % srv.getsockname()[1], flush=True)
requests = 0
deadline = time.time() + 20
while time.time() < deadline:
    try:
        conn, addr = srv.accept()
    except socket.timeout:
        break
    conn.settimeout(4)
    data = b""
    while True:
        try:
            chunk = conn.recv(1024)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
        if b"\r\n\r\n" not in data:
            continue
        head, data = data.split(b"\r\n\r\n", 1)
        requests += 1
        closing = b"connection: close" in head.lower()
        b = body.encode("utf-8")
        n = len(body) if mode == "chars" else len(b) + 5 if mode == "big" else len(b)
        eol = "\n" if mode == "lf" else "\r\n"
        lines = ["HTTP/1.1 200 OK", "Content-Type: text/plain; charset=utf-8"]
        if mode != "nolength":
            lines.append("Content-Length: %d" % n)
        if closing and mode != "noclose":
            lines.append("Connection: close")
        conn.sendall((eol.join(lines) + eol + eol).encode() + b)
        if mode in ("nolength", "once") or closing and mode != "noclose":
            break
    conn.close()
    if requests >= 2 or mode in ("chars", "lf", "big") or time.time() > deadline:
        break
srv.close()
report(requests=requests)
