"""chaos: issue 8's chaos driver. Real peers chat and echo through one rtcd
while a driver attacks it; at the end every promise is checked and the
figures printed. Not a TESTS entry itself: test_chaos.py runs a short
version in `make check`, `make chaos` (CHAOS_SECONDS, CHAOS_PEERS,
CHAOS_CHROMIUM, CHAOS_LIBP2P) the long one (python3 chaos.py SECONDS PEERS,
inside ns-run). A warm-up (a flood burst, a few offers) precedes GO, so the
supervisor's first table growth is not mistaken for a leak.

Legitimate peers, all in room "lobby", each sending "<name>-<seq>" once a
second from a common start ("GO") until "STOP":
- aiortc (aiopeer.Peer, plain WebRTC over an HTTP offer): chat and echo
  channels, echoes checked byte for byte. Odd-numbered ones may be victims
  (worker killed, or the peer vanishes without goodbye); a victim comes
  back as a new incarnation (name "<base>r<n>"), a new legitimate attempt.
- stock js-libp2p gossipsub nodes (web-demo/test/gossipnode.mjs --chat).
- Chromium pages (chrome.mjs "chaos"), one browser, plain WebRTC and
  js-libp2p pages.
- probes: a fresh aiortc connection (connect, echo, close) every few
  seconds and a js-libp2p dial (p2pdial.mjs) now and then: more attempts
  for the handshake success rate.

Chaos, each action bounded in count and time per round: SIGKILL, SIGSEGV
and SIGABRT to random workers (victim peers', idle pool workers, flood
workers); a victim peer vanishing (its UDP sockets closed: rtcd's answers
draw ICMP port unreachable) and a hostile libp2p peer (badpeer hold)
SIGKILLed; STUN with random ufrags (libp2p ones with valid integrity, and
unknown ones) from spoofed random 127.x.y.z sources through a raw socket at
full speed for a time slice (stunflood: C, sendmmsg); garbage DTLS,
SCTP-in-DTLS, SRTP and SRTCP from the spoofed tuple of an established
legitimate flow (aiortc, js-libp2p or Chromium), plus badpeer's DTLS and
SCTP garbage modes; HTTP offers opened and abandoned (answer never used, request
cut halfway, client gone before the answer); bad JSON on the control
socket; SIGHUP.

Assertions: the supervisor keeps its pid, its RSS and fd count (sampled
after warm-up) stay flat within RSS_SLACK_KB / FD_SLACK; no worker stays a
zombie, every worker ever spawned is reaped and counted or still alive
(spawned = crashed + killed + exited + live children) and new connections
succeed after kills (slots reused); every peer that was never a victim
receives every message of every sender exactly once, in order (victims'
own sends may lose their tail at the kill; a later incarnation receives a
contiguous suffix); the handshake success rate of legitimate attempts is
>= 99% (attempts whose worker the driver killed mid-handshake are left out
and counted); the listeners never close (listener_errors, listener_reopens
0, both addresses unchanged, a fresh STUN check and connection at the end).
"""
import asyncio
import json
import os
import random
import signal
import socket
import string
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aioice import stun  # noqa: E402

from aiopeer import Peer, post_offer  # noqa: E402
from rtcdtest import (BUILD, SRC, Daemon, StunClient, expect_success, fail, log,  # noqa: E402
                      random_ufrag, sanitized_build, wait_for)

ROOM = "lobby"
CHAT_EVERY_S = 1.0
# An echo is reliable: only a peer's own death may lose one. The ASan build
# runs every worker several times slower, under the same flood.
ECHO_TIMEOUT_S = 15 if sanitized_build() else 5
RSS_SLACK_KB = 3 * 1024          # supervisor RSS: last sample vs first after warm-up
FD_SLACK = 4                     # supervisor fds beyond one per worker (HTTP/control clients)
MIN_SUCCESS = 0.99
FLOOD_SLICE_S = 0.5              # one flood burst; a round has at most one
KILL_SIGNALS = (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT)
BAD_CONTROL = ['{', '[]', '"status"', '{"cmd": 3}', '{"cmd": "nope"}', '{"cmd":"kill","id":99999}',
               '{"cmd":"kill"}', '{"cmd":"debug","pid":1,"action":"crash"}', '\x00\x01\x02',
               '{"cmd":"status","cmd":"status"}', '{"cmd":"status"' + ' ' * 3000, '\xff\xfe{}']

def node_cmd(script, args):
    return ["node", os.path.join(SRC, "web-demo", "test", script)] + list(args)


def result_of(out):
    res = None
    for line in out.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[7:])
    return res


