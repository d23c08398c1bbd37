# bug: receives the file with recv(8192) until it has at least filesize bytes: when the next header is right behind the file in the stream, its first bytes are written into this file and the next header is lost
# hint: filesize - recv_size
import json
import os
import socket
import struct
import sys

server_dir = "uploads"
os.makedirs(server_dir, exist_ok=True)
port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))


def recv_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


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
            head_struct += recv_exactly(conn, 4 - len(head_struct))
            head_len = struct.unpack("i", head_struct)[0]
            head_dic = json.loads(recv_exactly(conn, head_len).decode("utf-8"))
            filesize = head_dic["filesize"]
            name = head_dic["filename"]
            f = open(os.path.join(server_dir, name), "wb") if plain(name) else None
            recv_size = 0
            while recv_size < filesize:
                recv_data = conn.recv(8192)
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
