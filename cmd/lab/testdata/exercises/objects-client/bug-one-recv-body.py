# bug: reads the header right, then the pickle with one recv(msglen): a big object arrives over many recv() calls, so the pickle is cut and does not load
# hint: until all n bytes
import io
import os
import pickle
import socket
import sys


class SafeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        raise pickle.UnpicklingError("refused %s.%s" % (module, name))


port = int(sys.argv[-1]) if len(sys.argv) > 1 else int(os.environ.get("LAB_PORT", "9000"))
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
header = b""
while len(header) < 10:
    chunk = s.recv(10 - len(header))
    if not chunk:
        break
    header += chunk
msglen = int(header)
data = s.recv(msglen)
print(SafeUnpickler(io.BytesIO(data)).load())
s.close()
