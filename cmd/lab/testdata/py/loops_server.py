"""Demo 8's server for `lab client 8`, right or with a bug the tutorials
have. Modes: good (both loops), once (no connection loop: one client, then
exit), onemsg (no communication loop: one answer per connection), spin (no
`if not data: break`: after the first client leaves it spins on b'')."""
import socket
import sys
import time
from common import report

mode = sys.argv[1] if len(sys.argv) > 1 else "good"
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(5)
srv.settimeout(20)
print("127.0.0.1:%d" % srv.getsockname()[1], flush=True)
served = 0
deadline = time.time() + 20
while time.time() < deadline:
    try:
        conn, addr = srv.accept()
    except socket.timeout:
        break
    conn.settimeout(10)
    served += 1
    first_eof = None
    while True:
        data = conn.recv(1024)
        if mode == "spin":
            if not data:
                first_eof = first_eof or time.time()
                time.sleep(0.001)  # spins (gently: the test machine is shared), for 6 s at most
                if time.time() - first_eof > 6:
                    break
            conn.send(data.upper())
            continue
        if not data:
            break
        conn.send(data.upper())
        if mode == "onemsg":
            break
    conn.close()
    if mode in ("once", "spin"):
        break
srv.close()
report(served=served)
