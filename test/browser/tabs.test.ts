// One connection for the whole browser (resilient-ws/tabs), in real browsers: pages of one profile
// as tabs (one context in Chromium and Firefox, windows of one WebDriver session in WebKit), each
// running its own client with the delivery feature against the demo's backend on 127.0.0.1. The
// server counts the connections, what its application was handed and who is subscribed.

import { expect, it } from 'vitest';
import type { Demo } from '../../examples/server/demo.mjs';
import type { EngineTabs, EnginePage as Page } from './engines';
import { loadSdk, until } from './harness';
import { type BrowserTest, describeInEngines, itWith } from './suite';

/** What a tab's page records: its roles, the room's messages it got, what it sent and what was acked. */
interface TabRecord {
  roles: { role: string; at: number }[];
  received: { seq: number; id: string }[];
  sent: string[];
  acked: string[];
  rejected: string[];
  /** The delivery feature's gap events: messages the server could no longer replay. */
  gaps: unknown[];
}

type TabWindow = Window & {
  tab: TabRecord & {
    state(): string;
    role(): string;
    ignored(): { foreign: number; version: number; malformed: number };
    send(count: number, every: number, prefix: string): void;
    unsubscribe(): void;
  };
};

// Runs in the page: one client sharing the key's connection, with delivery, subscribed to `room`.
function startTab({ url, room }: { url: string; room: string }): void {
  const sdk = (window as unknown as { ResilientWS: Record<string, never> }).ResilientWS as unknown as {
    tabs: (options: { key: string }) => {
      WebSocket: unknown;
      role: string;
      ignored: { foreign: number; version: number; malformed: number };
      on(type: 'role', listener: (role: string) => void): void;
    };
    delivery: () => {
      subscribe(name: string, message: string): void;
      unsubscribe(name: string, message: string): void;
      deliver(data: unknown): Promise<void> & { id: string };
    };
    ResilientWebSocket: new (
      url: string,
      options: object,
    ) => { state: string; on(type: 'message', listener: (event: MessageEvent) => void): void };
  };
  const shared = sdk.tabs({ key: 'tabs-test' });
  const chat = sdk.delivery();
  const stream = `room:${room}`;
  const record: TabRecord = { roles: [], received: [], sent: [], acked: [], rejected: [], gaps: [] };
  (chat as unknown as { on(type: 'gap', listener: (gap: unknown) => void): void }).on('gap', (gap) =>
    record.gaps.push(gap),
  );
  shared.on('role', (role) => record.roles.push({ role, at: Date.now() }));
  const ws = new sdk.ResilientWebSocket(url, { WebSocket: shared.WebSocket, features: [shared, chat] });
  ws.on('message', (event) => {
    try {
      const frame = JSON.parse(String(event.data));
      if (frame.stream === stream && frame.data) record.received.push({ seq: frame.seq, id: frame.data.id });
    } catch {}
  });
  chat.subscribe(stream, JSON.stringify({ subscribe: stream }));
  (window as unknown as TabWindow).tab = Object.assign(record, {
    state: () => ws.state,
    role: () => shared.role,
    ignored: () => shared.ignored,
    // `count` messages, 3 at a time every `every` ms (a hidden window's timers may run once a second).
    send(count: number, every: number, prefix: string) {
      let i = 0;
      const next = () => {
        for (let burst = 0; burst < 3 && i < count; burst++) {
          const sending = chat.deliver({ type: 'chat', room, text: `${prefix}-${i++}` });
          record.sent.push(sending.id);
          sending.then(
            () => record.acked.push(sending.id),
            (error: { reason?: string }) => record.rejected.push(`${sending.id}: ${error?.reason}`),
          );
        }
        if (i < count) setTimeout(next, every);
      };
      next();
    },
    unsubscribe: () => chat.unsubscribe(stream, JSON.stringify({ unsubscribe: stream })),
  });
}

const record = (page: Page) =>
  page.evaluate(() => {
    const { roles, received, sent, acked, rejected, gaps } = (window as unknown as TabWindow).tab;
    return { roles, received, sent, acked, rejected, gaps } as TabRecord;
  });
const roleOf = (page: Page) => page.evaluate(() => (window as unknown as TabWindow).tab.role());

let rooms = 0;

