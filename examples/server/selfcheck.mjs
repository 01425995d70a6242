// Quick smoke check of the demo server: `node examples/server/selfcheck.mjs`. Exits 0 when every step passes;
// the last step proves close() leaves nothing open, because the process has to end by itself.

import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import {
  closed,
  handshakeError,
  handshakeRefusal,
  nextMessage,
  open,
  postControl,
  request,
  sleep,
} from './check-tools.mjs';
import { startDemo } from './demo.mjs';
import { checkFleet } from './selfcheck-fleet.mjs';

let failures = 0;
async function step(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (error) {
    failures += 1;
    console.log(`FAIL ${name}\n     ${error.stack ?? error}`);
  }
}

// REDIS_URL runs the same checks with the backends sharing Redis instead of this process's memory.
const demo = await startDemo({ port: 0, redisUrl: process.env.REDIS_URL ?? '' });
const { url, control } = demo;
const names = Object.keys(control.status().backends);
console.log(`demo on ${url} (${names.map((name) => `${name}: ${control.backendUrl(name)}`).join(', ')})`);
console.log(`bus: ${control.status().fleet.bus}`);

await step('index page and static files', async () => {
  const index = await request(`${url}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers['content-type'], /^text\/html/);
  assert.match(index.body, /\/examples\/chat\//);
  assert.match(index.body, /\/examples\/trading\//);
  const umd = await request(`${url}/dist/resilient-ws.umd.min.js`, { method: 'HEAD' });
  assert.ok([200, 404].includes(umd.status), `dist answered ${umd.status}`);
  if (umd.status === 200) assert.match(umd.headers['content-type'], /^text\/javascript/);
  else console.log('     (dist/ not built, skipped the content-type check)');
});

await step('path traversal is refused with 403', async () => {
  for (const path of ['/dist/../package.json', '/examples/..%2f..%2fpackage.json', '/examples/%2e%2e/package.json']) {
    const res = await request(url, { path });
    assert.equal(res.status, 403, path);
  }
});

await step('CORS preflight', async () => {
  const res = await request(`${url}/control`, { method: 'OPTIONS' });
  assert.equal(res.status, 204);
  assert.equal(res.headers['access-control-allow-origin'], '*');
  assert.equal(res.headers['access-control-allow-methods'], 'GET, POST, OPTIONS');
});

await step('echo and ping/pong on backend a', async () => {
  const ws = await open(control.backendUrl('a'));
  ws.send('hello');
  assert.equal(await nextMessage(ws), 'hello');
  ws.send(JSON.stringify({ type: 'ping', id: 7 }));
  assert.deepEqual(await nextMessage(ws), { type: 'pong', id: 7 });
  ws.close();
  await closed(ws);
});

await step('plain GET on /ws answers 426 with CORS', async () => {
  const res = await request(control.httpUrl('b'));
  assert.equal(res.status, 426);
  assert.equal(res.headers['access-control-allow-origin'], '*');
  assert.equal(res.headers['access-control-expose-headers'], 'Retry-After');
});

await step('chat is shared across backends', async () => {
  const [onA, onB] = await Promise.all([open(control.backendUrl('a')), open(control.backendUrl('b'))]);
  for (const ws of [onA, onB]) ws.send(JSON.stringify({ type: 'join', room: 'lobby' }));
  await sleep(50);
  const received = Promise.all([onA, onB].map((ws) => nextMessage(ws, (m) => m.type === 'chat')));
  onB.send(JSON.stringify({ type: 'chat', room: 'lobby', text: 'hi', id: 'm1' }));
  for (const message of await received) {
    assert.deepEqual(message, { type: 'chat', room: 'lobby', text: 'hi', id: 'm1', backend: 'b' });
  }
  for (const ws of [onA, onB]) ws.close();
  await Promise.all([onA, onB].map(closed));
});

await step('kill drops clients and the port, restart brings it back on the same port', async () => {
  const ws = await open(control.backendUrl('a'));
  const port = control.status().backends.a.port;
  const dropped = closed(ws);
  await control.kill('a');
  assert.equal((await dropped).code, 1006);
  assert.equal(control.status().backends.a.alive, false);
  const error = await handshakeError(control.backendUrl('a'));
  assert.equal(error.code, 'ECONNREFUSED');
  const discovery = JSON.parse((await request(`${url}/discovery`)).body);
  assert.equal(discovery.url, control.backendUrl('b'), 'discovery falls back to b');
  await control.restart('a');
  assert.equal(control.status().backends.a.port, port);
  const again = await open(control.backendUrl('a'));
  again.close();
  await closed(again);
});

await step('setStatus 403 makes the handshake see 403, in exactly one attempt', async () => {
  control.resetCounts();
  control.setStatus('a', 403);
  const refusal = await handshakeRefusal(control.backendUrl('a'));
  assert.equal(refusal.status, 403);
  assert.equal(refusal.headers['access-control-allow-origin'], '*');
  assert.equal(control.status().backends.a.upgrades, 1);
  const get = await request(control.httpUrl('a'));
  assert.equal(get.status, 403);
  control.setStatus('a', 429, 5);
  const limited = await handshakeRefusal(control.backendUrl('a'));
  assert.equal(limited.status, 429);
  assert.equal(limited.headers['retry-after'], '5');
  control.setStatus('a', null);
  assert.equal((await request(control.httpUrl('a'))).status, 426);
});

await step('/redirect/302/ws redirects to the http twin, for GETs and for upgrades', async () => {
  const res = await request(`${url}/redirect/302/ws`);
  assert.equal(res.status, 302);
  assert.equal(res.headers.location, control.httpUrl('a'));
  assert.equal(res.headers['access-control-allow-origin'], '*');
  const upgrade = await handshakeRefusal(`${url.replace('http', 'ws')}/redirect/307/ws`);
  assert.equal(upgrade.status, 307);
  assert.equal(upgrade.headers.location, control.httpUrl('a'));
  assert.equal((await request(`${url}/redirect/304/ws`)).status, 404);
});

await step('/discovery and /negotiate follow the switch, and answer 503 when nothing is up', async () => {
  let res = await request(`${url}/discovery`);
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), { url: control.backendUrl('a'), maxAge: 30 });
  const switched = await postControl(url, { action: 'switch', backend: 'b' });
  assert.equal(switched.status, 200);
  assert.equal(JSON.parse(switched.body).current, 'b');
  res = await request(`${url}/negotiate`, { method: 'POST', body: '{}' });
  assert.deepEqual(JSON.parse(res.body), { url: control.backendUrl('b'), accessToken: 'demo-token' });
  await Promise.all(names.map((name) => control.kill(name)));
  res = await request(`${url}/discovery`);
  assert.equal(res.status, 503);
  assert.equal(res.headers['retry-after'], '2');
  await control.reset();
  assert.equal(JSON.parse((await request(`${url}/discovery`)).body).url, control.backendUrl('a'));
  assert.equal((await postControl(url, { action: 'explode' })).status, 400);
  assert.equal((await postControl(url, { action: 'kill', backend: 'z' })).status, 400);
});

await step('ticker: seq continues across a reconnect, with a gap', async () => {
  const first = await open(control.backendUrl('a'));
  first.send(JSON.stringify({ type: 'subscribe', symbol: 'ABC' }));
  const t1 = await nextMessage(first, (m) => m.type === 'tick');
  const t2 = await nextMessage(first, (m) => m.type === 'tick');
  assert.equal(t2.seq, t1.seq + 1);
  assert.equal(t1.symbol, 'ABC');
  assert.equal(typeof t1.price, 'number');
  first.terminate();
  await sleep(700);
  const second = await open(control.backendUrl('b'));
  second.send(JSON.stringify({ type: 'snapshot', symbol: 'ABC' }));
  const snapshot = await nextMessage(second, (m) => m.type === 'snapshot');
  assert.ok(snapshot.seq > t2.seq + 1, `snapshot seq ${snapshot.seq} should be past ${t2.seq + 1}`);
  second.send(JSON.stringify({ type: 'subscribe', symbol: 'ABC' }));
  const t3 = await nextMessage(second, (m) => m.type === 'tick');
  const t4 = await nextMessage(second, (m) => m.type === 'tick');
  assert.ok(t3.seq > t2.seq + 1, `expected a gap after ${t2.seq}, got ${t3.seq}`);
  assert.equal(t4.seq, t3.seq + 1);
  second.send(JSON.stringify({ type: 'unsubscribe', symbol: 'ABC' }));
  await sleep(50);
  await assert.rejects(nextMessage(second, (m) => m.type === 'tick', 600));
  second.close();
  await closed(second);
});

await step('silence: the socket stays open but nothing is answered until it is lifted', async () => {
  const ws = await open(control.backendUrl('a'));
  control.silence('a', true);
  ws.send(JSON.stringify({ type: 'ping', id: 1 }));
  await assert.rejects(nextMessage(ws, () => true, 500));
  assert.equal(ws.readyState, WebSocket.OPEN);
  const late = await open(control.backendUrl('a')); // new connections are accepted, and silent too
  late.send('anyone?');
  await assert.rejects(nextMessage(late, () => true, 300));
  const pong = nextMessage(ws, (m) => m.type === 'pong');
  control.silence('a', false);
  assert.deepEqual(await pong, { type: 'pong', id: 1 });
  for (const socket of [ws, late]) socket.terminate();
});

await step('hang: the upgrade is never answered', async () => {
  control.resetCounts();
  control.hang('b', true);
  const error = await handshakeError(control.backendUrl('b'), { handshakeTimeout: 300 });
  assert.match(error.message, /timed out/i);
  assert.equal(control.status().backends.b.upgrades, 1);
  control.hang('b', false);
});

await step('closeAll sends the given close code and reason', async () => {
  const ws = await open(control.backendUrl('b'));
  const result = closed(ws);
  const res = await postControl(url, { action: 'closeAll', backend: 'b', code: 4401, reason: 'token expired' });
  assert.equal(res.status, 200);
  assert.deepEqual(await result, { code: 4401, reason: 'token expired' });
});

await step('status reports the whole state', async () => {
  const ws = await open(control.backendUrl('a'));
  const res = await request(`${url}/status`);
  const state = JSON.parse(res.body);
  assert.equal(state.current, 'a');
  assert.equal(state.backends.a.clients, 1);
  assert.equal(state.backends.a.alive, true);
  assert.equal(state.backends.b.hang, false);
  ws.close();
  await closed(ws);
});

await checkFleet(demo, step);

// A hung upgrade left for close() to clean up, to prove it does.
control.hang('a', true);
const leftover = new WebSocket(control.backendUrl('a'));
leftover.on('error', () => {});
await sleep(50);

await demo.close();
await sleep(50);
// TTYWrap and PipeWrap are stdout and stderr, which are expected to stay.
const resources = process.getActiveResourcesInfo().filter((type) => type !== 'TTYWrap' && type !== 'PipeWrap');
console.log(`after close(): active resources ${JSON.stringify(resources)}`);

if (failures > 0) {
  console.log(`${failures} step(s) failed`);
  process.exitCode = 1;
} else {
  // If anything were still open the process would not exit; this unref'd timer reports it instead of hanging.
  setTimeout(() => {
    console.log('FAIL the process is still alive 3 s after close(): something was left open');
    process.exit(1);
  }, 3000).unref();
  process.on('exit', (code) => {
    if (code === 0) console.log('all checks passed; the process exited by itself');
  });
}
