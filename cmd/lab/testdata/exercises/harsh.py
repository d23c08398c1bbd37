"""harsh.py: a small, independent driver that throws the grader's hard cases
at an exercise program, to show that every ref.py / ref.go passes them and
every bug-*.py fails at least one. It is not `lab check` (that is the
grader); it exists to test the test programs themselves.

    python3 harsh.py <slug> -- <command> [args...]     ({host} {port} replaced)
    python3 harsh.py --all [slug...]                   every ref and bug here

Servers are started once; the driver waits for the port to be listening
(read from /proc/net, never a probe connect), runs the cases in order, and
kills the program's whole process group at the end. Clients are started once
per case against a server the driver plays. Exit 0 when every case passed.
Linux only (it reads /proc/net).
"""
import hashlib
import json
import os
import pickle
import random
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HOST = "127.0.0.1"
HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 5.0

# The lab's canned command outputs (demos/commands.go), for the command
# exercises. ls -l is long: more than one recv(1024).
try:
    LS = open(os.path.join(HERE, "struct-server", "ref.py"), encoding="utf-8").read()
    LS = LS.split('LS_OUTPUT = """\\\n', 1)[1].split('"""', 1)[0]
except (OSError, IndexError):
    LS = ""
CANNED = {
    "ls -l": LS, "dir": LS, "whoami": "learner\n", "pwd": "/home/learner/socket-lab\n",
    "hostname": "socket-lab\n", "date": "Mon Mar  3 10:00:00 CST 2025\n",
    "uname -a": "Linux socket-lab 6.1.0 #1 SMP x86_64 GNU/Linux\n", "echo 你好": "你好\n",
}
COMMANDS = ["whoami", "ls -l", "pwd"]
WELCOME_END = b"\n"
SUFFIX = ",你好".encode()


class Fail(Exception):
    pass


def upper(b):
    return bytes(c - 32 if 97 <= c <= 122 else c for c in b)


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def listening(port, udp=False):
    files = ["/proc/net/udp", "/proc/net/udp6"] if udp else ["/proc/net/tcp", "/proc/net/tcp6"]
    for f in files:
        try:
            lines = open(f).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, state = parts[1], parts[3]
            if int(local.rsplit(":", 1)[1], 16) == port and (udp or state == "0A"):
                return True
    return False


def connect():
    c = socket.create_connection((HOST, PORT), timeout=TIMEOUT)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return c


def recv_exactly(c, n, what="bytes"):
    data = b""
    while len(data) < n:
        chunk = c.recv(min(n - len(data), 65536))
        if not chunk:
            raise Fail("closed after %d of %d %s" % (len(data), n, what))
        data += chunk
    return data


def recv_until_eof(c, limit=1 << 25):
    data = b""
    while True:
        chunk = c.recv(65536)
        if not chunk:
            return data
        data += chunk
        if len(data) > limit:
            raise Fail("more than %d bytes" % limit)


def send_sliced(c, data, delay=0.0):
    for i in range(len(data)):
        c.sendall(data[i:i + 1])
        if delay:
            time.sleep(delay)


def exchange(c, data, want, slice_=False, delay=0.0):
    """Send data (sliced or whole) while reading the answer, compare with want."""
    got = b""
    sent = 0
    c.setblocking(False)
    deadline = time.time() + TIMEOUT + len(data) / 1e6
    try:
        while len(got) < len(want):
            if time.time() > deadline:
                raise Fail("timed out: got %d of %d bytes back" % (len(got), len(want)))
            w = [c] if sent < len(data) else []
            r, w, _ = select.select([c], w, [], 0.5)
            if r:
                chunk = c.recv(65536)
                if not chunk:
                    raise Fail("the server closed after %d of %d bytes of the answer" % (len(got), len(want)))
                got += chunk
                if got != want[:len(got)]:
                    raise Fail("answer differs at byte %d: got %r, want %r" % (
                        len(got), got[max(0, len(got) - 20):][:40], want[max(0, len(got) - 20):len(got) + 20]))
            if w:
                step = 1 if slice_ else 65536
                try:
                    sent += c.send(data[sent:sent + step])
                except BlockingIOError:
                    pass
                if slice_ and delay:
                    time.sleep(delay)
    finally:
        c.setblocking(True)
        c.settimeout(TIMEOUT)
    return got