/** `count` tabs of one profile, each with its client open on backend a, subscribed to one new room. */
async function openTabs(t: BrowserTest, count: number): Promise<EngineTabs & { room: string; channel: string }> {
  const room = `tabs-${Date.now().toString(36)}-${++rooms}`;
  const url = `${t.demo.control.backendUrl('a')}?session=tabs`;
  const tabs = await t.browser.newTabs(count);
  for (const page of tabs.pages) {
    await loadSdk(page, t, 'esm', ['tabs', 'delivery']);
    await page.evaluate(startTab, { url, room });
  }
  for (const page of tabs.pages)
    await page.waitForFunction(() => (window as unknown as TabWindow).tab?.state() === 'open', undefined, 15_000);
  await until(() => subscribers(t.demo, room) === 1, 10_000, 'the room subscribed on the server');
  return { ...tabs, room, channel: `resilient-ws:tabs-test\n${url}` };
}

const backend = (demo: Demo) => demo.control.status().backends.a;
const subscribers = (demo: Demo, room: string) => backend(demo).subscribers[`room:${room}`] ?? 0;

/** Waits until the page's tab has every message it sent acknowledged. */
const allAcked = (page: Page, count: number) =>
  page.waitForFunction(
    (count) => {
      const { sent, acked } = (window as unknown as TabWindow).tab;
      return sent.length === count && acked.length === count;
    },
    count,
    20_000,
  );

/** Every tab got the room's messages once each, in order, with no hole: the same list in every tab. */
async function expectWholeStreams(pages: Page[], expectedIds: Iterable<string>): Promise<void> {
  const wanted = new Set(expectedIds);
  for (const page of pages)
    await page
      .waitForFunction(
        (ids) => {
          const got = new Set((window as unknown as TabWindow).tab.received.map((message) => message.id));
          return ids.every((id) => got.has(id));
        },
        [...wanted],
        20_000,
      )
      .catch(async (error) => {
        for (const other of pages) {
          const r = await record(other);
          const got = new Set(r.received.map((m) => m.id));
          const missing = [...wanted].filter((id) => !got.has(id));
          console.log(
            'DIAG',
            r.received.length,
            JSON.stringify(r.received.map((m) => m.seq)),
            'missing',
            missing.length,
            JSON.stringify(r.roles),
            JSON.stringify(r.gaps),
          );
        }
        throw error;
      });
  const lists = await Promise.all(pages.map(record));
  for (const { received } of lists) {
    const ids = received.map((message) => message.id);
    expect(new Set(ids).size).toBe(ids.length);
    const seqs = received.map((message) => message.seq);
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] as number) + i));
  }
}

