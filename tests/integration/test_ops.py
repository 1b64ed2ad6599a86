"""rtcd as an operator runs it: Prometheus metrics (parsed strictly and with
prometheus_client) that move with traffic, the control socket refusing
other uids (SO_PEERCRED, control_allow_uids, control_group), crash-loop
backoff with a worker that cannot start, drain with and without a deadline
while aiortc peers are connected, SIGTERM with 10 connected aiortc peers
(every data channel closes at once, not by timeout), reload of room limits
without dropping a connection, the sd_notify protocol, worker log lines
rate-limited, the syslog option, and rtcctl show / --sort."""
import asyncio
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from aiopeer import Peer
from rtcdtest import (RTCCTL, Daemon, StunClient, expect_success, fail, log, main,
                      wait_for)

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:     # Debian python3-prometheus-client; the strict parser below still runs
    text_string_to_metric_families = None

NOBODY = 65534


def rtcctl(d, *args, user=None):
    cmd = [RTCCTL, "--socket", d.control_path] + list(args)
    if user is not None:
        cmd = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=15)
    return p.returncode, p.stdout, p.stderr


# ---- Prometheus text format, checked strictly ----

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(r"^(%s)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\n]|\\.)*\",?)*\})? "
                    r"(-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$" % NAME)


def parse_strict(text):
    """{family: {"type", "help", "samples": {series: value}}}; raises on any
    deviation from the text exposition format rtcd promises."""
    fams, cur = {}, None
    if not text.endswith("\n"):
        fail("exposition does not end with a newline")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, help_ = line[7:].partition(" ")
            if name in fams:
                fail("family %s appears twice (families must be contiguous)" % name)
            if not help_:
                fail("empty HELP for %s" % name)
            cur = fams[name] = {"help": help_, "type": None, "samples": {}}
            cur["name"] = name
        elif line.startswith("# TYPE "):
            name, _, typ = line[7:].partition(" ")
            if cur is None or name != cur["name"] or cur["type"] is not None:
                fail("TYPE line out of place: %r" % line)
            if typ not in ("counter", "gauge", "histogram"):
                fail("unexpected type %r" % typ)
            cur["type"] = typ
        else:
            m = SAMPLE.match(line)
            if m is None:
                fail("not a sample line: %r" % line)
            if cur is None or cur["type"] is None:
                fail("sample before its HELP/TYPE: %r" % line)
            base = m.group(1)
            ok = base == cur["name"] or (cur["type"] == "histogram" and base in (
                cur["name"] + "_bucket", cur["name"] + "_sum", cur["name"] + "_count"))
            if not ok:
                fail("sample %s outside its family %s" % (base, cur["name"]))
            series = base + (m.group(2) or "")
            if series in cur["samples"]:
                fail("duplicate series %s" % series)
            cur["samples"][series] = float(m.group(3))
    for name, f in fams.items():
        if not name.startswith("rtcd_"):
            fail("metric %s lacks the rtcd_ prefix" % name)
        if f["type"] == "counter" and not name.endswith("_total"):
            fail("counter %s does not end in _total" % name)
        if f["type"] == "histogram":
            buckets = [(k, v) for k, v in f["samples"].items() if k.startswith(name + "_bucket")]
            values = [v for _, v in buckets]
            if values != sorted(values) or not buckets[-1][0].endswith('le="+Inf"}'):
                fail("histogram %s buckets not cumulative or not ending at +Inf" % name)
            if values[-1] != f["samples"][name + "_count"]:
                fail("histogram %s: +Inf bucket != _count" % name)
    return fams


def value(fams, series):
    fam = re.sub(r"(_bucket|_sum|_count)?(\{.*)?$", "", series)
    for name in (fam, series.split("{")[0]):
        if name in fams and series in fams[name]["samples"]:
            return fams[name]["samples"][series]
    fail("no series %s" % series)


def scrape(d):
    code, out, err = rtcctl(d, "metrics")
    if code != 0:
        fail("rtcctl metrics: %s" % err)
    fams = parse_strict(out)
    if text_string_to_metric_families is not None:
        names = {f.name for f in text_string_to_metric_families(out)}
        for n in fams:
            if re.sub(r"_total$", "", n) not in names:
                fail("prometheus_client did not parse family %s" % n)
    return fams, out


