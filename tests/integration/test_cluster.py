"""Several rtcd hosts sharing chat rooms through Redis, offers through nginx
(issue 9). The test builds its own little network inside the namespace
ns-run gave it (and a private mount namespace, so `ip netns add` stays
private):

  this namespace, "host A": lo, vA 10.77.0.1/24: rtcd node a, redis-server
      (127.0.0.1 and 10.77.0.1), nginx (127.0.0.1), every client
  namespace rtcd-b, "host B": lo, vB 10.77.0.2/24: rtcd node b

joined by the veth pair vA <-> vB. Clients: aiortc peers (aiopeer.py) on
both hosts, a stock js-libp2p gossipsub node on each (gossipnode.mjs).
- test_chat_across_hosts: 4 aiortc peers (2 per host) send 20 messages each,
  a js-libp2p node on B publishes 3: every aiortc peer gets every other
  sender's messages exactly once in order; the js-libp2p node on A gets the
  aiortc messages and the B node's signed messages (its signature checks
  pass: forwarded verbatim through Redis). Cross-host latency is reported.
- test_history: a peer joining on A gets the last N (cluster.history) messages
  of the room's stream, flagged "history", oldest first.
- test_offers_through_nginx: POST /v1/offer through nginx lands on A and B in
  turn; each answer carries its own host's candidates; each connection
  echoes; DELETE through nginx (Location ?node=) ends the session on its host.
- test_redis_down: Redis stopped for 10 s while peers chat: local delivery
  goes on; after Redis returns, messages queued meanwhile reach the other
  host in order, exactly once; B, configured with queue 5, drops and counts
  the rest (README: queue up to cluster.queue, replay, drop and count past it).
- test_host_killed: B's supervisor is SIGKILLed: A's peers keep chatting,
  their presence drops B's members after the TTL, /v1/info on A stops listing
  B, nginx sends every offer to A; B restarts and its new peer gets the history.
"""
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

NS_B = "rtcd-b"
A_IP, B_IP = "10.77.0.1", "10.77.0.2"
HISTORY = 10
TTL_S = 3

if __name__ == "__main__" and os.environ.get("RTCD_CLUSTER_MNTNS") != "1":
    # A private mount namespace: /run/netns (ip netns add) on our own tmpfs.
    os.environ["RTCD_CLUSTER_MNTNS"] = "1"
    os.execvp("unshare", ["unshare", "-m", "--propagation", "private", sys.executable, "-u"] + sys.argv)

import aioice.ice  # noqa: E402
from aiopeer import Peer  # noqa: E402
from rtcdtest import RTCCTL, SRC, Daemon, fail, log, main, wait_for  # noqa: E402

# aiopeer pins loopback host candidates; here the clients live on vA.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [A_IP]


def sh(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def free_port(ip="127.0.0.1"):
    s = socket.socket()
    s.bind((ip, 0))
    p = s.getsockname()[1]
    s.close()
    return p


def make_network():
    sh("mount", "-t", "tmpfs", "tmpfs", "/run")
    sh("ip", "netns", "add", NS_B)
    sh("ip", "link", "add", "vA", "type", "veth", "peer", "name", "vB", "netns", NS_B)
    sh("ip", "addr", "add", A_IP + "/24", "dev", "vA")
    sh("ip", "link", "set", "vA", "up")
    for cmd in (["ip", "link", "set", "lo", "up"], ["ip", "addr", "add", B_IP + "/24", "dev", "vB"],
                ["ip", "link", "set", "vB", "up"]):
        sh("ip", "netns", "exec", NS_B, *cmd)


class Redis:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="rtcd-redis-")
        self.port = free_port()
        self.proc = None

    def start(self):
        # AOF: what was written survives the restart of test_redis_down.
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", A_IP,
             "--protected-mode", "no", "--save", "", "--appendonly", "yes", "--dir", self.dir,
             "--daemonize", "no", "--logfile", os.path.join(self.dir, "redis.log")])
        wait_for(lambda: self.cli("PING").strip() == "PONG", timeout=10, what="redis up")
        return self

    def cli(self, *args):
        return subprocess.run(["redis-cli", "-p", str(self.port)] + list(args),
                              capture_output=True, timeout=5).stdout.decode(errors="replace")

    def last_texts(self, n):
        """The texts of the room's last n messages, oldest first (field j)."""
        out = self.cli("EVAL", "local o = {} for _, e in ipairs(redis.call('XREVRANGE', KEYS[1], '+', "
                       "'-', 'COUNT', ARGV[1])) do for k = 1, #e[2], 2 do if e[2][k] == 'j' then "
                       "o[#o + 1] = e[2][k + 1] end end end return o", "1", "rtcd:room:lobby:msgs", str(n))
        return [json.loads(line)["text"] for line in out.splitlines() if line.startswith("{")][::-1]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)


