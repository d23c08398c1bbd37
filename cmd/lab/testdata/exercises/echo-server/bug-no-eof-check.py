# bug: no `if not data: break`: once the client closes, recv() returns b'' forever and the server spins instead of accepting the next client
# hint: if not data: break
import os
import socket
import sys

port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", port))
server.listen(5)
while True:
    conn, addr = server.accept()
    while True:
        try:
            data = conn.recv(1024)
            conn.send(data.upper())
        except Exception:
            break
    conn.close()