async def connect_peers(d, n, channels=("echo",)):
    peers = await asyncio.gather(*(Peer(d.http, channels=channels).connect(timeout=30)
                                   for _ in range(n)))
    for i, p in enumerate(peers):
        if "echo" in channels and await p.echo("hi %d" % i) != "hi %d" % i:
            fail("peer %d: echo mismatch" % i)
    return peers


def test_metrics_parse_and_move():
    with Daemon(config={"metrics_api": True}) as d:
        before, _ = scrape(d)
        if before["rtcd_workers"]["samples"]['rtcd_workers{state="idle"}'] < 3:
            fail("idle gauge does not show the pool")

        async def traffic():
            peers = await connect_peers(d, 2)
            for i in range(20):
                await peers[0].echo("x" * 1000)
            return peers

        async def run():
            peers = await traffic()
            mid, _ = scrape(d)
            await asyncio.gather(*(p.close() for p in peers))
            return mid
        mid = asyncio.run(asyncio.wait_for(run(), 60))
        for series in ('rtcd_datagrams_total{direction="in"}', 'rtcd_datagrams_total{direction="out"}',
                       'rtcd_bytes_total{direction="in"}', 'rtcd_bytes_total{direction="out"}'):
            if value(mid, series) <= value(before, series):
                fail("%s did not move with traffic" % series)
        if value(mid, 'rtcd_bytes_total{direction="out"}') < 20000:
            fail("bytes out too low for 20 KB echoed")
        if value(mid, 'rtcd_connections{mode="webrtc",state="connected"}') != 2:
            fail("connections gauge: %r" % mid["rtcd_connections"]["samples"])
        if value(mid, 'rtcd_handshakes_total{result="ok"}') != 2:
            fail("handshakes ok != 2")
        if value(mid, "rtcd_handshake_duration_seconds_count") != 2 or \
                value(mid, "rtcd_handshake_duration_seconds_sum") <= 0:
            fail("handshake histogram did not record 2 handshakes")
        wait_for(lambda: value(scrape(d)[0], "rtcd_loop_lag_seconds_count") >= 5,
                 what="loop lag probe observations")
        # a STUN flow that never completes, killed by the operator: a failed
        # handshake and a kill with cause "operator"
        c = StunClient(d.udp[0])
        expect_success(c.check(), c)
        cid = [x for x in d.connections() if x["mode"] == "webrtc-direct"][0]["id"]
        rtcctl(d, "kill", str(cid))
        wait_for(lambda: value(scrape(d)[0], 'rtcd_handshakes_total{result="failed"}') >= 1,
                 what="failed handshake counted")
        after, text = scrape(d)
        if value(after, 'rtcd_worker_kills_total{cause="operator"}') != 1:
            fail("kill by operator not counted")
        if value(after, 'rtcd_flows_opened_total') < 1 or value(after, "rtcd_worker_spawns_total") < 5:
            fail("flow/spawn counters did not move")
        # the same exposition over HTTP when metrics_api is on
        conn = http.client.HTTPConnection(d.http[0], d.http[1], timeout=5)
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        body = r.read().decode()
        if r.status != 200 or not r.getheader("Content-Type").startswith("text/plain; version=0.0.4"):
            fail("GET /metrics: %d %s" % (r.status, r.getheader("Content-Type")))
        parse_strict(body)
        log("%d metric families, %d bytes" % (len(after), len(text)))
        d.stop()
    with Daemon() as d:        # off by default
        conn = http.client.HTTPConnection(d.http[0], d.http[1], timeout=5)
        conn.request("GET", "/metrics")
        if conn.getresponse().status != 404:
            fail("GET /metrics served although metrics_api is off")
        d.stop()


