"""A student's FTP client for lab ftp serve, written from the seed: the
same struct.pack('i') + json.dumps header as the seed's put, sent the same
way (header, then the file at once, no waiting), plus login, ls and get.

usage: ftp_client.py ADDR USER PASSWORD FILE
Prints one JSON object: what each step answered.
"""
import hashlib
import json
import os
import struct
import sys

from common import connect, recv_exactly, fail


def send_header(s, head_dict):
    head_bytes = json.dumps(head_dict).encode("utf-8")
    s.send(struct.pack("i", len(head_bytes)))
    s.send(head_bytes)


def recv_reply(s):
    head_len = struct.unpack("i", recv_exactly(s, 4))[0]
    return json.loads(recv_exactly(s, head_len).decode("utf-8"))


def main():
    addr, user, password, filepath = sys.argv[1:5]
    s = connect(addr)
    out = {}
    send_header(s, {"cmd": "login", "user": user, "password": password})
    out["login"] = recv_reply(s)["status"]

    # The seed's put, word for word: header, then the file line by line.
    filename = os.path.basename(filepath)
    filesize = os.path.getsize(filepath)
    head_dict = {"cmd": "put", "filesize": filesize, "filename": filename}
    send_header(s, head_dict)
    with open(filepath, "rb") as f:
        for line in f:
            s.send(line)
    reply = recv_reply(s)
    with open(filepath, "rb") as f:
        data = f.read()
    out["put"] = reply["status"]
    out["put_md5_ok"] = reply.get("md5") == hashlib.md5(data).hexdigest()
    out["put_sha256_ok"] = reply.get("sha256") == hashlib.sha256(data).hexdigest()

    send_header(s, {"cmd": "ls"})
    out["ls"] = [e["name"] for e in recv_reply(s).get("entries", [])]

    send_header(s, {"cmd": "get", "filename": filename})
    reply = recv_reply(s)
    body = recv_exactly(s, reply["filesize"] - reply["offset"])
    out["get_same"] = body == data and reply["sha256"] == hashlib.sha256(body).hexdigest()

    # Resume a get from the middle: ask for the bytes after the first half.
    half = len(data) // 2
    send_header(s, {"cmd": "get", "filename": filename, "offset": half})
    reply = recv_reply(s)
    rest = recv_exactly(s, reply["filesize"] - reply["offset"])
    out["resume_same"] = data[:half] + rest == data

    # Climbing out: the seed's server would write there; this one refuses,
    # and drops the body so that the connection stays in step.
    send_header(s, {"cmd": "put", "filesize": 5, "filename": "../escape.txt"})
    s.send(b"owned")
    out["escape"] = recv_reply(s)["status"]

    # getattr(self, cmd) would run any method; the command table refuses.
    send_header(s, {"cmd": "__init__"})
    out["getattr"] = recv_reply(s)["status"]
    s.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
