"""Hostile input at the supervisor: 10 000 garbage datagrams, STUN with bad
integrity (to unknown and to established tuples), a flood of random libp2p
ufrags, bad control-socket JSON. Nothing crashes, nothing leaks (supervisor
RSS and fd count stay flat), limits hold, and a legitimate client is served
throughout."""
import json
import os
import random
import socket
import struct
import time

from rtcdtest import (Daemon, StunClient, expect_success, fail, log, main, random_ufrag,
                      wait_for)


def garbage(rng, i):
    kind = i % 5
    if kind == 0:                              # random bytes of random size
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 1500)))
    if kind == 1:                              # STUN-looking header, random body
        body = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200) * 4))
        return struct.pack("!HHI", 1, len(body), 0x2112A442) + os.urandom(12) + body
    if kind == 2:                              # STUN with a lying length
        return struct.pack("!HHI", 1, 4000, 0x2112A442) + os.urandom(12) + b"\x00\x06\x00\xff"
    if kind == 3:                              # DTLS-looking record
        return b"\x16\xfe\xfd" + os.urandom(rng.randint(0, 300))
    return b"\x80" + os.urandom(rng.randint(0, 1200))   # RTP-looking


def test_garbage_flood():
    with Daemon() as d:
        good = StunClient(d.udp[0])
        expect_success(good.check(), good)
        rng = random.Random(7)
        s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        # warm up allocator pools before measuring
        for i in range(500):
            s4.sendto(garbage(rng, i), d.udp[0])
        time.sleep(0.5)
        rss0, fds0 = d.rss_kb(), d.nfds()
        for i in range(10000):
            (s6 if i % 2 else s4).sendto(garbage(rng, i), d.udp[i % 2])
            if i % 1000 == 0:
                expect_success(good.check(), good)
        time.sleep(0.5)
        expect_success(good.check(), good)
        rss1, fds1 = d.rss_kb(), d.nfds()
        k = d.counters()
        log("garbage: rss %d -> %d KiB, fds %d -> %d, dropped_unrouted %d" %
            (rss0, rss1, fds0, fds1, k["dropped_unrouted"]))
        if k["dropped_unrouted"] < 9000:
            fail("garbage not counted: %r" % k)
        if rss1 - rss0 > 2048:
            fail("supervisor RSS grew by %d KiB under garbage" % (rss1 - rss0))
        if fds1 != fds0:
            fail("fd count changed %d -> %d" % (fds0, fds1))
        if d.status()["workers"]["crashed_total"] != 0:
            fail("a worker crashed on garbage")
        d.stop()


def test_bad_integrity_to_established_tuple():
    with Daemon() as d:
        c = StunClient(d.udp[0])
        expect_success(c.check(), c)
        # Wrong password from the authenticated tuple: 401, connection stays.
        from aioice import stun
        for _ in range(200):
            req = c.request(pwd="wrong")
            c.sock.sendto(bytes(req), d.udp[0])
        time.sleep(0.3)
        try:
            while True:
                data, _ = c.sock.recvfrom(2048)
                resp = stun.parse_message(data)
                if resp.message_class != stun.Class.ERROR or resp.attributes["ERROR-CODE"][0] != 401:
                    fail("expected 401, got %r" % resp)
        except BlockingIOError:
            pass
        expect_success(c.check(), c)
        if len(d.connections()) != 1:
            fail("the connection did not survive bad checks")
        d.stop()


def test_random_ufrag_flood_is_bounded():
    cfg = {"limits": {"max_pending": 8, "new_flows_per_ip": 20, "new_flows_burst": 40,
                      "handshake_timeout_s": 2, "pool_size": 4}}
    with Daemon(config=cfg) as d:
        socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(300)]
        t0 = time.monotonic()
        for i in range(3000):
            s = socks[i % len(socks)]
            c = StunClient(d.udp[0], sock=s)
            s.sendto(bytes(c.request()), d.udp[0])
        took = time.monotonic() - t0
        time.sleep(0.3)
        st = d.status()
        busy = st["workers"]["active"]
        log("flood: active workers %d, dropped_limit %d" % (busy, st["counters"]["dropped_limit"]))
        if busy > 8:
            fail("max_pending exceeded: %d workers busy" % busy)
        allowed = 40 + 20 * (took + 0.3) + 5
        # Each of the 300 source sockets sends 10 requests; a socket whose
        # first request opened a flow is bound, its later ones reach that
        # worker (401 answers) instead of being dropped.
        opened = st["counters"]["flows_opened"]
        if opened > allowed or st["counters"]["dropped_limit"] < 3000 - opened * 10:
            fail("limits did not drop the flood: %r" % st["counters"])
        # Unauthenticated flood workers time out; the pool comes back.
        wait_for(lambda: d.status()["workers"]["active"] == 0, timeout=15,
                 what="flood workers reaped after the handshake deadline")
        # A legitimate dial from another source IP still gets through.
        other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        other.bind(("127.0.0.2", 0))
        c = StunClient(d.udp[0], sock=other)
        wait_for(lambda: c.check(retries=1, timeout=0.5) is not None, timeout=10,
                 what="legit dial after flood")
        d.stop()


def test_control_socket_abuse():
    with Daemon() as d:
        bad = ['{', '[]', '"status"', '{"cmd": 3}', '{"cmd": "nope"}', '{"cmd":"kill","id":99999}',
               '{"cmd":"kill"}', '{"cmd":"debug","pid":1,"action":"crash"}', '\x00\x01\x02',
               '{"cmd":"status","cmd":"status"}']
        for line in bad:
            r = d.control(line, raw=True)
            if "error" not in r:
                fail("%r was not answered with an error: %r" % (line, r))
        # A very long line: error and disconnect, daemon fine.
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(d.control_path)
        s.settimeout(5)
        try:
            s.sendall(b"x" * (200 * 1024))
        except OSError:
            pass
        data = b""
        try:
            data = s.recv(4096)
        except OSError:
            pass
        s.close()
        if data and b"error" not in data:
            fail("long line answer: %r" % data[:100])
        # Many idle clients: capped, the daemon keeps answering.
        socks = []
        for _ in range(40):
            x = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            x.connect(d.control_path)
            socks.append(x)
        for x in socks:
            x.close()
        wait_for(lambda: "version" in d.status(), what="status after abuse")
        if d.counters()["control_errors"] < len(bad):
            fail("control errors not counted")
        d.stop()


if __name__ == "__main__":
    main([test_garbage_flood, test_bad_integrity_to_established_tuple,
          test_random_ufrag_flood_is_bounded, test_control_socket_abuse])