def test_control_refuses_other_uids():
    # control_allow_uids: the socket is 0666 and SO_PEERCRED decides alone
    with Daemon(config={"control_allow_uids": [4242]}) as d:
        os.chmod(d.dir, 0o755)
        if os.stat(d.control_path).st_mode & 0o777 != 0o666:
            fail("socket mode %o" % (os.stat(d.control_path).st_mode & 0o777))
        code, out, err = rtcctl(d, "status", user=NOBODY)
        if code != 1 or "permission denied: uid %d" % NOBODY not in err:
            fail("uid %d was not refused clearly: %d %r %r" % (NOBODY, code, out, err))
        code, out, err = rtcctl(d, "--json", "status", user=4242)
        if code != 0 or json.loads(out)["pid"] != d.proc.pid:
            fail("allowed uid 4242 refused: %r" % err)
        if "refused a client with uid %d" % NOBODY not in d.log():
            fail("refusal not logged")
        if value(scrape(d)[0], "rtcd_control_refused_total") != 1:
            fail("refusal not counted")
        d.stop()
    # default: 0660 root-owned, the kernel already keeps others out
    with Daemon() as d:
        os.chmod(d.dir, 0o755)
        code, _, err = rtcctl(d, "status", user=NOBODY)
        if code != 1 or "permission denied" not in err or "control_group" not in err:
            fail("default socket: %d %r" % (code, err))
        d.stop()
    # control_group: members (by primary or supplementary group) are allowed
    with Daemon(config={"control_group": "nogroup"}) as d:
        os.chmod(d.dir, 0o755)
        st = os.stat(d.control_path)
        if st.st_mode & 0o777 != 0o660 or st.st_gid != NOBODY:
            fail("control_group socket: mode %o gid %d" % (st.st_mode & 0o777, st.st_gid))
        code, out, err = rtcctl(d, "status", user=NOBODY)
        if code != 0 or "rtcd " not in out:
            fail("member of control_group refused: %r" % err)
        code, _, err = rtcctl(d, "status", user=4343)
        if code != 1 or "permission denied" not in err:
            fail("non-member accepted: %r" % err)
        d.stop()
    d = Daemon(config={"control_group": "no-such-group-here"})
    p = subprocess.run([d.rtcd, "-c", d.config_path], capture_output=True, text=True, timeout=10)
    if p.returncode == 0 or "no-such-group-here" not in p.stderr:
        fail("missing control_group: %d %r" % (p.returncode, p.stderr))


def test_crash_loop_backoff():
    d = Daemon(config={"worker_path": "/bin/false"})
    d.start(wait_idle=False)
    try:
        t0 = time.monotonic()
        wait_for(lambda: d.log().count("crash loop:") >= 4, timeout=10, what="backoff log lines")
        time.sleep(1.5)                     # 100+200+400+800 ms so far; at most 2 more spawns
        st = d.status()                     # still serving the control socket
        spawned = st["workers"]["spawned_total"]
        elapsed = time.monotonic() - t0
        delays = [int(x) for x in re.findall(r"next spawn in (\d+) ms", d.log())]
        log("crash loop: %d spawns in %.1fs, delays %s" % (spawned, elapsed, delays))
        if delays != sorted(delays) or delays[-1] <= delays[0]:
            fail("backoff does not grow: %s" % delays)
        if spawned > 7:
            fail("%d spawns in %.1fs: the supervisor spins" % (spawned, elapsed))
        if "/bin/false" not in d.log() or st["workers"]["start_failures_total"] < 4:
            fail("crash loop log line does not name the worker binary or failures not counted")
        c = StunClient(d.udp[0])
        if c.check(retries=1, timeout=0.5) is not None:
            fail("a connection was accepted without a worker")
        cpu = sum(int(x) for x in open("/proc/%d/stat" % d.proc.pid).read().split()[13:15])
        if cpu > 100:    # clock ticks (1/100 s): more than 1 s of CPU means spinning
            fail("supervisor used %d ticks of CPU in the crash loop" % cpu)
        fams, _ = scrape(d)
        if value(fams, "rtcd_worker_start_failures_total") < 4:
            fail("start failures not in metrics")
        d.stop()
    finally:
        if d.proc.poll() is None:
            d.proc.kill()


