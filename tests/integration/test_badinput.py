"""Bad input into rtcd's offer endpoint and into established flows:
truncated/garbage SDP gets 400 with a one-line reason and leaves no worker
behind; DTLS garbage and SCTP garbage after a completed DTLS handshake end
(at most) that one connection; the supervisor and other peers are
unaffected (checked through rtcctl status). DELETE ends a session."""
import asyncio
import http.client
import os
import subprocess
import time

from aiopeer import Peer
from rtcdtest import BUILD, Daemon, StunClient, expect_success, fail, log, main, wait_for

BADPEER = os.path.join(BUILD, "tests", "integration", "badpeer")

CHROME_OFFER = (
    "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "a=group:BUNDLE 0\r\na=msid-semantic: WMS\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijklmn\r\na=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32) + "\r\n"
    "a=setup:actpass\r\na=mid:0\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n")


def post(d, body, ctype="application/sdp"):
    c = http.client.HTTPConnection(d.http[0], d.http[1], timeout=10)
    c.request("POST", "/v1/offer", body=body, headers={"Content-Type": ctype})
    r = c.getresponse()
    out = (r.status, r.getheader("Location"), r.read().decode(errors="replace"))
    c.close()
    return out


def test_bad_sdp_gets_400_and_no_worker_left():
    with Daemon() as d:
        cases = [CHROME_OFFER[:40], CHROME_OFFER.replace("a=fingerprint", "a=fingerprinx"),
                 "garbage\x00\x01\x02", "v=0\r\n" * 2000, CHROME_OFFER.replace("actpass", "passive"),
                 CHROME_OFFER.replace("a=ice-ufrag:abcd", "a=ice-ufrag:a!")]
        for body in cases:
            st, _, text = post(d, body.encode())
            if st != 400 or "\n" in text.strip() or not text.strip():
                fail("bad SDP %r answered %d %r" % (body[:30], st, text))
            log("400: %s" % text.strip())
        st, _, _ = post(d, CHROME_OFFER.encode(), ctype="text/plain")
        if st != 415:
            fail("wrong content type answered %d" % st)
        st, _, _ = post(d, b"x" * 100000)
        if st not in (400, 413):
            fail("oversize body answered %d" % st)
        wait_for(lambda: d.status()["workers"]["active"] == 0, what="no worker left behind")
        # a good offer still works, and DELETE ends it
        st, loc, answer = post(d, CHROME_OFFER.encode())
        if st != 201 or not loc or "a=ice-lite" not in answer:
            fail("good offer: %d %r" % (st, answer[:200]))
        c = http.client.HTTPConnection(d.http[0], d.http[1], timeout=5)
        c.request("DELETE", loc)
        if c.getresponse().status != 204:
            fail("DELETE refused")
        c.close()
        wait_for(lambda: d.status()["workers"]["active"] == 0, what="session ended by DELETE")
        d.stop()


def test_garbage_inside_flows_hurts_only_that_flow():
    with Daemon() as d:
        async def run():
            good = await Peer(d.http).connect()
            for mode in ("dtls-garbage", "sctp-garbage"):
                p = subprocess.run([BADPEER, "%s:%d" % d.udp[0], mode], capture_output=True,
                                   text=True, timeout=30)
                log("badpeer %s: %s %s" % (mode, p.stdout.strip(), p.stderr.strip()))
                if p.returncode != 0:
                    fail("badpeer %s failed to run" % mode)
                if await good.echo("still here") != "still here":
                    fail("the good peer stopped echoing after %s" % mode)
            await good.close()
        asyncio.run(asyncio.wait_for(run(), 90))
        st = d.status()
        if st["workers"]["crashed_total"] or st["counters"]["listener_errors"]:
            fail("garbage crashed something: %r" % st)
        d.stop()


if __name__ == "__main__":
    main([test_bad_sdp_gets_400_and_no_worker_left, test_garbage_inside_flows_hurts_only_that_flow])
