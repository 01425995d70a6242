// The demo's example pages, driven as a user would: typing, clicking their buttons, reading the page.

import { expect, it } from 'vitest';
import type { EnginePage as Page } from './engines';
import { sleep } from './harness';
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

/** Waits until the chat shows the message containing `text` as delivered. */
async function waitForDelivered(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (text) =>
      [...document.querySelectorAll<HTMLElement>('#messages li[data-phase="delivered"]')].some((li) =>
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

describeInEngines('the example pages', (t) => {
  it('chat: a message sent while the backend is down shows as pending and is delivered after a restart', async () => {
    const { page, demo } = t;
    await page.goto(`${demo.url}/examples/chat/`);
    await waitForBadge(page, 'open');

    await sendChat(page, 'hello while up');
    await waitForDelivered(page, 'hello while up');

    await page.click('#kill');
    await waitForBadgeNot(page, 'open');
    expect(demo.control.status().backends.a.alive).toBe(false);

    await sendChat(page, 'sent while down');
    const pending = await chatMessage(page, 'sent while down');
    expect(pending?.phase).toBe('queued');
    expect(pending?.status).toContain('pending');
    expect(pending?.className).toContain('pending');

    await page.click('#restart');
    await waitForBadge(page, 'open');
    await waitForDelivered(page, 'sent while down');
    expect((await chatMessage(page, 'sent while down'))?.status).toBe('delivered via a');
    // Each message shows once, though the page may have sent one again after the reconnect.
    expect(await page.evaluate(() => document.querySelectorAll('#messages li').length)).toBe(2);
  });

  it('trading: ticks arrive; after a kill and restart the page finds the gap in seq and fetches a snapshot', async () => {
    const { page, demo } = t;
    await page.goto(`${demo.url}/examples/trading/`);
    await waitForBadge(page, 'open');
    await page.waitForFunction(() => Number(document.querySelector('#ticks')?.textContent) >= 8);
    expect(await page.evaluate(() => document.querySelectorAll('#ticker tbody tr').length)).toBeGreaterThan(0);
    expect(await numberIn(page, '#gaps')).toBe(0);

    await page.click('#kill');
    await waitForBadgeNot(page, 'open');
    // The server's symbols tick on every 250 ms while nobody listens: the page must show none of
    // them, which only a stretch of watching can tell.
    const ticksWhileDown = await numberIn(page, '#ticks');
    await sleep(600);
    expect(await numberIn(page, '#ticks')).toBe(ticksWhileDown);

    await page.click('#restart');
    await waitForBadge(page, 'open');
    await page.waitForFunction(() => document.querySelector('#gap-log li.gap.resolved') !== null);
    const gap = await page.evaluate(() => {
      const item = document.querySelector<HTMLElement>('#gap-log li.gap.resolved') as HTMLElement;
      const { missed, snapshot, to } = item.dataset;
      return { text: item.textContent, missed, snapshot, to };
    });
    expect(gap.text).toContain('after a reconnect');
    expect(Number(gap.missed)).toBeGreaterThan(0);
    expect(Number(gap.snapshot)).toBeGreaterThanOrEqual(Number(gap.to));
    expect(await numberIn(page, '#gaps')).toBeGreaterThan(0);
    expect(await numberIn(page, '#snapshots')).toBeGreaterThan(0);
    await page.waitForFunction(
      (before) => Number(document.querySelector('#ticks')?.textContent) > before + 4,
      ticksWhileDown,
    );
  });
});
