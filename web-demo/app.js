// app.js: the rtcd demo page. Connects with plain WebRTC (rtc.js) or
// js-libp2p WebRTC Direct (dist/p2p.js, built by `make` with esbuild), and
// shows chat, ping times, the media echo and the server's status.
// Everything the tests read is in the DOM or on window.demo.
import { connectPlain } from './rtc.js';

const $ = (id) => document.getElementById(id);
const demo = window.demo = { session: null, mode: 'webrtc', messages: [], pings: [], errors: [] };

function setStatus(text, kind = '') {
  const el = $('status');
  el.textContent = text;
  el.className = kind;
  if (kind === 'error') demo.errors.push(text);
}

function fmtTime(ts) {
  const d = ts ? new Date(ts) : new Date();
  return d.toTimeString().slice(0, 8);
}

function addMessage(from, text, ts, cls = '') {
  const li = document.createElement('li');
  if (cls) li.className = cls;
  const t = document.createElement('span');
  t.className = 'time';
  t.textContent = fmtTime(ts);
  li.append(t);
  if (from) {
    const f = document.createElement('span');
    f.className = 'from';
    f.textContent = from;
    li.append(f);
  }
  li.append(document.createTextNode(text));
  $('messages').append(li);
  $('messages').scrollTop = $('messages').scrollHeight;
}

function showPresence(members) {
  const names = members.map((m) => `${m.name || 'peer'}${m.mode === 'webrtc-direct' ? ' (libp2p)' : ''}`);
  $('presence').textContent = names.length ? `here: ${names.join(', ')}` : '';
}

// One handler for chat events from either transport (same JSON, README "Chat protocol").
function onChatEvent(ev) {
  if (ev.type === 'msg') {
    demo.messages.push(ev);
    addMessage(ev.from, ev.text, ev.ts);
  } else if (ev.type === 'presence') {
    showPresence(ev.members || []);
    if ((ev.event === 'join' || ev.event === 'leave') && !(ev.who && /^peer-\d+$/.test(ev.who.name || ''))) {
      const who = ev.who && ev.who.name ? ev.who.name : 'someone';
      addMessage('', `${who} ${ev.event === 'join' ? 'joined' : 'left'} ${ev.room}`, null, 'system');
    }
  } else if (ev.type === 'lost') {
    addMessage('', `${ev.count} message(s) lost: this page could not keep up`, null, 'system');
  } else if (ev.type === 'error') {
    addMessage('', `server: ${ev.error}`, null, 'system');
  }
}

function drawPings() {
  const c = $('ping-chart');
  const g = c.getContext('2d');
  const pts = demo.pings.slice(-60);
  g.clearRect(0, 0, c.width, c.height);
  if (!pts.length) return;
  const max = Math.max(5, ...pts) * 1.2;
  g.strokeStyle = '#1b5fbf';
  g.lineWidth = 2;
  g.beginPath();
  pts.forEach((v, i) => {
    const x = (i / 59) * (c.width - 10) + 5;
    const y = c.height - 5 - (v / max) * (c.height - 20);
    if (i) g.lineTo(x, y); else g.moveTo(x, y);
  });
  g.stroke();
  g.fillStyle = '#6b7385';
  g.font = '11px system-ui';
  g.fillText(`${max.toFixed(1)} ms`, 4, 12);
}

let pingTimer = null;
function startPing() {
  stopPing();
  pingTimer = setInterval(async () => {
    const s = demo.session;
    if (!s) return;
    try {
      const ms = await s.ping();
      demo.pings.push(ms);
      $('ping-last').textContent = `${ms.toFixed(2)} ms`;
      drawPings();
    } catch (e) {
      demo.pingErrors = (demo.pingErrors || 0) + 1;
      $('ping-last').textContent = `ping failed: ${e.message}`;
    }
  }, 1000);
}
function stopPing() { if (pingTimer) clearInterval(pingTimer); pingTimer = null; }

function setConnected(on) {
  const chat = on && demo.session && demo.session.chat;
  $('connect-btn').disabled = on;
  $('disconnect-btn').disabled = !on;
  $('chat-text').disabled = !chat;
  $('chat-send').disabled = !chat;
  $('mode').disabled = on;
}

