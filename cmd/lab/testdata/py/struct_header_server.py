"""Demo 5's server for `lab client 5`: each command gets struct.pack('i', n)
+ n bytes of made-up output (nothing is run). Modes for the test:
  good      every answer framed
  negative  the first header says -5
  huge      the first header says 2**31 - 1
  short     the header promises 100 bytes, 3 come, then close
  network   every length packed with '!i' (network order)
  split     header and output as two send() calls 100 ms apart
  framed    expects a framed command (a 4-byte length first): reads
            b'whoa' as a length, gives up and closes"""
import socket
import struct
import sys
import time
from common import report

mode = sys.argv[1] if len(sys.argv) > 1 else "good"
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(1)
srv.settimeout(20)
print("127.0.0.1:%d" % srv.getsockname()[1], flush=True)
conn, addr = srv.accept()
conn.settimeout(10)
cmds = []
while True:
    try:
        cmd = conn.recv(1024)
    except ConnectionResetError:  # the lab gave up on a bad frame and closed with bytes unread
        break
    if not cmd:
        break
    if mode == "framed":
        n = struct.unpack("i", cmd[:4])[0]
        cmds.append("length %d" % n)
        break
    cmds.append(cmd.decode("utf-8"))
    out = ("output of %s\n" % cmds[-1]).encode("utf-8") * (50 if cmds[-1] == "ls -l" else 1)
    if mode == "negative":
        conn.sendall(struct.pack("i", -5) + b"xxxxx")
    elif mode == "huge":
        conn.sendall(struct.pack("i", 2**31 - 1) + b"xxxxx")
    elif mode == "short":
        conn.sendall(struct.pack("i", 100) + b"abc")
        break
    elif mode == "network":
        conn.sendall(struct.pack("!i", len(out)) + out)
    elif mode == "split":
        conn.send(struct.pack("i", len(out)))
        time.sleep(0.1)  # Nagle × delayed ACK makes it ~40 ms; more here, for a loaded test machine
        conn.send(out)
    else:
        conn.sendall(struct.pack("i", len(out)) + out)
conn.close()
srv.close()
report(cmds=cmds)
