# bug: connect()s the UDP socket to the first sender and answers with send(): every later client is ignored
# hint: sendto
import os
import socket
import sys

port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))
server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(("127.0.0.1", port))
data, addr = server.recvfrom(65535)
server.connect(addr)
while True:
    server.send(data.upper())
    data = server.recv(65535)
