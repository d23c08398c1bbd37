"""A hostile server for `lab client 7`: the object it sends is a pickle
whose loading would call os.system to create a file. The lab must refuse it
and create nothing. (This program never unpickles anything itself.)"""
import os
import pickle
import socket
import sys
from common import report

marker = sys.argv[1]


class Evil:
    def __reduce__(self):
        return (os.system, ("touch " + marker,))


msg = pickle.dumps(Evil())
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(1)
srv.settimeout(20)
print("127.0.0.1:%d" % srv.getsockname()[1], flush=True)
conn, addr = srv.accept()
conn.sendall(bytes(f"{len(msg):<10}", "utf-8") + msg)
conn.close()
srv.close()
report(sent=len(msg))