describeInEngines('tabs sharing one connection', (t) => {
  it('holds one WebSocket for 5 tabs; every tab gets every message of the room once, in order', async () => {
    const tabs = await openTabs(t, 5);
    try {
      expect(backend(t.demo).clients).toBe(1);
      const roles = await Promise.all(tabs.pages.map(roleOf));
      expect(roles.filter((role) => role === 'leader')).toHaveLength(1);
      expect(roles.filter((role) => role === 'follower')).toHaveLength(4);
      for (const [i, page] of tabs.pages.entries())
        await page.evaluate((i) => (window as unknown as TabWindow).tab.send(4, 0, `tab${i}`), i);
      for (const page of tabs.pages) await allAcked(page, 4);
      const sent = (await Promise.all(tabs.pages.map(record))).flatMap((tab) => tab.sent);
      await expectWholeStreams(tabs.pages, sent);
      expect(backend(t.demo).delivered).toBe(20);
      expect(backend(t.demo).clients).toBe(1);
    } finally {
      await tabs.close();
    }
  });

  it('hands over when the leader’s tab closes while every tab sends: a follower leads within 1 s, nothing lost or twice', async () => {
    const tabs = await openTabs(t, 5);
    try {
      const roles = await Promise.all(tabs.pages.map(roleOf));
      const leader = tabs.pages[roles.indexOf('leader')] as Page;
      const others = tabs.pages.filter((page) => page !== leader);
      for (const [i, page] of tabs.pages.entries())
        await page.evaluate((i) => (window as unknown as TabWindow).tab.send(30, 50, `tab${i}`), i);
      await leader.waitForFunction(() => (window as unknown as TabWindow).tab.sent.length >= 9);
      const closedAt = Date.now();
      await leader.close();
      await until(() => backend(t.demo).upgrades >= 2, 10_000, 'a new connection');
      let ledAt = Number.POSITIVE_INFINITY;
      for (const page of others) {
        const { roles: changes } = await record(page);
        const led = changes.find((change) => change.role === 'leader');
        if (led) ledAt = Math.min(ledAt, led.at);
      }
      expect(ledAt - closedAt).toBeLessThan(1000);
      for (const page of others)
        await allAcked(page, 30).catch(async (error) => {
          for (const other of others) {
            const r = await record(other);
            console.log(
              JSON.stringify({
                roles: r.roles,
                sent: r.sent.length,
                acked: r.acked.length,
                rejected: r.rejected,
                received: r.received.length,
                state: await other.evaluate(() => (window as unknown as TabWindow).tab.state()),
              }),
            );
          }
          console.log(JSON.stringify(backend(t.demo)));
          throw error;
        });
      const records = await Promise.all(others.map(record));
      for (const { rejected } of records) expect(rejected).toEqual([]);
      await expectWholeStreams(
        others,
        records.flatMap((tab) => tab.sent),
      );
      // Each message handed to the server's application once: as many as the room holds (the
      // closed tab's last messages may still be on their way to the room).
      const first = others[0] as Page;
      for (const deadline = Date.now() + 10_000; ; ) {
        const { received } = await record(first);
        if (received.length === backend(t.demo).delivered) break;
        if (Date.now() > deadline) {
          for (const other of others) {
            const r = await record(other);
            console.log(
              r.received.length,
              r.received[0],
              r.received.at(-1),
              r.sent.length,
              r.acked.length,
              JSON.stringify(r.roles),
            );
          }
          console.log(JSON.stringify(backend(t.demo)), closedAt);
          expect(received.length).toBe(backend(t.demo).delivered);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await expectWholeStreams(others, []);
      await until(() => backend(t.demo).clients === 1, 5000, 'one connection');
    } finally {
      await tabs.close();
    }
  });

  itWith(t, 'devtools', 'hands over within 3 s when the leader’s renderer crashes', async () => {
    const tabs = await openTabs(t, 3);
    try {
      const roles = await Promise.all(tabs.pages.map(roleOf));
      const leader = tabs.pages[roles.indexOf('leader')] as Page;
      const others = tabs.pages.filter((page) => page !== leader);
      const crashedAt = Date.now();
      void leader.cdp?.('Page.crash').catch(() => {});
      await until(
        () => backend(t.demo).upgrades >= 2 && backend(t.demo).clients === 1,
        10_000,
        'a new leader connected',
      );
      const led = (await Promise.all(others.map(record))).flatMap((tab) => tab.roles).find((r) => r.role === 'leader');
      expect((led?.at ?? Number.POSITIVE_INFINITY) - crashedAt).toBeLessThan(3000);
      for (const page of others)
        await page.waitForFunction(() => (window as unknown as TabWindow).tab.state() === 'open');
      await others[0]?.evaluate(() => (window as unknown as TabWindow).tab.send(3, 0, 'after'));
      await allAcked(others[0] as Page, 3);
      await expectWholeStreams(others, (await record(others[0] as Page)).sent);
    } finally {
      await tabs.close();
    }
  });

  itWith(
    t,
    'devtools',
    'hands over within 3 s when the leader’s page hangs, and the woken tab closes its socket and opens no other',
    async () => {
      const tabs = await openTabs(t, 3);
      try {
        const roles = await Promise.all(tabs.pages.map(roleOf));
        const leader = tabs.pages[roles.indexOf('leader')] as Page;
        const others = tabs.pages.filter((page) => page !== leader);
        // Its script stops where it stands (no timers, no channel, no socket events), as in a
        // frozen or hung tab: it keeps its lock and its socket. (Page.setWebLifecycleState
        // 'frozen' leaves a visible headless page running: its timers were measured going on.)
        await leader.cdp?.('Debugger.enable');
        const pausedAt = Date.now();
        await leader.cdp?.('Debugger.pause');
        await until(() => backend(t.demo).upgrades >= 2, 10_000, 'a new leader connected');
        const led = (await Promise.all(others.map(record)))
          .flatMap((tab) => tab.roles)
          .find((r) => r.role === 'leader');
        expect((led?.at ?? Number.POSITIVE_INFINITY) - pausedAt).toBeLessThan(3000);
        for (const page of others)
          await page.waitForFunction(() => (window as unknown as TabWindow).tab.state() === 'open');
        await leader.cdp?.('Debugger.resume');
        // Woken, it hears the newer leadership: it closes its socket and follows through the new leader.
        await leader.waitForFunction(() => {
          const tab = (window as unknown as TabWindow).tab;
          return tab.state() === 'open' && tab.role() === 'follower';
        });
        await until(() => backend(t.demo).clients === 1, 5000, 'one connection');
        expect(backend(t.demo).upgrades).toBe(2);
        await leader.evaluate(() => (window as unknown as TabWindow).tab.send(2, 0, 'woken'));
        await allAcked(leader, 2);
        await expectWholeStreams(tabs.pages, (await record(leader)).sent);
      } finally {
        await tabs.close();
      }
    },
  );

  it('keeps a stream subscribed while one tab wants it, and unsubscribes when the last one leaves', async () => {
    const tabs = await openTabs(t, 3);
    const [first, second, third] = tabs.pages as [Page, Page, Page];
    try {
      await first.evaluate(() => (window as unknown as TabWindow).tab.unsubscribe());
      await second.evaluate(() => (window as unknown as TabWindow).tab.send(2, 0, 'still'));
      await allAcked(second, 2);
      await expectWholeStreams([second, third], (await record(second)).sent);
      expect(subscribers(t.demo, tabs.room)).toBe(1);
      await second.evaluate(() => (window as unknown as TabWindow).tab.unsubscribe());
      await third.evaluate(() => (window as unknown as TabWindow).tab.unsubscribe());
      await until(() => subscribers(t.demo, tabs.room) === 0, 10_000, 'the room unsubscribed on the server');
      expect(backend(t.demo).clients).toBe(1);
    } finally {
      await tabs.close();
    }
  });

  it('the demo: the trading page in 3 tabs, one connection; closing the leader’s tab changes nothing but the role', async () => {
    const tabs = await t.browser.newTabs(3);
    const text = (page: Page, selector: string) =>
      page.evaluate((selector) => document.querySelector(selector)?.textContent ?? '', selector);
    const ticks = (page: Page) => text(page, '#ticks').then(Number);
    try {
      for (const page of tabs.pages) {
        await page.goto(`${t.demo.url}/examples/trading/`);
        await page.waitForFunction(() => Number(document.querySelector('#ticks')?.textContent) >= 2, undefined, 15_000);
      }
      const roles = await Promise.all(tabs.pages.map((page) => text(page, '#tab-role')));
      expect(roles.filter((role) => role.startsWith('leader'))).toHaveLength(1);
      expect(roles.filter((role) => role === 'follower')).toHaveLength(2);
      expect(backend(t.demo).clients).toBe(1);
      const leader = tabs.pages[roles.findIndex((role) => role.startsWith('leader'))] as Page;
      const others = tabs.pages.filter((page) => page !== leader);
      // The server's connection count, as each page shows it.
      for (const page of tabs.pages)
        await page.waitForFunction(() => document.querySelector('#backend-a .clients')?.textContent === '1');
      await leader.close();
      const before = await Promise.all(others.map(ticks));
      for (const [i, page] of others.entries())
        await page.waitForFunction(
          (before) => Number(document.querySelector('#ticks')?.textContent) > before + 4,
          before[i],
          15_000,
        );
      const after = await Promise.all(others.map((page) => text(page, '#tab-role')));
      expect(after.filter((role) => role.startsWith('leader'))).toHaveLength(1);
      for (const page of others) {
        expect(await text(page, '#gaps')).toBe('0');
        expect(await text(page, '#missed')).toBe('0');
      }
      await until(() => backend(t.demo).clients === 1, 5000, 'one connection');
    } finally {
      await tabs.close();
    }
  });

  it('ignores garbage posted on its channel by another page of the origin', async () => {
    const tabs = await openTabs(t, 3);
    try {
      const roles = await Promise.all(tabs.pages.map(roleOf));
      const poster = tabs.pages[0] as Page;
      const ignoredBefore = await tabs.pages[1]?.evaluate(() => (window as unknown as TabWindow).tab.ignored());
      await poster.evaluate((name) => {
        const channel = new BroadcastChannel(name);
        const junk: unknown[] = [
          'text',
          42,
          null,
          [1, 2],
          { v: 1 },
          { v: 99, key: 'x' },
          { v: 1, type: 'message', n: 1, data: { evil: true } },
          { v: 1, key: 'another app', from: 'mallory', epoch: 1e9, leader: 'mallory', type: 'beat', at: 0 },
        ];
        for (const frame of junk) channel.postMessage(frame);
        channel.close();
      }, tabs.channel);
      await tabs.pages[1]?.waitForFunction(
        (before) => {
          const { foreign, version, malformed } = (window as unknown as TabWindow).tab.ignored();
          return foreign + version + malformed >= before + 8;
        },
        (ignoredBefore?.foreign ?? 0) + (ignoredBefore?.version ?? 0) + (ignoredBefore?.malformed ?? 0),
      );
      // What each client does next still works, and nobody's role moved.
      await tabs.pages[1]?.evaluate(() => (window as unknown as TabWindow).tab.send(2, 0, 'after'));
      await allAcked(tabs.pages[1] as Page, 2);
      await expectWholeStreams(tabs.pages, (await record(tabs.pages[1] as Page)).sent);
      expect(await Promise.all(tabs.pages.map(roleOf))).toEqual(roles);
      expect(backend(t.demo).clients).toBe(1);
      expect(backend(t.demo).upgrades).toBe(1);
    } finally {
      await tabs.close();
    }
  });
});
