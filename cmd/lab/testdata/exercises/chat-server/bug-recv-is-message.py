# bug: takes each recv(1024) for one message, as the tutorial does: two lines that arrive together are answered as one, and a message that arrives in pieces gets ",你好" after every piece
# hint: one recv() is not one message
import os
import socket
import sys
import threading

port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))


def chat(conn):
    try:
        conn.sendall("Welcome to the chat room.\n".encode("utf-8"))
        while True:
            data = conn.recv(1024)
            if not data:
                break
            end = ""
            ret = str(data, encoding="utf-8", errors="replace")
            for e in ("\r\n", "\n"):
                if ret.endswith(e):
                    ret, end = ret[: -len(e)], e
                    break
            if ret == "q":
                break
            conn.sendall(bytes(ret + ",你好" + end, encoding="utf-8"))
    except OSError:
        pass
    conn.close()


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(5)
while True:
    conn, address = server.accept()
    threading.Thread(target=chat, args=(conn,), daemon=True).start()
