// p2pdial.mjs: a stock js-libp2p node (Node.js, @libp2p/webrtc over
// node-datachannel) that dials rtcd over WebRTC Direct, identifies, pings
// and opens/closes streams. Independent of the browser bundle.
//   node p2pdial.mjs <multiaddr> [pings] [streams] [perf-bytes]
// With perf-bytes, one /perf/1.0.0 exchange uploads and downloads that many
// bytes and checks the download's length.
// Prints RESULT <json>; exit 0 = pass.

if (!Promise.withResolvers) {   // Node 20: libp2p 3 expects it
  Promise.withResolvers = function () {
    let resolve, reject;
    const promise = new Promise((a, b) => { resolve = a; reject = b; });
    return { promise, resolve, reject };
  };
}
const { createLibp2p } = await import('libp2p');
const { webRTCDirect } = await import('@libp2p/webrtc');
const { noise } = await import('@chainsafe/libp2p-noise');
const { ping } = await import('@libp2p/ping');
const { identify } = await import('@libp2p/identify');
const { multiaddr } = await import('@multiformats/multiaddr');

const [addr, npings = '5', nstreams = '0', perfBytes = '0'] = process.argv.slice(2);
const kill = setTimeout(() => { console.log('RESULT {"error":"global timeout"}'); process.exit(2); }, 60000);
const node = await createLibp2p({
  transports: [webRTCDirect({ rtcConfiguration: { iceServers: [] } })],
  connectionEncrypters: [noise()],
  connectionGater: { denyDialMultiaddr: () => false },
  // A finished ping stream can still be closing when the next ping opens
  // one (js-libp2p counts it until both sides end): allow a few.
  services: { ping: ping({ maxOutboundStreams: 4 }), identify: identify() },
});
let code = 0;

// One /perf/1.0.0 exchange: ask for n bytes, upload n bytes, half-close,
// count what comes back. Sends are paced on writeBufferLength (libp2p 3's
// send() back-pressure is not reliable).
async function perfRun(conn, n) {
  const s = await conn.newStream('/perf/1.0.0', { signal: AbortSignal.timeout(5000) });
  const hdr = new Uint8Array(8);
  new DataView(hdr.buffer).setBigUint64(0, BigInt(n));
  s.send(hdr);
  const chunk = new Uint8Array(64 * 1024);
  const t0 = performance.now();
  for (let sent = 0; sent < n;) {
    while (s.writeBufferLength > 4 * 1024 * 1024) await new Promise((ok) => setTimeout(ok, 1));
    const k = Math.min(chunk.length, n - sent);
    s.send(k === chunk.length ? chunk : chunk.subarray(0, k));
    sent += k;
  }
  await s.close();
  const t1 = performance.now();
  let got = 0;
  for await (const c of s) got += c.byteLength;
  const t2 = performance.now();
  if (got !== n) throw new Error(`perf: asked for ${n} bytes, got ${got}`);
  return { bytes: n, uploadMs: t1 - t0, downloadMs: t2 - t1 };
}
try {
  const ma = multiaddr(addr);
  const t0 = performance.now();
  const conn = await node.dial(ma, { signal: AbortSignal.timeout(10000) });
  const setupMs = performance.now() - t0;
  const rtts = [];
  for (let i = 0; i < Number(npings); i++) rtts.push(await node.services.ping.ping(ma, { signal: AbortSignal.timeout(5000) }));
  await new Promise((ok) => setTimeout(ok, 500));
  const peer = await node.peerStore.get(conn.remotePeer);
  let streams = 0;
  for (let i = 0; i < Number(nstreams); i++) {
    const s = await conn.newStream('/ipfs/ping/1.0.0', { signal: AbortSignal.timeout(5000) });
    await s.close();
    streams++;
  }
  let perf = null;
  if (Number(perfBytes) > 0) perf = await perfRun(conn, Number(perfBytes));
  console.log('RESULT ' + JSON.stringify({
    remotePeer: conn.remotePeer.toString(), setupMs, rtts, streams, perf,
    agent: peer.metadata?.get?.('AgentVersion') ? new TextDecoder().decode(peer.metadata.get('AgentVersion')) : null,
    protocols: peer.protocols,
  }));
} catch (e) {
  console.log('RESULT ' + JSON.stringify({ error: e.message, stack: String(e.stack).slice(0, 800) }));
  code = 1;
} finally {
  clearTimeout(kill);
  await node.stop();
}
process.exit(code);
