# bug: decodes every recv() as UTF-8 and upper-cases the text: a character cut between two recv()s raises UnicodeDecodeError, and str.upper() changes letters bytes.upper() leaves alone
# hint: decode
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
            if not data:
                break
            text = data.decode("utf-8")
            conn.sendall(text.upper().encode("utf-8"))
        except ConnectionError:
            break
    conn.close()
