"""Chaos under load, the short version for `make check` (issue 8; the long
one is `make chaos`, see chaos.py for what the driver does and asserts):
60 s, 10 peers (7 aiortc, 1 stock js-libp2p gossipsub node, one Chromium
with a plain WebRTC page and a js-libp2p page) chatting and echoing while
workers are killed (SIGKILL/SEGV/ABRT), peers vanish, spoofed STUN floods,
garbage lands in established flows, offers are abandoned, the control
socket gets bad JSON and the supervisor SIGHUP. The supervisor survives
flat, every survivor gets every message exactly once in order, handshakes
succeed >= 99%, the listeners never close.

And the resource caps per worker that keep one peer from growing its
worker without bound (each held, or only that worker ends): SCTP streams
(<= 1024), the echo send queue against a peer that never reads, the memory
rlimit (worker_memory_mb), buffered DTLS fragments, the handshake deadline."""
import asyncio
import os
import struct
import time

from aiortc.rtcsctptransport import DataChunk

import chaos
from aiopeer import Peer
from rtcdtest import Daemon, StunClient, expect_success, fail, log, main, sanitized_build, wait_for

SECONDS = int(os.environ.get("CHAOS_SHORT_SECONDS", "60"))


def test_chaos_short():
    f = chaos.run(seconds=SECONDS, peers=10, chromium=2, libp2p=1, seed=8)
    for key in ("kills", "vanished peers", "SIGHUPs", "offers abandoned"):
        if not f[key]:
            raise AssertionError("the chaos never did %r: %r" % (key, f))
    log("chaos short: %d kills, %s" % (f["kills"], f["handshakes"]))


WORKER_MB = 64


