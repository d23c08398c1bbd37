# bug: recvfrom(1024), the tutorial's BUFSIZE: a datagram longer than 1024 bytes is cut, the rest is lost, and the answer is short
# hint: recvfrom(1024)
import os
import socket
import sys

BUFSIZE = 1024
port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))
server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(("127.0.0.1", port))
while True:
    msg, addr = server.recvfrom(BUFSIZE)
    server.sendto(msg.upper(), addr)
