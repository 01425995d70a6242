// Liveness in each engine: the network going away (the driver's offline emulation), a backend that
// stops answering without closing anything, and the back/forward cache.

import { expect, it } from 'vitest';
import type { EnginePage as Page } from './engines';
import { afterPageTimer, openDemoPage, pageNow, trace, until, waitForMessage, waitForState } from './harness';
import { describeInEngines, itWith } from './suite';

declare global {
  interface Window {
    pings: number[];
  }
}

/** A client named 'main' in the page, with short delays and a 1 s heartbeat that records its pings. */
function connectWithHeartbeat(page: Page, url: string): Promise<void> {
  return page.evaluate((url) => {
    const { ResilientWebSocket } = window.ResilientWS;
    window.pings = [];
    window.watch(
      'main',
      new ResilientWebSocket(url, {
        initialDelay: 100,
        maxDelay: 400,
        heartbeat: {
          interval: 1000,
          timeout: 1000,
          // The demo answers {"type":"ping","id":n} with {"type":"pong","id":n}.
          // Each ping's time, in `window.pings`.
          message: () => {
            window.pings.push(Date.now());
            return JSON.stringify({ type: 'ping', id: 1 });
          },
          isPong: (event) => JSON.parse(event.data).type === 'pong',
        },
      }),
    );
  }, url);
}

