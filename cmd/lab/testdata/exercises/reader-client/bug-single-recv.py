# bug: one recv(1024) for the whole message: it returns only what has arrived so far, so a message sent in pieces, or longer than 1024 bytes, is cut
# hint: until recv returns b''
import os
import socket
import sys

port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(("127.0.0.1", port))
msg = client.recv(1024)
print(msg.decode("utf-8"))
client.close()
