"""Demo 15's client: several puts on one connection, each a JSON header
{"cmd": "put", "filename", "filesize"} then the bytes; the lab answers each
with a JSON header. The second name tries to leave the folder."""
import json
import struct
import sys
from common import connect, recv_exactly, report

s = connect(sys.argv[1])
replies = []
for name, data in [("hello.txt", "你好, file\n".encode("utf-8") * 1000), ("../escape.txt", b"should not land\n")]:
    head = json.dumps({"cmd": "put", "filename": name, "filesize": len(data)}).encode("utf-8")
    s.sendall(struct.pack("i", len(head)) + head)
    s.sendall(data)
    (n,) = struct.unpack("i", recv_exactly(s, 4))
    replies.append(json.loads(recv_exactly(s, n)))
s.close()
report(replies=replies)
