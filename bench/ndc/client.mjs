// ndc/client: the stock data-channel load client for the benchmarks,
// node-datachannel's native API (libdatachannel, not the W3C polyfill),
// against rtcd (POST /v1/offer, application/sdp, 201 + answer) or the Janus
// echotest plugin (REST: create, attach, message with the offer, long-poll
// for the answer). Every message is binary (Janus prefixes text echoes).
//   node client.mjs tput  TARGET [--size B] [--secs S] [--window B]   echoed MB/s over s 2..S
//   node client.mjs setup TARGET [--n N]                               offer creation -> open
//   node client.mjs conc  TARGET [--n N] [--par P]                     offer+open+first echo, conn/s
//   node client.mjs mem   TARGET [--n N] --mem-pid PID                 memory of PID (+children) per connection
// TARGET: rtcd:http://IP:PORT or janus:http://IP:PORT/janus.
// common: [--bind IP] (local address; Janus on 127.0.0.2 needs 127.0.0.2)
// [--via IP] (the answer's host candidates are rewritten to this IP,
// ports kept, e.g. a udpdelay relay)
// [--cpu-pid PID] (CPU % of PID and its children during the measurement)
// [--timeout S] (per connection step). Prints one JSON line; exit 0 on success.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

const require = createRequire(new URL('../../web-demo/package.json', import.meta.url));
const ndc = require('node-datachannel');

const MAX_POLLS = 20;                  // Janus long-polls per answer
const MAX_CONNS = 2000;
const HZ = 100;                        // /proc/PID/stat clock ticks

function parseArgs(argv) {
  const o = { mode: argv[0], target: argv[1], size: 16384, secs: 15, window: 4 << 20, n: 30, par: 1,
    bind: '', via: '', cpuPid: 0, memPid: 0, timeout: 10 };
  const num = { '--size': 'size', '--secs': 'secs', '--window': 'window', '--n': 'n', '--par': 'par',
    '--cpu-pid': 'cpuPid', '--mem-pid': 'memPid', '--timeout': 'timeout' };
  for (let i = 2; i < argv.length; i += 2) {
    const k = argv[i], v = argv[i + 1];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--bind') o.bind = v;
    else if (k === '--via') o.via = v;
    else if (num[k]) o[num[k]] = Number(v);
    else throw new Error(`unknown option ${k}`);
  }
  const m = /^(rtcd|janus):(http:\/\/.+)$/.exec(o.target || '');
  if (!['tput', 'setup', 'conc', 'mem'].includes(o.mode) || !m) throw new Error('bad mode or target');
  o.kind = m[1];
  o.url = m[2].replace(/\/$/, '');
  if (!(o.size >= 1 && o.size <= 262144 && o.secs >= 3 && o.secs <= 600 && o.n >= 1 &&
        o.n <= MAX_CONNS && o.par >= 1 && o.par <= 100 && o.timeout >= 1 && o.window >= o.size))
    throw new Error('a value is out of range');
  return o;
}

const opt = (() => {
  try { return parseArgs(process.argv.slice(2)); } catch (e) {
    console.error(`ndc/client: ${e.message}`);
    process.exit(2);
  }
})();

function withTimeout(p, what, ms = opt.timeout * 1000) {
  let t;
  return Promise.race([p, new Promise((_, ko) => { t = setTimeout(() => ko(new Error(`timeout: ${what}`)), ms); })])
    .finally(() => clearTimeout(t));
}

const sleep = ms => new Promise(ok => setTimeout(ok, ms));
const tx = () => Math.random().toString(36).slice(2);

async function post(url, body, type = 'application/json') {
  const r = await withTimeout(fetch(url, { method: 'POST', headers: { 'Content-Type': type }, body }), `POST ${url}`);
  return { status: r.status, text: await r.text() };
}

// ---- signalling ----

async function janusAttach() {
  const s = JSON.parse((await post(opt.url, JSON.stringify({ janus: 'create', transaction: tx() }))).text);
  if (s.janus !== 'success') throw new Error(`janus create: ${JSON.stringify(s).slice(0, 200)}`);
  const sid = s.data.id;
  const h = JSON.parse((await post(`${opt.url}/${sid}`,
    JSON.stringify({ janus: 'attach', plugin: 'janus.plugin.echotest', transaction: tx() }))).text);
  if (h.janus !== 'success') throw new Error(`janus attach: ${JSON.stringify(h).slice(0, 200)}`);
  return { sid, hid: h.data.id };
}

async function janusOffer(j, sdp) {
  const ack = JSON.parse((await post(`${opt.url}/${j.sid}/${j.hid}`, JSON.stringify({
    janus: 'message', transaction: tx(), body: { audio: false, video: false, data: true },
    jsep: { type: 'offer', sdp, trickle: false } }))).text);
  if (ack.janus !== 'ack' && ack.janus !== 'event') throw new Error(`janus message: ${JSON.stringify(ack).slice(0, 200)}`);
  if (ack.jsep) return ack.jsep.sdp;
  for (let i = 0; i < MAX_POLLS; i++) {       // bounded long-poll
    const r = await withTimeout(fetch(`${opt.url}/${j.sid}?maxev=5&rid=${Date.now()}`), 'janus long-poll');
    for (const e of [].concat(JSON.parse(await r.text()))) {
      if (e.jsep && e.jsep.type === 'answer') return e.jsep.sdp;
      if (e.janus === 'error' || (e.plugindata && e.plugindata.data && e.plugindata.data.error))
        throw new Error(`janus: ${JSON.stringify(e).slice(0, 200)}`);
    }
  }
  throw new Error('janus: no answer');
}

