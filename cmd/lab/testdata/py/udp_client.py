"""Demo 2's client: datagrams in, upper-cased datagrams out; no connect."""
import socket
import sys
from common import address, fail, report

server = address(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
replies = []
for msg in [b"one", b"two", b"", b"x" * 1500]:
    s.sendto(msg, server)
    data, addr = s.recvfrom(2048)
    if addr[1] != server[1]:
        fail("answer from %r" % (addr,))
    replies.append(len(data))
    if data != msg[: len(data)].upper():
        fail("got %r for %r" % (data[:20], msg[:20]))
s.close()
report(lengths=replies)
