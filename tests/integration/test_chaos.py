"""Chaos under load, the short version for `make check` (issue 8; the long
one is `make chaos`, see chaos.py for what the driver does and asserts):
60 s, 10 peers (7 aiortc, 1 stock js-libp2p gossipsub node, one Chromium
with a plain WebRTC page and a js-libp2p page) chatting and echoing while
workers are killed (SIGKILL/SEGV/ABRT), peers vanish, spoofed STUN floods,
garbage lands in established flows, offers are abandoned, the control
socket gets bad JSON and the supervisor SIGHUP. The supervisor survives
flat, every survivor gets every message exactly once in order, handshakes
succeed >= 99%, the listeners never close."""
import os

import chaos
from rtcdtest import log, main

SECONDS = int(os.environ.get("CHAOS_SHORT_SECONDS", "60"))


def test_chaos_short():
    f = chaos.run(seconds=SECONDS, peers=10, chromium=2, libp2p=1, seed=8)
    for key in ("kills", "vanished peers", "SIGHUPs", "offers abandoned"):
        if not f[key]:
            raise AssertionError("the chaos never did %r: %r" % (key, f))
    log("chaos short: %d kills, %s" % (f["kills"], f["handshakes"]))


if __name__ == "__main__":
    main([test_chaos_short])
