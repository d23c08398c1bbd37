"""A client written from lesson 5's framing for `lab serve 5`: it frames its
message (struct.pack('i', len(data)) + data), where demo 5's server expects
a plain command name. It reads whatever comes back and closes."""
import struct
import sys
from common import connect, report

s = connect(sys.argv[1])
data = "hello".encode("utf-8")
s.sendall(struct.pack("i", len(data)) + data)
n = struct.unpack("i", s.recv(4))[0]
got = b""
while len(got) < n:
    chunk = s.recv(1024)
    if not chunk:
        break
    got += chunk
s.close()
report(answer=got.decode("utf-8", "replace"))
