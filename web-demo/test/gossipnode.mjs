// gossipnode.mjs: a stock js-libp2p node with @libp2p/gossipsub (Node.js,
// no rtcd-specific code) dials rtcd over WebRTC Direct, subscribes to the
// room topic "rtcd/<room>" and prints every message it receives. With
// --send it publishes plain text messages too. With --chat TAG MS (the chaos
// test) it prints READY, waits for a line "GO" on stdin, publishes "TAG-<i>"
// every MS ms until a line "STOP" (or <seconds>), waits 3 s for the last
// messages and reports how many it sent.
//   node gossipnode.mjs <multiaddr> <room> <seconds> [--send N | --chat TAG MS]
// Prints RESULT {"received":[...]} (and "sent" with --chat) at the end.
import readline from 'node:readline';

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

const [addr, room, secs, flag, arg1, arg2] = process.argv.slice(2);
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
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// Lines from stdin, one promise per expected word.
const words = [];
let wake = null;
if (flag === '--chat') {
  readline.createInterface({ input: process.stdin }).on('line', (l) => {
    words.push(l.trim());
    if (wake) wake();
  });
}
async function waitWord(w, ms) {
  const end = Date.now() + ms;
  while (!words.includes(w) && Date.now() < end) {
    await new Promise((ok) => { wake = ok; setTimeout(ok, 100); });
  }
  return words.includes(w);
}

let code = 0;
let sent = 0;
try {
  const conn = await node.dial(multiaddr(addr), { signal: AbortSignal.timeout(10000) });
  node.services.pubsub.subscribe(topic);
  for (let i = 0; i < 100 && !node.services.pubsub.getSubscribers(topic).some((p) => p.equals(conn.remotePeer)); i++)
    await sleep(50);
  console.log('READY');
  if (flag === '--send') {
    for (let i = 0; i < Number(arg1); i++) {
      await node.services.pubsub.publish(topic, new TextEncoder().encode(`plain text ${i} from a stock node`));
      await sleep(20);
    }
    await sleep(Number(secs) * 1000);
  } else if (flag === '--chat') {
    const end = Date.now() + Number(secs) * 1000;
    if (!await waitWord('GO', Number(secs) * 1000)) throw new Error('no GO');
    while (!words.includes('STOP') && Date.now() < end) {
      await node.services.pubsub.publish(topic, new TextEncoder().encode(`${arg1}-${sent}`));
      sent++;
      await waitWord('STOP', Number(arg2));
    }
    await sleep(3000);
  } else {
    await sleep(Number(secs) * 1000);
  }
  console.log('RESULT ' + JSON.stringify({ received, sent }));
} catch (e) {
  console.log('RESULT ' + JSON.stringify({ error: e.message, received, sent }));
  code = 1;
} finally {
  clearTimeout(kill);
  await node.stop();
}
// process.exit() right away can cut a long RESULT line written to a pipe.
process.stdout.write("", () => process.exit(code));
