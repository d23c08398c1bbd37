"""Demo 6's client: 'i' length of a JSON header, the header, the body."""
import hashlib
import json
import struct
import sys
from common import connect, fail, recv_exactly, report

s = connect(sys.argv[1])
s.sendall(b"whoami")
(headsize,) = struct.unpack("i", recv_exactly(s, 4))
head = json.loads(recv_exactly(s, headsize).decode("utf-8"))
body = recv_exactly(s, head["datasize"])
if "sha256" in head and hashlib.sha256(body).hexdigest() != head["sha256"]:
    fail("checksum mismatch")
s.close()
report(header=head, body=body.decode("utf-8"))
