"""Demo 13's server for `lab client 13`: good reads until b'' and reports
the count and SHA-256; once (the bug) reads with one recv(65536) and
closes, with the rest of the client's bytes unread."""
import hashlib
import socket
import sys
from common import report

mode = sys.argv[1] if len(sys.argv) > 1 else "good"
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)  # no window bigger than the test's payload
srv.bind(("127.0.0.1", 0))
srv.listen(1)
srv.settimeout(20)
print("127.0.0.1:%d" % srv.getsockname()[1], flush=True)
conn, addr = srv.accept()
conn.settimeout(10)
got = b""
while True:
    data = conn.recv(65536)
    got += data
    if not data or mode == "once":
        break
conn.close()
srv.close()
report(n=len(got), sha256=hashlib.sha256(got).hexdigest())
