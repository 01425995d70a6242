// Many clients in one page share the browser's one-handshake-per-host rule: a client queued behind
// another's handshake is not timed out for time the browser (or the queue) kept it waiting.

import { expect, it } from 'vitest';
import { openDemoPage, trace } from './harness';
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
      (await trace(page, name)).reconnecting.filter((entry) => entry.reason.type === 'timeout');
    await page.waitForFunction(() => window.traces.first.reconnecting.length > 0, undefined, 10_000);
    await page.waitForFunction(() => window.traces.second.reconnecting.length > 0, undefined, 10_000);
    // The second handshake was sent only when the first ended, so its own 1.5 s timeout started
    // then: one started with the client would have fired with the first one's, and a queued client
    // whose timeout never started would never get here.
    const [first] = await timeouts('first');
    const [second] = await timeouts('second');
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect((second?.at as number) - (first?.at as number)).toBeGreaterThanOrEqual(1500);
    control.hang('a', false);
  });
});
