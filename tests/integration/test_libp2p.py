"""libp2p WebRTC Direct against stock js-libp2p (npm libp2p, @libp2p/webrtc,
@chainsafe/libp2p-noise, ping, identify; pinned in web-demo/package-lock.json):
- a Node.js dialer (node-datachannel) dials, identifies, pings, opens streams;
- the demo page's js-libp2p bundle in headless Chromium dials the multiaddr
  from /v1/info, pings 20 times, identifies, opens and closes 50 streams;
- the seed scenario: two browsers pinging, one browser process killed, the
  other keeps pinging for 30 s without error, a third dials; ten more
  kill-and-redial rounds; the listener never notices."""
import json
import os
import socket
import subprocess
import threading
import time

from rtcdtest import SRC, Daemon, StunClient, fail, log, main, wait_for


def node(script, args, timeout=60, env=None):
    p = subprocess.run(["node", os.path.join(SRC, "web-demo", "test", script)] + args,
                       capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, RTCD_SRCDIR=SRC, **(env or {})))
    out = p.stdout + p.stderr
    res = None
    for line in out.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[7:])
    if p.returncode != 0 or res is None or "error" in res:
        log(out[-3000:])
        fail("%s failed: %s" % (script, res.get("error") if res else out[-500:]))
    return res


def test_node_dialer():
    with Daemon() as d:
        ma = d.status()["multiaddrs"][0]
        r = node("p2pdial.mjs", [ma, "10", "20", str(8 << 20)])
        log("node dialer: setup %.1f ms, rtts %s, agent %s" % (r["setupMs"], r["rtts"], r["agent"]))
        perf = r["perf"]
        log("perf 8 MiB: upload %.0f ms, download %.0f ms" % (perf["uploadMs"], perf["downloadMs"]))
        if "/perf/1.0.0" not in r["protocols"]:
            fail("identify should list /perf/1.0.0: %r" % r["protocols"])
        if r["remotePeer"] != d.status()["peer_id"]:
            fail("dialed peer %s, rtcd is %s" % (r["remotePeer"], d.status()["peer_id"]))
        if not r["agent"].startswith("rtcd/") or "/ipfs/ping/1.0.0" not in r["protocols"]:
            fail("identify: %r" % r)
        conns = d.connections()
        if any(c["mode"] != "webrtc-direct" for c in conns):
            fail("connections: %r" % conns)
        d.stop()


def test_browser_dial_ping_identify_streams():
    with Daemon() as d:
        url = "http://%s:%d" % d.http
        r = node("chrome.mjs", ["p2p-basic", url], timeout=120)
        log("browser: setup %.0f ms, ping rtts %s" % (r["setupMs"], r["rtts"]))
        if r["pageErrors"]:
            fail("page errors: %r" % r["pageErrors"])
        # The browser is gone by now (its close may already have ended the
        # connection), so rtcd's own record of whom it authenticated counts.
        if ("libp2p peer %s authenticated" % r["localPeer"]) not in d.log():
            fail("rtcd should have authenticated the browser's peer id %s" % r["localPeer"])
        d.stop()


def test_seed_scenario_kill_loop():
    with Daemon(config={"limits": {"pool_size": 4}}) as d:
        url = "http://%s:%d" % d.http
        r = node("chrome.mjs", ["p2p-kill", url], timeout=300, env={"CHROME_TIMEOUT_MS": "280000"})
        st = d.status()
        k = st["counters"]
        log("seed scenario: b pinged %d times in 30 s, %d redials; peer_errors %d, listener_errors %d"
            % (r["bPings"], r["redials"], k["peer_errors"], k["listener_errors"]))
        if k["listener_errors"] or k["listener_reopens"] or st["workers"]["crashed_total"]:
            fail("listener or workers hurt: %r" % st)
        if len(st["udp"]) != 2:
            fail("a listener disappeared: %r" % st["udp"])
        d.stop()


def test_ufrag_flood_is_capped_and_dials_still_succeed():
    """A flood of WebRTC Direct checks with random ufrags (valid integrity:
    the password is the ufrag) from one source is held to its per-IP share;
    workers and memory stay bounded; a real js-libp2p dial from another
    source succeeds meanwhile."""
    with Daemon(config={"limits": {"pool_size": 4, "max_pending_per_ip": 16}}) as d:
        ma = d.status()["multiaddrs"][0]
        stop = threading.Event()
        sent = [0]
        peak = [0]

        def flood():
            socks = []
            for _ in range(200):
                x = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                x.bind(("127.0.0.2", 0))
                socks.append(x)
            i = 0
            while not stop.is_set():
                c = StunClient(d.udp[0], sock=socks[i % len(socks)])
                socks[i % len(socks)].sendto(bytes(c.request()), d.udp[0])
                sent[0] += 1
                i += 1
        t = threading.Thread(target=flood, daemon=True)
        t.start()
        rss0 = d.rss_kb()
        time.sleep(2)
        r = node("p2pdial.mjs", [ma, "5", "5"])
        for _ in range(20):
            peak[0] = max(peak[0], d.status()["workers"]["active"])
            time.sleep(0.1)
        stop.set()
        t.join()
        st = d.status()
        log("flood: %d checks sent, dropped_limit %d, peak active workers %d, rss %d -> %d KiB; "
            "legit dial %.0f ms" % (sent[0], st["counters"]["dropped_limit"], peak[0], rss0, d.rss_kb(),
                                    r["setupMs"]))
        if peak[0] > 16 + 4:
            fail("the flood held %d workers (per-IP cap 16)" % peak[0])
        if st["counters"]["dropped_limit"] < sent[0] // 2:
            fail("the flood was not capped: %r" % st["counters"])
        if d.rss_kb() - rss0 > 8192:
            fail("supervisor memory grew under the flood")
        d.stop()


if __name__ == "__main__":
    main([test_node_dialer, test_ufrag_flood_is_capped_and_dials_still_succeed,
          test_browser_dial_ping_identify_streams, test_seed_scenario_kill_loop])
