// gossipnode.mjs: a stock js-libp2p node with @libp2p/gossipsub (Node.js,
// no rtcd-specific code) dials rtcd over WebRTC Direct, subscribes to the
// room topic "rtcd/<room>" and prints every message it receives. With
// --send it publishes plain text messages too.
//   node gossipnode.mjs <multiaddr> <room> <seconds> [--send N]
// Prints RESULT {"received":[...]} at the end.
if (!Promise.withResolvers) {
  Promise.withResolvers = function () {
    let resolve, reject;
    const promise = new Promise((a, b) => { resolve = a; reject = b; });
    return { promise, resolve, reject };
  };
}
const { createLibp2p } = await import('libp2p');
const { webRTCDirect } = await import('@libp2p/webrtc');
const { noise } = await import('@chainsafe/libp2p-noise');
const { identify } = await import('@libp2p/identify');
const { ping } = await import('@libp2p/ping');
const { gossipsub } = await import('@libp2p/gossipsub');
const { multiaddr } = await import('@multiformats/multiaddr');

const [addr, room, secs, flag, nsend] = process.argv.slice(2);
const kill = setTimeout(() => { console.log('RESULT {"error":"global timeout"}'); process.exit(2); }, (Number(secs) + 30) * 1000);
const node = await createLibp2p({
  transports: [webRTCDirect({ rtcConfiguration: { iceServers: [] } })],
  connectionEncrypters: [noise()],
  connectionGater: { denyDialMultiaddr: () => false },
  services: { identify: identify(), ping: ping(), pubsub: gossipsub({ emitSelf: false }) },
});
const topic = `rtcd/${room}`;
const received = [];
node.services.pubsub.addEventListener('message', (e) => {
  if (e.detail.topic === topic) received.push(new TextDecoder().decode(e.detail.data));
});
let code = 0;
try {
  const conn = await node.dial(multiaddr(addr), { signal: AbortSignal.timeout(10000) });
  node.services.pubsub.subscribe(topic);
  for (let i = 0; i < 100 && !node.services.pubsub.getSubscribers(topic).some((p) => p.equals(conn.remotePeer)); i++)
    await new Promise((ok) => setTimeout(ok, 50));
  console.log('READY');
  if (flag === '--send') {
    for (let i = 0; i < Number(nsend); i++) {
      await node.services.pubsub.publish(topic, new TextEncoder().encode(`plain text ${i} from a stock node`));
      await new Promise((ok) => setTimeout(ok, 20));
    }
  }
  await new Promise((ok) => setTimeout(ok, Number(secs) * 1000));
  console.log('RESULT ' + JSON.stringify({ received }));
} catch (e) {
  console.log('RESULT ' + JSON.stringify({ error: e.message, received }));
  code = 1;
} finally {
  clearTimeout(kill);
  await node.stop();
}
process.exit(code);
