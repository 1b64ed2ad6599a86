// rtc.js: plain WebRTC client for rtcd (WHIP-style offer over HTTP).
// Used by the demo page and by the browser tests (window.rtcd). No framework.
//   const s = await connectPlain({ media: true });
//   await s.echo('hello');  s.chat.send('hi');  s.close();

const ECHO_TIMEOUT_MS = 10000;

function waitOpen(ch, ms) {
  if (ch.readyState === 'open') return Promise.resolve();
  return new Promise((ok, ko) => {
    const t = setTimeout(() => ko(new Error(`channel "${ch.label}" did not open in ${ms} ms`)), ms);
    ch.addEventListener('open', () => { clearTimeout(t); ok(); }, { once: true });
    ch.addEventListener('close', () => { clearTimeout(t); ko(new Error(`channel "${ch.label}" closed`)); }, { once: true });
  });
}

function gatheringDone(pc, ms) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((ok) => {
    const t = setTimeout(ok, ms);   // send what we have: rtcd is ICE-lite and needs no trickle
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(t); ok(); }
    });
  });
}

// Echo channel: replies come back in order, so a FIFO of waiters suffices.
function makeEcho(ch) {
  const waiters = [];
  ch.binaryType = 'arraybuffer';
  ch.onmessage = (m) => { const w = waiters.shift(); if (w) w.ok(m.data); };
  return (data) => new Promise((ok, ko) => {
    const t = setTimeout(() => ko(new Error('echo timeout')), ECHO_TIMEOUT_MS);
    waiters.push({ ok: (d) => { clearTimeout(t); ok(d); } });
    ch.send(data);
  });
}

// Chat channel: JSON lines as documented in the README ("Chat protocol").
function makeChat(ch) {
  const listeners = new Set();
  const log = [];
  ch.onmessage = (m) => {
    let ev;
    try { ev = JSON.parse(m.data); } catch (e) { return; }
    log.push(ev);
    for (const l of listeners) l(ev);
  };
  return {
    log,
    on(fn) { listeners.add(fn); return () => listeners.delete(fn); },
    join(room, name) { ch.send(JSON.stringify({ type: 'join', room, name })); },
    leave(room) { ch.send(JSON.stringify({ type: 'leave', room })); },
    send(text, room = 'lobby') { ch.send(JSON.stringify({ type: 'msg', room, text })); },
    channel: ch,
  };
}

export async function connectPlain(opts = {}) {
  const base = opts.base || '';
  const pc = new RTCPeerConnection({ iceServers: [] });
  const t0 = performance.now();
  let stream = null;
  if (opts.media) {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: true });
    for (const t of stream.getTracks()) pc.addTrack(t, stream);
  }
  const remote = new MediaStream();
  pc.ontrack = (e) => remote.addTrack(e.track);
  const echoCh = pc.createDataChannel('echo');
  const chatCh = pc.createDataChannel('chat');
  const pingCh = pc.createDataChannel('ping', { ordered: false, maxRetransmits: 0 });
  await pc.setLocalDescription(await pc.createOffer());
  await gatheringDone(pc, 2000);
  const res = await fetch(`${base}/v1/offer`, {
    method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp,
  });
  const body = await res.text();
  if (res.status !== 201) {
    pc.close();
    throw new Error(`offer refused: HTTP ${res.status}: ${body.trim()}`);
  }
  const location = res.headers.get('Location');
  await pc.setRemoteDescription({ type: 'answer', sdp: body });
  await Promise.all([waitOpen(echoCh, 10000), waitOpen(chatCh, 10000), waitOpen(pingCh, 10000)]);
  const setupMs = performance.now() - t0;
  const echo = makeEcho(echoCh);
  const pingEcho = makeEcho(pingCh);
  return {
    pc, stream, remote, location, setupMs,
    echo,
    chat: makeChat(chatCh),
    async ping() {   // data channel round trip on the unordered, unreliable "ping" channel
      const t = performance.now();
      await pingEcho(String(t));
      return performance.now() - t;
    },
    async close() {
      pc.close();
      if (stream) for (const t of stream.getTracks()) t.stop();
      if (location) { try { await fetch(base + location, { method: 'DELETE' }); } catch (e) { /* gone */ } }
    },
  };
}