def test_drain_with_peers_and_deadline():
    with Daemon(config={"limits": {"pool_size": 3}}) as d:
        async def run():
            peers = await connect_peers(d, 2)
            r = d.control({"cmd": "drain", "deadline_s": 0})      # no deadline
            if not r.get("ok") or r["connections"] != 2 or r["deadline_s"] != 0:
                fail("drain: %r" % r)
            try:
                await Peer(d.http).connect(timeout=5)
                fail("a new offer was accepted while draining")
            except Exception as e:
                if "503" not in str(e):
                    raise
            for p in peers:                                       # existing ones keep working
                if await p.echo("still here") != "still here":
                    fail("echo failed while draining")
            await peers[0].close()
            await asyncio.sleep(1.0)
            if d.proc.poll() is not None:
                fail("rtcd exited with a connection left")
            if d.status()["draining"] is not True:
                fail("status does not say draining")
            # now with a deadline: the last connection is closed at it
            code, out, err = rtcctl(d, "drain", "--deadline", "2")
            if code != 0 or "in 2 s" not in out:
                fail("rtcctl drain --deadline: %r %r" % (out, err))
            t0 = time.monotonic()
            while peers[1].channels["echo"].readyState != "closed":
                if time.monotonic() - t0 > 6:
                    fail("the remaining peer was not closed at the deadline")
                await asyncio.sleep(0.05)
            closed_after = time.monotonic() - t0
            await peers[1].close()
            return closed_after
        closed_after = asyncio.run(asyncio.wait_for(run(), 60))
        code = d.proc.wait(timeout=10)
        log("drain deadline 2 s: peer closed after %.2fs, rtcd exit %d" % (closed_after, code))
        if code != 0 or not 1.5 <= closed_after <= 4.0:
            fail("drain deadline: closed after %.2fs, exit %d" % (closed_after, code))
        if "drain deadline passed" not in d.log():
            fail("drain deadline not logged")


def test_sigterm_ten_peers_clean_close():
    with Daemon(config={"limits": {"pool_size": 10}}) as d:
        async def run():
            peers = await connect_peers(d, 10)
            closed = {}
            for i, p in enumerate(peers):
                p.channels["echo"].on("close", lambda i=i: closed.setdefault(i, time.monotonic()))
            t0 = time.monotonic()
            d.proc.send_signal(signal.SIGTERM)
            while len(closed) < 10 and time.monotonic() - t0 < 10:
                await asyncio.sleep(0.02)
            code = await asyncio.get_running_loop().run_in_executor(None, d.proc.wait, 15)
            exit_s = time.monotonic() - t0
            sctp = [p.pc.sctp.state for p in peers]
            log("DTLS close_notify seen by %d of 10 peers (SCTP ABORT is what closes channels)" %
                sum(p.pc.sctp.transport.state == "closed" for p in peers))
            if len(closed) < 10:
                log("peers not closed: sctp %s ice %s dtls %s" % (sctp, [p.pc.iceConnectionState for p in peers],
                    [p.pc.sctp.transport.state for p in peers]))
            await asyncio.gather(*(p.close() for p in peers))
            return closed, t0, code, exit_s, sctp
        closed, t0, code, exit_s, sctp = asyncio.run(asyncio.wait_for(run(), 90))
        worst = max(closed.values()) - t0 if len(closed) == 10 else None
        log("SIGTERM, 10 peers: all channels closed after %s s, rtcd exited %d after %.2fs" %
            ("%.3f" % worst if worst is not None else "NEVER", code, exit_s))
        if len(closed) != 10 or worst > 2.0:
            fail("only %d of 10 peers saw their channel close promptly" % len(closed))
        if any(s != "closed" for s in sctp):
            fail("SCTP associations not closed by the peer's view: %r" % sctp)
        if code != 0 or exit_s > 6.5:
            fail("rtcd exit %d after %.2fs" % (code, exit_s))
        if d.log().count(": closed: ") < 10 or "did not exit after SHUTDOWN" in d.log():
            fail("not every worker closed its connection itself")


