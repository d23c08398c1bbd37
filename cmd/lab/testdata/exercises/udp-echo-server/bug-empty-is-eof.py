# bug: TCP's `if not data: break` carried over to UDP: an empty datagram is a real message, yet the server takes it for the end and stops
# hint: empty datagram
import os
import socket
import sys

port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))
server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(("127.0.0.1", port))
while True:
    data, addr = server.recvfrom(65535)
    if not data:
        break
    server.sendto(data.upper(), addr)
server.close()