class Nginx:
    """nginx with the example config of etc/ (addresses substituted)."""

    def __init__(self, http_a, http_b):
        self.dir = tempfile.mkdtemp(prefix="rtcd-nginx-")
        self.port = free_port()
        with open(os.path.join(SRC, "etc", "nginx-rtcd.conf.example")) as f:
            site = f.read()
        site = site.replace("10.0.0.1:8080", "%s:%d" % http_a).replace("10.0.0.2:8080", "%s:%d" % http_b)
        site = site.replace("listen 80;", "listen 127.0.0.1:%d;" % self.port)
        d = self.dir
        conf = """daemon off; master_process on; worker_processes 1; user root;
pid %(d)s/nginx.pid; error_log %(d)s/error.log info;
events { worker_connections 256; }
http {
  access_log %(d)s/access.log;
  client_body_temp_path %(d)s/body; proxy_temp_path %(d)s/proxy;
  fastcgi_temp_path %(d)s/fcgi; uwsgi_temp_path %(d)s/uwsgi; scgi_temp_path %(d)s/scgi;
  include %(d)s/site.conf;
}
""" % {"d": d}
        with open(os.path.join(d, "site.conf"), "w") as f:
            f.write(site)
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(conf)
        self.proc = subprocess.Popen(["nginx", "-e", os.path.join(d, "error.log"),
                                      "-c", os.path.join(d, "nginx.conf")])
        wait_for(lambda: self.get("/v1/info")[0] == 200, timeout=10, what="nginx up")

    def get(self, path):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path), timeout=5) as r:
            return r.status, r.read().decode()

    def stop(self):
        self.proc.send_signal(signal.SIGQUIT)
        self.proc.wait(timeout=10)


def host_config(node, queue):
    return {"cluster": {"redis": None, "node": node, "history": HISTORY, "ttl_s": TTL_S,
                        "queue": queue}, "limits": {"pool_size": 3}}


class World:
    """Everything the tests share: started once, in order."""
    redis = nginx = a = b = None
    peers = {}
    sent = {}           # sender name -> texts, in order


W = World()


def start_world():
    make_network()
    W.redis = Redis().start()
    ca = host_config("a", 1000)
    ca["cluster"]["redis"] = "127.0.0.1:%d" % W.redis.port
    cb = host_config("b", 5)
    cb["cluster"]["redis"] = "%s:%d" % (A_IP, W.redis.port)
    W.a = Daemon(config=ca, udp=(A_IP + ":0",), http=A_IP + ":0").start()
    W.b = Daemon(config=cb, udp=(B_IP + ":0",), http=B_IP + ":0",
                 prefix=["ip", "netns", "exec", NS_B]).start()
    for d in (W.a, W.b):
        wait_for(lambda: d.status()["cluster"]["state"] == "up", timeout=10, what="cluster link up")
    wait_for(lambda: len(W.a.status()["cluster"]["hosts"]) == 2, timeout=10, what="A sees 2 hosts")
    W.nginx = Nginx(W.a.http, W.b.http)
    # The peers' loop runs in its own thread, so that they keep answering
    # (ICE consent, SCTP) while the test waits on daemons and timers.
    W.loop = asyncio.new_event_loop()
    threading.Thread(target=W.loop.run_forever, daemon=True).start()


def stop_world():
    for p in W.peers.values():
        try:
            run(p.close(), 5)
        except Exception:
            pass
    for d in (W.a, W.b):
        if d and d.proc and d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()
    if W.nginx:
        W.nginx.stop()
    if W.redis:
        W.redis.stop()


def run(coro, timeout=60):
    return asyncio.run_coroutine_threadsafe(asyncio.wait_for(coro, timeout), W.loop).result()


