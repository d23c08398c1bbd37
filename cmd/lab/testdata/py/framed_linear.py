"""The baseline of BenchmarkVsLinearPython: demo 5's big message in plain
Python over loopback, the server a forked process of its own (two
threads would take turns at the interpreter's lock). The server sends
struct.pack('i', n) + n bytes with sendall(); the client reads exactly 4
header bytes, then the n bytes into a bytearray with recv_into, at most
BUF bytes a call (the linear way: no bytes object grows by +=), and
checks them. Usage: framed_linear.py SIZE [BUF]"""
import os
import socket
import struct
import sys

size = int(sys.argv[1])
buf = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
data = bytes(i % 251 for i in range(251)) * (size // 251) + bytes(size % 251)

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(1)
srv_addr = srv.getsockname()


pid = os.fork()
if pid == 0:  # the server
    conn, _ = srv.accept()
    conn.sendall(struct.pack("i", len(data)) + data)
    conn.close()
    os._exit(0)
srv.close()
c = socket.create_connection(srv_addr, timeout=30)


def recv_exactly_into(view):
    got = 0
    while got < len(view):
        n = c.recv_into(view[got:], min(buf, len(view) - got))
        if n == 0:
            sys.exit("the server closed after %d of %d bytes" % (got, len(view)))
        got += n


head = bytearray(4)
recv_exactly_into(memoryview(head))
n = struct.unpack("i", head)[0]
body = bytearray(n)
recv_exactly_into(memoryview(body))
c.close()
_, status = os.waitpid(pid, 0)
if status != 0:
    sys.exit("the server failed")
if body != data:
    sys.exit("the bytes differ")
