# bug: unpacks the header with '!i' (network order) where the server packs struct.pack('i') (little-endian): 8 reads as 134217728
# hint: network order
import os
import socket
import struct
import sys

COMMANDS = ["whoami", "ls -l", "pwd"]
LIMIT = 64 << 20                              # never allocate from a nonsense length


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
            header = recv_exactly(client, 4)
            datasize = struct.unpack("!i", header)[0]
            if not 0 <= datasize <= LIMIT:
                raise ValueError("header %s: length %d is not a size" % (header.hex(" "), datasize))
            sys.stdout.buffer.write(recv_exactly(client, datasize))
        sys.stdout.flush()
    finally:
        client.close()


try:
    main()
except (OSError, ValueError) as e:
    print("struct-client:", e, file=sys.stderr)
    sys.exit(1)