function janusDestroy(j) {
  return post(`${opt.url}/${j.sid}`, JSON.stringify({ janus: 'destroy', transaction: tx() })).catch(() => {});
}

async function rtcdOffer(sdp) {
  const r = await post(`${opt.url}/v1/offer`, sdp, 'application/sdp');
  if (r.status !== 201) throw new Error(`rtcd: HTTP ${r.status} ${r.text.slice(0, 100)}`);
  return r.text;
}

// ---- one connection ----

// Host candidates of the answer -> the relay's IP, same port.
function viaRelay(sdp) {
  return sdp.replace(/^(a=candidate:\S+ 1 udp \d+ )\S+( \d+ typ host.*)$/gim, `$1${opt.via}$2`);
}

// Offer creation -> data channel "echo" open. t.start is taken just
// before the offer is created (Janus create/attach happen before it).
async function connect() {
  const j = opt.kind === 'janus' ? await janusAttach() : null;
  const t = { start: performance.now() };
  const cfg = { iceServers: [], maxMessageSize: 262144 };
  if (opt.bind) cfg.bindAddress = opt.bind;
  const pc = new ndc.PeerConnection('bench', cfg);
  const c = { pc, j, t, dc: null, closed: false };
  try {
    const gathered = new Promise(ok => pc.onGatheringStateChange(s => s === 'complete' && ok()));
    const dc = c.dc = pc.createDataChannel('echo');
    const opened = new Promise((ok, ko) => {
      dc.onOpen(ok);
      dc.onError(e => ko(new Error(`data channel: ${e}`)));
      dc.onClosed(() => ko(new Error('data channel closed')));
    });
    opened.catch(() => {});
    await withTimeout(gathered, 'ICE gathering');
    const offer = pc.localDescription().sdp;
    t.offer = performance.now();
    const answer = j ? await janusOffer(j, offer) : await rtcdOffer(offer);
    t.answer = performance.now();
    pc.setRemoteDescription(opt.via ? viaRelay(answer) : answer, 'answer');
    await withTimeout(opened, 'data channel open');
    t.open = performance.now();
  } catch (e) {
    close(c);
    throw e;
  }
  return c;
}

function close(c) {
  if (c.closed) return null;
  c.closed = true;
  try { if (c.dc) c.dc.close(); } catch { /* already gone */ }
  try { c.pc.close(); } catch { /* already gone */ }
  return c.j ? janusDestroy(c.j) : null;
}

function msgLen(m) {
  return typeof m === 'string' ? Buffer.byteLength(m) : m.byteLength;
}

// One message of `size` bytes out and back.
function firstEcho(c, size = 1000) {
  return withTimeout(new Promise(ok => {
    let got = 0;
    c.dc.onMessage(m => { got += msgLen(m); if (got >= size) ok(performance.now()); });
    c.dc.sendMessageBinary(Buffer.alloc(size, 0x5a));
  }), 'first echo');
}

// ---- /proc readings ----

function children(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch { return []; }
}

// CPU ticks of pid, its reaped children (cutime + cstime: rtcd's finished
// workers) and its live children.
function cpuTicks(pid) {
  let sum = 0;
  for (const p of [pid, ...children(pid)]) {
    try {
      const s = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      sum += Number(f[11]) + Number(f[12]);    // utime + stime
      if (p === pid) sum += Number(f[13]) + Number(f[14]);
    } catch { /* exited */ }
  }
  return sum;
}

function memKiB(pid) {
  const r = { rss: 0, pss: 0, threads: 0, procs: 0 };
  for (const p of [pid, ...children(pid)]) {
    try {
      const st = fs.readFileSync(`/proc/${p}/status`, 'utf8');
      r.rss += Number(/VmRSS:\s+(\d+)/.exec(st)[1]);
      r.threads += Number(/Threads:\s+(\d+)/.exec(st)[1]);
      r.pss += Number(/^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))[1]);
      r.procs++;
    } catch { /* exited */ }
  }
  return r;
}

function pct(sorted, q) {
  if (sorted.length === 0) return 0;
  return sorted[Math.max(0, Math.ceil(sorted.length * q / 100) - 1)];
}

const r1 = x => Math.round(x * 10) / 10, r2 = x => Math.round(x * 100) / 100;

// ---- modes ----

