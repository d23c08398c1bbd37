# bug: reads the 4-byte length with one recv(4) and the JSON header with one recv(head_len), as the tutorial does: when they arrive in pieces the header is cut and json.loads fails
# hint: recv(4)
import json
import os
import socket
import struct
import sys

server_dir = "uploads"
os.makedirs(server_dir, exist_ok=True)
port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))


def plain(name):
    return isinstance(name, str) and name not in ("", ".", "..") and not any(c in name for c in "/\\\0")


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(5)
while True:
    conn, addr = server.accept()
    while True:
        try:
            head_struct = conn.recv(4)
            if not head_struct:
                break
            head_len = struct.unpack("i", head_struct)[0]
            head_dic = json.loads(conn.recv(head_len).decode("utf-8"))
            filesize = head_dic["filesize"]
            name = head_dic["filename"]
            f = open(os.path.join(server_dir, name), "wb") if plain(name) else None
            recv_size = 0
            while recv_size < filesize:
                recv_data = conn.recv(min(8192, filesize - recv_size))
                if not recv_data:
                    break
                if f:
                    f.write(recv_data)
                recv_size += len(recv_data)
            if f:
                f.close()
        except Exception:
            break
    conn.close()
