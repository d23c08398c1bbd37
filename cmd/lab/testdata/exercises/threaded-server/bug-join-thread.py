# bug: a thread per connection, but the loop join()s each thread before the next accept(): still one client at a time
# hint: thread
import os
import socket
import sys
import threading

port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))


def talk(conn):
    try:
        while True:
            data = conn.recv(1024)
            if not data:
                break
            conn.sendall(data.upper())
    except ConnectionError:
        pass
    conn.close()


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(5)
while True:
    conn, addr = server.accept()
    t = threading.Thread(target=talk, args=(conn,))
    t.start()
    t.join()
