"""Demo 14's client: the welcome, two messages echoed with ',你好', then q."""
import sys
from common import connect, fail, report

s = connect(sys.argv[1])
welcome = s.recv(1024).decode("utf-8")
answers = []
for msg in ["hello", "吃了吗？"]:
    s.sendall(msg.encode("utf-8"))
    want = (msg + ",你好").encode("utf-8")
    got = b""
    while len(got) < len(want):
        chunk = s.recv(1024)
        if not chunk:
            fail("closed early")
        got += chunk
    answers.append(got.decode("utf-8"))
s.sendall(b"q")
closed = s.recv(1024) == b""
s.close()
report(welcome=welcome, answers=answers, closed=closed)
