// Self-check steps for the demo's fleet: delivery once across backends, resume of the price feed on
// another backend, and a rolling restart. Run by selfcheck.mjs, with or without REDIS_URL.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { closed, nextMessage, open, request } from './check-tools.mjs';

/** Sends `frames` (JSON), then a ping, and resolves once the pong shows all of them were handled. */
async function sendAndSettle(ws, ...frames) {
  for (const frame of frames) ws.send(JSON.stringify(frame));
  const id = randomUUID();
  const pong = nextMessage(ws, (m) => m.type === 'pong' && m.id === id);
  ws.send(JSON.stringify({ type: 'ping', id }));
  await pong;
}

/** Collects the stream messages of `stream` arriving on `ws`. */
function collect(ws, stream) {
  const frames = [];
  ws.on('message', (data) => {
    const value = JSON.parse(String(data));
    if (value.stream === stream) frames.push(value);
  });
  return frames;
}

/** Resolves once `frames` holds `count` entries (checked on every message of `ws`). */
function untilCount(ws, frames, count, timeout = 5000) {
  if (frames.length >= count) return Promise.resolve();
  return nextMessage(ws, () => frames.length >= count, timeout);
}

/**
 * Runs the fleet steps against a started demo.
 * @param {{ url: string, control: object }} demo
 * @param {(name: string, fn: () => Promise<void>) => Promise<void>} step
 */
export async function checkFleet({ url, control }, step) {
  await step('fleet: three backends behind discovery, sharing one bus', async () => {
    const state = control.status();
    assert.deepEqual(Object.keys(state.backends), ['a', 'b', 'c']);
    for (const backend of Object.values(state.backends)) assert.equal(backend.alive, true);
    assert.ok(['memory', 'redis'].includes(state.fleet.bus));
    const discovery = JSON.parse((await request(`${url}/discovery`)).body);
    assert.equal(discovery.url, control.backendUrl('a'));
  });

  await step(
    'delivery: a chat message resent to another backend reaches the room once, both copies acked',
    async () => {
      const room = `room:check-${randomUUID()}`;
      const listener = await open(control.backendUrl('c'));
      const heard = collect(listener, room);
      await sendAndSettle(listener, { subscribe: room });
      const id = `${randomUUID()}.1`;
      const message = { id, data: { type: 'chat', room: room.slice(5), text: 'hi' } };
      // One user on two connections: one session, so the resend is a duplicate (the server scopes
      // ids by session; a browser carries it in a cookie, this check in the query).
      const session = `?session=check-${randomUUID()}`;
      const [first, again] = await Promise.all([
        open(control.backendUrl('a') + session),
        open(control.backendUrl('b') + session),
      ]);
      const ack = (ws, ackId) => nextMessage(ws, (m) => m.ack === ackId);
      let acked = ack(first, id);
      first.send(JSON.stringify(message));
      await acked;
      await untilCount(listener, heard, 1);
      acked = ack(again, id);
      again.send(JSON.stringify(message)); // the resend, as after a lost ack, to another backend
      await acked;
      const next = { id: `${randomUUID()}.2`, data: { ...message.data, text: 'again' } };
      acked = ack(again, next.id);
      again.send(JSON.stringify(next));
      await acked;
      await untilCount(listener, heard, 2);
      assert.deepEqual(
        heard.map((m) => [m.seq, m.data.text]),
        [
          [1, 'hi'],
          [2, 'again'],
        ],
      );
      assert.ok(control.status().backends.b.duplicates >= 1);
      for (const ws of [listener, first, again]) ws.close();
      await Promise.all([listener, first, again].map(closed));
    },
  );

  await step('price feed: a resume on another backend replays exactly the missed seqs', async () => {
    const before = await open(control.backendUrl('a'));
    const seen = collect(before, 'prices');
    const watcher = await open(control.backendUrl('c'));
    const watched = collect(watcher, 'prices');
    await sendAndSettle(watcher, { subscribe: 'prices' });
    await sendAndSettle(before, { subscribe: 'prices' });
    await untilCount(before, seen, 2);
    before.terminate();
    const last = seen[1].seq;
    // Wait, on messages, until the feed is three seqs past what the dropped client had.
    while (!watched.some((m) => m.seq >= last + 3)) await nextMessage(watcher, () => true);
    const after = await open(control.backendUrl('b'));
    const resumed = collect(after, 'prices');
    after.send(JSON.stringify({ resume: { prices: last } }));
    after.send(JSON.stringify({ subscribe: 'prices' }));
    await untilCount(after, resumed, 4);
    const seqs = resumed.map((m) => m.seq);
    assert.deepEqual(seqs.slice(0, 4), [last + 1, last + 2, last + 3, last + 4]);
    assert.equal(typeof resumed[0].data.ACME, 'number');
    for (const ws of [watcher, after]) ws.close();
    await Promise.all([watcher, after].map(closed));
  });

  await step('rolling restart: each backend closes its clients with 1012 in turn and comes back', async () => {
    const clients = await Promise.all(['a', 'b', 'c'].map((name) => open(control.backendUrl(name))));
    const codes = clients.map((ws) => closed(ws).then(({ code }) => code));
    const state = await control.rollingRestart();
    assert.deepEqual(await Promise.all(codes), [1012, 1012, 1012]);
    for (const backend of Object.values(state.backends)) {
      assert.equal(backend.alive, true);
      assert.equal(backend.draining, false);
    }
    // A restarted backend's buffers are empty, but it is live again: subscribing works at once.
    const again = await open(JSON.parse((await request(`${url}/discovery`)).body).url);
    const live = collect(again, 'prices');
    await sendAndSettle(again, { subscribe: 'prices' });
    await untilCount(again, live, 2);
    assert.equal(live[1].seq, live[0].seq + 1);
    again.close();
    await closed(again);
  });
}