async function modeTput() {
  const c = await connect();
  const payload = Buffer.alloc(opt.size, 0xa5);
  let sent = 0, got = 0, bad = 0, done = false;
  const pump = () => {
    while (!done && sent - got + opt.size <= opt.window) {
      c.dc.sendMessageBinary(payload);      // false = queued, not an error
      sent += opt.size;
    }
  };
  c.dc.onMessage(m => { const n = msgLen(m); if (n !== opt.size) bad++; got += n; pump(); });
  const t0 = performance.now(), per = [];
  let at2 = 0, cpu2 = 0, me2 = process.cpuUsage(), last = 0;
  pump();
  for (let s = 1; s <= opt.secs; s++) {
    await sleep(t0 + s * 1000 - performance.now());
    per.push(r1((got - last) / 1e6));
    last = got;
    if (s === 2) { at2 = got; cpu2 = opt.cpuPid ? cpuTicks(opt.cpuPid) : 0; me2 = process.cpuUsage(); }
  }
  const secs = opt.secs - 2, gotN = got;
  const srvCpu = opt.cpuPid ? (cpuTicks(opt.cpuPid) - cpu2) / HZ / secs * 100 : null;
  const me = process.cpuUsage(me2);
  done = true;
  await close(c);
  const mbps = (gotN - at2) / 1e6 / secs;
  return { echoed_MBps: r2(mbps), echoed_Mbitps: r1(mbps * 8), size: opt.size, secs: opt.secs,
    per_second_MB: per, min_second_MB: Math.min(...per.slice(2)), bad_sizes: bad,
    server_cpu_pct: srvCpu === null ? null : r1(srvCpu), client_cpu_pct: r1((me.user + me.system) / 1e4 / secs),
    ok: gotN > at2 && bad === 0 };
}

async function modeSetup() {
  const open = [], answer = [], fails = [];
  for (let i = -1; i < opt.n; i++) {          // i = -1: warm-up, not counted
    let c = null;
    try {
      c = await connect();
      await firstEcho(c);
      if (i >= 0) { open.push(c.t.open - c.t.start); answer.push(c.t.answer - c.t.offer); }
    } catch (e) {
      if (i >= 0) fails.push(e.message);
    }
    if (c) await close(c);
  }
  open.sort((a, b) => a - b);
  answer.sort((a, b) => a - b);
  return { n: opt.n, ok: open.length, failed: fails.length, errors: fails.slice(0, 5),
    open_p50_ms: r2(pct(open, 50)), open_p99_ms: r2(pct(open, 99)), open_min_ms: r2(open[0] || 0),
    answer_p50_ms: r2(pct(answer, 50)) };
}

async function modeConc() {
  let next = 0, ok = 0, lastEcho = 0;
  const fails = [], destroys = [];
  const t0 = performance.now(), cpu0 = opt.cpuPid ? cpuTicks(opt.cpuPid) : 0;
  const worker = async () => {
    while (next < opt.n) {
      next++;
      let c = null;
      try {
        c = await connect();
        lastEcho = Math.max(lastEcho, await firstEcho(c));
        ok++;
      } catch (e) {
        fails.push(e.message);
      }
      if (c) { const d = close(c); if (d) destroys.push(d); }
    }
  };
  await Promise.all(Array.from({ length: opt.par }, worker));
  const elapsed = ((lastEcho || performance.now()) - t0) / 1000;
  const srvCpu = opt.cpuPid ? (cpuTicks(opt.cpuPid) - cpu0) / HZ / elapsed * 100 : null;
  await Promise.all(destroys);
  return { n: opt.n, par: opt.par, ok, failed: fails.length, errors: fails.slice(0, 5),
    elapsed_s: r2(elapsed), conns_per_s: r1(ok / elapsed), server_cpu_pct: srvCpu === null ? null : r1(srvCpu) };
}

async function modeMem() {
  if (!opt.memPid) throw new Error('mem needs --mem-pid');
  const before = memKiB(opt.memPid), conns = [];
  let fails = 0;
  for (let i = 0; i < opt.n; i++) {
    try {
      const c = await connect();
      conns.push(c);
      await firstEcho(c);
    } catch { fails++; }
  }
  await sleep(2000);
  const during = memKiB(opt.memPid);
  await Promise.all(conns.map(close));
  await sleep(3000);
  const after = memKiB(opt.memPid), n = conns.length;
  return { n: opt.n, open: n, failed: fails, before_kib: before, with_n_kib: during, closed_kib: after,
    rss_per_conn_kib: n ? r1((during.rss - before.rss) / n) : 0,
    pss_per_conn_kib: n ? r1((during.pss - before.pss) / n) : 0, ok: fails === 0 };
}

const modes = { tput: modeTput, setup: modeSetup, conc: modeConc, mem: modeMem };
ndc.initLogger('Error', () => {});
const hard = setTimeout(() => { console.error('ndc/client: global timeout'); process.exit(3); },
  (opt.secs + opt.n * opt.timeout + 60) * 1000);
let code = 0;
try {
  const r = await modes[opt.mode]();
  console.log(JSON.stringify({ mode: opt.mode, server: opt.kind, client: 'ndc', ...r }));
  code = r.ok === false || r.failed > 0 ? 1 : 0;
} catch (e) {
  console.log(JSON.stringify({ mode: opt.mode, server: opt.kind, client: 'ndc', ok: false, error: e.message }));
  code = 1;
}
clearTimeout(hard);
ndc.cleanup();
process.exit(code);
