# bug: takes one recv(1024) for the whole request: when the request arrives in pieces, the request line is cut (or the rest of the head is read as the next request)
# hint: \r\n\r\n
import os
import socket
import sys
import threading

port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))
HELLO = "hello, 你好\n".encode("utf-8")


def talk(conn):
    try:
        while True:
            request = conn.recv(1024)
            if not request:
                break
            path = request.split(b"\r\n")[0].split(b" ")[1]
            if path == b"/":
                status, body = "200 OK", HELLO
            else:
                status, body = "404 Not Found", b"not found\n"
            head = "HTTP/1.1 %s\r\nContent-Length: %d\r\n\r\n" % (status, len(body))
            conn.sendall(head.encode("ascii") + body)
            if b"Connection: close" in request:
                break
    except (OSError, IndexError):
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
