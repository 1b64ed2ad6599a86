// listener.mjs: the js-libp2p Node WebRTC Direct listener rtcd is compared
// with (what a libp2p user would run instead): noise, identify, ping and
// /perf/1.0.0, connection limits raised so they never cap a benchmark
// (anchor-baselines.md note 5). Prints "LISTEN <multiaddr>" lines, then
// "READY"; exits after LIFETIME seconds or on SIGTERM.
//   node listener.mjs [port=0] [lifetime_s=600]
import { lib, perfHandle, PERF_PROTOCOL } from './common.mjs';

const port = Number(process.argv[2] || 0), life = Number(process.argv[3] || 600);
const node = await lib.createLibp2p({
  addresses: { listen: [`/ip4/127.0.0.1/udp/${port}/webrtc-direct`] },
  transports: [lib.webRTCDirect({ rtcConfiguration: { iceServers: [] } })],
  connectionEncrypters: [lib.noise()],
  connectionGater: { denyDialMultiaddr: () => false },
  connectionManager: {
    maxConnections: 100000,
    maxIncomingPendingConnections: 10000,
    inboundConnectionThreshold: 100000,
  },
  services: { ping: lib.ping(), identify: lib.identify() },
});
await node.handle(PERF_PROTOCOL, (stream) => { perfHandle(stream); },
  { maxInboundStreams: 64, maxOutboundStreams: 64 });
for (const ma of node.getMultiaddrs()) console.log('LISTEN', ma.toString());
console.log('READY');
const stop = async () => { await node.stop(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, life * 1000);