class Stats:
    """Counters shared by the asyncio side and the chaos thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.k = {}
        self.attempts = []        # (kind, t0, t1, ok, why)
        self.hs_kills = []        # times a worker in a handshake phase was killed

    def inc(self, key, n=1):
        with self.lock:
            self.k[key] = self.k.get(key, 0) + n

    def attempt(self, kind, t0, ok, why=""):
        with self.lock:
            self.attempts.append((kind, t0, time.monotonic(), ok, why))


class ChatPeer:
    """One aiortc peer (several incarnations if it is a victim)."""

    def __init__(self, run, base, killable):
        self.run, self.base, self.killable = run, base, killable
        self.gen = 0
        self.name = base
        self.p = None
        self.busy = False          # reconnecting: not a target

    async def connect(self):
        self.name = self.base if self.gen == 0 else "%sr%d" % (self.base, self.gen)
        self.sent = []
        self.recv = {}            # sender -> [seq, ...]
        self.echo_timeouts = 0
        self.alive = True
        t0 = time.monotonic()
        p = None
        try:
            p = Peer(self.run.d.http, channels=("chat", "echo"))
            await p.connect(timeout=20)
        except Exception as e:  # counted: the success rate decides
            self.run.stats.attempt("aiortc", t0, False, repr(e))
            try:
                if p is not None:
                    await p.close()
            except Exception:
                pass
            return False
        self.run.stats.attempt("aiortc", t0, True)
        self.p = p
        self.conn_id = int(p.location.rsplit("/", 1)[1])
        p.channels["chat"].send(json.dumps({"type": "join", "room": ROOM, "name": self.name}))
        self.run.incarnations.append(self)
        self.reader = asyncio.ensure_future(self.read_chat(p))
        return True

    async def read_chat(self, p):
        q = p.inbox["chat"]
        while True:
            m = await q.get()
            try:
                j = json.loads(m)
            except ValueError:
                continue
            if j.get("type") == "msg" and not j.get("history"):
                self.run.record(self, j.get("text", ""))

    async def chat_loop(self):
        i = 0
        while not self.run.stop_chat.is_set():
            # busy: the driver picked us as a victim; stop sending at once
            if self.alive and not self.busy and self.run.go.is_set() and self.p is not None:
                text = "%s-%d" % (self.name, len(self.sent))
                try:
                    self.p.channels["chat"].send(json.dumps({"type": "msg", "room": ROOM, "text": text}))
                    self.sent.append(text)
                except Exception:
                    pass
            i += 1
            if i % 3 == 0 and self.alive and self.p is not None:
                await self.echo_once()
            await asyncio.sleep(CHAT_EVERY_S)

    async def echo_once(self):
        data = os.urandom(random.choice((1, 100, 1200, 5000, 16000)))
        try:
            back = await self.p.echo(data, timeout=ECHO_TIMEOUT_S)
        except Exception:
            if self.alive:
                self.run.stats.inc("echo_timeouts")
                self.echo_timeouts += 1
            return
        if self.alive:
            self.run.stats.inc("echo_ok" if back == data else "echo_bad")

    def snapshot(self):
        """Freeze this incarnation's record as a separate object."""
        snap = ChatPeer(self.run, self.base, self.killable)
        snap.name, snap.sent, snap.recv, snap.alive = self.name, self.sent, self.recv, False
        snap.victim = True
        snap.echo_timeouts = 0    # a victim's echo may die with its worker
        snap.conn_id = self.conn_id
        self.run.incarnations[self.run.incarnations.index(self)] = snap
        return snap

    async def become_victim(self):
        """Called on the loop after the driver killed our worker or closed
        our sockets (and saw rtcd notice): freeze this incarnation and come
        back as a new one."""
        self.busy = True
        self.alive = False
        self.snapshot()
        p, self.p = self.p, None
        self.reader.cancel()
        try:
            await asyncio.wait_for(p.close(), 5)
        except Exception:
            pass
        self.gen += 1
        for _ in range(5):
            if await self.connect():
                break
            await asyncio.sleep(0.5)
        self.busy = False

    def vanish(self):
        """Close every UDP socket of this peer without a word (ICMP path)."""
        ice = self.p.pc.sctp.transport.transport.iceGatherer._connection
        for proto in ice._protocols:
            proto.transport.close()


