# json-client, reference solution (demo 6).
# Sends the commands whoami, ls -l and pwd, one at a time, each with one
# sendall; reads each answer in three parts, however the bytes are cut on
# the way: struct.pack('i', h) (4 bytes, little-endian), h bytes of UTF-8
# JSON with "datasize" (other fields are ignored), then exactly datasize
# bytes; and writes each answer's bytes to stdout unchanged. Nothing else
# goes to stdout.
#
#   python3 ref.py {port}        (or: ref.py {host} {port}, or LAB_HOST / LAB_PORT)
import json
import os
import socket
import struct
import sys

COMMANDS = ["whoami", "ls -l", "pwd"]
LIMIT = 64 << 20                              # never allocate from a nonsense length
HEADER_LIMIT = 64 << 10


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


def main():
    client = socket.create_connection(address())
    try:
        for cmd in COMMANDS:
            client.sendall(cmd.encode("utf-8"))
            head = recv_exactly(client, 4)                # not recv(4): it may return 1 byte
            headsize = struct.unpack("i", head)[0]
            if not 0 < headsize <= HEADER_LIMIT:
                raise ValueError("header length %s: %d is not a header's size" % (head.hex(" "), headsize))
            header = json.loads(recv_exactly(client, headsize).decode("utf-8"))
            datasize = header["datasize"]
            if not isinstance(datasize, int) or not 0 <= datasize <= LIMIT:
                raise ValueError("header %r: datasize is not a size" % (header,))
            sys.stdout.buffer.write(recv_exactly(client, datasize))
        sys.stdout.flush()
    finally:
        client.close()


try:
    main()
except (OSError, ValueError, KeyError) as e:
    print("json-client:", e, file=sys.stderr)
    sys.exit(1)