class ChatPeer:
    """An aiortc peer in room lobby that records every message with its
    arrival time."""

    def __init__(self, name, daemon, host):
        self.name, self.daemon, self.host = name, daemon, host
        self.got = []            # (wall ms, json)
        self.p = Peer(daemon.http, channels=("chat",))
        self.p.channels["chat"].on("message", self._on)

    def _on(self, m):
        try:
            self.got.append((time.time() * 1000, json.loads(m)))
        except ValueError:
            pass

    async def start(self):
        await self.p.connect()
        self.p.channels["chat"].send(json.dumps({"type": "join", "room": "lobby", "name": self.name}))
        return self

    def say(self, text):
        """Send (from any thread: the send runs on the peers' loop)."""
        data = json.dumps({"type": "msg", "room": "lobby", "text": text})
        W.sent.setdefault(self.name, []).append(text)
        try:
            asyncio.get_running_loop()
            self.p.channels["chat"].send(data)
        except RuntimeError:
            W.loop.call_soon_threadsafe(self.p.channels["chat"].send, data)

    def texts(self, sender, history=False):
        return [j["text"] for _, j in self.got if j.get("type") == "msg" and j.get("from") == sender
                and bool(j.get("history")) == history]

    def history(self):
        return [(j["from"], j["text"]) for _, j in self.got if j.get("type") == "msg" and j.get("history")]

    def presence(self):
        p = [j for _, j in self.got if j.get("type") == "presence"]
        return p[-1] if p else None

    async def close(self):
        await self.p.close()


async def new_peer(name, daemon, host):
    """Peers are made on the peers' loop (aiortc objects belong to it)."""
    return await ChatPeer(name, daemon, host).start()


async def until(pred, timeout, what):
    t = time.monotonic() + timeout
    while time.monotonic() < t:
        if pred():
            return
        await asyncio.sleep(0.05)
    fail("timed out after %.0f s waiting for %s" % (timeout, what))


def exactly_once_in_order(peer, sender, want):
    got = peer.texts(sender)
    if got != want:
        fail("%s got from %s %r, wanted %r" % (peer.name, sender, got[:50], want[:50]))


def gossipnode(maddr, secs, send=0):
    cmd = ["node", os.path.join(SRC, "web-demo", "test", "gossipnode.mjs"), maddr, "lobby", str(secs)]
    if send:
        cmd += ["--send", str(send)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, RTCD_SRCDIR=SRC))


def gossip_result(proc, what):
    out, _ = proc.communicate(timeout=60)
    res = None
    for line in out.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[7:])
    if proc.returncode != 0 or res is None or "error" in res:
        log(out[-3000:])
        fail("%s failed: %s" % (what, res))
    texts = []
    for g in res["received"]:
        try:
            j = json.loads(g)
            if j.get("type") == "msg":
                texts.append(j["text"])
        except ValueError:
            texts.append(g)
    return texts


def room_members(d):
    return sum(r["members"] for r in d.control({"cmd": "rooms"}) if r["name"] == "lobby")


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * q))] if v else float("nan")


