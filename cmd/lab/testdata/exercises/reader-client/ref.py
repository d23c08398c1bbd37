# reader-client, reference solution (demo 3).
# The server sends one message and closes. recv(7) returns at most 7 bytes,
# so read in a loop until recv returns b'' (the server closed), keep the raw
# bytes, and decode only the whole message: a 7-byte piece can end in the
# middle of a character ("你" is 3 bytes of UTF-8). Prints the message once.
#
#   python3 ref.py {port}        (or: ref.py {host} {port}, or LAB_HOST / LAB_PORT)
import os
import socket
import sys


def address():
    args = sys.argv[1:]
    host = args[0] if len(args) >= 2 else os.environ.get("LAB_HOST", "127.0.0.1")
    port = args[-1] if args else os.environ.get("LAB_PORT", "9000")
    return host, int(port)


try:
    client = socket.create_connection(address())
    pieces = []
    while True:
        data = client.recv(7)                 # a small buffer, as in the tutorial
        if not data:                          # b'': the whole message is here
            break
        pieces.append(data)
    client.close()
    print(b"".join(pieces).decode("utf-8"))   # decode once, at the end
except (OSError, UnicodeDecodeError) as e:
    print("reader-client:", e, file=sys.stderr)
    sys.exit(1)
