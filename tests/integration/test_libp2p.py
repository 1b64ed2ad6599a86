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
import subprocess

from rtcdtest import SRC, Daemon, fail, log, main, wait_for


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
        r = node("p2pdial.mjs", [ma, "10", "20"])
        log("node dialer: setup %.1f ms, rtts %s, agent %s" % (r["setupMs"], r["rtts"], r["agent"]))
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
        conns = d.connections()
        if not conns or conns[0]["mode"] != "webrtc-direct" or not conns[0]["peer"].startswith("12D3KooW"):
            fail("rtcctl connections should show the browser's peer id: %r" % conns)
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


if __name__ == "__main__":
    main([test_node_dialer, test_browser_dial_ping_identify_streams, test_seed_scenario_kill_loop])
