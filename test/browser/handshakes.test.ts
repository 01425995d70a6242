// Many clients in one page share the browser's one-handshake-per-host rule: a client queued behind
// another's handshake is not timed out for time the browser (or the queue) kept it waiting.

import { expect, it } from 'vitest';
import { openDemoPage, sleep, trace } from './harness';
import { describeInEngines } from './suite';

describeInEngines('handshakes to one host from one page', (t) => {
  it('a client waiting behind a hung handshake is not timed out for the wait', async () => {
    const page = await openDemoPage(t);
    const { control } = t.demo;
    control.hang('a', true);
    await page.evaluate((url) => {
      const { ResilientWebSocket } = window.ResilientWS;
      const options = { connectTimeout: 1500, initialDelay: 5000, maxDelay: 5000, preflight: 'never' as const };
      window.watch('first', new ResilientWebSocket(url, options));
      window.watch('second', new ResilientWebSocket(url, options));
    }, control.backendUrl('a'));
    const timeouts = async (name: string) =>
      (await trace(page, name)).reconnecting.filter((entry) => entry.reason.type === 'timeout').length;
    await page.waitForFunction(() => window.traces.first.reconnecting.length > 0, undefined, 5000);
    // The second handshake was sent only when the first ended, so its own timeout has 1.5 s to run.
    await sleep(500);
    expect(await timeouts('first')).toBe(1);
    expect(await timeouts('second')).toBe(0);
    control.hang('a', false);
  });
});