def test_chat_across_hosts():
    start_world()
    a_maddr = W.a.status()["multiaddrs"][0]
    b_maddr = W.b.status()["multiaddrs"][0]

    async def go():
        for name, d, h in (("a1", W.a, "a"), ("a2", W.a, "a"), ("b1", W.b, "b"), ("b2", W.b, "b")):
            W.peers[name] = await ChatPeer(name, d, h).start()
        await until(lambda: all(len((p.presence() or {}).get("members", [])) == 4 for p in W.peers.values()),
                    10, "presence: 4 members on both hosts")
    run(go())
    # A stock js-libp2p node on A listens; one on B publishes signed messages.
    listen_a = gossipnode(a_maddr, 8)
    wait_for(lambda: room_members(W.a) == 3, timeout=20, what="js-libp2p node in the room on A")
    send_b = gossipnode(b_maddr, 3, send=3)
    wait_for(lambda: room_members(W.b) == 3, timeout=20, what="js-libp2p node in the room on B")

    async def chat():
        for i in range(20):
            for name in ("a1", "a2", "b1", "b2"):
                W.peers[name].say("%s-%d" % (name, i))
            await asyncio.sleep(0.02)
        peers = W.peers.values()
        await until(lambda: all(len(p.texts(q)) >= 20 for p in peers for q in W.sent if q != p.name),
                    15, "every peer got every other peer's 20 messages")
        await until(lambda: all(sum(1 for _, j in p.got if str(j.get("text", "")).startswith("plain text"))
                                >= 3 for p in peers), 15, "the js-libp2p node's 3 messages on every peer")
        await asyncio.sleep(0.5)   # anything extra (a duplicate) would arrive now
    run(chat())
    for p in W.peers.values():
        for q in W.sent:
            if q != p.name:
                exactly_once_in_order(p, q, W.sent[q])
        plain = [j["text"] for _, j in p.got if j.get("type") == "msg" and j["text"].startswith("plain text")]
        if plain != ["plain text %d from a stock node" % i for i in range(3)]:
            fail("%s: js-libp2p messages %r" % (p.name, plain))
    got_a = gossip_result(listen_a, "js-libp2p node on A")
    gossip_result(send_b, "js-libp2p node on B")
    for q, texts in W.sent.items():
        for t in texts:
            if got_a.count(t) != 1:
                fail("the js-libp2p node on A got %r %d times (it got %d messages: %r; A: %r, rooms %r)" %
                     (t, got_a.count(t), len(got_a), got_a, W.a.counters(), W.a.control({"cmd": "rooms"})))
    for i in range(3):
        if got_a.count("plain text %d from a stock node" % i) != 1:
            fail("the js-libp2p node on A did not get B's js-libp2p message %d (signature)" % i)
    cross, local = [], []
    for p in W.peers.values():
        for t, j in p.got:
            if j.get("type") == "msg" and j.get("from") in W.sent and not j.get("history"):
                (local if j["from"][0] == p.host else cross).append(t - j["ts"])
    log("delivery latency (sender's worker -> receiving aiortc peer): same host p50 %.1f ms "
        "p99 %.1f ms; across hosts via Redis p50 %.1f ms p99 %.1f ms (%d/%d messages)" %
        (pct(local, .5), pct(local, .99), pct(cross, .5), pct(cross, .99), len(local), len(cross)))
    for d in (W.a, W.b):
        st = d.status()["cluster"]
        if st["counters"]["duplicates"] or st["counters"]["dropped"] or st["counters"]["invalid"]:
            fail("cluster counters on %s: %r" % (st["node"], st))
        log("%s: %s" % (st["node"], json.dumps(st["counters"])))
    # Any host lists every live host's addresses.
    info = json.loads(urllib.request.urlopen("http://%s:%d/v1/info" % W.b.http, timeout=5).read())
    hosts = {h["node"]: h["multiaddrs"] for h in info["hosts"]}
    if hosts != {"a": W.a.status()["multiaddrs"], "b": W.b.status()["multiaddrs"]}:
        fail("/v1/info on B: %r" % info)
    out = subprocess.run([RTCCTL, "--socket", W.a.control_path, "status"], capture_output=True,
                         text=True, timeout=5).stdout
    line = [ln for ln in out.splitlines() if ln.startswith("cluster")]
    log("rtcctl status: %s" % line)
    if not line or "node a, redis 127.0.0.1:%d: up, lag" % W.redis.port not in line[0] or \
            "hosts" not in line[0] or "cluster_published=40" not in out:
        fail("rtcctl status: %s" % out)
    m = subprocess.run([RTCCTL, "--socket", W.a.control_path, "metrics"], capture_output=True,
                       text=True, timeout=5).stdout
    if "rtcd_cluster_up 1" not in m or not re.search(r"^rtcd_cluster_\w+", m, re.M):
        fail("rtcctl metrics has no cluster families: %s" % m[-2000:])


def test_history():
    n1 = run(new_peer("n1", W.a, "a"))
    W.peers["n1"] = n1
    run(until(lambda: len(n1.history()) >= HISTORY, 10, "history"))
    run(asyncio.sleep(0.5))
    last = W.redis.last_texts(HISTORY)
    got = [t for _, t in n1.history()]
    log("history for a new member: %r" % got)
    if got != last or len(got) != HISTORY:
        fail("history %r, the stream's last %d are %r" % (got, HISTORY, last))