# --- echo-server and threaded-server -------------------------------------

def echo_cases(concurrent):
    def plain():
        with connect() as c:
            exchange(c, b"hello", b"HELLO")

    def sliced():
        msg = "hello, 你好 world".encode()
        with connect() as c:
            exchange(c, msg, upper(msg), slice_=True, delay=0.002)

    def merged():
        with connect() as c:
            c.sendall(b"one" + b"two")
            exchange(c, b"", b"ONETWO")

    def big():
        rnd = random.Random(1)
        data = bytes(rnd.choice(b"abcxyz ABC\n\xe4\xbd\xa0") for _ in range(1_500_000))
        with connect() as c:
            exchange(c, data, upper(data))

    def several():
        with connect() as c:
            for m in [b"first", b"second", b"third \xe4\xbd\xa0\xe5\xa5\xbd"]:
                exchange(c, m, upper(m))

    def one_after_another():
        for i in range(3):
            with connect() as c:
                exchange(c, b"client %d" % i, b"CLIENT %d" % i)

    def early_close():
        c = connect()
        c.sendall(b"x" * 200000)  # and leave without reading the answer
        c.close()
        plain()

    def reset():
        c = connect()
        c.sendall(b"abc")
        time.sleep(0.05)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
        time.sleep(0.05)
        plain()

    def slow():
        with connect() as c:
            exchange(c, b"slowly", b"SLOWLY", slice_=True, delay=0.1)

    cases = [plain, sliced, merged, big, several, one_after_another, early_close, reset, slow]
    if concurrent:
        def at_once():
            a = connect()
            exchange(a, b"first stays", b"FIRST STAYS")
            b = connect()  # while a is still connected
            exchange(b, b"second", b"SECOND")
            exchange(a, b"still here", b"STILL HERE")
            a.close()
            b.close()

        def many_at_once():
            conns = [connect() for _ in range(5)]
            for i, c in enumerate(reversed(conns)):
                exchange(c, b"n%d" % i, b"N%d" % i)
            for c in conns:
                c.close()
        cases += [at_once, many_at_once]
    return cases


# --- udp-echo-server ------------------------------------------------------

def udp_cases():
    def roundtrip(s, data):
        s.sendto(data, (HOST, PORT))
        try:
            got, _ = s.recvfrom(65535)
        except socket.timeout:
            raise Fail("no answer to a %d-byte datagram" % len(data))
        if got != upper(data):
            raise Fail("answered %r (%d bytes) to %r (%d bytes)" % (got[:40], len(got), data[:40], len(data)))

    def sock():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        return s

    def plain():
        with sock() as s:
            roundtrip(s, b"hello")

    def several():
        with sock() as s:
            for m in [b"one", b"two", "三".encode()]:
                roundtrip(s, m)

    def empty():
        with sock() as s:
            roundtrip(s, b"")
            roundtrip(s, b"after empty")

    def big():
        with sock() as s:
            roundtrip(s, b"0123456789" * 200)
            roundtrip(s, b"z" * 60000)

    def two_clients():
        with sock() as a, sock() as b:
            a.sendto(b"from a", (HOST, PORT))
            b.sendto(b"from b", (HOST, PORT))
            if a.recvfrom(65535)[0] != b"FROM A" or b.recvfrom(65535)[0] != b"FROM B":
                raise Fail("an answer went to the wrong sender")
    return [plain, several, empty, big, two_clients, plain]


# --- chat-server ----------------------------------------------------------

