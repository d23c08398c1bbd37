# echo-server, reference solution (demos 1 and 8).
# A TCP server: every message comes back upper-cased the way bytes.upper()
# does it (ASCII letters only), one client after another, and the server
# keeps going when a client leaves, resets or stops reading.
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


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(address())
server.listen(5)
print("listening on %s:%d" % server.getsockname())

while True:                                   # connection loop: the next client
    conn, addr = server.accept()
    print("client", addr)
    try:
        while True:                           # communication loop: the next bytes
            data = conn.recv(65536)
            if not data:                      # b'': the client closed its side
                break
            # No framing here: whatever arrived goes back upper-cased, so a
            # message cut into pieces or glued to the next one still comes
            # back byte for byte. sendall, because send may take only part.
            conn.sendall(data.upper())
    except OSError as e:                      # ConnectionResetError, BrokenPipeError ...
        print("client", addr, "went away:", e)
    finally:
        conn.close()