class Run:
    def __init__(self, seconds, npeers, chromium, libp2p, seed=None, log_every=30):
        self.seconds, self.npeers = seconds, npeers
        self.nchrome = chromium
        self.nlibp2p = libp2p
        self.naio = npeers - chromium - libp2p
        if self.naio < 3:
            fail("need at least 3 aiortc peers")
        self.rng = random.Random(seed)
        self.stats = Stats()
        self.go = threading.Event()
        self.stop_chat = threading.Event()
        self.stop_chaos = threading.Event()
        self.incarnations = []
        self.samples = []          # (t, rss_kb, fds, nworkers)
        self.log_every = log_every
        self.procs = []

    # ---- message bookkeeping -------------------------------------------------
    def record(self, peer, text):
        sender, _, seq = text.rpartition("-")
        if not sender or not seq.isdigit() or sender == peer.name:
            return
        peer.recv.setdefault(sender, []).append(int(seq))

    # ---- daemon -------------------------------------------------------------
    def start(self):
        self.d = Daemon(config={"log_level": "info",
                                "limits": {"pool_size": 4, "handshake_timeout_s": 10,
                                           "max_pending": 64, "room_msgs_per_s": 50}})
        self.d.start()
        self.pid = self.d.proc.pid
        st = self.d.status()
        self.udp0 = list(st["udp"])
        self.ma = st["multiaddrs"][0]
        self.ma_addr = self.d.udp[0]

    def nworkers(self):
        """The supervisor's children but the worker template (spawner.c)."""
        sp = self.d.status().get("spawner") or {}
        return len([c for c in self.children() if c[0] != sp.get("pid")])

    def children(self):
        out = []
        for e in os.listdir("/proc"):
            if not e.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % e) as f:
                    s = f.read()
            except OSError:
                continue
            rest = s[s.rindex(")") + 2:].split()
            if int(rest[1]) == self.pid:
                out.append((int(e), rest[0]))
        return out

    def sample(self):
        try:
            self.samples.append((time.monotonic(), self.d.rss_kb(), self.d.nfds(), self.nworkers()))
        except OSError:
            pass

    # ---- legitimate peers outside this process -------------------------------
    def start_nodes(self):
        self.nodes = []
        for i in range(self.nlibp2p):
            name = "gn%d" % i
            p = subprocess.Popen(node_cmd("gossipnode.mjs", [self.ma, ROOM, str(self.seconds + 240),
                                                             "--chat", name, str(int(CHAT_EVERY_S * 1000))]),
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True, env=dict(os.environ, RTCD_SRCDIR=SRC))
            self.procs.append(p)
            self.nodes.append((name, p))
        self.chrome = None
        if self.nchrome:
            pages = ",".join("%s:cr%d" % ("webrtc" if i % 2 == 0 else "libp2p", i) for i in range(self.nchrome))
            self.chrome = subprocess.Popen(
                node_cmd("chrome.mjs", ["chaos", "http://%s:%d" % self.d.http]),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                env=dict(os.environ, RTCD_SRCDIR=SRC, CHAOS_PAGES=pages,
                         CHAOS_EVERY_MS=str(int(CHAT_EVERY_S * 1000)),
                         CHROME_TIMEOUT_MS=str((self.seconds + 240) * 1000)))
            self.procs.append(self.chrome)

    def wait_ready(self, p, what, timeout=90):
        """Read until READY (the rest of the output is read at the end)."""
        t0 = time.monotonic()
        lines = []
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.strip() == "READY":
                self.stats.attempt(what, t0, True)
                return lines
        self.stats.attempt(what, t0, False, "".join(lines)[-500:])
        fail("%s never got ready: %s" % (what, "".join(lines)[-1500:]))

    def tell(self, p, word):
        try:
            p.stdin.write(word + "\n")
            p.stdin.flush()
        except OSError:
            pass

    # ---- chaos actions (driver thread) ----------------------------------------
    def on_loop(self, coro, timeout=60):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def targets(self):
        return [p for p in self.chat if p.killable and not p.busy and p.alive and p.p is not None]

    def act_kill(self):
        """One signal to one random worker: a victim peer's, an idle pool
        worker or a handshaking (flood/abandoned offer) one."""
        sig = self.rng.choice(KILL_SIGNALS)
        conns = {c["id"]: c for c in self.d.connections()}
        kind = self.rng.choice(("peer", "peer", "pool", "any"))
        if kind == "peer" and self.targets():
            peer = self.rng.choice(self.targets())
            c = conns.get(peer.conn_id)
            if c is None:
                return
            peer.busy = True
            os.kill(c["pid"], sig)
            self.stats.inc("kills")
            self.stats.inc("kills_" + signal.Signals(sig).name)
            self.loop.call_soon_threadsafe(lambda: asyncio.ensure_future(peer.become_victim()))
            return
        protected = {p.conn_id for p in self.chat if not p.killable or p.busy} | self.protected_ids()
        if kind == "pool":
            ws = [w for w in self.d.workers() if w.get("state") == "idle"]
        else:
            ws = [c for c in conns.values() if c["id"] not in protected and c["phase"] != "open"]
        if not ws:
            return
        w = self.rng.choice(ws)
        if w.get("state") == "handshake":
            with self.stats.lock:
                self.stats.hs_kills.append(time.monotonic())
        try:
            os.kill(w["pid"], sig)
        except ProcessLookupError:
            return
        self.stats.inc("kills")
        self.stats.inc("kills_" + signal.Signals(sig).name)

    def protected_ids(self):
        """Connections of peers that are never killed (Chromium, Node, probes):
        everything in phase open that is not a killable aiortc chat peer."""
        conns = self.d.connections()
        mine = {p.conn_id for p in self.chat if p.killable}
        return {c["id"] for c in conns if c["phase"] == "open" and c["id"] not in mine}

    def act_vanish(self):
        t = self.targets()
        if t:
            peer = self.rng.choice(t)
            peer.busy = True
            before = self.d.counters()["peer_errors"]

            async def go():
                peer.vanish()
            self.on_loop(go())
            try:
                wait_for(lambda: self.d.counters()["peer_errors"] > before, timeout=15,
                         what="ICMP error attributed to the vanished peer")
                wait_for(lambda: all(c["id"] != peer.conn_id for c in self.d.connections()), timeout=15,
                         what="the vanished peer's worker gone")
            finally:
                self.loop.call_soon_threadsafe(lambda: asyncio.ensure_future(peer.become_victim()))
            self.stats.inc("vanished")
        # A libp2p peer vanishing: badpeer holds a connection, SIGKILLed.
        bp = subprocess.Popen([os.path.join(BUILD, "tests", "integration", "badpeer"), self.ma, "hold", "30"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            t0 = time.monotonic()
            while time.monotonic() - t0 < 10:
                line = bp.stdout.readline()
                if not line or line.startswith("connected"):
                    break
            if line and line.startswith("connected"):
                bp.kill()
                self.stats.inc("vanished")
        finally:
            bp.kill()
            bp.wait()

    def act_flood(self):
        p = subprocess.run([os.path.join(BUILD, "tests", "integration", "stunflood"), str(self.ma_addr[1]),
                            str(FLOOD_SLICE_S), self.flood_pool], capture_output=True, text=True, timeout=30)
        try:
            n, err = (int(x) for x in p.stdout.split())
        except ValueError:
            fail("flooder: %s" % (p.stdout + p.stderr)[-800:])
        self.stats.inc("flood_packets", n)
        self.stats.inc("floods")

    def make_flood_pool(self):
        path = os.path.join(self.d.dir, "flood.hex")
        with open(path, "w") as f:
            for i in range(600):
                if i % 2:      # libp2p ufrag, valid integrity: would take a worker
                    u = random_ufrag()
                    pwd = u
                else:          # nobody's ufrag: dropped unrouted
                    u = "".join(self.rng.choice(string.ascii_letters) for _ in range(self.rng.randint(4, 40)))
                    pwd = "x" * 22
                msg = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
                msg.attributes["USERNAME"] = "%s:%s" % (u, "x")
                msg.attributes["PRIORITY"] = 1853824767
                msg.attributes["ICE-CONTROLLING"] = self.rng.getrandbits(64)
                msg.attributes["USE-CANDIDATE"] = None
                msg.add_message_integrity(pwd.encode())
                f.write(bytes(msg).hex() + "\n")
        self.flood_pool = path

    def act_garbage(self):
        """Garbage into established flows: from the spoofed tuple of a live
        legitimate flow (any peer on IPv4: aiortc, js-libp2p, Chromium; it
        must not hurt them), then badpeer's DTLS and SCTP garbage on flows
        of its own."""
        busy = {p.conn_id for p in self.chat if p.busy}
        live = [c for c in self.d.connections() if c["phase"] == "open" and c["id"] not in busy and
                c["remote"].startswith("127.0.0.1:")]
        if live:
            # aiortc, js-libp2p node, Chromium: anyone's flow, both modes in turn
            modes = sorted({c["mode"] for c in live}, key=lambda m: self.stats.k.get("garbage_" + m, 0))
            c = self.rng.choice([c for c in live if c["mode"] == modes[0]])
            self.stats.inc("garbage_" + c["mode"])
            port = c["remote"].rsplit(":", 1)[1]
            raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
            for i in range(40):
                k = i % 5
                if k == 0:       # DTLS handshake record, random body
                    pl = b"\x16\xfe\xfd" + os.urandom(self.rng.randint(8, 300))
                elif k == 1:     # DTLS application data (epoch 1): "SCTP" with a bad MAC
                    pl = b"\x17\xfe\xfd\x00\x01" + os.urandom(6) + struct.pack("!H", 100) + os.urandom(100)
                elif k == 2:     # SRTP
                    pl = b"\x80\x60" + os.urandom(self.rng.randint(20, 1200))
                elif k == 3:     # SRTCP sender report
                    pl = b"\x81\xc8" + os.urandom(self.rng.randint(20, 200))
                else:            # DTLS alert, random
                    pl = b"\x15\xfe\xfd" + os.urandom(self.rng.randint(2, 40))
                hdr = struct.pack("!HHHH", int(port), self.d.udp[0][1], 8 + len(pl), 0)
                raw.sendto(hdr + pl, (self.d.udp[0][0], 0))
                self.stats.inc("garbage_dgrams")
            raw.close()
        mode = self.rng.choice(("dtls-garbage", "sctp-garbage"))
        p = subprocess.run([os.path.join(BUILD, "tests", "integration", "badpeer"), self.ma, mode],
                           capture_output=True, text=True, timeout=30)
        self.stats.inc("badpeer_runs")
        if p.returncode not in (0, 1):      # 1: refused before the garbage (limits)
            fail("badpeer %s: %d %s" % (mode, p.returncode, p.stdout[-500:]))

    def act_http(self):
        http = self.d.http
        kind = self.rng.randrange(3)
        if kind == 0:       # a complete offer, answer read, never used
            sdp = self.offer_template.replace(self.tpl_ufrag, "".join(
                self.rng.choice(string.ascii_letters) for _ in range(8))).replace(
                self.tpl_pwd, "".join(self.rng.choice(string.ascii_letters) for _ in range(24)))
            try:
                post_offer(http, sdp, timeout=10)
            except OSError:
                pass
        elif kind == 1:     # request cut halfway
            s = socket.create_connection(http, timeout=5)
            s.sendall(b"POST /v1/offer HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\n"
                      b"Content-Length: 4000\r\n\r\nv=0\r\no=- ")
            s.close()
        else:               # complete offer, client gone before the answer
            s = socket.create_connection(http, timeout=5)
            body = self.offer_template.encode()
            s.sendall(b"POST /v1/offer HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body) + body)
            s.close()
        self.stats.inc("offers_abandoned")

    def act_control(self):
        for line in self.rng.sample(BAD_CONTROL, 4):
            try:
                r = self.d.control(line, raw=True)
                if "error" not in r:
                    fail("control: %r answered %r" % (line, r))
            except (OSError, ValueError):
                pass      # a long/invalid line may be answered by a disconnect
            self.stats.inc("control_bad")
        # a client that connects and never speaks, and one sending binary junk
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.d.control_path)
        s.sendall(os.urandom(512))
        s.close()

    def act_hup(self):
        os.kill(self.pid, signal.SIGHUP)
        self.stats.inc("sighups")

    def probe_libp2p(self):
        t0 = time.monotonic()
        p = subprocess.run(node_cmd("p2pdial.mjs", [self.ma, "2", "0"]), capture_output=True, text=True,
                           timeout=90, env=dict(os.environ, RTCD_SRCDIR=SRC))
        r = result_of(p.stdout + p.stderr)
        ok = p.returncode == 0 and r is not None and "error" not in r
        self.stats.attempt("libp2p-dial", t0, ok, "" if ok else (p.stdout + p.stderr)[-300:])

    def warmup(self):
        self.act_flood()
        for _ in range(3):
            self.act_http()
        self.act_control()
        wait_for(lambda: self.d.status()["workers"]["handshaking"] == 0, timeout=20,
                 what="warm-up handshakes over")

    def chaos_loop(self):
        actions = [self.act_kill, self.act_kill, self.act_vanish, self.act_flood, self.act_garbage,
                   self.act_http, self.act_http, self.act_control, self.act_hup]
        end = self.t_go + self.seconds
        rnd = 0
        last_p2p = time.monotonic()
        while time.monotonic() < end and not self.stop_chaos.is_set():
            self.rng.shuffle(actions)
            for a in actions:
                if time.monotonic() >= end:
                    break
                t0 = time.monotonic()
                try:
                    a()
                except AssertionError as e:
                    self.errors.append(str(e))
                except Exception as e:  # a failed chaos action is a test bug: report it
                    self.errors.append("%s: %r" % (a.__name__, e))
                self.stats.inc("actions")
                self.sample()
                # pace: about one action a second; keep CPU for the peers
                time.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))
            if time.monotonic() - last_p2p > 20:
                self.probe_libp2p()
                last_p2p = time.monotonic()
            rnd += 1
            self.check_zombies()
            if self.log_every and rnd % max(1, self.log_every // 10) == 0:
                log("chaos: %.0fs, %s" % (time.monotonic() - self.t_go, dict(self.stats.k)))
        self.rounds = rnd

    def check_zombies(self):
        """A zombie child seen twice, 2 s apart, was not reaped."""
        z = {pid for pid, st in self.children() if st == "Z"}
        if not z:
            return
        time.sleep(2)
        z2 = {pid for pid, st in self.children() if st == "Z"} & z
        if z2:
            self.errors.append("workers not reaped: %r" % sorted(z2))

    # ---- probes ----------------------------------------------------------------
    async def probe_loop(self):
        while not self.stop_chat.is_set():
            t0 = time.monotonic()
            p = None
            try:
                p = Peer(self.d.http, channels=("echo",))
                await p.connect(timeout=20)
                data = os.urandom(1000)
                if await p.echo(data, timeout=5) != data:
                    raise AssertionError("echo differs")
                self.stats.attempt("aiortc-probe", t0, True)
            except Exception as e:
                self.stats.attempt("aiortc-probe", t0, False, repr(e))
            if p:
                try:
                    await asyncio.wait_for(p.close(), 5)
                except Exception:
                    pass
            await asyncio.sleep(4)

    # ---- the whole run ---------------------------------------------------------
    async def main(self):
        self.loop = asyncio.get_running_loop()
        # Victims' aiortc/aioice stacks complain when their transport is gone
        # (a vanished peer's sockets were closed under them).
        self.loop.set_exception_handler(
            lambda lp, ctx: None if isinstance(ctx.get("exception"), (ConnectionError, AttributeError))
            else lp.default_exception_handler(ctx))
        self.errors = []
        self.chat = [ChatPeer(self, "ai%d" % i, killable=(i % 2 == 1)) for i in range(self.naio)]
        tpl = Peer(self.d.http, channels=("chat",))
        await tpl.pc.setLocalDescription(await tpl.pc.createOffer())
        self.offer_template = tpl.pc.localDescription.sdp
        for line in self.offer_template.splitlines():
            if line.startswith("a=ice-ufrag:"):
                self.tpl_ufrag = line.split(":", 1)[1]
            if line.startswith("a=ice-pwd:"):
                self.tpl_pwd = line.split(":", 1)[1]
        await tpl.close()
        self.make_flood_pool()
        self.start_nodes()
        for p in self.chat:
            if not await p.connect():
                fail("%s could not connect before the chaos" % p.name)
        ready = [self.loop.run_in_executor(None, self.wait_ready, p, "gossipnode") for _, p in self.nodes]
        if self.chrome:
            ready.append(self.loop.run_in_executor(None, self.wait_ready, self.chrome, "chromium", 150))
        for r in ready:
            await r
        want = self.naio + self.nlibp2p + self.nchrome
        await self.loop.run_in_executor(None, lambda: wait_for(
            lambda: any(r["name"] == ROOM and r["members"] >= want for r in self.d.control({"cmd": "rooms"})),
            timeout=30, what="%d members in the room" % want))
        # Warm-up: one flood burst and a few offers first, so that the
        # supervisor's tables (per-IP buckets, flows) have had their first
        # growth before the baseline samples; "flat" is measured from there.
        await self.loop.run_in_executor(None, self.warmup)
        await asyncio.sleep(2)
        # warm-up done: first samples, then GO
        for _ in range(3):
            self.sample()
            await asyncio.sleep(0.5)
        self.status0 = self.d.status()
        self.t_go = time.monotonic()
        self.go.set()
        for _, p in self.nodes:
            self.tell(p, "GO")
        if self.chrome:
            self.tell(self.chrome, "GO")
        loops = [asyncio.ensure_future(p.chat_loop()) for p in self.chat]
        probe = asyncio.ensure_future(self.probe_loop())
        log("GO: %d aiortc, %d js-libp2p nodes, %d Chromium pages; chaos for %ds" %
            (self.naio, self.nlibp2p, self.nchrome, self.seconds))
        await self.loop.run_in_executor(None, self.chaos_loop)
        # Chaos over: let reconnects finish, then stop chatting everywhere.
        for _ in range(60):
            if not any(p.busy for p in self.chat):
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(3)
        self.stop_chat.set()
        for _, p in self.nodes:
            self.tell(p, "STOP")
        if self.chrome:
            self.tell(self.chrome, "STOP")
        await asyncio.gather(*loops, probe)
        await asyncio.sleep(4)        # the last messages travel
        self.outs = {}
        for name, p in self.nodes + ([("chromium", self.chrome)] if self.chrome else []):
            out, _ = await self.loop.run_in_executor(None, p.communicate)
            self.outs[name] = (out, p.returncode)
        self.final_checks_live()
        for p in self.chat:
            if p.p is not None:
                await p.p.close()

    def final_checks_live(self):
        """Fresh connections at the end; listeners as they were."""
        for server in self.d.udp:
            c = StunClient(server)
            expect_success(c.check(), c)
            c.close()

        async def fresh():
            p = Peer(self.d.http, channels=("echo",))
            await p.connect()
            data = b"after the chaos"
            if await p.echo(data) != data:
                fail("echo after the chaos differs")
            await p.close()
        fut = asyncio.run_coroutine_threadsafe(fresh(), self.loop)
        self._fresh = fut

    # ---- verdicts ----------------------------------------------------------------
    def collect_external(self):
        """Senders and receivers outside this process, as incarnation-like records."""
        ext = []
        for name, (out, code) in self.outs.items():
            r = result_of(out)
            if code != 0 or r is None or "error" in r:
                fail("%s failed: %s" % (name, (r or {}).get("error") or out[-1500:]))
            if name == "chromium":
                if r.get("pageErrors"):
                    self.errors.append("Chromium page errors: %r" % r["pageErrors"][:5])
                for pname, pr in r["pages"].items():
                    ext.append((pname, pr["sent"], pr["received"]))
            else:
                ext.append((name, r["sent"], r["received"]))
        recs = []
        for name, nsent, texts in ext:
            rec = ChatPeer(self, name, False)
            rec.sent = ["%s-%d" % (name, i) for i in range(nsent)]
            rec.recv, rec.alive, rec.victim = {}, True, False
            for t in texts:
                try:
                    j = json.loads(t)
                    if isinstance(j, dict):
                        if j.get("type") != "msg" or j.get("history"):
                            continue
                        t = j.get("text", "")
                except ValueError:
                    pass
                self.record(rec, t)
            recs.append(rec)
        return recs

    def check_delivery(self):
        everyone = [p for p in self.incarnations] + self.collect_external()
        for p in everyone:
            if not hasattr(p, "victim"):
                p.victim = False
        problems = ["%s (never a victim): %d echoes unanswered" % (p.name, p.echo_timeouts)
                    for p in self.incarnations if not p.victim and p.echo_timeouts]
        if problems and sanitized_build():
            # ASan workers run several times slower under a flood at full
            # rate: reported, not failed; the plain build holds the line.
            log("note (sanitizer build): %s" % "; ".join(problems))
            problems = []
        senders = {p.name: p for p in everyone}
        delivered = lost_victims = 0
        for r in everyone:
            for s in everyone:
                if s is r:
                    continue
                n = len(s.sent)
                got = r.recv.get(s.name, [])
                delivered += len(got)
                if len(got) != len(set(got)):
                    problems.append("%s got duplicates from %s" % (r.name, s.name))
                    continue
                if got != sorted(got):
                    problems.append("%s got %s's messages out of order" % (r.name, s.name))
                    continue
                if got and got != list(range(got[0], got[-1] + 1)):
                    problems.append("%s missed %d of %s's messages in the middle" %
                                    (r.name, got[-1] - got[0] + 1 - len(got), s.name))
                    continue
                # A non-victim sender's last messages reach every receiver that
                # was alive at the end; a receiver present from GO gets the first.
                if not s.victim and not r.victim and n and (not got or got[-1] != n - 1):
                    problems.append("%s lost %s's last messages (%d of %d)" %
                                    (r.name, s.name, len(got), n))
                if not s.victim and not r.victim and r.name in self.founders and n and \
                        s.name in self.founders and (not got or got[0] != 0):
                    problems.append("%s lost %s's first messages" % (r.name, s.name))
        # A victim's messages in flight at its kill: those no peer alive at
        # the end received (messages sent after a receiver died do not count).
        for s in everyone:
            if s.victim and s.sent:
                last = [r.recv.get(s.name, [-1])[-1] for r in everyone if r is not s and not r.victim]
                if last:
                    lost_victims += len(s.sent) - 1 - max(last)
        self.delivered = delivered
        self.lost_victims = lost_victims
        self.sent_total = sum(len(p.sent) for p in senders.values())
        return problems

    def verdict(self):
        k = dict(self.stats.k)
        st = self.d.status()
        c = st["counters"]
        problems = list(self.errors)
        if st["pid"] != self.pid or self.d.proc.poll() is not None:
            problems.append("the supervisor restarted or died")
        if c["listener_errors"] or c["listener_reopens"]:
            problems.append("listener errors %d, reopens %d" % (c["listener_errors"], c["listener_reopens"]))
        if st["udp"] != self.udp0:
            problems.append("listeners changed: %r -> %r" % (self.udp0, st["udp"]))
        problems += self.check_delivery()
        # handshake success rate
        att = self.stats.attempts
        excluded = [a for a in att if not a[3] and any(a[1] <= t <= a[2] for t in self.stats.hs_kills)]
        counted = [a for a in att if a not in excluded]
        ok = sum(1 for a in counted if a[3])
        rate = ok / len(counted) if counted else 0.0
        if rate < MIN_SUCCESS:
            fails = [a for a in counted if not a[3]]
            problems.append("handshake success %.2f%% < %.0f%%: %r" % (rate * 100, MIN_SUCCESS * 100,
                                                                       [(a[0], a[4][:200]) for a in fails[:5]]))
        # memory and fds
        post = [s for s in self.samples if s[0] >= self.t_go]
        rss_first, rss_last = post[0][1], self.samples[-1][1]
        rss_max = max(s[1] for s in post)
        extra = [s[2] - s[3] for s in self.samples]
        if rss_last - rss_first > RSS_SLACK_KB and not sanitized_build():
            problems.append("supervisor RSS grew %d -> %d KiB" % (rss_first, rss_last))
        if extra[-1] - extra[0] > FD_SLACK:
            problems.append("supervisor fds beyond workers grew %d -> %d" % (extra[0], extra[-1]))
        if k.get("kills", 0) and st["workers"]["crashed_total"] < 1:
            problems.append("kills not seen as crashes: %r" % st["workers"])
        self.figures = {
            "seconds": self.seconds, "peers": self.npeers,
            "aiortc": self.naio, "js-libp2p nodes": self.nlibp2p, "chromium pages": self.nchrome,
            "incarnations": len(self.incarnations), "chaos rounds": self.rounds,
            "kills": k.get("kills", 0),
            "kills by signal": "KILL %d / SEGV %d / ABRT %d" % (
                k.get("kills_SIGKILL", 0), k.get("kills_SIGSEGV", 0), k.get("kills_SIGABRT", 0)),
            "vanished peers": k.get("vanished", 0),
            "floods": "%d bursts, %d spoofed STUN" % (k.get("floods", 0), k.get("flood_packets", 0)),
            "garbage": "%d spoofed into %d flows (%d webrtc, %d webrtc-direct), %d badpeer runs" % (
                k.get("garbage_dgrams", 0), k.get("garbage_webrtc", 0) + k.get("garbage_webrtc-direct", 0),
                k.get("garbage_webrtc", 0), k.get("garbage_webrtc-direct", 0), k.get("badpeer_runs", 0)),
            "offers abandoned": k.get("offers_abandoned", 0),
            "bad control requests": k.get("control_bad", 0), "SIGHUPs": k.get("sighups", 0),
            "messages sent": self.sent_total, "messages delivered": self.delivered,
            "losses (survivors)": sum(1 for p in problems if "lost" in p or "missed" in p),
            "losses (victims' last sends)": self.lost_victims,
            "echoes ok/bad/timeouts": "%d/%d/%d" % (k.get("echo_ok", 0), k.get("echo_bad", 0),
                                                    k.get("echo_timeouts", 0)),
            "handshakes": "%d/%d ok (%.2f%%), %d excluded (worker killed mid-handshake)" % (
                ok, len(counted), rate * 100, len(excluded)),
            "workers": "spawned %d, crashed %d, killed %d" % (
                st["workers"]["spawned_total"], st["workers"]["crashed_total"], st["workers"]["killed_total"]),
            "supervisor rss KiB": "%d -> %d (max %d)" % (rss_first, rss_last, rss_max),
            "supervisor rss trail KiB": " ".join(str(x[1]) for x in post[::max(1, len(post) // 10)]),
            "supervisor fds - workers": "%d -> %d" % (extra[0], extra[-1]),
            "counters": "peer_errors %d, dropped_limit %d, dropped_unrouted %d, listener_errors %d, "
                        "listener_reopens %d" % (c["peer_errors"], c["dropped_limit"], c["dropped_unrouted"],
                                                 c["listener_errors"], c["listener_reopens"]),
        }
        if k.get("echo_bad"):
            problems.append("%d echoes came back different" % k["echo_bad"])
        return problems

    def print_figures(self):
        w = max(len(x) for x in self.figures)
        log("---- chaos figures ----")
        for key, v in self.figures.items():
            log("%-*s  %s" % (w, key, v))

    def execute(self):
        self.start()
        try:
            self.founders = set()
            asyncio.run(self._main_and_fresh())
            # settle: no chaos, the pool refills; compare like with like
            wait_for(lambda: self.d.status()["workers"]["idle"] >= 4, timeout=30, what="pool refilled")
            time.sleep(1)
            self.sample()
            z = [pid for pid, stt in self.children() if stt == "Z"]
            if z:
                time.sleep(2)
                z = [pid for pid, stt in self.children() if stt == "Z" and pid in z]
            if z:
                self.errors.append("zombies at the end: %r" % z)

            # Every worker ever spawned is either reaped and counted, or alive.
            def accounted():
                w = self.d.status()["workers"]
                gone = w["crashed_total"] + w["killed_total"] + w["exited_total"]
                return w["spawned_total"] - gone == self.nworkers()
            try:
                wait_for(accounted, timeout=10, what="spawned = reaped + alive")
            except AssertionError as e:
                self.errors.append("%s: %r, %d children" % (e, self.d.status()["workers"], self.nworkers()))
            problems = self.verdict()
            self.print_figures()
            if problems:
                for p in problems[:40]:
                    log("PROBLEM: %s" % p)
                fail("%d problems under chaos (first: %s)" % (len(problems), problems[0]))
            self.d.stop()
            return self.figures
        except BaseException:
            log("---- rtcd log (tail) ----\n" + self.d.log()[-4000:])
            raise
        finally:
            for p in self.procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            if self.d.proc and self.d.proc.poll() is None:
                self.d.proc.kill()
                self.d.proc.wait()

    async def _main_and_fresh(self):
        task = asyncio.ensure_future(self.main())
        # founders: the first incarnations (connected before GO)
        while not self.go.is_set() and not task.done():
            await asyncio.sleep(0.1)
        self.founders = {p.name for p in self.chat} | {n for n, _ in getattr(self, "nodes", [])} | \
            {"cr%d" % i for i in range(self.nchrome)}
        await task
        await asyncio.wrap_future(self._fresh)


def run(seconds=300, peers=20, chromium=2, libp2p=3, seed=None):
    return Run(seconds, peers, chromium, libp2p, seed).execute()


if __name__ == "__main__":
    secs = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("CHAOS_SECONDS", "300"))
    n = int(sys.argv[2]) if len(sys.argv) > 2 else int(os.environ.get("CHAOS_PEERS", "20"))
    chromium = int(os.environ.get("CHAOS_CHROMIUM", "2"))
    libp2p = int(os.environ.get("CHAOS_LIBP2P", "3"))
    try:
        run(secs, n, chromium, libp2p)
    except AssertionError as e:
        log("FAIL chaos: %s" % e)
        sys.exit(1)
    log("ok   chaos")
