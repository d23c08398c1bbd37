# bug: a serial server (connection loop, no threads): while one client stays connected, the next one is never answered
# hint: thread
import os
import socket
import sys

port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(5)
while True:
    conn, addr = server.accept()
    while True:
        try:
            data = conn.recv(1024)
            if not data:
                break
            conn.sendall(data.upper())
        except ConnectionError:
            break
    conn.close()
