"""Failure containment, the reason rtcd exists.

1. The forum-thread trigger (rust-libp2p #3574): a peer that vanished makes
   the server's reply draw an ICMP port unreachable. We reproduce it with a
   raw socket sending a STUN check from a source port where nobody listens,
   so rtcd's answer is refused by the kernel. The listener must keep serving
   every other client; the error is attributed to that peer's connection only.
2. kill -9 of one worker leaves the other flows answering; the crash is
   counted and the pool refilled.
"""
import os
import signal
import socket
import struct
import time

from rtcdtest import (Daemon, StunClient, expect_success, fail, log, main, random_ufrag,
                      wait_for)


USED_PORTS = set()


def free_port(family):
    """A port nobody listens on, never the same twice in this test."""
    while True:
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()                # nobody listens there any more
        if port not in USED_PORTS:
            USED_PORTS.add(port)
            return port


def send_from_dead_port(server, payload, sport=None):
    """Send a UDP datagram whose source port has no socket (raw socket)."""
    v6 = ":" in server[0]
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    sport = sport or free_port(fam)
    raw = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_UDP)
    if v6:
        raw.setsockopt(socket.IPPROTO_IPV6, 7, 6)   # IPV6_CHECKSUM at offset 6
    hdr = struct.pack("!HHHH", sport, server[1], 8 + len(payload), 0)
    raw.sendto(hdr + payload, (server[0], 0))
    raw.close()
    return sport


def test_icmp_unreachable_never_closes_listener():
    with Daemon() as d:
        for server in d.udp:                    # IPv4 and IPv6 listeners
            good = StunClient(server)
            expect_success(good.check(), good)
            for i in range(10):
                before = d.counters()["peer_errors"]
                ghost = StunClient(server)      # only used to build the request
                # Like a real client, retransmit until served (a pool worker
                # may be busy being re-spawned).
                sport = None
                for attempt in range(20):
                    sport = send_from_dead_port(server, bytes(ghost.request()), sport)
                    try:
                        wait_for(lambda: d.counters()["peer_errors"] > before, timeout=0.5,
                                 what="ICMP error attributed to the vanished peer")
                        break
                    except AssertionError:
                        continue
                else:
                    fail("no ICMP error was ever attributed to the vanished peer")
                # The connection of the vanished peer ends; the listener does not.
                wait_for(lambda: not any(c["remote"].endswith(":%d" % sport) for c in d.connections()),
                         timeout=5, what="the vanished peer's connection closed")
                expect_success(good.check(), good)
                fresh = StunClient(server)
                expect_success(fresh.check(), fresh)
                fresh.close()
                ghost.close()
            k = d.counters()
            if k["listener_errors"] != 0 or k["listener_reopens"] != 0:
                fail("listener saw errors: %r" % k)
            log("%s: %d ICMP errors absorbed, listener kept serving" % (server, k["peer_errors"]))
        if "peer unreachable" not in d.log():
            fail("the worker of the vanished peer did not close on PEER_ERROR")
        d.stop()


def test_kill9_worker_leaves_others_answering():
    with Daemon() as d:
        clients = [StunClient(d.udp[i % 2]) for i in range(6)]
        for c in clients:
            expect_success(c.check(), c)
        conns = d.connections()
        if len(conns) != 6:
            fail("expected 6 connections: %r" % conns)
        victim = conns[0]
        os.kill(victim["pid"], signal.SIGKILL)
        wait_for(lambda: d.status()["workers"]["crashed_total"] == 1, what="crash counted")
        wait_for(lambda: len(d.connections()) == 5, what="victim removed")
        answered = 0
        for c in clients:
            r = c.check(retries=2, timeout=1.0)
            if r is not None:
                expect_success(r, c)
                answered += 1
        # The victim's peer (same ufrag) now lands on a new worker, so all six
        # may answer; at least the five untouched ones must.
        if answered < 5:
            fail("only %d of the other flows answered after kill -9" % answered)
        wait_for(lambda: d.status()["workers"]["idle"] >= 3, what="pool refilled")
        if "died from signal 9" not in d.log():
            fail("crash not logged with its signal")
        d.stop()


if __name__ == "__main__":
    main([test_icmp_unreachable_never_closes_listener, test_kill9_worker_leaves_others_answering])
