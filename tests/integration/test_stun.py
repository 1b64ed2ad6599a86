"""ICE-lite through the supervisor/worker split, checked by an independent
STUN implementation (aioice): WebRTC Direct ufrags open flows on pool
workers over IPv4 and IPv6, responses carry valid MESSAGE-INTEGRITY,
FINGERPRINT and XOR-MAPPED-ADDRESS, bad credentials get silence, unknown
ufrags are dropped and counted, consent expiry ends a connection."""
import socket
import time

from rtcdtest import Daemon, StunClient, expect_success, fail, log, main, random_ufrag, wait_for


def test_v4_and_v6_checks():
    with Daemon() as d:
        v4, v6 = d.udp
        a = StunClient(v4)
        b = StunClient(v6)
        for c in (a, b):
            for _ in range(5):
                expect_success(c.check(), c)
        conns = d.connections()
        if len(conns) != 2:
            fail("expected 2 connections, got %r" % conns)
        for c in conns:
            if c["mode"] != "webrtc-direct" or c["state"] != "handshake" or not c["remote"]:
                fail("unexpected connection entry %r" % c)
        k = d.counters()
        if k["flows_opened"] != 2 or k["flows_bound"] != 2:
            fail("counters %r" % k)
        # the same ufrag from a second address reaches the same worker
        a2 = StunClient(v4, ufrag=a.ufrag)
        expect_success(a2.check(), a2)
        if len(d.connections()) != 2:
            fail("same ufrag from another port must not open a new connection")
        d.stop()


def test_bad_credentials_and_unknown_ufrags():
    with Daemon() as d:
        v4 = d.udp[0]
        c = StunClient(v4)
        if c.check(pwd="not-the-password", retries=1, timeout=0.5) is not None:
            fail("a request with bad MESSAGE-INTEGRITY was answered")
        # A ufrag that is neither a pending offer nor a libp2p one: dropped.
        before = d.counters()["dropped_unrouted"]
        x = StunClient(v4, ufrag="randomufrag")
        if x.check(retries=1, timeout=0.5) is not None:
            fail("an unknown ufrag was answered")
        wait_for(lambda: d.counters()["dropped_unrouted"] > before, what="dropped_unrouted")
        # The authenticated client still works afterwards.
        expect_success(c.check(), c)
        d.stop()


def test_consent_expiry_ends_connection():
    with Daemon(config={"limits": {"consent_timeout_s": 2}}) as d:
        c = StunClient(d.udp[0])
        expect_success(c.check(), c)
        wait_for(lambda: len(d.connections()) == 1, what="connection listed")
        t0 = time.monotonic()
        wait_for(lambda: len(d.connections()) == 0, timeout=8, what="consent expiry")
        took = time.monotonic() - t0
        if took < 1.0:
            fail("connection ended after %.1fs, before its consent expired" % took)
        if "consent expired" not in d.log():
            fail("no consent log line")
        log("consent expired after %.1fs" % took)
        d.stop()


def test_checks_keep_consent_alive():
    with Daemon(config={"limits": {"consent_timeout_s": 2}}) as d:
        c = StunClient(d.udp[0])
        for _ in range(8):
            expect_success(c.check(), c)
            time.sleep(0.5)
        if len(d.connections()) != 1:
            fail("a connection with fresh consent was closed")
        d.stop()


if __name__ == "__main__":
    main([test_v4_and_v6_checks, test_bad_credentials_and_unknown_ufrags,
          test_consent_expiry_ends_connection, test_checks_keep_consent_alive])
