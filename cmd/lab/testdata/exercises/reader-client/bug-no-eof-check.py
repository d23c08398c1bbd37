# bug: the loop never tests for b'': after the server closes, recv(7) returns b'' forever and the client never prints or exits
# hint: if not data: break
import os
import socket
import sys

port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(("127.0.0.1", port))
full_msg = b""
while True:
    msg = client.recv(7)
    full_msg += msg
    if full_msg.endswith(b"."):
        break
print(full_msg.decode("utf-8"))
client.close()
