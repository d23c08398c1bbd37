"""Demo 11's client, proving concurrency causally: three connections, each
sends, and every answer is read while all three are still open."""
import sys
from common import connect, recv_exactly, report

conns = [connect(sys.argv[1]) for _ in range(3)]
msgs = [("hello from c%d" % (i + 1)).encode() for i in range(3)]
for s, m in reversed(list(zip(conns, msgs))):  # the last one first
    s.sendall(m)
answers = [recv_exactly(s, len(m)).decode() for s, m in reversed(list(zip(conns, msgs)))]
for s in conns:
    s.close()
report(answers=answers)
