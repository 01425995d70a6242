// The demo's example pages, driven as a user would: typing, clicking their buttons, reading the page.

import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeInChromium } from './chromium';

/** Waits until the page's connection badge (#state) says `state`. */
async function waitForBadge(page: Page, state: string, timeout = 10_000): Promise<void> {
  await page.locator(`#state[data-state="${state}"]`).waitFor({ timeout });
}

/** Waits until the badge says anything but `state`. */
async function waitForBadgeNot(page: Page, state: string, timeout = 10_000): Promise<void> {
  await page.waitForFunction((state) => document.querySelector<HTMLElement>('#state')?.dataset.state !== state, state, {
    timeout,
  });
}

/** The number shown in the element `selector`. */
async function numberIn(page: Page, selector: string): Promise<number> {
  return Number(await page.locator(selector).textContent());
}

describeInChromium('the example pages in Chromium', (t) => {
  it('chat: a message sent while the backend is down shows as pending and is delivered after a restart', async () => {
    const { page, demo } = t;
    await page.goto(`${demo.url}/examples/chat/`);
    await waitForBadge(page, 'open');

    await page.locator('#message-input').fill('hello while up');
    await page.locator('#send').click();
    await page.locator('#messages li[data-phase="delivered"]', { hasText: 'hello while up' }).waitFor();

    await page.locator('#kill').click();
    await waitForBadgeNot(page, 'open');
    expect(demo.control.status().backends.a.alive).toBe(false);

    await page.locator('#message-input').fill('sent while down');
    await page.locator('#send').click();
    const pending = page.locator('#messages li', { hasText: 'sent while down' });
    expect(await pending.getAttribute('data-phase')).toBe('queued');
    expect(await pending.locator('.message-status').textContent()).toContain('pending');
    expect(await pending.getAttribute('class')).toContain('pending');

    await page.locator('#restart').click();
    await waitForBadge(page, 'open');
    await page.locator('#messages li[data-phase="delivered"]', { hasText: 'sent while down' }).waitFor();
    expect(await pending.locator('.message-status').textContent()).toBe('delivered via a');
    // Each message shows once, though the page may have sent one again after the reconnect.
    expect(await page.locator('#messages li').count()).toBe(2);
  });

  it('trading: ticks arrive; after a kill and restart the page finds the gap in seq and fetches a snapshot', async () => {
    const { page, demo } = t;
    await page.goto(`${demo.url}/examples/trading/`);
    await waitForBadge(page, 'open');
    await page.waitForFunction(() => Number(document.querySelector('#ticks')?.textContent) >= 8);
    expect(await page.locator('#ticker tbody tr').count()).toBeGreaterThan(0);
    expect(await numberIn(page, '#gaps')).toBe(0);

    await page.locator('#kill').click();
    await waitForBadgeNot(page, 'open');
    // The server's symbols tick on every 250 ms while nobody listens: the page misses some.
    const ticksWhileDown = await numberIn(page, '#ticks');
    await page.waitForTimeout(600);
    expect(await numberIn(page, '#ticks')).toBe(ticksWhileDown);

    await page.locator('#restart').click();
    await waitForBadge(page, 'open');
    const gap = page.locator('#gap-log li.gap.resolved').first();
    await gap.waitFor();
    expect(await gap.textContent()).toContain('after a reconnect');
    expect(Number(await gap.getAttribute('data-missed'))).toBeGreaterThan(0);
    expect(Number(await gap.getAttribute('data-snapshot'))).toBeGreaterThanOrEqual(
      Number(await gap.getAttribute('data-to')),
    );
    expect(await numberIn(page, '#gaps')).toBeGreaterThan(0);
    expect(await numberIn(page, '#snapshots')).toBeGreaterThan(0);
    await page.waitForFunction(
      (before) => Number(document.querySelector('#ticks')?.textContent) > before + 4,
      ticksWhileDown,
    );
  });
});
