"""Demo 13's client: 1,000,000 bytes from a small send buffer, with one
send() (the bug: it may take less) or with sendall()."""
import socket
import sys
from common import address, report

call = sys.argv[2]
s = socket.create_connection(address(sys.argv[1]))
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
s.settimeout(10)
data = b"x" * 1000000
n = s.send(data) if call == "send" else (s.sendall(data) or len(data))
s.close()
report(n=n)
