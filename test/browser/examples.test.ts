// The demo's example pages, driven as a user would: typing, clicking their buttons, reading the page.

import { expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Demo } from '../../examples/server/demo.mjs';
import type { EnginePage as Page } from './engines';
import { until } from './harness';
import { describeInEngines } from './suite';

/** Waits until the page's connection badge (#state) says `state`. */
async function waitForBadge(page: Page, state: string, timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    (state) => document.querySelector<HTMLElement>('#state')?.dataset.state === state,
    state,
    timeout,
  );
}

/** Waits until the badge says anything but `state`. */
async function waitForBadgeNot(page: Page, state: string, timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    (state) => document.querySelector<HTMLElement>('#state')?.dataset.state !== state,
    state,
    timeout,
  );
}

/** The number shown in the element `selector`. */
async function numberIn(page: Page, selector: string): Promise<number> {
  return Number(await page.evaluate((selector) => document.querySelector(selector)?.textContent, selector));
}

/** What the chat shows for the message whose text contains `text`: its phase, status line and classes. */
function chatMessage(page: Page, text: string) {
  return page.evaluate((text) => {
    const item = [...document.querySelectorAll<HTMLElement>('#messages li')].find((li) =>
      li.textContent?.includes(text),
    );
    return (
      item && {
        phase: item.dataset.phase,
        status: item.querySelector('.message-status')?.textContent,
        className: item.className,
      }
    );
  }, text);
}

/** Waits until the chat shows the message containing `text` as acknowledged by the server (✓✓). */
async function waitForAcked(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (text) =>
      [...document.querySelectorAll<HTMLElement>('#messages li[data-phase="acked"]')].some((li) =>
        li.textContent?.includes(text),
      ),
    text,
  );
}

/** Types `text` into the chat's input and presses Send. */
async function sendChat(page: Page, text: string): Promise<void> {
  await page.fill('#message-input', text);
  await page.click('#send');
}

/** Messages the demo's backends handed to their application (first copies), all backends together. */
function handedOver(demo: Demo): number {
  const { backends } = demo.control.status();
  return Object.values(backends).reduce((sum, backend) => sum + backend.delivered, 0);
}

/** The trading page's totals (see examples/trading/trading.js). */
interface Totals {
  ticks: number;
  first?: number;
  seq?: number;
  gaps: number;
  missed: number;
  repeats: number;
}

function totals(page: Page): Promise<Totals> {
  return page.evaluate(() => ({ ...(window as unknown as { demo: { totals: Totals } }).demo.totals }));
}

