"""Demo 8's client: two connections one after another, three messages each,
every answer read before the next message (lab serve 8 is both loops)."""
import sys
from common import connect, fail, report

answers = []
for c in (1, 2):
    s = connect(sys.argv[1])
    for m in (1, 2, 3):
        data = ("client %d, message %d" % (c, m)).encode()
        s.sendall(data)
        reply = b""
        while len(reply) < len(data):
            chunk = s.recv(1024)
            if not chunk:
                fail("the server closed early")
            reply += chunk
        answers.append(reply.decode())
    s.close()
report(answers=answers)
