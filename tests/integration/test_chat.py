"""Chat rooms across workers and both protocols (issue 5):
- Chromium, three pages in one room (two js-libp2p with gossipsub, one plain
  WebRTC): 50 messages each, every page receives the other two pages' 100
  exactly once in per-sender order; one libp2p browser killed, the other two
  keep chatting (50 more each, all delivered); a new page joins and chats; a
  screenshot of the page is saved; no console errors.
- a stock js-libp2p gossipsub node (Node.js, no rtcd code) subscribes to the
  room topic through rtcd and receives messages from a plain WebRTC peer
  (aiortc) and from another stock node.
- a slow consumer (an aiortc peer whose process stops reading) does not
  delay delivery to the others."""
import asyncio
import json
import os
import subprocess
import sys
import time

from aiopeer import Peer
from rtcdtest import BUILD, SRC, Daemon, fail, log, main, wait_for


def node(script, args, timeout=120, env=None, background=False):
    cmd = ["node", os.path.join(SRC, "web-demo", "test", script)] + args
    e = dict(os.environ, RTCD_SRCDIR=SRC, **(env or {}))
    if background:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=e)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e)
    return parse(p.stdout + p.stderr, p.returncode, script)


def parse(out, code, what):
    res = None
    for line in out.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[7:])
    if code != 0 or res is None or "error" in res:
        log(out[-3000:])
        fail("%s failed: %s" % (what, res.get("error") if res else out[-400:]))
    return res


def test_three_pages_two_protocols():
    shot = os.path.join(BUILD, "tests", "chat-demo.png")
    with Daemon(config={"limits": {"pool_size": 4}}) as d:
        url = "http://%s:%d" % d.http
        r = node("chrome.mjs", ["chat3", url], timeout=240,
                 env={"CHROME_TIMEOUT_MS": "220000", "SCREENSHOT": shot})
        if r["pageErrors"]:
            fail("console errors: %r" % r["pageErrors"])
        if not os.path.exists(shot) or os.path.getsize(shot) < 5000:
            fail("no screenshot saved")
        rooms = d.control({"cmd": "rooms"})
        log("presence on the plain page: %s; rooms %s; screenshot %s" % (r["presence"], rooms, shot))
        k = d.counters()
        if k["room_lost"] or d.status()["workers"]["crashed_total"]:
            fail("messages lost or a worker crashed: %r" % k)
        d.stop()


async def aio_chat_peer(d, name):
    p = Peer(d.http, channels=("chat",))
    await p.connect()
    p.channels["chat"].send(json.dumps({"type": "join", "room": "lobby", "name": name}))
    return p


def test_stock_gossipsub_node_receives():
    with Daemon() as d:
        ma = d.status()["multiaddrs"][0]
        listener = node("gossipnode.mjs", [ma, "lobby", "6"], background=True)
        # wait until the stock node is in the room
        wait_for(lambda: any(r["name"] == "lobby" and r["members"] >= 1 for r in d.control({"cmd": "rooms"})),
                 timeout=15, what="stock node subscribed")

        async def plain():
            p = await aio_chat_peer(d, "plainpeer")
            await asyncio.sleep(0.3)
            for i in range(5):
                p.channels["chat"].send(json.dumps({"type": "msg", "room": "lobby", "text": "from plain %d" % i}))
            await asyncio.sleep(0.5)
            return p
        p = asyncio.run(asyncio.wait_for(plain(), 30))
        node("gossipnode.mjs", [ma, "lobby", "1", "--send", "3"])
        out, _ = listener.communicate(timeout=40)
        got = parse(out, listener.returncode, "gossipnode listener")["received"]
        texts = []
        for g in got:
            try:
                j = json.loads(g)
                if j.get("type") == "msg":
                    texts.append(j["text"])
            except ValueError:
                texts.append(g)
        log("stock node received: %s" % texts)
        for want in ["from plain %d" % i for i in range(5)] + ["plain text %d from a stock node" % i for i in range(3)]:
            if texts.count(want) != 1:
                fail("the stock gossipsub node got %r %d times" % (want, texts.count(want)))
        d.stop()


SLOW = r'''
import asyncio, json, sys, time
sys.path.insert(0, sys.argv[2])
from aiopeer import Peer
async def main():
    p = Peer(("127.0.0.1", int(sys.argv[1])), channels=("chat",))
    await p.connect()
    p.channels["chat"].send(json.dumps({"type": "join", "room": "lobby", "name": "sloth"}))
    await asyncio.sleep(0.5)
    print("JOINED", flush=True)
    time.sleep(15)          # blocks the event loop: this peer stops reading entirely
asyncio.run(main())
'''


def test_slow_consumer_does_not_delay_others():
    with Daemon() as d:
        slow = subprocess.Popen([sys.executable, "-c", SLOW, str(d.http[1]), os.path.dirname(__file__)],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert slow.stdout.readline().strip() == "JOINED"

        async def run():
            a = await aio_chat_peer(d, "alice")
            b = await aio_chat_peer(d, "bob")
            await asyncio.sleep(0.5)
            while not b.inbox["chat"].empty():
                b.inbox["chat"].get_nowait()
            lat = []
            text = "x" * 2000
            for i in range(300):   # ~600 KB towards the stalled peer as well
                t0 = time.monotonic()
                a.channels["chat"].send(json.dumps({"type": "msg", "room": "lobby", "text": "%d %s" % (i, text)}))
                while True:
                    m = json.loads(await asyncio.wait_for(b.inbox["chat"].get(), 5))
                    if m.get("type") == "msg" and m["text"].startswith("%d " % i):
                        break
                lat.append(time.monotonic() - t0)
                await asyncio.sleep(0.02)
            await a.close()
            await b.close()
            return sorted(lat)
        lat = asyncio.run(asyncio.wait_for(run(), 120))
        p50, p99 = lat[len(lat) // 2], lat[int(len(lat) * 0.99)]
        log("delivery latency while a peer stalls: p50 %.1f ms, p99 %.1f ms" % (p50 * 1000, p99 * 1000))
        if p99 > 0.5:
            fail("the slow consumer delayed the others (p99 %.0f ms)" % (p99 * 1000))
        slow.kill()
        slow.wait()
        d.stop()


if __name__ == "__main__":
    main([test_three_pages_two_protocols, test_stock_gossipsub_node_receives,
          test_slow_consumer_does_not_delay_others])
