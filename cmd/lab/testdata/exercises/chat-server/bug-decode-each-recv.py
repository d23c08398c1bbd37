# bug: decodes each recv() on its own, like str(conn.recv(1024), encoding='utf-8'): a Chinese character cut between two recv()s raises UnicodeDecodeError
# hint: decode
import os
import select
import socket
import sys
import threading

WELCOME = "Welcome to the chat room. 欢迎来到聊天室！(q quits)\n".encode("utf-8")
SUFFIX = ",你好".encode("utf-8")
PAUSE = 0.2                                   # seconds of quiet that end a message with no line end
LONGEST = 64 << 10                            # a message longer than this is answered as it is


def address():
    args = sys.argv[1:]
    host = args[0] if len(args) >= 2 else os.environ.get("LAB_HOST", "127.0.0.1")
    port = args[-1] if args else os.environ.get("LAB_PORT", "9000")
    return host, int(port)


def answer(conn, msg, end):
    """Echo one message; False when it was q."""
    if msg == b"q":
        return False
    conn.sendall(msg + SUFFIX + end)          # bytes: a character cut between recv()s is no problem
    return True


def chat(conn, addr):
    try:
        conn.sendall(WELCOME)
        pending = b""
        while True:
            data = conn.recv(1024)
            if not data:                      # b'': the client left without q
                break
            pending += data.decode("utf-8").encode("utf-8")   # each piece decoded on its own
            while b"\n" in pending:           # every complete line is a message
                line, pending = pending.split(b"\n", 1)
                end = b"\n"
                if line.endswith(b"\r"):
                    line, end = line[:-1], b"\r\n"
                if not answer(conn, line, end):
                    return
            if pending:                       # no line end (yet): wait a moment for more
                ready, _, _ = select.select([conn], [], [], PAUSE)
                if not ready or len(pending) > LONGEST:
                    message, pending = pending, b""
                    if not answer(conn, message, b""):
                        return
    except ConnectionError as e:              # reset, broken pipe
        print("client", addr, "went away:", e)
    finally:
        conn.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(address())
server.listen(5)
print("listening on %s:%d" % server.getsockname())
while True:
    conn, addr = server.accept()
    threading.Thread(target=chat, args=(conn, addr), daemon=True).start()