def test_reload_room_limits_live():
    with Daemon() as d:
        async def run():
            p = (await connect_peers(d, 1, channels=("echo", "chat")))[0]
            wait_for(lambda: d.control({"cmd": "rooms"}), what="lobby joined")
            p.channels["chat"].send(json.dumps({"type": "msg", "room": "lobby", "text": "hi"}))
            await asyncio.sleep(0.3)
            if d.counters()["room_published"] != 1:
                fail("message not published")
            cfg = dict(d.config)
            cfg["limits"] = dict(cfg["limits"], room_msg_bytes=64)
            with open(d.config_path, "w") as f:
                json.dump(cfg, f)
            code, out, err = rtcctl(d, "reload")
            if code != 0 or "reloaded" not in out:
                fail("rtcctl reload: %r" % err)
            p.channels["chat"].send(json.dumps({"type": "msg", "room": "lobby", "text": "hi"}))
            await asyncio.sleep(0.3)
            k = d.counters()
            if k["room_published"] != 1 or k["room_refused"] != 1:
                fail("room_msg_bytes not applied live: %r" % k)
            if await p.echo("same connection") != "same connection" or len(d.connections()) != 1:
                fail("reload dropped the connection")
            code, out, _ = rtcctl(d, "rooms")
            if code != 0 or "lobby" not in out or "REFUSED" not in out:
                fail("rtcctl rooms: %r" % out)
            await p.close()
        asyncio.run(asyncio.wait_for(run(), 60))
        d.stop()


def test_notify_protocol():
    name = "rtcd-test-notify-%d" % os.getpid()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0" + name)
    s.settimeout(5)

    def until(prefix):
        while True:
            m = s.recv(4096).decode()
            if m.startswith(prefix):
                return m

    with Daemon(env={"NOTIFY_SOCKET": "@" + name}) as d:
        m = until("READY=1")
        if "STATUS=serving" not in m:
            fail("READY without STATUS: %r" % m)
        c = StunClient(d.udp[0])
        expect_success(c.check(), c)
        m = until("STATUS=serving: 1 connection")
        d.proc.send_signal(signal.SIGHUP)
        m = until("RELOADING=1")
        usec = int(re.search(r"MONOTONIC_USEC=(\d+)", m).group(1))
        if abs(usec / 1e6 - time.monotonic()) > 5:
            fail("MONOTONIC_USEC is not CLOCK_MONOTONIC: %r" % m)
        until("READY=1")
        d.control({"cmd": "drain", "deadline_s": 30})
        until("STATUS=draining: 1 connection(s) left")
        d.stop()
        until("STOPPING=1")
    s.close()


def test_syslog_option():
    """"syslog": true sends the same lines to /dev/log (facility daemon);
    reload turns it off. /dev/log is ours: in a private mount namespace rtcd
    sees a copy of /dev (every entry bind-mounted) plus our socket."""
    fake = os.path.join(tempfile.mkdtemp(prefix="rtcd-dev-"), "dev")
    os.mkdir(fake)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(os.path.join(fake, "log"))
    os.chmod(os.path.join(fake, "log"), 0o666)
    script = (
        'for f in /dev/*; do n=${f#/dev/}; [ "$n" = log ] && continue; '
        'if [ -L "$f" ]; then cp -P "$f" "$D/$n"; '
        'elif [ -d "$f" ]; then mkdir "$D/$n" && mount --rbind "$f" "$D/$n"; '
        'else : > "$D/$n" && mount --bind "$f" "$D/$n"; fi || exit 1; done; '
        'mount --rbind "$D" /dev && exec "$@"')
    prefix = ["unshare", "-m", "--propagation", "private", "env", "D=" + fake, "sh", "-c", script, "sh"]
    got, stop = [], threading.Event()

    def reader():        # /dev/log must be read: a full queue (10 datagrams) blocks syslog(3)
        s.settimeout(0.1)
        while not stop.is_set():
            try:
                got.append(s.recv(4096).decode(errors="replace"))
            except socket.timeout:
                pass
    t = threading.Thread(target=reader)
    t.start()
    try:
        syslog_run(prefix, got)
    finally:
        stop.set()
        t.join()
        s.close()
        shutil.rmtree(os.path.dirname(fake), ignore_errors=True)