describeInEngines('liveness', (t) => {
  itWith(
    t,
    'offline',
    'offline: spends no attempts while navigator.onLine is false; back online, `online` alone opens it again',
    async () => {
      const page = await openDemoPage(t);
      const setOffline = page.setOffline as (offline: boolean) => Promise<void>;
      const { control } = t.demo;
      await connectWithHeartbeat(page, control.backendUrl('a'));
      await waitForState(page, 'open');

      await setOffline(true);
      expect(await page.evaluate(() => navigator.onLine)).toBe(false);
      // Nothing would go out now: the client leaves `open` at once, holds the socket and queues.
      await waitForState(page, 'offline');
      expect((await trace(page)).states.map((entry) => entry.state).slice(-2)).toEqual(['open', 'offline']);
      expect(await page.evaluate(() => window.clients.main.send('while offline'))).toBe('queued');
      if (t.engine.offlineStopsOpenSockets) {
        // Chromium keeps the loopback socket but nothing comes back through it: the ping sent on
        // `offline` goes unanswered, and the missed deadline ends the connection.
        await page.waitForFunction(() => window.traces.main.reconnecting.length > 0, undefined, 10_000);
        const { reconnecting } = await trace(page);
        expect(reconnecting.map((entry) => entry.reason.type)).toEqual(['heartbeat']);
      }
      const attempts = await page.evaluate(() => window.clients.main.stats.attempts);
      const upgrades = control.status().backends.a.upgrades;
      // With 100–400 ms delays, a client that ignored the network would have tried by the time a
      // page timer of 2.5 s set now runs; and in Firefox, whose emulation leaves an open socket
      // working, a missed heartbeat deadline (interval + timeout, 2 s) would have ended it.
      await afterPageTimer(page, 2500);
      expect(await page.evaluate(() => [window.clients.main.state, window.clients.main.stats.attempts])).toEqual([
        'offline',
        attempts,
      ]);
      expect(control.status().backends.a.upgrades).toBe(upgrades);
      const { reconnecting, messages } = await trace(page);
      expect(messages).toEqual([]);
      if (!t.engine.offlineStopsOpenSockets) {
        // The held socket answered every ping, so it is kept: no reconnect, no new attempt.
        expect(reconnecting).toEqual([]);
        expect(attempts).toBe(1);
      }

      const before = (await trace(page)).states.length;
      await setOffline(false);
      await waitForState(page, 'open');
      // Nothing was armed while offline: `online` itself brought it back, without a failed attempt
      // (a new connection in Chromium; the held one in Firefox).
      expect((await trace(page)).states.slice(before).map((entry) => entry.state)).toEqual(
        t.engine.offlineStopsOpenSockets ? ['waiting', 'resolving', 'connecting', 'open'] : ['open'],
      );
      expect((await trace(page)).reconnecting).toEqual(reconnecting);
      // The message queued while offline goes out first (the demo echoes plain text): on a new
      // connection in Chromium, on the held one in Firefox.
      await waitForMessage(page, 'while offline');
      await page.evaluate(() => window.clients.main.send(JSON.stringify({ type: 'echo', text: 'back online' })));
      await waitForMessage(page, JSON.stringify({ type: 'echo', text: 'back online' }));
      expect((await trace(page)).messages[0]).toBe('while offline');
      expect(control.status().backends.a.upgrades).toBe(t.engine.offlineStopsOpenSockets ? 2 : 1);
    },
  );

  itWith(
    t,
    'offline',
    'started offline: the state event says `offline` at once, not when the network returns',
    async () => {
      const page = await openDemoPage(t);
      const setOffline = page.setOffline as (offline: boolean) => Promise<void>;
      const { control } = t.demo;
      await setOffline(true);
      expect(await page.evaluate(() => navigator.onLine)).toBe(false);
      // What a UI that follows `state` shows: recorded by the event, not read from the getter.
      await page.evaluate((url) => {
        window.watch('main', new window.ResilientWS.ResilientWebSocket(url, { initialDelay: 100 }));
      }, control.backendUrl('a'));
      await page.waitForFunction(() => window.traces.main.states.length > 0, undefined, 10_000);
      expect((await trace(page)).states.map((entry) => entry.state)).toEqual(['offline']);
      expect(await page.evaluate(() => window.clients.main.stats.attempts)).toBe(0);

      await setOffline(false);
      await waitForState(page, 'open');
      const states = (await trace(page)).states.map((entry) => entry.state);
      expect(states).toEqual(['offline', 'waiting', 'connecting', 'open']);
    },
  );

  it('a silent backend is found by the heartbeat at the first unanswered ping; once it answers again, the client is back', async () => {
    const page = await openDemoPage(t);
    const { control } = t.demo;
    await connectWithHeartbeat(page, control.backendUrl('a'));
    const echo = JSON.stringify({ type: 'echo', text: 'before the silence' });
    await page.evaluate((echo) => window.clients.main.send(echo), echo);
    await waitForMessage(page, echo);
    // Pongs count as life and stay out of the app's messages.
    await page.waitForFunction(() => window.clients.main.stats.rtt !== undefined, undefined, 3000);
    expect((await trace(page)).messages).toEqual([echo]);

    control.silence('a', true);
    const silencedAt = await pageNow(page);
    await page.waitForFunction(() => window.traces.main.reconnecting.length > 0, undefined, 10_000);
    const { reconnecting } = await trace(page);
    expect(reconnecting[0].reason).toEqual({ type: 'heartbeat' });
    // Found by the first ping left unanswered, when its timeout ran out: at most one ping went
    // out since the silence (one sent just before may be the unanswered one), and the client
    // left no sooner than the timeout after the last. How long that takes is the unit tests'
    // (fake time); a loaded machine here only makes it later.
    const pings = (await page.evaluate(() => window.pings)).filter((at) => at <= reconnecting[0].at);
    expect(pings.filter((at) => at > silencedAt).length).toBeLessThanOrEqual(1);
    expect(reconnecting[0].at - (pings.at(-1) as number)).toBeGreaterThanOrEqual(1000);

    control.silence('a', false);
    const after = JSON.stringify({ type: 'echo', text: 'after the silence' });
    await page.evaluate((after) => window.clients.main.send(after), after);
    await waitForMessage(page, after, 'main', 5000);
    await waitForState(page, 'open');
    // The replaced sockets are gone on the server too, once it reads their close frames.
    await until(() => control.status().backends.a.clients === 1, 3000, 'one client left on a');
  });

  itWith(
    t,
    'backForwardCache',
    'back/forward cache: leaving parks the client (pagehide persisted, socket closed); Back (pageshow persisted) reconnects',
    async () => {
      const page = await openDemoPage(t);
      const { control, url: origin } = t.demo;
      await page.evaluate((url) => {
        const transitions: string[] = [];
        Object.assign(window, { transitions });
        for (const type of ['pagehide', 'pageshow'] as const) {
          addEventListener(type, (event) => transitions.push(`${type} persisted=${event.persisted}`));
        }
        window.watch('main', new window.ResilientWS.ResilientWebSocket(url));
      }, control.backendUrl('a'));
      await waitForState(page, 'open');

      await page.goto(`${origin}/status`);
      // A cached page keeps no socket open: the client closed its own on pagehide.
      await until(() => control.status().backends.a.clients === 0, 3000, 'the socket closed while away');

      await page.back();
      // The same page, not a reload: its recorder still holds the first connection's states.
      await waitForState(page, 'open');
      const { states } = await trace(page);
      expect(states.map((entry) => entry.state)).toEqual(['connecting', 'open', 'suspended', 'connecting', 'open']);
      expect(await page.evaluate(() => (window as unknown as { transitions: string[] }).transitions)).toEqual([
        'pagehide persisted=true',
        'pageshow persisted=true',
      ]);
      expect(control.status().backends.a).toMatchObject({ upgrades: 2, clients: 1 });
      await page.evaluate(() => window.clients.main.send('after Back'));
      await waitForMessage(page, 'after Back');
    },
  );
});