def chat_cases():
    def welcome(c):
        data = b""
        while not data.endswith(b"\n"):
            chunk = c.recv(1024)
            if not chunk:
                raise Fail("closed before the welcome line ended")
            data += chunk
        return data

    def expect_eof(c):
        c.settimeout(TIMEOUT)
        if c.recv(1024) != b"":
            raise Fail("more bytes where the server should have closed")

    def plain():
        with connect() as c:
            welcome(c)
            exchange(c, b"hello", b"hello" + SUFFIX)
            exchange(c, "吃了吗？".encode(), "吃了吗？".encode() + SUFFIX)
            c.sendall(b"q")
            expect_eof(c)

    def lines():
        with connect() as c:
            welcome(c)
            exchange(c, b"hello\n", b"hello" + SUFFIX + b"\n")
            exchange(c, b"crlf\r\n", b"crlf" + SUFFIX + b"\r\n")
            c.sendall(b"q\n")
            expect_eof(c)

    def sliced():
        with connect() as c:
            welcome(c)
            exchange(c, "sliced 你好\n".encode(), "sliced 你好".encode() + SUFFIX + b"\n", slice_=True, delay=0.002)
            c.sendall(b"q\n")
            expect_eof(c)

    def merged():
        with connect() as c:
            welcome(c)
            exchange(c, b"a\nb\n", b"a" + SUFFIX + b"\nb" + SUFFIX + b"\n")
            c.sendall(b"q\n")
            expect_eof(c)

    def leave():
        c = connect()
        welcome(c)
        c.close()
        c = connect()
        welcome(c)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.sendall(b"x")
        time.sleep(0.05)
        c.close()
        time.sleep(0.05)
        plain()
    return [plain, lines, sliced, merged, leave, plain]


# --- struct-server and json-server ----------------------------------------

def command_cases(json_header):
    def read_answer(c):
        n = struct.unpack("<i", recv_exactly(c, 4, "header bytes"))[0]
        if json_header:
            if not 0 < n <= 65536:
                raise Fail("JSON header length %d" % n)
            h = json.loads(recv_exactly(c, n, "JSON header bytes"))
            n = h["datasize"]
        if not 0 <= n <= 1 << 24:
            raise Fail("length %d" % n)
        return recv_exactly(c, n, "output bytes")

    def ask(c, cmd):
        c.sendall(cmd.encode())
        got = read_answer(c)
        want = CANNED.get(cmd)
        if want is not None and got != want.encode():
            raise Fail("%r answered %r, want %r" % (cmd, got[:60], want[:60]))
        return got

    def plain():
        with connect() as c:
            ask(c, "whoami")

    def several():
        with connect() as c:
            for cmd in ["whoami", "ls -l", "pwd", "echo 你好", "dir"]:
                ask(c, cmd)

    def unknown():
        with connect() as c:
            if not ask(c, "rm -rf /"):
                raise Fail("empty answer to an unknown command")
            ask(c, "pwd")

    def one_after_another():
        for _ in range(3):
            with connect() as c:
                ask(c, "pwd")

    def early_close():
        c = connect()
        c.sendall(b"ls -l")
        c.close()
        plain()

    def reset():
        c = connect()
        c.sendall(b"ls -l")
        time.sleep(0.05)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
        time.sleep(0.05)
        plain()
    return [plain, several, unknown, one_after_another, early_close, reset, plain]


# --- upload-server --------------------------------------------------------

