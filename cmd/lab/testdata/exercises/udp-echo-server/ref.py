# udp-echo-server, reference solution (demo 2).
# No listen(), no accept(): bind, then answer every datagram to the address
# it came from, upper-cased like bytes.upper(). recvfrom(65535) takes any
# UDP datagram whole (a smaller buffer would cut a big one and lose the
# rest), and an empty datagram is a message like any other, not an end.
#
#   python3 ref.py {port}        (or: ref.py {host} {port}, or LAB_HOST / LAB_PORT)
import os
import socket
import sys


def address():
    args = sys.argv[1:]
    host = args[0] if len(args) >= 2 else os.environ.get("LAB_HOST", "127.0.0.1")
    port = args[-1] if args else os.environ.get("LAB_PORT", "9000")
    return host, int(port)


server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(address())
print("bound to %s:%d" % server.getsockname())

while True:
    try:
        data, addr = server.recvfrom(65535)
        server.sendto(data.upper(), addr)
    except OSError as e:                      # e.g. ICMP "port unreachable" from an earlier sender
        print("datagram error:", e)
