// bench.mjs: the js-libp2p Node WebRTC Direct dialer that measures one
// listener (rtcd or the js-libp2p listener: the same code for both):
//   setup MA [--n 30]    N sequential dials, each a new connection: dial() ->
//                        connection ready (Noise + muxer), and dial -> first
//                        ping answered on a new /ipfs/ping/1.0.0 stream
//   ping  MA [--n 1000]  RTT of 32-byte pings on one open ping stream
//   tput  MA [--secs 10] one /perf/1.0.0 stream uploading 64 KiB writes for
//                        S seconds, then one downloading for S seconds
// Prints one line "RESULT <json>" (times in ms, rates in MB/s = 1e6 B/s);
// exit 0 = measured. Every wait is bounded.
import { lib, perfDownload, perfUpload, sleep } from './common.mjs';

const PING = '/ipfs/ping/1.0.0';
const PING_LEN = 32;
const STEP_MS = 10000;   // bound on every single step (dial, stream, ping)

function args() {
  const [mode, addr, ...rest] = process.argv.slice(2);
  const o = { mode, addr, n: 0, secs: 10, want: 16 * 2 ** 30, gap: 50 };
  for (let i = 0; i + 1 < rest.length; i += 2) o[rest[i].replace(/^--/, '')] = Number(rest[i + 1]);
  if (!['setup', 'ping', 'tput'].includes(mode) || !addr) {
    console.error('usage: bench.mjs setup|ping|tput MULTIADDR [--n N] [--secs S] [--want B]');
    process.exit(2);
  }
  if (!o.n) o.n = mode === 'ping' ? 1000 : 30;
  return o;
}

// Nearest-rank percentile of an array of numbers.
function pct(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.max(0, Math.ceil(s.length * q / 100) - 1)] : null;
}
const summary = (xs) => ({ p50: pct(xs, 50), p99: pct(xs, 99), n: xs.length });

// A ping stream whose round trips can be timed one at a time.
async function pingStream(conn) {
  const stream = await conn.newStream(PING, { signal: AbortSignal.timeout(STEP_MS) });
  let got = 0, waiter = null;
  stream.addEventListener('message', (ev) => {
    got += ev.data.byteLength;
    if (got >= PING_LEN && waiter) { got -= PING_LEN; const w = waiter; waiter = null; w.resolve(); }
  });
  stream.addEventListener('close', () => waiter?.reject(new Error('ping stream closed')));
  const payload = crypto.getRandomValues(new Uint8Array(PING_LEN));
  return {
    async rtt() {
      waiter = Promise.withResolvers();
      const t = setTimeout(() => waiter?.reject(new Error('ping timed out')), STEP_MS);
      const t0 = performance.now();
      stream.send(payload);
      try { await waiter.promise; } finally { clearTimeout(t); }
      return performance.now() - t0;
    },
    close: () => stream.close({ signal: AbortSignal.timeout(STEP_MS) }).catch(() => {}),
  };
}

async function setup(node, ma, o) {
  const ready = [], firstPing = [];
  for (let i = 0; i < o.n; i++) {
    const t0 = performance.now();
    const conn = await node.dial(ma, { signal: AbortSignal.timeout(STEP_MS) });
    ready.push(performance.now() - t0);
    const ps = await pingStream(conn);
    await ps.rtt();
    firstPing.push(performance.now() - t0);
    await conn.close({ signal: AbortSignal.timeout(STEP_MS) }).catch(() => {});
    await sleep(o.gap);   // let the server tear the connection down
  }
  return { ready_ms: summary(ready), first_ping_ms: summary(firstPing) };
}

async function ping(node, ma, o) {
  const conn = await node.dial(ma, { signal: AbortSignal.timeout(STEP_MS) });
  const ps = await pingStream(conn);
  for (let i = 0; i < 20; i++) await ps.rtt();   // warm-up, not counted
  const rtts = [];
  for (let i = 0; i < o.n; i++) rtts.push(await ps.rtt());
  await ps.close();
  await conn.close().catch(() => {});
  return { rtt_ms: summary(rtts) };
}

async function tput(node, ma, o) {
  const conn = await node.dial(ma, { signal: AbortSignal.timeout(STEP_MS) });
  const signal = AbortSignal.timeout((o.secs * 2 + 30) * 1000);
  const up = await perfUpload(conn, o.secs, signal);
  const down = await perfDownload(conn, o.secs, o.want, signal);
  await conn.close().catch(() => {});
  return {
    upload_mbs: up.bytes / up.ms / 1000, upload_bytes: up.bytes, upload_ms: up.ms,
    download_mbs: down.bytes / down.ms / 1000, download_bytes: down.bytes, download_ms: down.ms,
  };
}

const o = args();
const kill = setTimeout(() => { console.log('RESULT {"error":"global timeout"}'); process.exit(3); },
  (o.mode === 'tput' ? o.secs * 2 + 60 : 120) * 1000);
const node = await lib.createLibp2p({
  transports: [lib.webRTCDirect({ rtcConfiguration: { iceServers: [] } })],
  connectionEncrypters: [lib.noise()],
  connectionGater: { denyDialMultiaddr: () => false },
  services: { ping: lib.ping(), identify: lib.identify() },
});
let code = 0;
try {
  const ma = lib.multiaddr(o.addr);
  const res = await { setup, ping, tput }[o.mode](node, ma, o);
  console.log('RESULT ' + JSON.stringify({ mode: o.mode, ...res }));
} catch (e) {
  console.log('RESULT ' + JSON.stringify({ mode: o.mode, error: e.message, stack: String(e.stack).slice(0, 600) }));
  code = 1;
} finally {
  clearTimeout(kill);
  await node.stop().catch(() => {});
}
process.exit(code);
