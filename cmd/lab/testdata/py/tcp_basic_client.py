"""Demo 1's client: send text, read the upper-cased answer, twice on one
connection (lab serve answers every recv, a communication loop)."""
import sys
from common import connect, fail, report

s = connect(sys.argv[1])
answers = []
for msg in ["hello, 你好", "bytes are bytes"]:
    data = msg.encode("utf-8")
    s.sendall(data)
    reply = b""
    while len(reply) < len(data):
        chunk = s.recv(1024)
        if not chunk:
            fail("the server closed early")
        reply += chunk
    if reply != data.upper():
        fail("got %r, want %r" % (reply, data.upper()))
    answers.append(reply.hex())
s.close()
report(answers=answers)
