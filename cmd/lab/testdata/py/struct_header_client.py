"""Demo 5's client: a command, then struct.pack('i', n) + n bytes back."""
import struct
import sys
from common import connect, recv_exactly, report

s = connect(sys.argv[1])
out = {}
for cmd in ["whoami", "ls -l", "rm -rf /"]:
    s.sendall(cmd.encode("utf-8"))
    head = recv_exactly(s, 4)
    (n,) = struct.unpack("i", head)
    out[cmd] = {"head": head.hex(), "n": n, "body": recv_exactly(s, n).decode("utf-8")}
s.close()
report(**out)
