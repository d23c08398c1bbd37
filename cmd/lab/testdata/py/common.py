"""Helpers shared by the interop peers: parse the address, report a result.

Every peer prints one JSON object on its last line, so the Go test can check
what the Python side saw, and exits non-zero with a message when something
is wrong.
"""
import json
import socket
import sys


def address(arg):
    """'127.0.0.1:9000' or '[::1]:9000' -> (host, port)."""
    host, _, port = arg.rpartition(":")
    return host.strip("[]"), int(port)


def connect(arg):
    s = socket.create_connection(address(arg), timeout=10)
    return s


def recv_exactly(s, n):
    """The receive-exactly loop every framing needs."""
    data = b""
    while len(data) < n:
        chunk = s.recv(min(n - len(data), 1024))
        if not chunk:
            fail("the server closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def fail(msg):
    print("python peer: " + msg, file=sys.stderr)
    sys.exit(1)


def report(**result):
    print(json.dumps(result, ensure_ascii=False))