def upload_cases(workdir):
    store = os.path.join(workdir, "uploads")

    def put(c, name, data, sliced=False):
        head = json.dumps({"cmd": "put", "filename": name, "filesize": len(data)}).encode()
        msg = struct.pack("<i", len(head)) + head + data
        if sliced:
            send_sliced(c, msg, 0.0005)
        else:
            c.sendall(msg)

    def finish(c):
        c.shutdown(socket.SHUT_WR)
        c.settimeout(TIMEOUT)
        try:
            recv_until_eof(c)  # the replies, if any, then the server's close
        except (socket.timeout, ConnectionError):
            pass
        c.close()

    def stored(name, data):
        path = os.path.join(store, name)
        for _ in range(50):
            if os.path.exists(path) and os.path.getsize(path) == len(data):
                break
            time.sleep(0.05)
        if not os.path.exists(path):
            raise Fail("%s was not stored in uploads/" % name)
        got = open(path, "rb").read()
        if hashlib.sha256(got).digest() != hashlib.sha256(data).digest():
            raise Fail("%s: %d bytes stored, not the %d sent" % (name, len(got), len(data)))

    def plain():
        with connect() as c:
            put(c, "hello.txt", "你好, file\n".encode())
            finish(c)
        stored("hello.txt", "你好, file\n".encode())

    def sliced():
        with connect() as c:
            put(c, "sliced.txt", b"one byte at a time", sliced=True)
            finish(c)
        stored("sliced.txt", b"one byte at a time")

    def several_merged():
        with connect() as c:
            msgs = b""
            for i in range(3):
                d = b"file %d\n" % i
                head = json.dumps({"cmd": "put", "filename": "m%d.txt" % i, "filesize": len(d)}).encode()
                msgs += struct.pack("<i", len(head)) + head + d
            c.sendall(msgs)
            finish(c)
        for i in range(3):
            stored("m%d.txt" % i, b"file %d\n" % i)

    def big():
        data = os.urandom(1_500_000)
        with connect() as c:
            put(c, "big.bin", data)
            finish(c)
        stored("big.bin", data)

    def hostile():
        tag = "lab-check-%08x.txt" % random.getrandbits(32)
        outside = os.path.join(workdir, tag)  # ../ from uploads/
        with connect() as c:
            put(c, "../" + tag, b"must not land next to uploads/\n")
            put(c, "", b"empty name\n")
            put(c, "nul\0.txt", b"nul\n")
            put(c, "after.txt", b"still in step\n")
            finish(c)
        time.sleep(0.2)
        if os.path.exists(outside):
            os.remove(outside)
            raise Fail("wrote ../%s outside uploads/" % tag)
        stored("after.txt", b"still in step\n")

    def negative():
        with connect() as c:
            c.sendall(struct.pack("<i", -1) + b"garbage")
            finish(c)
        with connect() as c:
            head = json.dumps({"cmd": "put", "filename": "neg.txt", "filesize": -5}).encode()
            c.sendall(struct.pack("<i", len(head)) + head + b"xx")
            finish(c)
        plain()

    def reset():
        c = connect()
        head = json.dumps({"cmd": "put", "filename": "cut.txt", "filesize": 100000}).encode()
        c.sendall(struct.pack("<i", len(head)) + head + b"x" * 100)
        time.sleep(0.05)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
        time.sleep(0.1)
        plain()
    return [plain, sliced, several_merged, big, hostile, negative, reset, plain]


# --- http-server ----------------------------------------------------------

