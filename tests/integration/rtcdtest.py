"""rtcdtest: shared helpers for rtcd's integration tests.

Starts a real rtcd (from the build tree) on ephemeral loopback ports in a
temporary directory, talks to its control socket, and provides an
independent STUN client built on aioice (Debian python3-aiortc). Every wait
is bounded. Tests run inside a private network namespace (see ns-run).
"""
import json
import os
import random
import re
import select
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time

from aioice import stun

BUILD = os.environ.get("RTCD_BUILDDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = os.environ.get("RTCD_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
RTCD = os.path.join(BUILD, "supervisor", "rtcd")
RTCCTL = os.path.join(BUILD, "supervisor", "rtcctl")
LIBP2P_PREFIX = "libp2p+webrtc+v1/"


def log(*a):
    print(*a, flush=True)


def fail(msg):
    raise AssertionError(msg)


_SANITIZED = None


def sanitized_build():
    """True when rtcd is the ASan+UBSan build (scripts/check-sanitizers.sh):
    ASan's allocator keeps freed memory in quarantine (RSS grows), ignores
    a worker's RLIMIT_AS, and cannot share a process with valgrind."""
    global _SANITIZED
    if _SANITIZED is None:
        out = subprocess.run(["ldd", RTCD], capture_output=True, text=True).stdout
        _SANITIZED = "libasan" in out
    return _SANITIZED


def wait_for(pred, timeout=10.0, step=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = pred()
        except (OSError, ValueError, KeyError) as e:   # e.g. a control socket busy
            last = e
        if last and not isinstance(last, Exception):
            return last
        time.sleep(step)
    fail("timed out after %.1fs waiting for %s (last: %r)" % (timeout, what, last))


def random_ufrag(n=32):
    return LIBP2P_PREFIX + "".join(random.choice(string.ascii_letters + string.digits)
                                   for _ in range(n))


class Daemon:
    """One rtcd process with its own temp dir, config and control socket."""

    def __init__(self, config=None, args=(), udp=("127.0.0.1:0", "[::1]:0"), http="127.0.0.1:0",
                 rtcd=RTCD, env=None, prefix=()):
        self.dir = tempfile.mkdtemp(prefix="rtcd-test-")
        self.control_path = os.path.join(self.dir, "control.sock")
        cfg = {
            "udp": list(udp),
            "http": http,
            "run_dir": os.path.join(self.dir, "run"),
            "control": self.control_path,
            "state_dir": os.path.join(self.dir, "state"),
            "log_level": "debug",
            "limits": {"pool_size": 3},
        }
        for k, v in (config or {}).items():
            if isinstance(v, dict) and isinstance(cfg.get(k), dict):
                cfg[k].update(v)
            else:
                cfg[k] = v
        self.config = cfg
        self.config_path = os.path.join(self.dir, "rtcd.conf")
        with open(self.config_path, "w") as f:
            json.dump(cfg, f)
        self.log_path = os.path.join(self.dir, "rtcd.log")
        self.args = list(args)
        self.rtcd = rtcd              # e.g. an installed copy
        self.env = env                # extra environment (NOTIFY_SOCKET, ...)
        self.prefix = list(prefix)    # a wrapper command (setpriv ...)
        self.proc = None

    def start(self, wait_idle=True):
        self.logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.prefix + [self.rtcd, "-c", self.config_path] + self.args,
                                    stdout=self.logf, stderr=subprocess.STDOUT,
                                    env=dict(os.environ, **self.env) if self.env else None)
        wait_for(lambda: self.proc.poll() is not None or "ready (pid" in self.log(),
                 timeout=60 if self.prefix else 15, what="rtcd ready")
        if self.proc.poll() is not None:
            fail("rtcd exited with %s:\n%s" % (self.proc.returncode, self.log()))
        self.status_json = self.status()
        self.udp = [parse_addr(a) for a in self.status_json["udp"]]
        self.http = parse_addr(self.status_json["http"]) if self.status_json.get("http") else None
        if wait_idle:
            want = self.config["limits"].get("pool_size", 4)
            wait_for(lambda: self.status()["workers"]["idle"] >= want,
                     timeout=90 if self.config.get("worker_wrapper") else 15,
                     what="worker pool filled")
        return self

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def control(self, req, raw=False, timeout=5.0):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.control_path)
        s.sendall((req if raw else json.dumps(req)).encode() + b"\n")
        buf = b""
        while b"\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        s.close()
        return json.loads(buf.decode())

    def status(self):
        return self.control({"cmd": "status"})

    def connections(self):
        return self.control({"cmd": "connections"})

    def workers(self):
        return self.control({"cmd": "workers"})

    def counters(self):
        return self.status()["counters"]

    def rss_kb(self, pid=None):
        with open("/proc/%d/status" % (pid or self.proc.pid)) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def nfds(self):
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))

    def stop(self, timeout=10.0, expect_code=0):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            fail("rtcd did not exit within %.0fs of SIGTERM\n%s" % (timeout, self.log()[-3000:]))
        self.logf.close()
        if expect_code is not None and code != expect_code:
            fail("rtcd exited with %d, expected %d\n%s" % (code, expect_code, self.log()[-3000:]))
        self.stop_seconds = time.monotonic() - t0
        return code

    def __enter__(self):
        return self.start()

    def __exit__(self, et, ev, tb):
        if et is not None:
            sys.stdout.write("---- rtcd log (tail) ----\n" + self.log()[-6000:] + "\n")
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        return False