def vm(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def deaf(peer):
    """Make an aiortc peer drop every inbound SCTP DATA chunk unacknowledged:
    it keeps sending but never reads (nor acknowledges) a reply."""
    sctp = peer.pc.sctp
    orig = sctp._receive_chunk

    async def drop(chunk):
        if not isinstance(chunk, DataChunk):
            await orig(chunk)
    sctp._receive_chunk = drop


def test_peer_cannot_grow_its_worker():
    """Resource caps per worker. Two hostile aiortc peers try to make their
    workers grow without bound: one opens 1200 more data channels than the
    1024 SCTP streams allow, the other stops reading and acknowledging while
    it pushes 48 MiB of echo requests (every byte would be queued back to it).
    Each worker stays under its memory rlimit (worker_memory_mb) or dies
    alone; no channel opens beyond stream 1023; the deaf peer is held off by
    back-pressure (or its channel closed by the queue cap); a witness peer
    echoes throughout with low latency; the supervisor's pid and RSS do not
    move."""
    if sanitized_build():
        log("skipped in the sanitizer build: ASan's allocator ignores RLIMIT_AS")
        return
    cfg = {"limits": {"worker_memory_mb": WORKER_MB, "pool_size": 3}}
    with Daemon(config=cfg) as d:
        async def run():
            witness = await Peer(d.http).connect()
            many = await Peer(d.http).connect()
            flood = await Peer(d.http).connect()
            pid_of = {c["id"]: c["pid"] for c in d.connections()}
            wpid = pid_of[int(witness.location.rsplit("/", 1)[1])]
            mpid = pid_of[int(many.location.rsplit("/", 1)[1])]
            fpid = pid_of[int(flood.location.rsplit("/", 1)[1])]
            rss0, fds0 = d.rss_kb(), d.nfds()
            lat = []
            hwm = {mpid: 0, fpid: 0}

            async def witness_loop(stop):
                while not stop.is_set():
                    t0 = time.monotonic()
                    data = os.urandom(1200)
                    if await witness.echo(data, timeout=5) != data:
                        fail("witness echo differs")
                    lat.append(time.monotonic() - t0)
                    for pid in hwm:
                        v = vm(pid, "VmHWM")
                        if v:
                            hwm[pid] = max(hwm[pid], v)
                    await asyncio.sleep(0.1)
            stop = asyncio.Event()
            wl = asyncio.ensure_future(witness_loop(stop))

            # 1. more channels than SCTP streams
            chans = [many.pc.createDataChannel("echo") for _ in range(1200)]
            await asyncio.sleep(6)
            opened = sum(1 for c in chans if c.readyState == "open")
            ids = sorted(c.id for c in chans if c.readyState == "open" and c.id is not None)
            log("1200 extra channels: %d opened (highest stream id %s); worker %s" %
                (opened, ids[-1] if ids else None, "alive" if vm(mpid, "VmRSS") else "gone"))
            if ids and ids[-1] >= 1024:
                fail("a channel opened on stream %d (cap 1024)" % ids[-1])

            # 2. a deaf peer pushing echo requests
            deaf(flood)
            ch = flood.channels["echo"]
            chunk = os.urandom(60000)
            pushed = 0
            t0 = time.monotonic()
            while pushed < 48 << 20 and ch.readyState == "open" and time.monotonic() - t0 < 40:
                if ch.bufferedAmount > 2 << 20:
                    await asyncio.sleep(0.01)
                    continue
                ch.send(chunk)
                pushed += len(chunk)
                await asyncio.sleep(0)
            await asyncio.sleep(3)
            stop.set()
            await wl
            st = d.status()
            log("deaf peer pushed %d MiB in %.1f s; channel %s; worker %s; peak RSS of the hostile "
                "workers %r KiB (cap %d MiB)" % (pushed >> 20, time.monotonic() - t0, ch.readyState,
                                                   "alive" if vm(fpid, "VmRSS") else "gone", hwm, WORKER_MB))
            p50, p99 = sorted(lat)[len(lat) // 2], sorted(lat)[int(len(lat) * 0.99)]
            log("witness: %d echoes, p50 %.1f ms, p99 %.1f ms; supervisor rss %d -> %d KiB, fds %d -> %d; "
                "workers %r" % (len(lat), p50 * 1000, p99 * 1000, rss0, d.rss_kb(), fds0, d.nfds(),
                                st["workers"]))
            # Either back-pressure held the flood in the peer's own buffers
            # (the worker stops reading what it cannot answer), or the queue
            # cap closed the channel, or the worker died: never growth.
            # (The close is a stream reset, which waits in SCTP behind the data
            # the deaf peer never acknowledges: rtcd's log says it happened.)
            fid = int(flood.location.rsplit("/", 1)[1])
            got = {c["id"]: c["bytes_in"] for c in d.connections()}.get(fid)
            capped = any(l.startswith("rtcd[warn] conn %d " % fid) and "peer sends faster than it reads" in l
                         for l in d.log().splitlines())
            log("the hostile worker took in %s bytes of the %d pushed; queue cap hit: %s" % (got, pushed, capped))
            if got is not None and got > 24 << 20 and not capped:
                fail("the deaf peer's worker took %d bytes without closing the channel" % got)
            for pid, v in hwm.items():
                if v > WORKER_MB * 1024:
                    fail("worker %d reached %d KiB, over its %d MiB cap" % (pid, v, WORKER_MB))
            if vm(wpid, "VmRSS") is None:
                fail("the witness's worker died")
            if p99 > 1.0:
                fail("the witness waited %.0f ms for an echo" % (p99 * 1000))
            if d.rss_kb() - rss0 > 2048:
                fail("supervisor RSS grew %d KiB" % (d.rss_kb() - rss0))
            if st["pid"] != d.proc.pid:
                fail("supervisor changed")
            data = b"still here"
            if await witness.echo(data) != data:
                fail("witness echo after the attack")
            for p in (witness, many, flood):
                await p.close()
        asyncio.run(asyncio.wait_for(run(), 120))
        d.stop()


def test_memory_rlimit_stops_a_growing_worker():
    """The memory rlimit itself: a worker told (debug hook "grow") to
    allocate and touch memory without end is refused at worker_memory_mb
    (its peak RSS stays under the cap), ends alone, and the other peer
    keeps echoing; the supervisor is not touched."""
    if sanitized_build():
        log("skipped in the sanitizer build: ASan's allocator ignores RLIMIT_AS")
        return
    cfg = {"debug_hooks": True, "limits": {"worker_memory_mb": WORKER_MB, "pool_size": 3}}
    with Daemon(config=cfg) as d:
        async def run():
            a = await Peer(d.http).connect()
            b = await Peer(d.http).connect()
            pid_of = {c["id"]: c["pid"] for c in d.connections()}
            bid = int(b.location.rsplit("/", 1)[1])
            bpid = pid_of[bid]
            rss0 = d.rss_kb()
            r = d.control({"cmd": "debug", "id": bid, "action": "grow"})
            if r.get("pid") != bpid:
                fail("debug grow: %r" % r)
            peak = 0
            for _ in range(100):
                v = vm(bpid, "VmHWM")
                if v is None:
                    break
                peak = max(peak, v)
                await asyncio.sleep(0.05)
            line = [x for x in d.log().splitlines() if "grew by" in x]
            log("%s; last peak RSS seen %d KiB; cap %d MiB" % (line[-1] if line else "no log line", peak, WORKER_MB))
            if not line:
                fail("the growing worker did not report")
            grown = int(line[-1].split("grew by ")[1].split()[0])
            if not 4 <= grown < WORKER_MB:
                fail("the worker grew by %d MiB with a %d MiB cap" % (grown, WORKER_MB))
            if any(c["id"] == bid for c in d.connections()) and vm(bpid, "VmRSS") is not None:
                await asyncio.sleep(1)
            if any(c["id"] == bid for c in d.connections()):
                fail("the growing worker's connection is still there")
            data = os.urandom(5000)
            if await a.echo(data) != data:
                fail("the other peer stopped echoing")
            if d.rss_kb() - rss0 > 1024:
                fail("supervisor RSS grew")
            await a.close()
            await b.close()
        asyncio.run(asyncio.wait_for(run(), 60))
        d.stop()


def dtls_fragment(seq, msg_seq, offset, body):
    """A DTLS 1.2 handshake record carrying one fragment of a 16 000-byte
    ClientHello (within what OpenSSL accepts, so it buffers it)."""
    hs = struct.pack("!B3sH3s3s", 1, (16000).to_bytes(3, "big"), msg_seq, offset.to_bytes(3, "big"),
                     len(body).to_bytes(3, "big")) + body
    return struct.pack("!BHH6sH", 22, 0xFEFD, 0, seq.to_bytes(6, "big"), len(hs)) + hs


def test_dtls_fragments_and_handshake_deadline():
    """Buffered DTLS fragments and the handshake deadline. After a valid ICE
    check (WebRTC Direct), one peer sends ClientHello fragments (150 KB of
    them, for messages that are never completed); its worker stops it at
    DTLS_MAX_HANDSHAKE_BYTES (64 KiB) and ends the connection. Another peer
    authenticates and then stays silent: its worker is closed at the
    handshake deadline. Neither crashes; a third client is served."""
    with Daemon(config={"limits": {"handshake_timeout_s": 3, "pool_size": 3}}) as d:
        a, b = StunClient(d.udp[0]), StunClient(d.udp[0])
        expect_success(a.check(), a)
        expect_success(b.check(), b)
        t0 = time.monotonic()
        conns = d.connections()
        if len(conns) != 2:
            fail("expected two connections: %r" % conns)
        # Future messages (seq 1..10: OpenSSL keeps those) without their
        # first fragment, so nothing ever completes: 150 KB of fragments.
        sent = 0
        for i in range(150):
            body = os.urandom(1000)
            a.sock.sendto(dtls_fragment(i, 1 + i // 15, 1000 * (1 + i % 15), body), d.udp[0])
            sent += len(body)
            if i % 50 == 49:
                time.sleep(0.01)
        wait_for(lambda: "handshake exceeded" in d.log(), timeout=5, what="the fragment cap")
        wait_for(lambda: len(d.connections()) == 0, timeout=3 + 5,
                 what="both connections closed (cap, deadline)")
        took = time.monotonic() - t0
        logtxt = d.log()
        log("fragments: %d KiB sent, cap hit; silent peer closed after %.1f s; %s" %
            (sent >> 10, took, [x for x in logtxt.splitlines() if "handshake" in x and "closed" in x]))
        if "handshake timeout" not in logtxt:
            fail("the silent peer was not closed by the handshake deadline")
        if took > 3 + 3:
            fail("the handshake deadline took %.1f s (3 s configured)" % took)
        st = d.status()
        if st["workers"]["crashed_total"] or st["workers"]["killed_total"] > 1:
            fail("workers crashed or were killed: %r" % st["workers"])
        c = StunClient(d.udp[0])
        expect_success(c.check(), c)
        d.stop()


if __name__ == "__main__":
    main([test_peer_cannot_grow_its_worker, test_memory_rlimit_stops_a_growing_worker,
          test_dtls_fragments_and_handshake_deadline, test_chaos_short])
