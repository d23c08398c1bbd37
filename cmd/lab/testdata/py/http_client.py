"""Demo 16's client for `lab serve 16`: two GETs on one kept-alive
connection, the second with Connection: close, each body read by its
Content-Length; then the server must close."""
import sys
from common import connect, fail, recv_exactly, report

s = connect(sys.argv[1])
host = sys.argv[1]
answers = []
buf = b""
for path, closing in (("/", False), ("/nope", True)):
    req = "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (path, host, "Connection: close\r\n" if closing else "")
    s.sendall(req.encode())
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(1024)
        if not chunk:
            fail("the server closed before the end of the head")
        buf += chunk
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    length = [int(l.split(":", 1)[1]) for l in lines if l.lower().startswith("content-length:")][0]
    if len(buf) < length:
        buf += recv_exactly(s, length - len(buf))
    body, buf = buf[:length], buf[length:]
    answers.append({"status": lines[0], "body": body.decode("utf-8")})
closed = s.recv(1024) == b""
s.close()
report(answers=answers, closed=closed)
