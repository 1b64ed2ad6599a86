"""rtcd against Chromium (Debian's chromium, headless, driven by
puppeteer-core): the demo page from web-demo/ connects over plain WebRTC,
echoes data (text and binary up to 64 KiB) and media; two browsers chat
through the room; one browser process is killed without goodbye (the ICMP
port-unreachable path) and the other keeps chatting; a new browser then
connects and chats. rtcctl status shows the listener kept serving."""
import json
import os
import subprocess

from rtcdtest import SRC, Daemon, fail, log, main, wait_for


def run_scenario(d, name, timeout=170):
    url = "http://%s:%d" % d.http
    p = subprocess.run(["node", os.path.join(SRC, "web-demo", "test", "chrome.mjs"), name, url],
                       capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, RTCD_SRCDIR=SRC))
    out = p.stdout + p.stderr
    log(out[-3000:])
    res = None
    for line in out.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[7:])
    if p.returncode != 0 or res is None or "error" in res:
        fail("scenario %s failed: %s" % (name, res.get("error") if res else out[-500:]))
    return res


def test_page_echoes_data_and_media():
    with Daemon() as d:
        r = run_scenario(d, "echo")
        log("echoed %d bytes, %d video frames decoded, setup %.0f ms" %
            (r["bytes"], r["framesDecoded"], r["setupMs"]))
        if r["pageErrors"]:
            fail("page errors: %r" % r["pageErrors"])
        d.stop()


def test_browser_killed_others_keep_chatting():
    with Daemon() as d:
        r = run_scenario(d, "chat-kill")
        st = d.status()
        k = st["counters"]
        log("after the kill: peer_errors %d, listener_errors %d, connections %d" %
            (k["peer_errors"], k["listener_errors"], len(d.connections())))
        if k["listener_errors"] or k["listener_reopens"]:
            fail("the listener saw errors: %r" % k)
        if k["peer_errors"] < 1:
            fail("the vanished browser never produced an ICMP error attribution")
        if st["workers"]["crashed_total"] != 0:
            fail("a worker crashed")
        d.stop()


if __name__ == "__main__":
    main([test_page_echoes_data_and_media, test_browser_killed_others_keep_chatting])
