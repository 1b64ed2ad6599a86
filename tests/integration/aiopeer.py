"""aiopeer: an aiortc (Debian python3-aiortc) WebRTC peer that offers to rtcd
over HTTP (POST /v1/offer, application/sdp) — an independent implementation
of ICE, DTLS, SCTP and SRTP driving rtcd. Loopback fixes from TESTING.md."""
import asyncio
import urllib.request

import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack

# aioice drops loopback host candidates; rtcd tests run on loopback only.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
CONFIG = RTCConfiguration(iceServers=[])   # None would mean a public STUN server


def post_offer(http, sdp, timeout=10):
    req = urllib.request.Request("http://%s:%d/v1/offer" % http, data=sdp.encode(),
                                 headers={"Content-Type": "application/sdp"}, method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.headers.get("Location"), r.read().decode()


class Peer:
    def __init__(self, http, video=False, channels=("echo",)):
        self.http = http
        self.pc = RTCPeerConnection(CONFIG)
        self.channels = {}
        self.inbox = {}
        self.frames = 0
        self.video = video
        for label in channels:
            ch = self.pc.createDataChannel(label)
            self.channels[label] = ch
            q = asyncio.Queue()
            self.inbox[label] = q
            ch.on("message", lambda m, q=q: q.put_nowait(m))
        if video:
            self.pc.addTrack(VideoStreamTrack())

        @self.pc.on("track")
        def _(track):
            async def pump():
                try:
                    while True:
                        await track.recv()
                        self.frames += 1
                except Exception:
                    pass
            asyncio.ensure_future(pump())

    async def connect(self, timeout=15):
        await self.pc.setLocalDescription(await self.pc.createOffer())
        status, self.location, answer = await asyncio.get_running_loop().run_in_executor(
            None, post_offer, self.http, self.pc.localDescription.sdp)
        if status != 201:
            raise AssertionError("offer answered %d: %s" % (status, answer))
        await self.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        for label, ch in self.channels.items():
            t = asyncio.get_running_loop().time() + timeout
            while ch.readyState != "open":
                if asyncio.get_running_loop().time() > t:
                    raise AssertionError("channel %s did not open (state %s, ice %s)" %
                                         (label, ch.readyState, self.pc.iceConnectionState))
                await asyncio.sleep(0.05)
        return self

    async def echo(self, data, label="echo", timeout=10):
        self.channels[label].send(data)
        return await asyncio.wait_for(self.inbox[label].get(), timeout)

    async def close(self):
        await self.pc.close()
