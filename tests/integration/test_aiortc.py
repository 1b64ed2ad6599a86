"""rtcd against aiortc, an independent WebRTC stack (Debian python3-aiortc):
SDP offer over HTTP, ICE, DTLS, SCTP data channels and SRTP media.
- the echo channel round-trips 1 000 messages of random sizes up to 64 KiB,
  content checked (text and binary);
- a video track sent to rtcd comes back (frames received);
- 20 concurrent peers; kill -9 of one worker leaves the other 19 echoing."""
import asyncio
import os
import random
import signal

from aiopeer import Peer
from rtcdtest import Daemon, fail, log, main, wait_for


async def echo_1000(d):
    p = await Peer(d.http).connect()
    rng = random.Random(1)
    for i in range(1000):
        n = rng.choice([0, 1, 2, 100, 1200, 1300, 16384, 65536, rng.randint(1, 65536)])
        if i % 2:
            data = os.urandom(n)
        else:
            data = "".join(rng.choice("abcdefghij\u00e9\u20ac") for _ in range(min(n, 20000)))
        got = await p.echo(data)
        if got != data:
            fail("echo %d (%d bytes, %s) came back different" % (i, n, type(data).__name__))
    await p.close()


def test_echo_1000_messages():
    with Daemon() as d:
        asyncio.run(asyncio.wait_for(echo_1000(d), 120))
        k = d.counters()
        log("echo: dgrams in %d out %d" % (k["dgrams_in"], k["dgrams_out"]))
        d.stop()


async def video_back(d):
    p = await Peer(d.http, video=True).connect()
    await asyncio.sleep(4)
    frames = p.frames
    await p.close()
    return frames


def test_video_comes_back():
    with Daemon() as d:
        frames = asyncio.run(asyncio.wait_for(video_back(d), 60))
        log("video frames echoed back: %d" % frames)
        if frames < 20:
            fail("only %d video frames came back in 4 s" % frames)
        d.stop()


async def twenty_peers(d):
    peers = await asyncio.gather(*(Peer(d.http).connect(timeout=30) for _ in range(20)))
    for i, p in enumerate(peers):
        if await p.echo("hello %d" % i) != "hello %d" % i:
            fail("peer %d echo mismatch" % i)
    conns = d.connections()
    if len(conns) != 20:
        fail("expected 20 connections, got %d" % len(conns))
    victim = conns[0]
    os.kill(victim["pid"], signal.SIGKILL)
    wait_for(lambda: len(d.connections()) == 19, what="victim gone")
    alive = 0
    for i, p in enumerate(peers):
        try:
            if await p.echo("again %d" % i, timeout=3) == "again %d" % i:
                alive += 1
        except asyncio.TimeoutError:
            pass
    if alive != 19:
        fail("%d peers echo after kill -9 of one worker (expected 19)" % alive)
    await asyncio.gather(*(p.close() for p in peers))


def test_twenty_peers_and_kill9():
    with Daemon(config={"limits": {"pool_size": 8}}) as d:
        asyncio.run(asyncio.wait_for(twenty_peers(d), 120))
        if d.status()["workers"]["crashed_total"] != 1:
            fail("crash not counted")
        d.stop()


if __name__ == "__main__":
    main([test_echo_1000_messages, test_video_comes_back, test_twenty_peers_and_kill9])
