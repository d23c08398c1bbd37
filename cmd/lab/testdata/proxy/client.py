"""The client for server.py: one framed message, then the answer until EOF.

    python3 client.py PORT [MESSAGE]

It sends a 4-byte big-endian length and the message with a single
sendall(), so without a proxy the server usually gets it all in one recv().
It prints the server's answer.
"""
import socket
import struct
import sys


def main():
    port = int(sys.argv[1])
    message = (sys.argv[2] if len(sys.argv) > 2 else "hello, proxy").encode("utf-8")
    with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
        conn.sendall(struct.pack("!I", len(message)) + message)
        answer = b""
        while True:
            piece = conn.recv(1024)
            if not piece:
                break
            answer += piece
    sys.stdout.write(answer.decode("utf-8", "replace") + "\n")


if __name__ == "__main__":
    main()
