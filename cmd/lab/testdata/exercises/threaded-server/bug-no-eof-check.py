# bug: the tutorial's socketserver handler has no `if not data: break`: when a client leaves, its thread spins on recv() returning b'' and burns a whole core
# hint: if not data: break
import os
import socketserver
import sys

port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(1024)
            self.request.send(data.upper())


socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer.daemon_threads = True
s = socketserver.ThreadingTCPServer(("127.0.0.1", port), Handler)
s.serve_forever()
