// The chat example's outbox across a reload: messages typed offline wait in localStorage, survive
// the page going away, and reach the server's application once each, in order, when the network
// is back. Checked on the server's side: the demo publishes each message its application gets to
// the room's stream, which a Node client here subscribes to.

import { expect } from 'vitest';
import { WebSocket } from 'ws';
import type { Demo } from '../../examples/server/demo.mjs';
import type { EnginePage as Page } from './engines';
import { until } from './harness';
import { describeInEngines, itWith } from './suite';

const room = 'reload';
const count = 20;

/** A subscriber to the room's stream on backend `b`: the ids its messages carry, in the order published. */
async function watchRoom(demo: Demo): Promise<{ ids: string[]; close: () => void }> {
  const socket = new WebSocket(demo.control.backendUrl('b'));
  const ids: string[] = [];
  let subscribed = () => {};
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data));
    if (frame.stream === `room:${room}`) ids.push(frame.data.id);
    // Frames take effect in order per connection: the pong says the subscription is in place.
    if (frame.type === 'pong') subscribed();
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const ready = new Promise<void>((resolve) => {
    subscribed = resolve;
  });
  socket.send(JSON.stringify({ subscribe: `room:${room}` }));
  socket.send(JSON.stringify({ type: 'ping', id: 1 }));
  await ready;
  return { ids, close: () => socket.close() };
}

/** Messages the backends handed to their application (first copies), all backends together. */
function handedOver(demo: Demo): number {
  const { backends } = demo.control.status();
  return Object.values(backends).reduce((sum, backend) => sum + backend.delivered, 0);
}

/** The chat's outbox as localStorage holds it: the ids and texts waiting for an ack. */
function storedOutbox(page: Page): Promise<{ id: string; text: string }[]> {
  return page.evaluate(() => {
    const { outboxName } = (window as unknown as { demo: { outboxName: string } }).demo;
    const saved = JSON.parse(localStorage.getItem(outboxName) ?? 'null');
    return (saved?.items ?? []).map(([id, data]: [string, { text: string }]) => ({ id, text: data.text }));
  });
}

/** Whether the page is the chat, asked until it answers (an error page may still be committing). */
async function isChat(page: Page): Promise<boolean> {
  const start = Date.now();
  for (;;) {
    try {
      return await page.evaluate(() => 'demo' in window);
    } catch (error) {
      if (Date.now() - start > 5000) throw error;
    }
  }
}

async function waitForBadge(page: Page, state: string): Promise<void> {
  await page.waitForFunction((state) => document.querySelector<HTMLElement>('#state')?.dataset.state === state, state);
}

describeInEngines('the chat outbox across a reload', (t) => {
  itWith(
    t,
    'offline',
    `${count} messages typed offline reach the server once each, in order, after a reload`,
    async () => {
      const { page, demo } = t;
      const setOffline = page.setOffline as (offline: boolean) => Promise<void>;
      const url = `${demo.url}/examples/chat/`;
      const watcher = await watchRoom(demo);
      try {
        const before = handedOver(demo);
        await page.goto(url);
        await waitForBadge(page, 'open');
        await page.fill('#room-input', room);
        await page.click('#join');

        await setOffline(true);
        await waitForBadge(page, 'offline');
        // The client holds its open socket through an outage (Firefox's emulation even lets it work):
        // "Reconnect now" gives it up, and offline no attempt is made, so nothing can reach the wire.
        await page.click('#reconnect');
        await page.waitForFunction(() => {
          const { ws } = (window as unknown as { demo: { ws: { state: string; readyState: number } } }).demo;
          return ws.state === 'offline' && ws.readyState !== 1;
        });
        const texts = Array.from({ length: count }, (_, index) => `offline message ${index + 1}`);
        for (const text of texts) {
          await page.fill('#message-input', text);
          await page.click('#send');
        }
        // All queued, none sent, and saved in localStorage (a microtask after each burst).
        expect(
          await page.evaluate(() =>
            [...document.querySelectorAll<HTMLElement>('#messages li')].map((li) => li.dataset.phase),
          ),
        ).toEqual(texts.map(() => 'queued'));
        await page.waitForFunction((count) => {
          const { outboxName } = (window as unknown as { demo: { outboxName: string } }).demo;
          return JSON.parse(localStorage.getItem(outboxName) ?? 'null')?.items?.length === count;
        }, count);
        const outbox = await storedOutbox(page);
        expect(outbox.map((item) => item.text)).toEqual(texts);

        // Reloaded while offline: the page cannot load (its files are no-cache), so the old page goes
        // away, leaving only what localStorage holds. Not at once, though: Chromium lifts its offline
        // emulation from the old page as soon as the navigation fails (`online` fires there, and its
        // sockets connect), and that page runs on for another 100-400 ms until it is unloaded. Its
        // client reconnects meanwhile and may deliver part of the outbox, or all of it, before the new
        // page loads it. So the old page's one backend (a, in the direct mode) is down by then, and
        // the new page finds backend b through discovery.
        await demo.control.kill('a');
        await page.goto(url).catch(() => {});
        expect(await isChat(page)).toBe(false);
        await setOffline(false);
        await page.goto(`${url}?mode=discovery`);

        // The new page shows what waited, in its room, and sends it on its first connection.
        await page.waitForFunction(
          (count) => document.querySelectorAll('#messages li[data-phase="acked"]').length === count,
          count,
        );
        await until(() => watcher.ids.length >= count, 5000, `${count} messages published to the room`);
        expect(watcher.ids).toEqual(outbox.map((item) => item.id));
        expect(handedOver(demo) - before).toBe(count);
        expect(await storedOutbox(page)).toEqual([]);
        // It joined their room again and shows it.
        expect(await page.evaluate(() => document.querySelector('#room')?.textContent)).toBe(room);
      } finally {
        watcher.close();
      }
    },
  );
});