async function connect() {
  const mode = $('mode').value;
  const name = $('name').value.trim() || `guest-${Math.floor(Math.random() * 1000)}`;
  const room = $('room').value.trim() || 'lobby';
  setStatus('connecting…');
  $('connect-btn').disabled = true;
  try {
    let s;
    if (mode === 'webrtc') {
      s = await connectPlain({ media: $('media').checked });
      s.chat.on(onChatEvent);
      s.chat.join(room, name);
      if (s.stream) $('local-video').srcObject = s.stream;
      $('remote-video').srcObject = s.remote;
      s.pc.addEventListener('connectionstatechange', () => {
        if (['failed', 'closed', 'disconnected'].includes(s.pc.connectionState) && demo.session === s) {
          setStatus(`connection ${s.pc.connectionState}`, 'error');
        }
      });
      setStatus(`connected over plain WebRTC in ${s.setupMs.toFixed(0)} ms`, 'ok');
    } else {
      const p2p = await import('./dist/p2p.js').catch(() => {
        throw new Error('the js-libp2p bundle is missing: run make in web-demo/');
      });
      const addr = $('multiaddr').value.trim();
      if (!addr) throw new Error('no multiaddr: the server did not publish one');
      s = await p2p.connectLibp2p(addr, { room, name });
      if (s.chat) s.chat.on(onChatEvent);
      setStatus(`connected to ${s.remotePeer} over WebRTC Direct in ${s.setupMs.toFixed(0)} ms`, 'ok');
    }
    s.room = room;
    s.name = name;
    demo.session = s;
    demo.mode = mode;
    $('chat-room').textContent = s.chat ? `room ${room} as ${name}` : '';
    setConnected(true);
    startPing();
  } catch (e) {
    setStatus(`could not connect: ${e.message}`, 'error');
    setConnected(false);
  }
}

async function disconnect() {
  stopPing();
  const s = demo.session;
  demo.session = null;
  setConnected(false);
  if (s) await s.close();
  setStatus('disconnected.');
}

function sendChat(ev) {
  ev.preventDefault();
  const s = demo.session;
  const text = $('chat-text').value;
  if (!s || !text) return;
  s.chat.send(text, s.room);
  demo.messages.push({ type: 'msg', from: s.name, text, mine: true });
  addMessage(s.name, text, null, 'mine');
  $('chat-text').value = '';
}

async function pollServer() {
  try {
    const r = await fetch('/v1/status');
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const st = await r.json();
    demo.status = st;
    $('server-summary').textContent = `up ${st.uptime_s}s · workers ${st.workers.active} active,
      ${st.workers.idle} idle, ${st.workers.crashed_total} crashed · datagrams ${st.counters.dgrams_in} in /
      ${st.counters.dgrams_out} out · dropped ${st.counters.dropped_unrouted + st.counters.dropped_limit}`;
    const tb = $('server-conns').querySelector('tbody');
    tb.replaceChildren(...st.connections.map((c) => {
      const tr = document.createElement('tr');
      for (const v of [c.id, c.mode, c.state, `${c.age_s}s`, c.bytes_in, c.bytes_out]) {
        const td = document.createElement('td');
        td.textContent = String(v);
        tr.append(td);
      }
      return tr;
    }));
  } catch (e) {
    $('server-summary').textContent = `server unreachable (${e.message})`;
  }
}

async function loadInfo() {
  try {
    const info = await (await fetch('/v1/info')).json();
    $('server-version').textContent = `v${info.version}`;
    const ma = (info.multiaddrs || []).find((m) => m.startsWith('/ip4/')) || (info.multiaddrs || [])[0];
    if (ma && !$('multiaddr').value) $('multiaddr').value = ma;
  } catch (e) {
    setStatus(`server unreachable: ${e.message}`, 'error');
  }
}

function applyMode() {
  document.body.classList.toggle('mode-libp2p', $('mode').value === 'libp2p');
  document.body.classList.toggle('mode-webrtc', $('mode').value === 'webrtc');
}

$('mode').addEventListener('change', applyMode);
$('connect-btn').addEventListener('click', connect);
$('disconnect-btn').addEventListener('click', disconnect);
$('chat-form').addEventListener('submit', sendChat);
const params = new URLSearchParams(location.search);
if (params.get('mode')) $('mode').value = params.get('mode');
if (params.get('name')) $('name').value = params.get('name');
if (params.get('room')) $('room').value = params.get('room');
applyMode();
loadInfo();
pollServer();
setInterval(pollServer, 2000);
demo.connect = connect;
demo.disconnect = disconnect;
