# bug: reads the output with one recv(datasize): a big answer arrives over many recv() calls, so the output is cut and the next header is read from the middle of the text
# hint: until all n bytes
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
            header = recv_exactly(client, 4)              # not recv(4): it may return 1 byte
            datasize = struct.unpack("i", header)[0]
            if not 0 <= datasize <= LIMIT:
                raise ValueError("header %s: length %d is not a size" % (header.hex(" "), datasize))
            sys.stdout.buffer.write(client.recv(datasize))
        sys.stdout.flush()
    finally:
        client.close()


try:
    main()
except (OSError, ValueError) as e:
    print("struct-client:", e, file=sys.stderr)
    sys.exit(1)