def post_offer(sdp):
    req = urllib.request.Request("http://127.0.0.1:%d/v1/offer" % W.nginx.port, data=sdp.encode(),
                                 headers={"Content-Type": "application/sdp"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.headers.get("Location"), r.headers.get("X-Rtcd-Node"), r.read().decode()


class NginxPeer(Peer):
    """An aiortc peer whose offer goes through nginx."""

    async def connect(self, timeout=15):
        await self.pc.setLocalDescription(await self.pc.createOffer())
        status, self.location, self.node, answer = await asyncio.get_running_loop().run_in_executor(
            None, post_offer, self.pc.localDescription.sdp)
        self.answer = answer
        from aiortc import RTCSessionDescription
        await self.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        t = time.monotonic() + timeout
        while self.channels["echo"].readyState != "open":
            if time.monotonic() > t:
                fail("echo channel through nginx (%s) did not open" % self.node)
            await asyncio.sleep(0.05)
        return self


async def new_nginx_peer():
    return await NginxPeer(None).connect()


def test_offers_through_nginx():
    async def go():
        peers = [await NginxPeer(None).connect() for _ in range(4)]
        for i, p in enumerate(peers):
            r = await p.echo("hello %d" % i)
            if r != "hello %d" % i:
                fail("echo through %s: %r" % (p.node, r))
        return peers
    peers = run(go())
    nodes = [p.node for p in peers]
    log("offers through nginx landed on %s" % nodes)
    if sorted(nodes) != ["a", "a", "b", "b"]:
        fail("round robin: %r" % nodes)
    for p in peers:
        ip = A_IP if p.node == "a" else B_IP
        cands = re.findall(r"a=candidate:\S+ \d+ udp \d+ (\S+) \d+ typ host", p.answer)
        if not cands or any(c != ip for c in cands):
            fail("the answer from %s lists candidates %r, expected %s only" % (p.node, cands, ip))
        if not p.location.endswith("?node=" + p.node):
            fail("Location %r" % p.location)
    # DELETE through nginx reaches the right host.
    for p in peers:
        d = W.a if p.node == "a" else W.b
        sid = int(re.match(r"/v1/session/(\d+)\?", p.location).group(1))
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (W.nginx.port, p.location), method="DELETE")
        with urllib.request.urlopen(req, timeout=5) as r:
            if r.status != 204:
                fail("DELETE %s: %d" % (p.location, r.status))
        wait_for(lambda: all(c["id"] != sid or c["state"] == "closing" for c in d.connections()),
                 timeout=5, what="session %s ended on %s" % (p.location, p.node))
    async def close():
        await asyncio.gather(*(p.close() for p in peers))
    run(close())


def test_redis_down():
    a1, a2, b1, b2 = (W.peers[n] for n in ("a1", "a2", "b1", "b2"))
    W.sent.clear()
    for p in W.peers.values():
        p.got.clear()
    W.redis.stop()
    t_down = time.monotonic()
    wait_for(lambda: W.a.status()["cluster"]["state"] != "up" and W.b.status()["cluster"]["state"] != "up",
             timeout=8, what="both hosts see the link down")

    async def during():
        for i in range(10):
            a1.say("a1-down-%d" % i)
            b1.say("b1-down-%d" % i)
            await asyncio.sleep(0.05)
        await until(lambda: len(a2.texts("a1")) == 10 and len(b2.texts("b1")) == 10, 5,
                    "local delivery while Redis is down")
    run(during())
    if b1.texts("a1") or a1.texts("b1"):
        fail("cross-host messages while Redis was down?")
    st_a, st_b = W.a.status()["cluster"], W.b.status()["cluster"]
    log("while down: A %s queued; B %s queued, %s dropped; last error %r" %
        (st_a["queued"], st_b["queued"], st_b["counters"]["dropped"], st_a["last_error"]))
    if st_a["queued"] != 10 or st_b["queued"] != 5 or st_b["counters"]["dropped"] != 5:
        fail("queues while down: A %r B %r" % (st_a, st_b))
    time.sleep(max(0.0, 10 - (time.monotonic() - t_down)))
    W.redis.start()
    t_up = time.monotonic()

    async def after():
        await until(lambda: len(b1.texts("a1")) >= 10 and len(b2.texts("a1")) >= 10 and
                    len(a1.texts("b1")) >= 5 and len(a2.texts("b1")) >= 5, 15, "catch-up after Redis returns")
        await asyncio.sleep(1)
    run(after())
    log("caught up %.1f s after Redis restarted" % (time.monotonic() - t_up))
    for p in (b1, b2):
        exactly_once_in_order(p, "a1", ["a1-down-%d" % i for i in range(10)])
    for p in (a1, a2):
        exactly_once_in_order(p, "b1", ["b1-down-%d" % i for i in range(5)])   # B's queue held 5
    exactly_once_in_order(a2, "a1", ["a1-down-%d" % i for i in range(10)])
    exactly_once_in_order(b2, "b1", ["b1-down-%d" % i for i in range(10)])
    # Presence did not flap: the hosts' keys expired while Redis was away,
    # but each host gets a TTL to announce itself again.
    flaps = [(p.name, j["event"], j["who"]["name"]) for p in W.peers.values() for _, j in p.got
             if j.get("type") == "presence"]
    if flaps:
        fail("presence events across the Redis restart: %r" % flaps)
    st_a, st_b = W.a.status()["cluster"], W.b.status()["cluster"]
    if st_a["counters"]["replayed"] != 10 or st_b["counters"]["replayed"] != 5 or \
            st_b["counters"]["dropped"] != 5 or st_a["queued"] or st_b["queued"]:
        fail("after the reconnect: A %r B %r" % (st_a, st_b))
    if "link up again" not in W.a.log() or "not published to redis" not in W.b.log():
        fail("the link going down/up and the drops should be logged")


def test_host_killed():
    a1, a2 = W.peers["a1"], W.peers["a2"]
    for p in W.peers.values():
        p.got.clear()
    W.b.proc.kill()
    W.b.proc.wait()
    shutil.copy(W.b.log_path, W.b.log_path + ".before-kill")
    t_kill = time.monotonic()

    def gone():
        return sorted(set(j["who"]["name"] for _, j in a1.got if j.get("type") == "presence" and
                          j["event"] == "leave" and j["who"].get("node") == "b"))

    async def chat_on():
        a1.say("after-kill")
        await until(lambda: "after-kill" in a2.texts("a1"), 3, "A's peers keep chatting")
        await until(lambda: gone() == ["b1", "b2"], TTL_S + 5, "presence on A drops B's members")
    run(chat_on())
    dropped = time.monotonic() - t_kill
    if any(m.get("node") == "b" for m in a1.presence()["members"]):
        fail("B's members still listed: %r" % [(round(t), j["event"], j["who"]) for t, j in a1.got
                                                 if j.get("type") == "presence"])
    log("B killed: presence on A dropped %s after %.1f s (ttl %d s)" % (gone(), dropped, TTL_S))
    wait_for(lambda: [h["node"] for h in json.loads(urllib.request.urlopen(
        "http://%s:%d/v1/info" % W.a.http, timeout=5).read())["hosts"]] == ["a"], timeout=5,
        what="/v1/info on A lists only A")
    # nginx skips the dead host.
    nodes = []
    for _ in range(2):
        p = run(new_nginx_peer())
        nodes.append(p.node)
        run(p.close())
    if nodes != ["a", "a"]:
        fail("offers with B down went to %r" % nodes)
    for i in range(3):
        a1.say("while-b-down-%d" % i)
    run(until(lambda: "while-b-down-2" in a2.texts("a1"), 3, "local chat"))
    wait_for(lambda: W.redis.last_texts(1) == ["while-b-down-2"], timeout=3, what="published to Redis")
    W.b.start()
    wait_for(lambda: W.b.status()["cluster"]["state"] == "up", timeout=10, what="B back")
    b3 = run(new_peer("b3", W.b, "b"))
    W.peers["b3"] = b3
    run(until(lambda: len(b3.history()) >= HISTORY, 10, "history on the restarted host"))
    hist = [t for _, t in b3.history()]
    log("restarted B: new peer's history %r" % hist)
    if hist[-4:] != ["after-kill"] + ["while-b-down-%d" % i for i in range(3)]:
        fail("history on B after restart: %r" % hist)
    run(until(lambda: any(m.get("name") == "b3" for m in (a1.presence() or {}).get("members", [])), 5,
              "A sees B's new member"))
    b3.say("hello from b3")
    run(until(lambda: "hello from b3" in a1.texts("b3"), 5, "b3 -> a1"))


def test_graceful_stop():
    a1, b3 = W.peers["a1"], W.peers["b3"]
    a1.got.clear()
    t0 = time.monotonic()
    W.b.stop()          # SIGTERM: exits 0 (and clean under ASan)
    run(until(lambda: any(j.get("type") == "presence" and j["event"] == "leave" and
                          j["who"].get("name") == "b3" for _, j in a1.got), 3, "b3 leaves at once"))
    log("B stopped: its member left A's presence after %.2f s" % (time.monotonic() - t0))
    wait_for(lambda: [h["node"] for h in json.loads(urllib.request.urlopen(
        "http://%s:%d/v1/info" % W.a.http, timeout=5).read())["hosts"]] == ["a"], timeout=TTL_S,
        what="/v1/info on A lists only A")
    if W.redis.cli("HKEYS", "rtcd:room:lobby:members").count("b/"):
        fail("B's members are still in Redis")
    for n in list(W.peers):
        run(W.peers.pop(n).close(), 10)
    W.a.stop()


if __name__ == "__main__":
    try:
        main([test_chat_across_hosts, test_history, test_offers_through_nginx, test_redis_down,
              test_host_killed, test_graceful_stop])
    finally:
        stop_world()
