# threaded-server, reference solution (demo 11).
# echo-server's protocol (every message back upper-cased like bytes.upper()),
# with every client served at once: socketserver.ThreadingTCPServer gives
# each connection a thread of its own, so one slow client never holds up the
# next.
#
#   python3 ref.py {port}        (or: ref.py {host} {port}, or LAB_HOST / LAB_PORT)
import os
import socketserver
import sys


def address():
    args = sys.argv[1:]
    host = args[0] if len(args) >= 2 else os.environ.get("LAB_HOST", "127.0.0.1")
    port = args[-1] if args else os.environ.get("LAB_PORT", "9000")
    return host, int(port)


class UpperHandler(socketserver.BaseRequestHandler):
    def handle(self):                         # runs in the connection's own thread
        try:
            while True:                       # communication loop
                data = self.request.recv(65536)
                if not data:                  # b'': this client has left
                    break
                self.request.sendall(data.upper())
        except OSError as e:                  # a reset or a broken pipe ends this client only
            print("client", self.client_address, "went away:", e)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True                     # Ctrl-C does not wait for open clients


with Server(address(), UpperHandler) as server:
    print("listening on %s:%d" % server.server_address)
    server.serve_forever()                    # the connection loop
