// The React trading example (examples/react-trading, built by `npm run build`), driven as a user
// would: the badge follows the shared connection, prices flow, and a backend killed and restarted
// is a reconnect after which the feed goes on, every seq shown once or reported missed in a gap.

import { expect, it } from 'vitest';
import type { EnginePage as Page } from './engines';
import { until } from './harness';
import { describeInEngines } from './suite';

const textOf = (page: Page, selector: string) =>
  page.evaluate((selector) => document.querySelector(selector)?.textContent ?? '', selector);

describeInEngines('the React trading example', (t) => {
  it('shows the state and the prices; after Kill and Restart the feed goes on, nothing skipped unreported', async () => {
    const { page, demo } = t;
    await page.goto(`${demo.url}/examples/react-trading/`);
    const badge = (state: string) =>
      page.waitForFunction(
        (state) => document.querySelector<HTMLElement>('#state')?.dataset.state === state,
        state,
        15_000,
      );
    await badge('open');
    await page.waitForFunction(() => Number(document.querySelector('#ticks')?.textContent) >= 3, undefined, 15_000);
    expect(await page.evaluate(() => document.querySelectorAll('#ticker tbody tr').length)).toBeGreaterThan(0);
    expect(await textOf(page, '#fact-reconnects')).toBe('0');
    // StrictMode, three components on one URL: one connection.
    expect(demo.control.status().backends.a).toMatchObject({ upgrades: 1, clients: 1 });

    await page.click('#kill');
    await page.waitForFunction(
      () => document.querySelector<HTMLElement>('#state')?.dataset.state !== 'open',
      undefined,
      10_000,
    );
    const seqBefore = Number(await textOf(page, '#seq'));
    // The feed goes on meanwhile; the client resumes it on another backend (the redirect names a live
    // one), or on the restarted one, whose buffers start empty: a gap.
    await until(() => demo.control.status().fleet.prices.seq >= seqBefore + 3, 5000, 'the feed to move on');
    await page.click('#restart');
    await badge('open');
    await page.waitForFunction(
      (seq) => Number(document.querySelector('#seq')?.textContent) > seq + 3,
      seqBefore,
      15_000,
    );
    expect(await textOf(page, '#fact-reconnects')).toBe('1');
    // Every seq since the first one shown is shown once or counted missed in a gap.
    const { ticks, first, seq, missed } = await page.evaluate(() => {
      const number = (id: string) => Number(document.getElementById(id)?.textContent);
      const first = Number(document.getElementById('ticks')?.dataset.first);
      return { ticks: number('ticks'), first, seq: number('seq'), missed: number('missed') };
    });
    expect(ticks + missed).toBe(seq - first + 1);
  });
});
