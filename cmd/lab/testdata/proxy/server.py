"""A tiny server with a framing choice, to run behind `lab proxy`.

    python3 server.py naive    # trusts one recv() to hold one whole frame (the bug)
    python3 server.py exact    # reads a 4-byte length, then exactly that many bytes

It listens on 127.0.0.1 on a free port, prints the port on the first line,
serves one client and exits. Its answer says how many bytes it took for
the message and what they were.
"""
import socket
import struct
import sys


def recv_exactly(conn, n):
    """Call recv() until n bytes have come; fail if the peer closes first."""
    parts, got = [], 0
    while got < n:
        piece = conn.recv(min(n - got, 1024))
        if not piece:
            raise ConnectionError("peer closed after %d of %d bytes" % (got, n))
        parts.append(piece)
        got += len(piece)
    return b"".join(parts)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "naive"
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    print(listener.getsockname()[1], flush=True)
    conn, _ = listener.accept()
    with conn:
        if mode == "exact":
            (size,) = struct.unpack("!I", recv_exactly(conn, 4))
            message = recv_exactly(conn, size)
        else:
            # The bug: one recv() is trusted to hold the whole frame, the
            # 4-byte length and the message after it.
            frame = conn.recv(1024)
            message = frame[4:]
        conn.sendall(b"took %d bytes: " % len(message) + message)
    listener.close()


if __name__ == "__main__":
    main()
