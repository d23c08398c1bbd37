# bug: the tutorial's loop takes the length from the first recv(16), msglen = int(msg[:10]): when fewer than 10 header bytes have arrived, the length is wrong and the message never completes
# hint: all 10 bytes of the header
import os
import pickle
import socket
import sys

HEADERSIZE = 10
port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
full_msg = b""
new_msg = True
while True:
    msg = s.recv(16)
    if new_msg:
        msglen = int(msg[:HEADERSIZE])
        new_msg = False
    full_msg += msg
    if len(full_msg) - HEADERSIZE == msglen:
        d = pickle.loads(full_msg[HEADERSIZE:])
        print(d)
        break
s.close()
