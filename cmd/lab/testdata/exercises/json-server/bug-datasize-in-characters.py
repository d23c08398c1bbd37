# bug: "datasize" counts the characters of the output text, not its bytes: "你好\n" is 3 characters but 7 bytes, so the client stops early and the rest spills into the next answer
# hint: bytes, not characters
import json
import os
import socket
import struct
import sys
import threading

LS_OUTPUT = """\
total 88
-rw-r--r--  1 learner  staff    1204 Mar  3 10:00 Makefile
-rw-r--r--  1 learner  staff    5873 Mar  4 10:03 README.md
-rw-r--r--  1 learner  staff     102 Mar  5 10:06 go.mod
-rw-r--r--  1 learner  staff    1431 Mar  6 10:09 go.sum
-rw-r--r--  1 learner  staff    4096 Mar  7 10:12 main.go
-rw-r--r--  1 learner  staff    2210 Mar  8 10:15 main_test.go
-rw-r--r--  1 learner  staff    1822 Mar  9 10:18 client.py
-rw-r--r--  1 learner  staff    2654 Mar 10 10:21 server.py
-rw-r--r--  1 learner  staff    9321 Mar 11 10:24 socket_notes.txt
-rw-r--r--  1 learner  staff    1377 Mar  3 10:27 struct_header.py
-rw-r--r--  1 learner  staff    1803 Mar  4 10:30 json_header.py
-rw-r--r--  1 learner  staff    1134 Mar  5 10:33 pickle_demo.py
-rw-r--r--  1 learner  staff    2966 Mar  6 10:36 remote_cmd.py
-rw-r--r--  1 learner  staff    7640 Mar  7 10:39 sticky_packets.md
-rw-r--r--  1 learner  staff    3312 Mar  8 10:42 upload.py
-rw-r--r--  1 learner  staff    2875 Mar  9 10:45 download.py
-rw-r--r--  1 learner  staff    1598 Mar 10 10:48 chat_bot.py
-rw-r--r--  1 learner  staff     907 Mar 11 10:51 udp_echo.py
-rw-r--r--  1 learner  staff      36 Mar  3 10:54 requirements.txt
-rw-r--r--  1 learner  staff     412 Mar  4 10:57 setup.cfg
-rw-r--r--  1 learner  staff    2281 Mar  5 10:00 chat_server.py
-rw-r--r--  1 learner  staff    4409 Mar  6 10:03 file_server.py
-rw-r--r--  1 learner  staff    1975 Mar  7 10:06 ssh_like.py
-rw-r--r--  1 learner  staff    1660 Mar  8 10:09 thread_server.py
"""

OUTPUTS = {
    "ls -l": LS_OUTPUT,
    "dir": LS_OUTPUT,
    "whoami": "learner\n",
    "pwd": "/home/learner/socket-lab\n",
    "hostname": "socket-lab\n",
    "date": "Mon Mar  3 10:00:00 CST 2025\n",
    "uname -a": "Linux socket-lab 6.1.0 #1 SMP x86_64 GNU/Linux\n",
    "echo 你好": "你好\n",
}


def output(cmd):
    """The bytes a command "prints": from the table, never from a shell."""
    name = cmd.decode("utf-8", "surrogateescape").strip()
    if name in OUTPUTS:
        return OUTPUTS[name].encode("utf-8")
    raw = name.encode("utf-8", "surrogateescape")
    if len(raw) > 64:                         # repeat at most 64 bytes, whole characters
        cut = 64
        while cut > 0 and (raw[cut] & 0xC0) == 0x80:
            cut -= 1
        raw = raw[:cut] + "…".encode("utf-8")
    known = ", ".join(sorted(OUTPUTS))
    return b"lab: " + raw + (": command not found (the lab runs nothing; known: %s)\n" % known).encode("utf-8")


def address():
    args = sys.argv[1:]
    host = args[0] if len(args) >= 2 else os.environ.get("LAB_HOST", "127.0.0.1")
    port = args[-1] if args else os.environ.get("LAB_PORT", "9000")
    return host, int(port)


def talk(conn, addr):
    try:
        while True:                           # communication loop
            cmd = conn.recv(1024)
            if not cmd:                       # b'': the client has left
                break
            res = output(cmd).decode("utf-8")
            header = json.dumps({"datasize": len(res)}).encode("utf-8")
            conn.sendall(struct.pack("i", len(header)) + header + res.encode("utf-8"))
    except OSError as e:                      # reset, broken pipe
        print("client", addr, "went away:", e)
    finally:
        conn.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(address())
server.listen(5)
print("listening on %s:%d" % server.getsockname())
while True:                                   # connection loop
    conn, addr = server.accept()
    threading.Thread(target=talk, args=(conn, addr), daemon=True).start()
