# bug: answers without a Content-Length and keeps the connection open: the client cannot tell where the body ends and waits for more
# hint: Content-Length
import os
import socket
import sys
import threading

port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))


def talk(conn):
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                data = conn.recv(1024)
                if not data:
                    return
                buf += data
            head, buf = buf.split(b"\r\n\r\n", 1)
            path = head.split(b" ")[1]
            body = "hello, 你好\n" if path == b"/" else "not found\n"
            status = "200 OK" if path == b"/" else "404 Not Found"
            conn.sendall(("HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s" % (status, body)).encode("utf-8"))
    except OSError:
        pass
    finally:
        conn.close()


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(5)
while True:
    conn, addr = server.accept()
    threading.Thread(target=talk, args=(conn,), daemon=True).start()