def parse_addr(s):
    m = re.match(r"^\[(.*)\]:(\d+)$", s)
    if m:
        return (m.group(1), int(m.group(2)))
    host, port = s.rsplit(":", 1)
    return (host, int(port))


class StunClient:
    """An ICE controlling agent's connectivity checks, built with aioice."""

    def __init__(self, server, ufrag=None, remote_ufrag="client", family=None, sock=None):
        self.server = server
        self.ufrag = ufrag or random_ufrag()
        self.pwd = self.ufrag
        self.remote_ufrag = remote_ufrag
        fam = family or (socket.AF_INET6 if ":" in server[0] else socket.AF_INET)
        self.sock = sock or socket.socket(fam, socket.SOCK_DGRAM)
        if sock is None:
            self.sock.bind(("::1" if fam == socket.AF_INET6 else "127.0.0.1", 0))
        self.sock.setblocking(False)

    def request(self, pwd=None, use_candidate=True, username=None):
        msg = stun.Message(message_method=stun.Method.BINDING,
                           message_class=stun.Class.REQUEST)
        msg.attributes["USERNAME"] = username or "%s:%s" % (self.ufrag, self.remote_ufrag)
        msg.attributes["PRIORITY"] = 1853824767
        msg.attributes["ICE-CONTROLLING"] = random.getrandbits(64)
        if use_candidate:
            msg.attributes["USE-CANDIDATE"] = None
        msg.add_message_integrity((pwd or self.pwd).encode())   # adds FINGERPRINT too
        return msg

    def check(self, timeout=2.0, pwd=None, username=None, retries=3):
        """Send a check and return the verified response (or None)."""
        for _ in range(retries):
            req = self.request(pwd=pwd, username=username)
            self.sock.sendto(bytes(req), self.server)
            deadline = time.monotonic() + timeout / retries
            while time.monotonic() < deadline:
                r, _, _ = select.select([self.sock], [], [], max(0.0, deadline - time.monotonic()))
                if not r:
                    break
                data, src = self.sock.recvfrom(2048)
                # Verifies MESSAGE-INTEGRITY with our password and FINGERPRINT.
                resp = stun.parse_message(data, integrity_key=self.pwd.encode())
                if resp.transaction_id != req.transaction_id:
                    continue
                return resp
        return None

    def close(self):
        self.sock.close()


def expect_success(resp, client):
    if resp is None:
        fail("no STUN response")
    if resp.message_class != stun.Class.RESPONSE:
        fail("expected a success response, got %s" % resp.message_class)
    for attr in ("MESSAGE-INTEGRITY", "FINGERPRINT"):
        if attr not in resp.attributes:
            fail("response lacks %s" % attr)
    mapped = resp.attributes.get("XOR-MAPPED-ADDRESS")
    local = client.sock.getsockname()
    if mapped is None or mapped[0] != local[0] or mapped[1] != local[1]:
        fail("XOR-MAPPED-ADDRESS %r does not match our address %r" % (mapped, local[:2]))


def main(tests):
    """Run test functions in order; print a summary; exit non-zero on failure."""
    failed = 0
    for t in tests:
        t0 = time.monotonic()
        try:
            t()
            log("ok   %s (%.1fs)" % (t.__name__, time.monotonic() - t0))
        except Exception as e:  # report and continue with the next test
            failed += 1
            import traceback
            traceback.print_exc()
            log("FAIL %s: %s" % (t.__name__, e))
    sys.exit(1 if failed else 0)