def http_cases():
    def response(c):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = c.recv(1)
            if not chunk:
                raise Fail("closed before the end of the response head (%r)" % head[:80])
            head += chunk
        lines = head.decode("latin-1").split("\r\n")
        status = lines[0]
        length = None
        for line in lines[1:]:
            k, _, v = line.partition(":")
            if k.strip().lower() == "content-length":
                length = int(v.strip())
        if length is None:
            raise Fail("no Content-Length in %r" % head)
        body = recv_exactly(c, length, "body bytes")
        return status, body

    def get(c, path, sliced=False, close=False):
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: harsh\r\n%s\r\n" % (
            path, HOST, PORT, "Connection: close\r\n" if close else "")).encode()
        if sliced:
            send_sliced(c, req, 0.001)
        else:
            c.sendall(req)
        return response(c)

    def check(status, body, code):
        if status.split(" ")[1:2] != [str(code)]:
            raise Fail("status line %r, want %d" % (status, code))

    def plain():
        with connect() as c:
            st, body = get(c, "/", close=True)
            check(st, body, 200)
            c.settimeout(TIMEOUT)
            if c.recv(1024) != b"":
                raise Fail("bytes after the body of a Connection: close response")

    def sliced():
        with connect() as c:
            st, body = get(c, "/", sliced=True, close=True)
            check(st, body, 200)

    def not_found():
        with connect() as c:
            check(*get(c, "/nothing/here", close=True), 404)

    def keep_alive():
        with connect() as c:
            for path in ["/", "/missing", "/"]:
                get(c, path)

    def merged():
        with connect() as c:
            req = ("GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 2).encode()
            c.sendall(req)
            response(c)
            response(c)

    def early_close():
        c = connect()
        c.sendall(b"GET / HT")
        c.close()
        plain()
    return [plain, sliced, not_found, keep_alive, merged, early_close, plain]


# --- client exercises: the driver is the server ----------------------------

def run_client(argv, serve, timeout=15, refuse=False):
    """Listen, start the client, serve one connection with serve(conn),
    return the client's stdout."""
    ln = socket.socket()
    ln.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ln.bind((HOST, 0))
    ln.listen(5)
    port = ln.getsockname()[1]
    args = [a.replace("{host}", HOST).replace("{port}", str(port)) for a in argv]
    env = dict(os.environ, LAB_HOST=HOST, LAB_PORT=str(port), PYTHONUNBUFFERED="1")
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    outputs = {}

    def drain(name, f):  # read while the client runs: a full pipe would block it
        outputs[name] = f.read()
    readers = [threading.Thread(target=drain, args=(n, f)) for n, f in (("out", p.stdout), ("err", p.stderr))]
    for t in readers:
        t.start()
    try:
        ln.settimeout(timeout)
        try:
            conn, _ = ln.accept()
        except socket.timeout:
            raise Fail("the client never connected")
        conn.settimeout(TIMEOUT)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with conn:
            serve(conn)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Fail("the client did not exit")
        for t in readers:
            t.join()
        out, err = outputs["out"], outputs["err"]
        if refuse:
            if p.returncode == 0:
                raise Fail("the client exited 0 after being sent something it must refuse; stdout %r" % out[:80])
            return out
        if p.returncode != 0:
            raise Fail("the client exited %d: %s" % (p.returncode, err.decode(errors="replace")[-300:]))
        return out
    finally:
        ln.close()
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        for t in readers:
            t.join()


def send_maybe_sliced(conn, data, mode):
    if mode == "sliced":
        time.sleep(0.2)  # the client is waiting in recv() by now: it sees each byte alone
        send_sliced(conn, data[:64], 0.003)
        send_sliced(conn, data[64:], 0.0005 if len(data) < 5000 else 0)
    elif mode == "slow":
        for i in range(0, len(data), 7):
            conn.sendall(data[i:i + 7])
            time.sleep(0.01)
    else:
        conn.sendall(data)


def reader_cases(argv):
    def case(msg, mode):
        def serve(conn):
            send_maybe_sliced(conn, msg.encode(), mode)
        def run():
            out = run_client(argv, serve)
            if out != (msg + "\n").encode():
                raise Fail("printed %r (%d bytes), want %r (%d bytes)" % (out[:60], len(out), (msg + "\n")[:60], len(msg) + 1))
        run.__name__ = "%s_%d" % (mode, len(msg))
        return run
    big = "".join("line %d 你好，世界\n" % i for i in range(60000))
    return [case("Hello from the server, in small pieces.", "plain"), case("你好，世界", "sliced"),
            case("你好，世界" * 3, "slow"), case(big, "plain")]


def command_client_cases(argv, json_header):
    def frame(out):
        if json_header:
            h = json.dumps({"datasize": len(out)}).encode()
            return struct.pack("<i", len(h)) + h + out
        return struct.pack("<i", len(out)) + out

    def case(name, mode, outputs):
        def serve(conn):
            for want_cmd in COMMANDS:
                cmd = b""
                conn.settimeout(TIMEOUT)
                cmd = conn.recv(1024)
                # a command comes in one send; give a sliced one a moment
                t = time.time() + 0.2
                while cmd != want_cmd.encode() and time.time() < t:
                    conn.settimeout(0.05)
                    try:
                        more = conn.recv(1024)
                    except socket.timeout:
                        continue
                    if not more:
                        break
                    cmd += more
                conn.settimeout(TIMEOUT)
                if cmd != want_cmd.encode():
                    raise Fail("the client sent %r, want %r" % (cmd[:40], want_cmd))
                send_maybe_sliced(conn, frame(outputs[want_cmd]), mode)
            conn.settimeout(TIMEOUT)
            rest = recv_until_eof(conn)
            if rest:
                raise Fail("the client sent %r after the last command" % rest[:40])

        def run():
            out = run_client(argv, serve)
            want = b"".join(outputs[c] for c in COMMANDS)
            if out != want:
                raise Fail("printed %d bytes (%r…), want %d (%r…)" % (len(out), out[:40], len(want), want[:40]))
        run.__name__ = name
        return run
    canned = {c: CANNED[c].encode() for c in COMMANDS}
    huge = dict(canned, **{"ls -l": (LS * 1000).encode()})
    return [case("plain", "plain", canned), case("sliced", "sliced", canned),
            case("slow", "slow", canned), case("big", "plain", huge)]


def objects_cases(argv):
    def case(name, mode, obj):
        data = pickle.dumps(obj)
        def serve(conn):
            send_maybe_sliced(conn, bytes(f"{len(data):<10}", "utf-8") + data, mode)
        def run():
            out = run_client(argv, serve)
            want = (repr(obj) + "\n").encode()
            if out != want:
                raise Fail("printed %r, want %r" % (out[:80], want[:80]))
        run.__name__ = name
        return run
    obj = {"big": 1 << 40, "id": 42, "msg": "你好, server", "nested": {"hosts": ["127.0.0.1", "::1"], "port": 8080},
           "none": None, "ok": True, "raw": b"\x00\x01\xfe\xff", "scores": [95, 87.5, -3], "tags": ["tcp", "pickle"]}
    big = {"id": 7, "blob": "x" * 1_200_000, "t": (1, 2.5, "三"), "f": False}
    marker = b"lab-harsh: pickle.loads ran print()"
    evil_pickle = b"cbuiltins\nprint\n(S'" + marker + b"'\ntR."

    def evil():
        def serve(conn):
            conn.sendall(bytes(f"{len(evil_pickle):<10}", "utf-8") + evil_pickle)
        out = run_client(argv, serve, refuse=True)
        if marker in out:
            raise Fail("the client ran the callable the pickle named: it printed %r" % marker)
    shared = [1, 2]
    kinds = {"floats": [100.0, 1e16, 1e-05, 0.1, -2.5e-300, float("inf")], "ints": [0, -1, 255, 65536, -(1 << 70), 1 << 100],
             "quotes": ["it's", 'say "hi"', "both ' \"", "tab\tnew\nline\\", "\x00\x1b\u200b\U0001f600"],
             "bytes": [b"", b"'", b"\"'", bytes(range(0, 256, 37))], 3: (1,), (1, 2): (), None: [shared, shared],
             "empty": [{}, [], ()], "bool": [True, False]}
    return [case("plain", "plain", obj), case("sliced", "sliced", obj), case("slow", "slow", {"a": 1}),
            case("big", "plain", big), case("kinds", "plain", kinds), evil]


# --- running --------------------------------------------------------------

SERVERS = {
    "echo-server": lambda wd: echo_cases(False),
    "threaded-server": lambda wd: echo_cases(True),
    "udp-echo-server": lambda wd: udp_cases(),
    "chat-server": lambda wd: chat_cases(),
    "struct-server": lambda wd: command_cases(False),
    "json-server": lambda wd: command_cases(True),
    "upload-server": upload_cases,
    "http-server": lambda wd: http_cases(),
}
CLIENTS = {
    "reader-client": reader_cases,
    "struct-client": lambda a: command_client_cases(a, False),
    "json-client": lambda a: command_client_cases(a, True),
    "objects-client": objects_cases,
}


def run_cases(cases):
    failed = 0
    for case in cases:
        try:
            case()
            print("  ok   %s" % case.__name__)
        except Exception as e:  # noqa: a failing program shows up here in every way it can
            failed += 1
            print("  FAIL %s: %s: %s" % (case.__name__, type(e).__name__, e))
    return failed


def check(slug, argv):
    global PORT
    if slug in CLIENTS:
        return run_cases(CLIENTS[slug](argv))
    udp = slug == "udp-echo-server"
    PORT = free_port(socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    args = [a.replace("{host}", HOST).replace("{port}", str(PORT)) for a in argv]
    workdir = tempfile.mkdtemp(prefix="harsh-")
    os.mkdir(os.path.join(workdir, "run"))
    env = dict(os.environ, LAB_HOST=HOST, LAB_PORT=str(PORT), PYTHONUNBUFFERED="1")
    p = subprocess.Popen(args, cwd=os.path.join(workdir, "run"), env=env, start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while not listening(PORT, udp):
            if p.poll() is not None or time.time() > deadline:
                print("  FAIL start: the program never listened on %d (exit %s)" % (PORT, p.poll()))
                return 1
            time.sleep(0.05)
        cases = SERVERS[slug](os.path.join(workdir, "run"))

        def idle_cpu():
            """After the clients are gone the server must sleep in accept()
            or recv(), not spin (a loop on recv() == b'' takes a core)."""
            def ticks():
                f = open("/proc/%d/stat" % p.pid).read().rsplit(")", 1)[1].split()
                return int(f[11]) + int(f[12])
            time.sleep(0.3)
            before, t0 = ticks(), time.time()
            time.sleep(1.0)
            used = (ticks() - before) / os.sysconf("SC_CLK_TCK") / (time.time() - t0)
            if used > 0.3:
                raise Fail("%.0f%% of a CPU while no client is talking: a loop that never blocks" % (used * 100))
        failed = run_cases(cases + [idle_cpu])
        if p.poll() is not None:
            print("  (the program had exited with %s)" % p.returncode)
        return failed
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
        p.wait()


def main():
    if sys.argv[1:2] == ["--all"]:
        bad = 0
        only = sys.argv[2:]
        for slug in sorted(SERVERS) + sorted(CLIENTS):
            if only and slug not in only:
                continue
            folder = os.path.join(HERE, slug)
            if not os.path.isdir(folder):
                continue
            for f in sorted(os.listdir(folder)):
                if f.endswith(".py"):
                    argv = [sys.executable, os.path.join(folder, f), "{host}", "{port}"]
                elif f == "ref.go":
                    exe = os.path.join(tempfile.mkdtemp(prefix="harsh-go-"), slug)
                    subprocess.run(["go", "build", "-o", exe, "ref.go"], cwd=folder, check=True)
                    argv = [exe, "{host}", "{port}"]
                else:
                    continue
                print("%s/%s" % (slug, f))
                failed = check(slug, argv)
                expect_fail = f.startswith("bug-")
                verdict = ("expected: fails %d case(s)" % failed if failed else "UNEXPECTED: passes every case") if expect_fail \
                    else ("passes every case" if not failed else "UNEXPECTED: fails %d case(s)" % failed)
                print("  => " + verdict)
                bad += (failed == 0) if expect_fail else (failed > 0)
        sys.exit(1 if bad else 0)
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    sys.exit(1 if check(sys.argv[1], sys.argv[3:]) else 0)


if __name__ == "__main__":
    main()
