"""Demo 11's server for `lab client 11`: threaded (socketserver's
ThreadingTCPServer, the tutorial's fix) or serial (one client at a time,
the tutorial's first server). Either stops after three clients."""
import socket
import socketserver
import sys
import threading
from common import report

mode = sys.argv[1] if len(sys.argv) > 1 else "threaded"
done = threading.Semaphore(0)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(10)
        while True:
            data = self.request.recv(1024)
            if not data:
                break
            self.request.sendall(data.upper())
        done.release()


if mode == "threaded":
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print("127.0.0.1:%d" % srv.server_address[1], flush=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    for _ in range(3):
        if not done.acquire(timeout=20):
            break
    srv.shutdown()
    srv.server_close()
else:
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    srv.settimeout(20)
    print("127.0.0.1:%d" % srv.getsockname()[1], flush=True)
    for _ in range(3):
        try:
            conn, addr = srv.accept()
        except socket.timeout:
            break
        conn.settimeout(10)
        while True:
            data = conn.recv(1024)
            if not data:
                break
            conn.sendall(data.upper())
        conn.close()
    srv.close()
report(mode=mode)
