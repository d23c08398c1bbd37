# bug: decodes every 7-byte piece on its own: a piece that ends in the middle of a character fails to decode (or, with errors='ignore', the character is lost)
# hint: decode after the whole message
import os
import socket
import sys

port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(("127.0.0.1", port))
full_msg = ""
while True:
    msg = client.recv(7)
    if len(msg) <= 0:
        break
    full_msg += msg.decode("utf-8", "ignore")
print(full_msg)
client.close()
