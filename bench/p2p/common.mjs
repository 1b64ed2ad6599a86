// common.mjs: what the libp2p bench's listener and dialer share: loading the
// pinned js-libp2p from web-demo/node_modules (installed by `make` with
// `npm ci`; nothing is fetched here), the Node 20 Promise.withResolvers
// polyfill, paced stream writes, and the /perf/1.0.0 protocol (libp2p perf:
// the client writes the number of bytes it wants back as a u64 big-endian,
// then its upload bytes, then closes its write side; the server reads until
// EOF, then writes the requested bytes and closes its write side).
// @libp2p/perf is not on the npm registry, so both ends are written here.
import { readFileSync } from 'node:fs';

if (!Promise.withResolvers) {   // Node 20: libp2p 3 expects it (Node >= 22 has it)
  Promise.withResolvers = function () {
    let resolve, reject;
    const promise = new Promise((a, b) => { resolve = a; reject = b; });
    return { promise, resolve, reject };
  };
}

export const PERF_PROTOCOL = '/perf/1.0.0';
export const WRITE_CHUNK = 64 * 1024;
// libp2p 3.3.11: stream.send() keeps returning false and onDrain() resolves at
// once while writeBufferLength grows without bound, so writers pace themselves
// on writeBufferLength (anchor-baselines.md note 5).
export const MAX_WRITE_BUFFER = 4 * 1024 * 1024;
const PERF_MAX_DOWNLOAD = 2 ** 40;   // bytes a client may ask for (1 TiB)

const modules = new URL('../../web-demo/node_modules/', import.meta.url);

// import a package by name from web-demo/node_modules (ESM "exports" entry).
async function load(name) {
  const dir = new URL(`${name}/`, process.env.RTCD_NODE_MODULES
    ? new URL(`file://${process.env.RTCD_NODE_MODULES.replace(/\/?$/, '/')}`) : modules);
  const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8'));
  const e = pkg.exports?.['.'];
  const entry = typeof e === 'string' ? e : (e?.import ?? e?.default ?? pkg.module ?? pkg.main);
  return import(new URL(entry, dir).href);
}

export const lib = {
  ...(await load('libp2p')),
  ...(await load('@libp2p/webrtc')),
  ...(await load('@chainsafe/libp2p-noise')),
  ...(await load('@libp2p/ping')),
  ...(await load('@libp2p/identify')),
  ...(await load('@multiformats/multiaddr')),
};

export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// Send buf, waiting (1 ms steps) while the stream holds >= MAX_WRITE_BUFFER.
// Returns false when the stream can no longer be written.
export async function pacedSend(stream, buf) {
  while (stream.writeBufferLength >= MAX_WRITE_BUFFER) {
    if (stream.writeStatus !== 'writable') return false;
    await sleep(1);
  }
  if (stream.writeStatus !== 'writable') return false;
  stream.send(buf);
  return true;
}

// Server side of /perf/1.0.0.
export async function perfHandle(stream) {
  let header = new Uint8Array(0), want = -1;
  try {
    for await (const chunk of stream) {
      if (want >= 0) continue;   // upload bytes: counted by nobody, just drained
      const b = chunk.subarray ? chunk.subarray() : chunk;
      const h = new Uint8Array(header.length + b.length);
      h.set(header); h.set(b, header.length); header = h;
      if (header.length >= 8) {
        const v = new DataView(header.buffer, header.byteOffset, 8).getBigUint64(0);
        if (v > BigInt(PERF_MAX_DOWNLOAD)) throw new Error('perf: request too large');
        want = Number(v);
      }
    }
    if (want < 0) throw new Error('perf: EOF before the 8-byte header');
    const block = new Uint8Array(WRITE_CHUNK);
    for (let left = want; left > 0;) {
      const n = Math.min(left, WRITE_CHUNK);
      if (!await pacedSend(stream, n === WRITE_CHUNK ? block : block.subarray(0, n))) return;
      left -= n;
    }
    await stream.close();
  } catch (e) {
    stream.abort(e);
  }
}

// Client side: upload for `secs` seconds (asking for nothing back); resolves
// when the server closed its side, i.e. after it read everything.
// Returns { bytes, ms }.
export async function perfUpload(conn, secs, signal) {
  const stream = await conn.newStream(PERF_PROTOCOL, { signal });
  const eof = new Promise((ok, ko) => {
    stream.addEventListener('remoteCloseWrite', ok);
    stream.addEventListener('close', (ev) => (ev.error ? ko(ev.error) : ok()));
  });
  eof.catch(() => {});
  const t0 = performance.now(), end = t0 + secs * 1000;
  stream.send(new Uint8Array(8));   // want 0 bytes back
  const block = new Uint8Array(WRITE_CHUNK);
  let bytes = 0;
  while (performance.now() < end) {
    if (!await pacedSend(stream, block)) throw new Error('perf: stream closed during upload');
    bytes += block.length;
  }
  await stream.close({ signal });
  await eof;
  return { bytes, ms: performance.now() - t0 };
}

// Client side: ask for `want` bytes, count what arrives for `secs` seconds
// from the first byte (or until EOF), then abort the stream.
// Returns { bytes, ms }.
export async function perfDownload(conn, secs, want, signal) {
  const stream = await conn.newStream(PERF_PROTOCOL, { signal });
  const hdr = new Uint8Array(8);
  new DataView(hdr.buffer).setBigUint64(0, BigInt(want));
  let bytes = 0, t0 = 0, tLast = 0;
  const done = Promise.withResolvers();
  const timer = setTimeout(() => done.resolve('time'), (secs + 10) * 1000);
  stream.addEventListener('message', (ev) => {
    const now = performance.now();
    if (t0 === 0) { t0 = now; clearTimeout(timer); setTimeout(() => done.resolve('time'), secs * 1000); }
    bytes += ev.data.byteLength;
    tLast = now;
  });
  stream.addEventListener('remoteCloseWrite', () => done.resolve('eof'));
  stream.addEventListener('close', (ev) => (ev.error ? done.reject(ev.error) : done.resolve('eof')));
  stream.send(hdr);
  await stream.close({ signal });
  const how = await done.promise;
  if (t0 === 0) throw new Error('perf: no download byte arrived');
  if (how === 'time') stream.abort(new Error('perf: time is up'));
  return { bytes, ms: (how === 'time' ? performance.now() : tLast) - t0 };
}
