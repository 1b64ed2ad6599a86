"""Hostile libp2p WebRTC Direct dialers (badpeer over bench/rtcclient, rtcd's
own engines in the client role) against rtcd's Noise handshake:
- a Noise handshake whose prologue has the two certificate fingerprints
  swapped is refused: that connection's worker ends with a "noise:" reason,
  its connection disappears from rtcctl, no worker crashed, and an
  established connection and a new one still work;
- the same for a message 2 whose identity signature covers random bytes and
  for one signed by another key than the one it names;
- noise-ok (honest Noise, then one ping) succeeds, so the harness can tell
  success from refusal.
Every check fails if rtcd accepts the bad handshake: badpeer exits 3 when the
server answers our bad message, and the worker must not reach phase open."""
import json
import os
import re
import subprocess
import time

from rtcdtest import BUILD, RTCCTL, Daemon, fail, log, main, wait_for

BADPEER = os.path.join(BUILD, "tests", "integration", "badpeer")
DELAY_MS = 1500     # the bad message waits, so the connection can be seen first
GOOD_HOLD_S = 6     # an established connection held across the bad one


def start_good(ma):
    """An honest connection (Noise done) kept open while the bad one runs."""
    p = subprocess.Popen([BADPEER, ma, "hold", str(GOOD_HOLD_S)], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    for _ in range(3):
        line = p.stdout.readline()
        if line.startswith("connected"):
            return p
    p.kill()
    fail("the good peer did not connect: %r" % p.communicate()[0])


def finish_good(p):
    out = p.stdout.read()
    if p.wait(timeout=GOOD_HOLD_S + 20) != 0 or "held" not in out:
        fail("the established connection did not survive: exit %s %r" % (p.returncode, out))


def rtcctl_status(d):
    p = subprocess.run([RTCCTL, "--socket", d.control_path, "--json", "status"],
                       capture_output=True, text=True, timeout=10)
    if p.returncode != 0:
        fail("rtcctl status failed: %s" % p.stderr)
    return json.loads(p.stdout)


def bad_handshake(mode, expect):
    with Daemon() as d:
        ma = d.status()["multiaddrs"][0]
        good = start_good(ma)
        p = subprocess.Popen([BADPEER, ma, mode, "--delay", str(DELAY_MS)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        first = p.stdout.readline().split()
        if len(first) != 2 or first[0] != "local":
            p.kill()
            fail("badpeer did not report its address: %r" % first)
        local = first[1]
        conn = wait_for(lambda: next((c for c in d.connections() if c["remote"] == local), None),
                        timeout=5, what="the bad peer's connection in rtcctl")
        log("bad connection %d from %s, phase %s" % (conn["id"], local, conn["phase"]))
        out = p.communicate(timeout=40)[0]
        log("badpeer %s: exit %d: %s" % (mode, p.returncode, out.strip().replace("\n", " | ")))
        if p.returncode == 3:
            fail("rtcd ACCEPTED a bad Noise handshake (%s)" % mode)
        if p.returncode != 0 or "rejected by the server" not in out:
            fail("badpeer %s did not see rtcd refuse the handshake" % mode)
        wait_for(lambda: all(c["id"] != conn["id"] for c in d.connections()), timeout=5,
                 what="the bad connection to disappear")
        pat = re.compile(r"conn %d \([^)]*\): closed: noise: (.*)" % conn["id"])
        m = wait_for(lambda: pat.search(d.log()), timeout=5, what="the noise failure in the log")
        log("rtcd closed it: noise: %s" % m.group(1))
        if expect not in m.group(1):
            fail("unexpected reason %r (wanted %r)" % (m.group(1), expect))
        if re.search(r"conn %d \([^)]*\): libp2p peer .* authenticated" % conn["id"], d.log()):
            fail("rtcd authenticated the bad peer")
        finish_good(good)
        ok = subprocess.run([BADPEER, ma, "noise-ok"], capture_output=True, text=True, timeout=30)
        if ok.returncode != 0:
            fail("a new connection failed after the bad one: %s" % ok.stdout)
        st = rtcctl_status(d)
        k = st["counters"]
        if st["workers"]["crashed_total"] or k["worker_violations"] or k["listener_errors"]:
            fail("something crashed: %r" % st)
        d.stop()


def test_noise_wrong_prologue_rejected():
    bad_handshake("noise-bad-prologue", "AEAD")


def test_noise_bad_signature_rejected():
    bad_handshake("noise-bad-sig", "signature does not verify")


def test_noise_signature_by_other_key_rejected():
    bad_handshake("noise-wrong-key", "signature does not verify")


def test_noise_ok_pings():
    with Daemon() as d:
        st = d.status()
        t0 = time.monotonic()
        p = subprocess.run([BADPEER, st["multiaddrs"][0], "noise-ok"], capture_output=True,
                           text=True, timeout=30)
        log("noise-ok: exit %d in %.2fs: %s" % (p.returncode, time.monotonic() - t0,
                                                p.stdout.strip().replace("\n", " | ")))
        if p.returncode != 0 or "pong rtt_us=" not in p.stdout:
            fail("an honest Noise handshake and ping failed: %s %s" % (p.stdout, p.stderr))
        if ("connected to %s" % st["peer_id"]) not in p.stdout:
            fail("badpeer did not authenticate rtcd's peer id %s" % st["peer_id"])
        pat = re.compile(r"conn (\d+) \([^)]*\): libp2p peer (\S+) authenticated")
        m = wait_for(lambda: pat.search(d.log()), what="rtcd authenticating the dialer")
        log("rtcd authenticated conn %s as %s" % (m.group(1), m.group(2)))
        d.stop()


if __name__ == "__main__":
    main([test_noise_ok_pings, test_noise_wrong_prologue_rejected,
          test_noise_bad_signature_rejected, test_noise_signature_by_other_key_rejected])
