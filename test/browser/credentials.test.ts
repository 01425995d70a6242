// Credentials in an endpoint's URL, in each engine: every fetch refuses a URL with userinfo, while
// the native WebSocket takes it (and answers a 401 with it as Basic credentials). Nothing the app
// reads quotes them: not the events, and not the platform's own error behind a ResolveError.

import { expect, it } from 'vitest';
import { openDemoPage, trace, waitForState } from './harness';
import { describeInEngines } from './suite';

describeInEngines('credentials in the URL', (t) => {
  it('ws://user:pass@host: preflighted without the userinfo (as Basic credentials), opened with it, on the first attempt', async () => {
    const page = await openDemoPage(t);
    const { control } = t.demo;
    const endpoint = control.backendUrl('a').replace('ws://', 'ws://user:pass@');
    await page.evaluate((url) => {
      window.watch('main', new window.ResilientWS.ResilientWebSocket(`${url}?token=SECRET`, { preflight: 'always' }));
    }, endpoint);
    await waitForState(page, 'open');
    const { resolved, reconnecting } = await trace(page);
    expect(reconnecting).toEqual([]);
    expect(resolved).toEqual([
      {
        via: 'preflight',
        url: `${control.backendUrl('a').replace('ws://', 'ws://REDACTED:REDACTED@')}?token=REDACTED`,
        redirected: false,
        status: 426,
        // Under 'always' an answer without max-age is not reused.
        maxAge: 0,
        cached: false,
      },
    ]);
    expect(await page.evaluate(() => window.clients.main.url)).toBe(`${endpoint}?token=SECRET`);
    expect(control.status().backends.a.upgrades).toBe(1);
  });

  it("the engine's own TypeError for such a URL reaches the app redacted, as a ResolveError's cause", async () => {
    const page = await openDemoPage(t);
    const quoted = `${t.demo.control.httpUrl('a').replace('http://', 'http://user:pass@')}?token=SECRET`;
    const seen = await page.evaluate(async (quoted) => {
      const { ResilientWebSocket } = window.ResilientWS;
      const client = new ResilientWebSocket(async ({ fetch }) => (await fetch(quoted)).url, { maxRetries: 0 });
      const failed = await new Promise<Error>((resolve) => client.on('failed', resolve));
      const { error } = client.stats.lastOutcome as { error: Error & { cause: Error } };
      const { name, message, stack } = error.cause;
      return { name, text: [failed.message, error.message, message, stack].join('\n') };
    }, quoted);
    // Chromium and Firefox quote the URL in the message; WebKit does not.
    expect(seen.name).toBe('TypeError');
    expect(seen.text).not.toMatch(/pass@|SECRET/);
  });
});
