// p2p.js: js-libp2p client for rtcd over WebRTC Direct (no signalling:
// the multiaddr carries the server's certhash and peer id). Bundled by
// `make` with esbuild into dist/p2p.js; the page imports that bundle.
import { createLibp2p } from 'libp2p';
import { webRTCDirect } from '@libp2p/webrtc';
import { noise } from '@chainsafe/libp2p-noise';
import { ping } from '@libp2p/ping';
import { identify } from '@libp2p/identify';
import { multiaddr } from '@multiformats/multiaddr';

export async function createNode() {
  return createLibp2p({
    transports: [webRTCDirect({ rtcConfiguration: { iceServers: [] } })],
    connectionEncrypters: [noise()],
    // The default browser gater refuses private and loopback addresses.
    connectionGater: { denyDialMultiaddr: () => false },
    services: { ping: ping(), identify: identify() },
  });
}

export async function connectLibp2p(addr, opts = {}) {
  const node = await createNode();
  const ma = multiaddr(addr);
  const t0 = performance.now();
  let conn;
  try {
    conn = await node.dial(ma, { signal: AbortSignal.timeout(10000) });
  } catch (e) {
    await node.stop();
    throw new Error(`libp2p dial failed: ${e.message}`);
  }
  const setupMs = performance.now() - t0;
  return {
    node, conn, setupMs, mode: 'libp2p',
    remotePeer: conn.remotePeer.toString(),
    chat: null,
    async ping() {
      return node.services.ping.ping(ma, { signal: AbortSignal.timeout(5000) });
    },
    // Open and close n streams (each negotiates /ipfs/ping/1.0.0).
    async streams(n) {
      for (let i = 0; i < n; i++) {
        const s = await conn.newStream('/ipfs/ping/1.0.0', { signal: AbortSignal.timeout(5000) });
        await s.close();
      }
      return n;
    },
    async identify() {
      const p = await node.peerStore.get(conn.remotePeer);
      const agent = p.metadata.get('AgentVersion');
      return { protocols: p.protocols, agent: agent ? new TextDecoder().decode(agent) : null,
        addrs: p.addresses.map((a) => a.multiaddr.toString()) };
    },
    async close() { await node.stop(); },
  };
}
