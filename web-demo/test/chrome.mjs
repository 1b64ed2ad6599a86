// chrome.mjs: drives Debian's Chromium headless (puppeteer-core from
// web-demo/node_modules) through the demo page served by rtcd.
//   node chrome.mjs <scenario> <base-url>
// Prints progress lines and one final line: RESULT <json>. Exit 0 = pass.
// Every wait is bounded; a global timer kills everything after 150 s.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

import puppeteer from 'puppeteer-core';

const [scenario, base] = process.argv.slice(2);
const browsers = [];
const pageErrors = [];

const killAll = setTimeout(() => {
  console.log('ERROR global timeout');
  for (const b of browsers) b.process()?.kill('SIGKILL');
  process.exit(2);
}, Number(process.env.CHROME_TIMEOUT_MS || 150000));

async function launch(tag) {
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcd-chr-'));
  const b = await puppeteer.launch({
    executablePath: '/usr/bin/chromium', headless: true, timeout: 30000,
    args: ['--no-sandbox', '--headless=new', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${udd}`,
      '--disable-features=WebRtcHideLocalIpsWithMdns', '--allow-loopback-in-peer-connection',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
  });
  b.tag = tag;
  b.udd = udd;
  browsers.push(b);
  return b;
}

async function openDemo(browser, params) {
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`${browser.tag}: ${m.text()}`);
  });
  page.on('pageerror', (e) => pageErrors.push(`${browser.tag}: ${e.message}`));
  const q = new URLSearchParams(params).toString();
  await page.goto(`${base}/?${q}`, { timeout: 15000 });
  return page;
}

async function connect(page, opts = {}) {
  if (opts.media) await page.click('#media');
  await page.click('#connect-btn');
  await page.waitForFunction(() => document.getElementById('status').className !== '' ,
    { timeout: 20000 });
  const st = await page.$eval('#status', (e) => ({ text: e.textContent, cls: e.className }));
  if (st.cls !== 'ok') throw new Error(`connect failed: ${st.text}`);
  return st.text;
}

async function say(page, text) {
  await page.type('#chat-text', text);
  await page.click('#chat-send');
}

// Wait until the page received messages with these texts (from others).
async function waitMessages(page, texts, ms = 10000) {
  await page.waitForFunction((want) => {
    const got = new Set(window.demo.messages.filter((m) => !m.mine).map((m) => m.text));
    return want.every((t) => got.has(t));
  }, { timeout: ms, polling: 50 }, texts);
}

function check(cond, msg) { if (!cond) throw new Error(msg); }

async function connectP2p(page) {
  await page.waitForFunction(() => document.getElementById('multiaddr').value !== '', { timeout: 10000 });
  return connect(page);
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// Send n messages "<prefix>-<i>" from a page through its chat session.
async function sendMany(page, prefix, n) {
  await page.evaluate(async (p, count) => {
    const s = window.demo.session;
    for (let i = 0; i < count; i++) {
      const text = `${p}-${i}`;
      await s.chat.send(text, s.room);
      window.demo.messages.push({ type: 'msg', from: s.name, text, mine: true });
      await new Promise((ok) => setTimeout(ok, 15));
    }
  }, prefix, n);
}

// Every expected sender's messages arrived exactly once, in order.
async function checkReceived(page, expect, ms = 20000) {
  await page.waitForFunction((exp) => {
    const got = window.demo.messages.filter((m) => !m.mine);
    return Object.entries(exp).every(([from, texts]) =>
      got.filter((m) => m.from === from && texts.includes(m.text)).length >= texts.length);
  }, { timeout: ms, polling: 100 }, expect);
  return page.evaluate((exp) => {
    const got = window.demo.messages.filter((m) => !m.mine);
    const problems = [];
    for (const [from, texts] of Object.entries(exp)) {
      const seq = got.filter((m) => m.from === from && texts.includes(m.text)).map((m) => m.text);
      if (seq.length !== texts.length) problems.push(`${from}: ${seq.length} of ${texts.length} (duplicates?)`);
      else if (seq.some((t, i) => t !== texts[i])) problems.push(`${from}: out of order`);
    }
    return problems;
  }, expect);
}

const series = (p, n) => Array.from({ length: n }, (_, i) => `${p}-${i}`);

const scenarios = {
  // Three pages in one room: two on libp2p (gossipsub), one on plain WebRTC.
  // Each sends 50 messages; every page gets the other two pages' 100 exactly
  // once in per-sender order. Then one libp2p browser is killed; the other
  // two send 50 more each (all delivered); a new page joins and chats.
  async chat3() {
    const [ba, bb, bc] = [await launch('chat-a'), await launch('chat-b'), await launch('chat-c')];
    const pa = await openDemo(ba, { mode: 'libp2p', name: 'ann' });
    const pb = await openDemo(bb, { mode: 'libp2p', name: 'bo' });
    const pc = await openDemo(bc, { mode: 'webrtc', name: 'cy' });
    await connectP2p(pa);
    await connectP2p(pb);
    await connect(pc);
    await sleep(1500);   // gossipsub meshes settle
    await Promise.all([sendMany(pa, 'ann', 50), sendMany(pb, 'bo', 50), sendMany(pc, 'cy', 50)]);
    const p1 = [...await checkReceived(pa, { bo: series('bo', 50), cy: series('cy', 50) }),
      ...await checkReceived(pb, { ann: series('ann', 50), cy: series('cy', 50) }),
      ...await checkReceived(pc, { ann: series('ann', 50), bo: series('bo', 50) })];
    check(p1.length === 0, `round 1: ${p1.join('; ')}`);
    console.log('round 1 ok; killing libp2p browser ann');
    ba.process().kill('SIGKILL');
    browsers.splice(browsers.indexOf(ba), 1);
    await Promise.all([sendMany(pb, 'bo2', 50), sendMany(pc, 'cy2', 50)]);
    const p2 = [...await checkReceived(pb, { cy: series('cy2', 50) }),
      ...await checkReceived(pc, { bo: series('bo2', 50) })];
    check(p2.length === 0, `round 2: ${p2.join('; ')}`);
    const bd = await launch('chat-d');
    const pd = await openDemo(bd, { mode: 'webrtc', name: 'di' });
    await connect(pd);
    await sleep(300);
    await sendMany(pd, 'di', 3);
    await sendMany(pb, 'bo3', 3);
    const p3 = [...await checkReceived(pb, { di: series('di', 3) }),
      ...await checkReceived(pc, { di: series('di', 3), bo: series('bo3', 3) }),
      ...await checkReceived(pd, { bo: series('bo3', 3) })];
    check(p3.length === 0, `round 3: ${p3.join('; ')}`);
    const presence = await pc.$eval('#presence', (e) => e.textContent);
    const shot = process.env.SCREENSHOT;
    if (shot) await pc.screenshot({ path: shot, fullPage: true });
    return { presence, screenshot: shot || null };
  },

  // js-libp2p in Chromium dials the printed multiaddr (filled from
  // /v1/info), identifies, pings 20 times, opens and closes 50 streams.
  async 'p2p-basic'() {
    const b = await launch('p2p');
    const page = await openDemo(b, { mode: 'libp2p', name: 'p2p' });
    const status = await connectP2p(page);
    const r = await page.evaluate(async () => {
      const s = window.demo.session;
      const rtts = [];
      for (let i = 0; i < 20; i++) rtts.push(await s.ping());
      const id = await s.identify();
      const streams = await s.streams(50);
      return { rtts, id, streams, setupMs: s.setupMs, remotePeer: s.remotePeer,
               localPeer: s.node.peerId.toString() };
    });
    check(r.rtts.length === 20, 'pings missing');
    check(r.id.agent && r.id.agent.startsWith('rtcd/'), `identify agent ${r.id.agent}`);
    check(r.id.protocols.includes('/ipfs/ping/1.0.0'), 'identify protocols');
    check(r.streams === 50, 'streams');
    return { status, ...r };
  },

  // The seed scenario: two browsers connected and pinging; the browser
  // process of the first is killed; the second keeps pinging with no error
  // for 30 s; a third dials; then kill-and-redial ten more times.
  async 'p2p-kill'() {
    const ba = await launch('p2p-a'), bb = await launch('p2p-b');
    const pa = await openDemo(ba, { mode: 'libp2p', name: 'a' });
    const pb = await openDemo(bb, { mode: 'libp2p', name: 'b' });
    await connectP2p(pa);
    await connectP2p(pb);
    await sleep(2500);
    ba.process().kill('SIGKILL');
    browsers.splice(browsers.indexOf(ba), 1);
    console.log('killed browser a; b keeps pinging for 30 s');
    const before = await pb.evaluate(() => window.demo.pings.length);
    await sleep(30000);
    const after = await pb.evaluate(() => ({ n: window.demo.pings.length, errors: window.demo.pingErrors || 0,
      conn: window.demo.session.conn.status, demoErrors: window.demo.errors }));
    check(after.errors === 0, `b saw ${after.errors} ping failures`);
    check(after.n - before >= 25, `b pinged only ${after.n - before} times in 30 s`);
    check(after.demoErrors.length === 0, `b errors: ${after.demoErrors}`);
    const bc = await launch('p2p-c');
    const pc = await openDemo(bc, { mode: 'libp2p', name: 'c' });
    await connectP2p(pc);
    const cPing = await pc.evaluate(() => window.demo.session.ping());
    let redials = 0;
    for (let i = 0; i < 10; i++) {
      const bx = await launch(`p2p-x${i}`);
      const px = await openDemo(bx, { mode: 'libp2p', name: `x${i}` });
      await connectP2p(px);
      await px.evaluate(() => window.demo.session.ping());
      bx.process().kill('SIGKILL');
      browsers.splice(browsers.indexOf(bx), 1);
      redials++;
    }
    const final = await pb.evaluate(() => ({ errors: window.demo.pingErrors || 0, ping: window.demo.session.ping() }));
    check(final.errors === 0, `b saw ping failures during the kill loop`);
    return { bPings: after.n - before, cPing, redials };
  },

  // One page: connect over plain WebRTC, echo 200 messages of random sizes
  // (text and binary up to 64 KiB) through the "echo" channel, content checked.
  async echo() {
    const b = await launch('echo');
    const page = await openDemo(b, { name: 'echoer' });
    const status = await connect(page, { media: true });
    const r = await page.evaluate(async () => {
      const s = window.demo.session;
      let bytes = 0;
      for (let i = 0; i < 200; i++) {
        const n = [1, 100, 1200, 1300, 16384, 65536][i % 6] - (i % 3);
        let data;
        if (i % 2) {
          data = new Uint8Array(n);
          crypto.getRandomValues(data.subarray(0, Math.min(n, 65536)));
          const back = new Uint8Array(await s.echo(data));
          if (back.length !== n || back.some((v, k) => v !== data[k])) return { error: `binary echo ${i} differs` };
        } else {
          data = 'x'.repeat(n) + i;
          const back = await s.echo(data);
          if (back !== data) return { error: `text echo ${i} differs` };
        }
        bytes += n;
      }
      // media echo: frames of our fake camera come back decoded
      await new Promise((ok) => setTimeout(ok, 3000));
      let framesDecoded = 0;
      (await s.pc.getStats()).forEach((x) => { if (x.type === 'inbound-rtp' && x.kind === 'video') framesDecoded = x.framesDecoded; });
      return { bytes, framesDecoded, setupMs: s.setupMs };
    });
    check(!r.error, r.error);
    check(r.framesDecoded > 10, `only ${r.framesDecoded} echoed video frames decoded`);
    return { status, ...r };
  },

  // Two browsers chat; the first browser process is killed without goodbye
  // (its UDP port vanishes: rtcd sees ICMP port unreachable); the second keeps
  // chatting; a third browser joins and chats with the second.
  async 'chat-kill'() {
    const b1 = await launch('alice'), b2 = await launch('bob');
    const pa = await openDemo(b1, { name: 'alice' });
    const pb = await openDemo(b2, { name: 'bob' });
    await connect(pa);
    await connect(pb);
    for (let i = 0; i < 5; i++) await say(pa, `a${i}`);
    await waitMessages(pb, ['a0', 'a1', 'a2', 'a3', 'a4']);
    for (let i = 0; i < 5; i++) await say(pb, `b${i}`);
    await waitMessages(pa, ['b0', 'b1', 'b2', 'b3', 'b4']);
    console.log('chatting; killing browser 1');
    b1.process().kill('SIGKILL');
    browsers.splice(browsers.indexOf(b1), 1);
    const t0 = Date.now();
    let sent = 0;
    while (Date.now() - t0 < 6000) {   // bob keeps chatting: his messages go to alice's dead port
      await say(pb, `after-kill-${sent++}`);
      await new Promise((ok) => setTimeout(ok, 300));
    }
    const bobState = await pb.evaluate(() => ({
      conn: window.demo.session.pc.connectionState, errors: window.demo.errors,
      ping: window.demo.pings.slice(-1)[0] }));
    check(bobState.conn === 'connected', `bob's connection is ${bobState.conn}`);
    check(bobState.errors.length === 0, `bob saw errors: ${bobState.errors}`);
    const b3 = await launch('carol');
    const pc = await openDemo(b3, { name: 'carol' });
    await connect(pc);
    await say(pc, 'hello from carol');
    await waitMessages(pb, ['hello from carol']);
    await say(pb, 'hi carol');
    await waitMessages(pc, ['hi carol']);
    return { bobAfterKill: sent, bobState };
  },

  // The chaos test (tests/integration/chaos.py): one browser, pages from
  // CHAOS_PAGES ("webrtc:cr0,libp2p:cr1"); prints READY when all are in the
  // room, waits for "GO" on stdin, each page sends "<name>-<i>" every
  // CHAOS_EVERY_MS until "STOP", then 3 s later reports what each sent and
  // the texts it received (per-sender order is checked by the caller).
  async chaos() {
    const every = Number(process.env.CHAOS_EVERY_MS || 1000);
    const b = await launch('chaos');
    const pages = [];
    for (const spec of (process.env.CHAOS_PAGES || 'webrtc:cr0').split(',')) {
      const [mode, name] = spec.split(':');
      const page = await openDemo(b, { mode, name });
      if (mode === 'libp2p') await connectP2p(page);
      else await connect(page);
      pages.push({ name, page });
    }
    await sleep(1500);   // gossipsub meshes settle
    console.log('READY');
    const words = [];
    readline.createInterface({ input: process.stdin }).on('line', (l) => words.push(l.trim()));
    const waitWord = async (w) => { while (!words.includes(w)) await sleep(100); };
    await waitWord('GO');
    for (const { name, page } of pages) {
      await page.evaluate((n, ms) => {
        const s = window.demo.session;
        window.chaosSent = 0;
        window.chaosErrors = [];
        window.chaosTimer = setInterval(() => {
          const text = `${n}-${window.chaosSent++}`;
          Promise.resolve(s.chat.send(text, s.room)).catch((e) => window.chaosErrors.push(e.message));
        }, ms);
      }, name, every);
    }
    await waitWord('STOP');
    for (const { page } of pages) await page.evaluate(() => clearInterval(window.chaosTimer));
    await sleep(3000);
    const out = {};
    for (const { name, page } of pages) {
      out[name] = await page.evaluate(() => ({
        sent: window.chaosSent, errors: window.chaosErrors.concat(window.demo.errors || []),
        received: window.demo.messages.filter((m) => !m.mine && m.type === 'msg' && !m.history).map((m) => m.text) }));
      check(out[name].errors.length === 0, `${name}: ${out[name].errors.slice(0, 3)}`);
    }
    return { pages: out };
  },
};

let code = 0;
try {
  const fn = scenarios[scenario];
  if (!fn) throw new Error(`unknown scenario ${scenario}`);
  const r = await fn();
  r.pageErrors = pageErrors;
  console.log('RESULT ' + JSON.stringify(r));
} catch (e) {
  console.log('ERROR ' + e.message);
  console.log('RESULT ' + JSON.stringify({ error: e.message, pageErrors }));
  code = 1;
} finally {
  clearTimeout(killAll);
  for (const b of browsers) {
    try { await b.close(); } catch (e) { b.process()?.kill('SIGKILL'); }
    fs.rmSync(b.udd, { recursive: true, force: true });
  }
}
// process.exit() right away can cut a long RESULT line written to a pipe.
process.stdout.write("", () => process.exit(code));
