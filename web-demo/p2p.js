// p2p.js: js-libp2p client for rtcd over WebRTC Direct (no signalling:
// the multiaddr carries the server's certhash and peer id). Bundled by
// `make` with esbuild into dist/p2p.js; the page imports that bundle.
import { createLibp2p } from 'libp2p';
import { webRTCDirect } from '@libp2p/webrtc';
import { noise } from '@chainsafe/libp2p-noise';
import { ping } from '@libp2p/ping';
import { identify } from '@libp2p/identify';
import { gossipsub } from '@libp2p/gossipsub';
import { multiaddr } from '@multiformats/multiaddr';

const TOPIC_PREFIX = 'rtcd/';   // room R is gossipsub topic "rtcd/R"
const enc = new TextEncoder();
const dec = new TextDecoder();

export async function createNode() {
  return createLibp2p({
    transports: [webRTCDirect({ rtcConfiguration: { iceServers: [] } })],
    connectionEncrypters: [noise()],
    // The default browser gater refuses private and loopback addresses.
    connectionGater: { denyDialMultiaddr: () => false },
    services: {
      // A finished ping stream may still be closing when the next ping
      // starts (js-libp2p counts it until both sides end): allow a few.
      ping: ping({ maxOutboundStreams: 4 }),
      identify: identify(),
      // rtcd routes the room topics for the browsers connected to it.
      pubsub: gossipsub({ emitSelf: false, floodPublish: true, globalSignaturePolicy: 'StrictSign' }),
    },
  });
}

// Chat over gossipsub: the same JSON as the plain WebRTC "chat" channel.
function makeChat(node, serverPeer) {
  const listeners = new Set();
  const pubsub = node.services.pubsub;
  pubsub.addEventListener('message', (e) => {
    const m = e.detail;
    if (!m.topic.startsWith(TOPIC_PREFIX)) return;
    const room = m.topic.slice(TOPIC_PREFIX.length);
    let ev;
    try { ev = JSON.parse(dec.decode(m.data)); } catch (err) { ev = null; }
    if (!ev || typeof ev !== 'object' || !ev.type) {
      // not our JSON: the text of a message from the publishing peer
      const from = m.type === 'signed' ? m.from.toString().slice(-8) : 'anonymous';
      ev = { type: 'msg', room, from, text: dec.decode(m.data), ts: Date.now() };
    }
    for (const l of listeners) l(ev);
  });
  const chat = {
    name: 'guest',
    on(fn) { listeners.add(fn); return () => listeners.delete(fn); },
    async join(room, name) {
      if (name) chat.name = name;
      const topic = TOPIC_PREFIX + room;
      pubsub.subscribe(topic);
      // publish needs rtcd to be known as a subscriber of the topic
      for (let i = 0; i < 100; i++) {
        if (pubsub.getSubscribers(topic).some((p) => p.equals(serverPeer))) {
          // tell the room our name (rtcd turns it into presence)
          await pubsub.publish(topic, enc.encode(JSON.stringify({ type: 'join', room, name: chat.name })));
          return;
        }
        await new Promise((ok) => setTimeout(ok, 50));
      }
      throw new Error(`rtcd did not join topic ${topic}`);
    },
    leave(room) { pubsub.unsubscribe(TOPIC_PREFIX + room); },
    async send(text, room = 'lobby') {
      const msg = { type: 'msg', room, from: chat.name, text, ts: Date.now() };
      await pubsub.publish(TOPIC_PREFIX + room, enc.encode(JSON.stringify(msg)));
    },
  };
  return chat;
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
  const chat = makeChat(node, conn.remotePeer);
  try {
    await chat.join(opts.room || 'lobby', opts.name);
  } catch (e) {
    await node.stop();
    throw e;
  }
  return {
    node, conn, setupMs, mode: 'libp2p',
    remotePeer: conn.remotePeer.toString(),
    chat,
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
