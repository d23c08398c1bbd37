"""Demo 7's client: a 10-character length, then the pickle, read 16 bytes at
a time like the tutorial. (pickle.loads is fine here only because the test
trusts the lab it started; never unpickle bytes from a stranger.)"""
import pickle
import sys
from common import connect, report

s = connect(sys.argv[1])
full = b""
while True:
    msg = s.recv(16)
    if not msg:
        break
    full += msg
s.close()
n = int(full[:10])
obj = pickle.loads(full[10 : 10 + n])
report(header=full[:10].decode("ascii"), n=n, total=len(full),
       msg=obj["msg"], id=obj["id"], big=obj["big"], raw=obj["raw"].hex(),
       nested=obj["nested"], tags=obj["tags"], none=obj["none"], ok=obj["ok"], scores=obj["scores"])
