"""Demo 1's server for `lab client 1`: one connection, recv, answer upper().
With 'bad' as second argument it answers lower-case instead: a wrong reply."""
import socket
import sys
from common import report

bad = len(sys.argv) > 1 and sys.argv[1] == "bad"
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(1)
srv.settimeout(20)
print("127.0.0.1:%d" % srv.getsockname()[1], flush=True)
conn, addr = srv.accept()
conn.settimeout(10)
got = b""
while True:
    data = conn.recv(1024)
    if not data:
        break
    got += data
    conn.sendall(data.lower() if bad else data.upper())
conn.close()
srv.close()
report(got=got.decode("utf-8"))
