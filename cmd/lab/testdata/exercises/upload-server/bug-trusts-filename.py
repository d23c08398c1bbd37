# bug: joins the name the client sent to the folder, as the tutorial does (os.path.normpath(os.path.join(server_dir, filename))): "../x" writes outside uploads/
# hint: ../
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
            file_path = os.path.normpath(os.path.join(server_dir, head_dic["filename"]))
            filesize = head_dic["filesize"]
            recv_size = 0
            with open(file_path, "wb") as f:
                while recv_size < filesize:
                    recv_data = conn.recv(min(8192, filesize - recv_size))
                    if not recv_data:
                        break
                    f.write(recv_data)
                    recv_size += len(recv_data)
        except Exception:
            break
    conn.close()
