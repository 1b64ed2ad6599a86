"""rtcload (bench/rtcload.c over bench/rtcclient) against a real rtcd, briefly,
so the load generator cannot rot: 20 WebRTC Direct connections at 20/s (ICE,
DTLS, SCTP, Noise, two pings each) and 20 offer-mode connections at 20/s
(HTTP offer, ICE, DTLS, SCTP, an "echo" channel, two 1000-byte echoes), each
held 2 s so all 20 are open at once in one client process. Every connection
must succeed, every phase must be measured, rtcd must end with no worker
left and none crashed."""
import json
import os
import subprocess

from rtcdtest import BUILD, Daemon, fail, log, main, wait_for

RTCLOAD = os.path.join(BUILD, "bench", "rtcload")
N = 20


def run(args):
    if not os.access(RTCLOAD, os.X_OK):
        fail("%s is missing (cd build/bench && make rtcload)" % RTCLOAD)
    p = subprocess.run([RTCLOAD] + args, capture_output=True, text=True, timeout=60)
    lines = p.stdout.strip().splitlines()
    log("rtcload %s: exit %d\n%s%s" % (args[0], p.returncode, p.stdout, p.stderr[-2000:]))
    if len(lines) != 2 or not lines[0].startswith("mode=%s " % args[0]):
        fail("rtcload printed %r" % p.stdout)
    res = json.loads(lines[1])
    kv = dict(f.split("=", 1) for f in lines[0].split())
    if p.returncode != 0 or res["ok"] != N or res["failed"] != 0 or res["errors"]:
        fail("rtcload %s: %d of %d connections succeeded: %r" % (args[0], res["ok"], N, res["errors"]))
    if int(kv["ok"]) != res["ok"] or res["peak_active"] < N // 2:
        fail("inconsistent output or connections not held concurrently: %r" % res)
    return res


def check_phases(res, names):
    for name in names:
        ph = res["phases_ms"].get(name)
        if ph is None or ph["n"] != N or not 0 < ph["p50"] <= ph["p99"] < 10000:
            fail("phase %s badly measured: %r" % (name, ph))


def test_rtcload_both_modes():
    with Daemon(config={"limits": {"pool_size": 6}}) as d:
        ma = d.status()["multiaddrs"][0]
        url = "http://%s:%d" % d.http
        res = run(["direct", ma, "--conns", str(N), "--rate", "20/s", "--pings", "2", "--hold", "2"])
        check_phases(res, ["setup", "stun", "dtls", "sctp", "noise", "work", "rtt"])
        res = run(["offer", url, "--conns", str(N), "--rate", "20/s", "--echo-bytes", "1000",
                   "--echoes", "2", "--hold", "2"])
        check_phases(res, ["setup", "http", "stun", "dtls", "sctp", "open", "work", "rtt"])
        wait_for(lambda: d.status()["workers"]["active"] == 0, timeout=10,
                 what="every connection closed")
        st = d.status()
        if st["workers"]["crashed_total"] or st["counters"]["worker_violations"]:
            fail("rtcd was hurt: %r" % st)
        d.stop()


if __name__ == "__main__":
    main([test_rtcload_both_modes])
