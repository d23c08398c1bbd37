# bug: the framing is right but the object is decoded with pickle.loads: a pickle from the network that names a callable runs it
# hint: pickle.loads
import os
import pickle
import socket
import sys

port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
header = b""
while len(header) < 10:
    chunk = s.recv(10 - len(header))
    if not chunk:
        break
    header += chunk
msglen = int(header)
data = b""
while len(data) < msglen:
    chunk = s.recv(msglen - len(data))
    if not chunk:
        break
    data += chunk
print(pickle.loads(data))
s.close()
