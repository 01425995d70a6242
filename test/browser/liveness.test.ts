// Liveness in real Chromium: the network going away (DevTools offline emulation) and a backend that
// stops answering without closing anything.

import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeInChromium } from './chromium';
import { openDemoPage, pageNow, sleep, trace, until, waitForMessage, waitForState } from './harness';

/** A client named 'main' in the page, with short delays and a 1 s heartbeat. */
function connectWithHeartbeat(page: Page, url: string): Promise<void> {
  return page.evaluate((url) => {
    const { ResilientWebSocket } = window.ResilientWS;
    window.watch(
      'main',
      new ResilientWebSocket(url, {
        initialDelay: 100,
        maxDelay: 400,
        heartbeat: {
          interval: 1000,
          timeout: 1000,
          // The demo answers {"type":"ping","id":n} with {"type":"pong","id":n}.
          message: JSON.stringify({ type: 'ping', id: 1 }),
          isPong: (event) => JSON.parse(event.data).type === 'pong',
        },
      }),
    );
  }, url);
}

describeInChromium('liveness in Chromium', (t) => {
  it('offline: spends no attempts while navigator.onLine is false; back online, open again within a second', async () => {
    const page = await openDemoPage(t);
    const { control } = t.demo;
    await connectWithHeartbeat(page, control.backendUrl('a'));
    await waitForState(page, 'open');

    await t.context.setOffline(true);
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    // The state leaves `open` at once. Chromium keeps the loopback socket but nothing comes back
    // through it; the `offline` event makes the client ping at once, and the missed deadline
    // ends the connection.
    await waitForState(page, 'offline', 'main', 500);
    await page.waitForFunction(() => window.traces.main.reconnecting.length > 0, undefined, { timeout: 3000 });
    const { reconnecting } = await trace(page);
    expect(reconnecting.map((entry) => entry.reason.type)).toEqual(['heartbeat']);
    const attempts = await page.evaluate(() => window.clients.main.stats.attempts);
    const upgrades = control.status().backends.a.upgrades;
    // With 100–400 ms delays, a client that ignored the network would have tried several times by now.
    await sleep(1500);
    expect(await page.evaluate(() => [window.clients.main.state, window.clients.main.stats.attempts])).toEqual([
      'offline',
      attempts,
    ]);
    expect(control.status().backends.a.upgrades).toBe(upgrades);

    const onlineAt = await pageNow(page);
    await t.context.setOffline(false);
    await waitForState(page, 'open', 'main', 1000);
    const openedAt = (await trace(page)).states.filter((entry) => entry.state === 'open').at(-1)?.at as number;
    expect(openedAt - onlineAt).toBeLessThan(1000);
    await page.evaluate(() => window.clients.main.send(JSON.stringify({ type: 'echo', text: 'back online' })));
    await waitForMessage(page, JSON.stringify({ type: 'echo', text: 'back online' }));
  });

  it('a silent backend is found by the heartbeat within 2.5 s; once it answers again, the client is back', async () => {
    const page = await openDemoPage(t);
    const { control } = t.demo;
    await connectWithHeartbeat(page, control.backendUrl('a'));
    const echo = JSON.stringify({ type: 'echo', text: 'before the silence' });
    await page.evaluate((echo) => window.clients.main.send(echo), echo);
    await waitForMessage(page, echo);
    // Pongs count as life and stay out of the app's messages.
    await page.waitForFunction(() => window.clients.main.stats.rtt !== undefined, undefined, { timeout: 3000 });
    expect((await trace(page)).messages).toEqual([echo]);

    const silencedAt = await pageNow(page);
    control.silence('a', true);
    await page.waitForFunction(() => window.clients.main.state !== 'open', undefined, { timeout: 3000 });
    const { states, reconnecting } = await trace(page);
    const leftAt = states.find((entry) => entry.at >= silencedAt && entry.state !== 'open')?.at as number;
    expect(leftAt - silencedAt).toBeLessThanOrEqual(2500);
    expect(reconnecting[0].reason).toEqual({ type: 'heartbeat' });
    expect(reconnecting[0].at - silencedAt).toBeLessThanOrEqual(2500);

    control.silence('a', false);
    const after = JSON.stringify({ type: 'echo', text: 'after the silence' });
    await page.evaluate((after) => window.clients.main.send(after), after);
    await waitForMessage(page, after, 'main', 5000);
    await waitForState(page, 'open');
    // The replaced sockets are gone on the server too, once it reads their close frames.
    await until(() => control.status().backends.a.clients === 1, 3000, 'one client left on a');
  });
});
