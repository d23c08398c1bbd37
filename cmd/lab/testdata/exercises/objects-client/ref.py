# objects-client, reference solution (demo 7).
# The server sends one object: a 10-character text header (the length in
# decimal, left-aligned, padded with spaces, f"{n:<10}") and then n bytes of
# pickle, and closes. Read exactly 10 bytes, then exactly n bytes, however
# they are cut on the way; decode with an unpickler that refuses every
# global, so a pickle that names a callable (os.system ...) is refused
# instead of run; print the object.
#
#   python3 ref.py {port}        (or: ref.py {host} {port}, or LAB_HOST / LAB_PORT)
import io
import os
import pickle
import socket
import sys

HEADERSIZE = 10
LIMIT = 64 << 20                              # never allocate from a nonsense length


class SafeUnpickler(pickle.Unpickler):
    """Plain data only: dicts, lists, tuples, str, bytes, numbers, None."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError("refused: the pickle names %s.%s, a callable it would run" % (module, name))


def address():
    args = sys.argv[1:]
    host = args[0] if len(args) >= 2 else os.environ.get("LAB_HOST", "127.0.0.1")
    port = args[-1] if args else os.environ.get("LAB_PORT", "9000")
    return host, int(port)


def recv_exactly(sock, n):
    """recv() returns what has arrived, at most what was asked: loop until n."""
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(min(n - len(data), 65536))
        if not chunk:
            raise ConnectionError("the server closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return bytes(data)


try:
    client = socket.create_connection(address())
    header = recv_exactly(client, HEADERSIZE)            # all 10 characters, even if they come one by one
    if not header.strip().isdigit():
        raise ValueError("header %r is not a length" % header)
    msglen = int(header)
    if msglen > LIMIT:
        raise ValueError("header %r: %d bytes is too long" % (header, msglen))
    data = recv_exactly(client, msglen)
    client.close()
    obj = SafeUnpickler(io.BytesIO(data)).load()         # never pickle.loads on network bytes
    print(obj)
except (OSError, ValueError, pickle.UnpicklingError, EOFError) as e:
    print("objects-client:", e, file=sys.stderr)
    sys.exit(1)