describeInEngines('the example pages', (t) => {
  it('chat: ticks follow the delivery feature; a message sent while the backend is down is queued, then delivered once', async () => {
    const { page, demo } = t;
    const before = handedOver(demo);
    await page.goto(`${demo.url}/examples/chat/`);
    await waitForBadge(page, 'open');

    await sendChat(page, 'hello while up');
    await waitForAcked(page, 'hello while up');

    await page.click('#kill');
    await waitForBadgeNot(page, 'open');
    expect(demo.control.status().backends.a.alive).toBe(false);

    await sendChat(page, 'sent while down');
    const pending = await chatMessage(page, 'sent while down');
    expect(pending?.phase).toBe('queued');
    expect(pending?.status).toContain('queued');
    expect(pending?.className).toContain('pending');
    // The outbox is in localStorage, so a reload would not lose it.
    const stored = await page.evaluate(() => {
      const { outboxName } = (window as unknown as { demo: { outboxName: string } }).demo;
      return JSON.parse(localStorage.getItem(outboxName) ?? 'null')?.items?.map((item: [string, unknown]) => item[1]);
    });
    expect(stored).toEqual([{ type: 'chat', room: 'lobby', text: 'sent while down' }]);

    await page.click('#restart');
    await waitForBadge(page, 'open');
    await waitForAcked(page, 'sent while down');
    // Published to the room by backend a, which the page saw come back before the ack.
    expect((await chatMessage(page, 'sent while down'))?.status).toBe('✓✓ delivered via a');
    expect((await chatMessage(page, 'hello while up'))?.status).toBe('✓✓ delivered via a');
    // Each message shows once, and the server's application got each once.
    expect(await page.evaluate(() => document.querySelectorAll('#messages li').length)).toBe(2);
    expect(handedOver(demo) - before).toBe(2);
  });

  it('chat: a browser is one sender, whose session cookie reaches every backend: one author across reconnects', async () => {
    const { page, demo } = t;
    // Another user, on backend b, outside the browser: it reads the room as published, authors included.
    const other = new WebSocket(`${demo.control.backendUrl('b')}?session=another-user-session`);
    const heard: { text: string; author: string }[] = [];
    other.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame.stream === 'room:lobby' && frame.data) heard.push(frame.data);
    });
    await new Promise((resolve, reject) => other.once('open', resolve).once('error', reject));
    try {
      other.send(JSON.stringify({ subscribe: 'room:lobby' }));
      await page.goto(`${demo.url}/examples/chat/`);
      await waitForBadge(page, 'open');
      const authorOf = async (text: string) => {
        await until(() => heard.some((message) => message.text === text), 10_000, `"${text}" in the room`);
        return heard.find((message) => message.text === text)?.author;
      };
      await sendChat(page, 'first from the page');
      const first = await authorOf('first from the page');
      expect(first).toMatch(/^[0-9a-f]{6}$/);
      // A new connection: the same session, so the same scope on the server (a connection without
      // the cookie would be a scope of its own, with another author).
      await demo.control.kill('a');
      await waitForBadgeNot(page, 'open');
      await demo.control.restart('a');
      await waitForBadge(page, 'open');
      await sendChat(page, 'second from the page');
      expect(await authorOf('second from the page')).toBe(first);
      // The other user's message is another sender's, with another author, shown as such.
      other.send(
        JSON.stringify({ id: 'other0000000000000001', data: { type: 'chat', room: 'lobby', text: 'from the other' } }),
      );
      const second = await authorOf('from the other');
      expect(second).not.toBe(first);
      await page.waitForFunction(
        (author) => document.querySelector('#messages')?.textContent?.includes(`guest ${author}`),
        second,
      );
    } finally {
      other.terminate();
    }
  });

  it('chat: a message waiting in the outbox goes out once on the new client after a change of mode', async () => {
    const { page, demo } = t;
    const before = handedOver(demo);
    await page.goto(`${demo.url}/examples/chat/`);
    await waitForBadge(page, 'open');
    await page.click('#kill');
    await waitForBadgeNot(page, 'open');
    await sendChat(page, 'typed before the switch');
    expect((await chatMessage(page, 'typed before the switch'))?.phase).toBe('queued');

    // Discovery names backend b while a is down. The panel makes a new client and the page a new
    // delivery(), which loads the outbox; the old one, closing with its client, is no longer heard.
    await page.evaluate(() => {
      const mode = document.querySelector('#mode') as HTMLSelectElement;
      mode.value = 'discovery';
      mode.dispatchEvent(new Event('change'));
    });
    await waitForAcked(page, 'typed before the switch');
    expect((await chatMessage(page, 'typed before the switch'))?.status).toBe('✓✓ delivered via b');
    expect(await page.evaluate(() => document.querySelectorAll('#messages li').length)).toBe(1);
    expect(handedOver(demo) - before).toBe(1);
  });

  it('trading: the feed resumes after a reconnect with no gap or repeat; after a backend restart the gap is shown', async () => {
    const { page, demo } = t;
    await page.goto(`${demo.url}/examples/trading/`);
    await waitForBadge(page, 'open');
    await page.waitForFunction(() => Number(document.querySelector('#ticks')?.textContent) >= 4);
    expect(await page.evaluate(() => document.querySelectorAll('#ticker tbody tr').length)).toBeGreaterThan(0);

    // Close 1012: backend a keeps its buffer of the feed, so the client resumes where it stopped.
    await page.click('#close-1012');
    await page.waitForFunction(
      () => (window as unknown as { demo: { ws: { stats: { reconnects: number } } } }).demo.ws.stats.reconnects >= 1,
    );
    await waitForBadge(page, 'open');
    const reopened = (await totals(page)).seq as number;
    await page.waitForFunction((seq) => Number(document.querySelector('#seq')?.textContent) >= seq + 4, reopened);
    const resumed = await totals(page);
    // Every seq from the first one shown, once each: nothing skipped, nothing twice.
    expect(resumed.gaps).toBe(0);
    expect(resumed.repeats).toBe(0);
    expect(resumed.missed).toBe(0);
    expect(resumed.ticks).toBe((resumed.seq as number) - (resumed.first as number) + 1);
    expect(await numberIn(page, '#gaps')).toBe(0);

    // Kill: the feed goes on meanwhile, and the restarted backend's buffers start empty.
    await page.click('#kill');
    await waitForBadgeNot(page, 'open');
    const down = await totals(page);
    await until(() => demo.control.status().fleet.prices.seq >= (down.seq as number) + 3, 5000, 'the feed to move on');
    // Nothing shows while the backend is down.
    expect((await totals(page)).ticks).toBe(down.ticks);

    await page.click('#restart');
    await waitForBadge(page, 'open');
    await page.waitForFunction(() => document.querySelector('#gap-log li.gap') !== null);
    const gap = await page.evaluate(() => {
      const item = document.querySelector<HTMLElement>('#gap-log li.gap') as HTMLElement;
      const { from, to, missed } = item.dataset;
      return { text: item.textContent, from: Number(from), to: Number(to), missed: Number(missed) };
    });
    expect(gap.text).toContain('after a reconnect');
    expect(gap.from).toBe((down.seq as number) + 1);
    expect(gap.to).toBeGreaterThanOrEqual(gap.from + 1);
    expect(gap.missed).toBe(gap.to - gap.from + 1);
    expect(await numberIn(page, '#gaps')).toBe(1);
    expect(await numberIn(page, '#missed')).toBe(gap.missed);
    await page.waitForFunction(
      (before) => Number(document.querySelector('#ticks')?.textContent) > before + 2,
      down.ticks,
    );
    const after = await totals(page);
    // Still each seq once: the updates shown plus the ones missed cover the whole run.
    expect(after.ticks + gap.missed).toBe((after.seq as number) - (after.first as number) + 1);
  });
});