def syslog_run(prefix, got):
    with Daemon(config={"syslog": True, "log_level": "info"}, prefix=prefix) as d:
        wait_for(lambda: any("ready (pid" in m for m in got), what="ready line on syslog")
        ready = [m for m in got if "ready (pid" in m][0]
        if not re.match(r"^<30>.*rtcd\[%d\]: " % d.proc.pid, ready):
            fail("syslog line not daemon.info from rtcd[pid]: %r" % ready)
        if "ready (pid" not in d.log():
            fail("stderr lost its copy")
        cfg = dict(d.config, syslog=False)
        with open(d.config_path, "w") as f:
            json.dump(cfg, f)
        d.control({"cmd": "reload"})
        time.sleep(0.3)
        n = len(got)
        c = StunClient(d.udp[0])
        expect_success(c.check(), c)
        d.control({"cmd": "kill", "id": d.connections()[0]["id"]})
        wait_for(lambda: "killed by operator" in d.log(), what="kill logged on stderr")
        time.sleep(0.3)
        if len(got) != n:
            fail("syslog still written after reload turned it off: %r" % got[n:])
        d.stop()


def test_worker_logs_rate_limited():
    with Daemon() as d:
        c = StunClient(d.udp[0])
        expect_success(c.check(), c)
        cid = d.connections()[0]["id"]
        for _ in range(400):      # bad FINGERPRINT on its tuple: the worker logs each drop (debug)
            bad = bytearray(bytes(c.request()))
            bad[-1] ^= 0xff
            c.sock.sendto(bytes(bad), d.udp[0])
            time.sleep(0.001)
        wait_for(lambda: d.counters()["worker_logs_dropped"] > 100, what="worker log lines dropped")
        lines = [ln for ln in d.log().splitlines() if ("conn %d (" % cid) in ln and "stun dropped" in ln]
        log("400 bad checks: %d worker log lines shown, %d dropped" %
            (len(lines), d.counters()["worker_logs_dropped"]))
        if not 10 <= len(lines) <= 120:
            fail("%d worker log lines got through the rate limit" % len(lines))
        if "127.0.0.1:" not in lines[0]:
            fail("per-connection log line lacks the remote address: %r" % lines[0])
        d.stop()


def test_rtcctl_show_and_sort():
    with Daemon() as d:
        clients = [StunClient(d.udp[0]) for _ in range(3)]
        for i, c in enumerate(clients):
            for _ in range(i + 1):
                expect_success(c.check(), c)
        code, out, err = rtcctl(d, "--json", "connections")
        conns = json.loads(out)
        busiest = max(conns, key=lambda x: x["bytes_in"] + x["bytes_out"])
        code, out, _ = rtcctl(d, "connections", "--sort", "bytes")
        first = out.splitlines()[1].split()[0]
        if int(first) != busiest["id"]:
            fail("--sort bytes: first row %s, busiest %d\n%s" % (first, busiest["id"], out))
        code, out, _ = rtcctl(d, "connections", "--sort", "age")
        if code != 0 or len(out.splitlines()) != 4:
            fail("--sort age: %r" % out)
        code, out, _ = rtcctl(d, "--json", "show", str(busiest["id"]))
        det = json.loads(out)
        for k in ("id", "pid", "mode", "state", "flows", "rooms", "bytes_in", "dgrams_in", "age_s"):
            if k not in det:
                fail("show lacks %s" % k)
        if len(det["flows"]) != 1 or not det["flows"][0]["bound"]:
            fail("show: flows %r" % det["flows"])
        code, out, _ = rtcctl(d, "show", str(busiest["id"]))
        if code != 0 or "flows" not in out or det["flows"][0]["remote"] not in out:
            fail("show table: %r" % out)
        code, _, err = rtcctl(d, "show", "999999")
        if code != 1 or "no such connection" not in err:
            fail("show of unknown id: %r" % err)
        code, _, err = rtcctl(d, "connections", "--sort", "size")
        if code != 2:
            fail("--sort size accepted")
        d.stop()
    stale = os.path.join(d.dir, "stale.sock")         # a socket file nobody listens on
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(stale)
    s.close()
    p = subprocess.run([RTCCTL, "--socket", stale, "status"], capture_output=True, text=True, timeout=10)
    if p.returncode != 1 or "stale" not in p.stderr:
        fail("stale socket message: %r" % p.stderr)


if __name__ == "__main__":
    main([test_metrics_parse_and_move, test_control_refuses_other_uids, test_crash_loop_backoff,
          test_drain_with_peers_and_deadline, test_sigterm_ten_peers_clean_close,
          test_reload_room_limits_live, test_notify_protocol, test_syslog_option,
          test_worker_logs_rate_limited,
          test_rtcctl_show_and_sort])
