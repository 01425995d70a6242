// What the browser's WebSocket hides and the SDK finds out over HTTP, in each engine: redirects
// (which a native handshake fails on, except in WebKit), discovery, and statuses with their Retry-After.

import { expect, it } from 'vitest';
import type { EnginePage as Page } from './engines';
import { afterPageTimer, openDemoPage, type Trace, trace, waitForMessage, waitForState } from './harness';
import { type BrowserTest, describeInEngines } from './suite';

/** When the client last began a handshake: the `connecting` before its last `open`. */
function dialledAt(states: Trace['states']): number {
  const opened = states.map((entry) => entry.state).lastIndexOf('open');
  return states
    .slice(0, opened)
    .filter((entry) => entry.state === 'connecting')
    .at(-1)?.at as number;
}

/** Opens a native WebSocket to `url` in the page, closes it if it opens, and reports how it ended. */
function nativeOutcome(page: Page, url: string) {
  return page.evaluate(
    (url) =>
      new Promise<{ opened: boolean; errored: boolean; code: number; wasClean: boolean; url: string }>((resolve) => {
        const socket = new WebSocket(url);
        let opened = false;
        let errored = false;
        socket.onopen = () => {
          opened = true;
          socket.close();
        };
        socket.onerror = () => {
          errored = true;
        };
        socket.onclose = ({ code, wasClean }) => resolve({ opened, errored, code, wasClean, url: socket.url });
      }),
    url,
  );
}

/**
 * The native outcome of a handshake answered with a redirect to backend a: 1006 where the engine
 * refuses it; where it follows it (WebKit), an open socket on the target whose `url` still names
 * the redirecting endpoint, and whose close without a code reads 1005.
 */
async function expectNativeRedirect(t: BrowserTest, page: Page, redirecting: string): Promise<void> {
  const { control } = t.demo;
  if (t.engine.followsHandshakeRedirects) {
    expect(await nativeOutcome(page, redirecting)).toEqual({
      opened: true,
      errored: false,
      code: 1005,
      wasClean: true,
      url: redirecting,
    });
    expect(control.status().backends.a.upgrades).toBe(1);
  } else {
    // The page only learns "1006"; the target never sees a request.
    expect(await nativeOutcome(page, redirecting)).toEqual({
      opened: false,
      errored: true,
      code: 1006,
      wasClean: false,
      url: redirecting,
    });
    expect(control.status().backends.a.upgrades).toBe(0);
  }
  control.resetCounts();
}

describeInEngines('redirects, discovery and HTTP statuses', (t) => {
  it('a 302 on the upgrade: refused natively (1006) but followed by preflight; in WebKit followed natively, and the SDK claims no redirect it cannot see', async () => {
    const page = await openDemoPage(t);
    const { control, url: origin } = t.demo;
    const redirecting = `${origin.replace('http:', 'ws:')}/redirect/302/ws`;
    await expectNativeRedirect(t, page, redirecting);

    // The same URL, defaults only.
    await page.evaluate((url) => {
      window.watch('main', new window.ResilientWS.ResilientWebSocket(url)).send('through the 302');
    }, redirecting);
    await waitForMessage(page, 'through the 302');
    await waitForState(page, 'open');
    const { resolved, reconnecting } = await trace(page);
    expect(control.status().backends.a.upgrades).toBe(1);
    if (t.engine.followsHandshakeRedirects) {
      // The first handshake opened on backend a through the redirect. The client reports the URL
      // it sent the handshake to, and leaves `redirected` unset: script cannot tell either way.
      expect(reconnecting).toEqual([]);
      expect(resolved).toEqual([{ via: 'direct', url: redirecting, redirected: undefined, cached: false }]);
      expect(await page.evaluate(() => window.clients.main.url)).toBe(redirecting);
      return;
    }
    // First the direct attempt, refused like the native one; then the preflight, which followed the redirect.
    expect(reconnecting).toHaveLength(1);
    expect(reconnecting[0].reason).toEqual({ type: 'close', code: 1006, reason: '', wasClean: false, opened: false });
    // No max-age on the final answer: it is reused until a connection there fails.
    expect(resolved.at(-1)).toEqual({
      via: 'preflight',
      url: control.backendUrl('a'),
      redirected: true,
      status: 426,
      maxAge: undefined,
      cached: false,
    });
    expect(await page.evaluate(() => window.clients.main.url)).toBe(control.backendUrl('a'));
  });

  it('a 308 to the backend is followed the same way', async () => {
    const page = await openDemoPage(t);
    const { control, url: origin } = t.demo;
    const redirecting = `${origin.replace('http:', 'ws:')}/redirect/308/ws`;
    await expectNativeRedirect(t, page, redirecting);
    await page.evaluate((url) => {
      window
        .watch('main', new window.ResilientWS.ResilientWebSocket(url, { initialDelay: 100 }))
        .send('through the 308');
    }, redirecting);
    await waitForMessage(page, 'through the 308');
    const { resolved } = await trace(page);
    const { via, url, redirected } = resolved.at(-1) ?? {};
    expect({ via, url, redirected }).toEqual(
      t.engine.followsHandshakeRedirects
        ? { via: 'direct', url: redirecting, redirected: undefined }
        : { via: 'preflight', url: control.backendUrl('a'), redirected: true },
    );
    expect(control.status().backends.a.upgrades).toBe(1);
  });

  it('discover(origin + "/discovery") reaches the backend it names, and asks again after that backend dies', async () => {
    const page = await openDemoPage(t);
    const { control, url: origin } = t.demo;
    await page.evaluate((discovery) => {
      const { ResilientWebSocket, discover } = window.ResilientWS;
      window.watch('main', new ResilientWebSocket(discover(discovery), { initialDelay: 100, maxDelay: 400 }));
      window.clients.main.send('via discovery');
    }, `${origin}/discovery`);
    await waitForMessage(page, 'via discovery');
    expect((await trace(page)).resolved).toEqual([
      { via: 'discovery', url: control.backendUrl('a'), redirected: undefined, maxAge: 30, cached: false },
    ]);

    // Discovery now names b; a dies. The answer for a is dropped with the failed connection.
    control.switchTo('b');
    await control.kill('a');
    await page.waitForFunction(
      (b) => window.clients.main.state === 'open' && window.clients.main.url === b,
      control.backendUrl('b'),
    );
    await page.evaluate(() => window.clients.main.send('via discovery, on b'));
    await waitForMessage(page, 'via discovery, on b');
    expect(control.status().backends.b.upgrades).toBe(1);
  });

  it('a 403 ends after exactly one upgrade attempt, with a ConnectionFailedError carrying status 403', async () => {
    const page = await openDemoPage(t);
    const { control } = t.demo;
    control.setStatus('a', 403);
    await page.evaluate((url) => {
      window.watch('main', new window.ResilientWS.ResilientWebSocket(url, { initialDelay: 100, maxDelay: 400 }));
    }, control.backendUrl('a'));
    await waitForState(page, 'failed');
    const { failed, states } = await trace(page);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: 'ConnectionFailedError', status: 403 });
    expect(failed[0].message).toContain('HTTP 403');
    // connecting (the upgrade, refused: 1006) → waiting → resolving (the GET that reads 403) → failed.
    expect(states.map((entry) => entry.state)).toEqual(['connecting', 'waiting', 'resolving', 'failed']);
    expect(await page.evaluate(() => window.clients.main.stats.attempts)).toBe(1);
    // And it stays that way: nothing is scheduled after `failed` (a retry would be due within
    // maxDelay, 400 ms, so before a page timer of 500 ms set now).
    await afterPageTimer(page, 500);
    expect((await trace(page)).states).toEqual(states);
    expect(control.status().backends.a.upgrades).toBe(1);
    expect((await trace(page)).failed).toHaveLength(1);
  });

  it('through discovery too: a 403 on the endpoint it names ends after one upgrade, with status 403', async () => {
    const page = await openDemoPage(t);
    const { control, url: origin } = t.demo;
    control.setStatus('a', 403);
    await page.evaluate((discovery) => {
      const { ResilientWebSocket, discover } = window.ResilientWS;
      window.watch('main', new ResilientWebSocket(discover(discovery), { initialDelay: 100, maxDelay: 400 }));
    }, `${origin}/discovery`);
    await waitForState(page, 'failed');
    const { failed } = await trace(page);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: 'ConnectionFailedError', status: 403 });
    expect(control.status().backends.a.upgrades).toBe(1);
  });

  it('through discovery too: a 503 with Retry-After: 2 on the endpoint it names holds back every attempt', async () => {
    const page = await openDemoPage(t);
    const { control, url: origin } = t.demo;
    control.setStatus('a', 503, 2);
    await page.evaluate((discovery) => {
      const { ResilientWebSocket, discover } = window.ResilientWS;
      window.watch('main', new ResilientWebSocket(discover(discovery), { initialDelay: 100, maxDelay: 400 }));
    }, `${origin}/discovery`);
    // The one handshake fails (1006, the browser hides the 503); the probe of the endpoint reads it.
    await page.waitForFunction(() => window.traces.main.reconnecting.some((entry) => entry.reason.type === 'http'));
    const answer = (await trace(page)).reconnecting.find((entry) => entry.reason.type === 'http');
    expect(answer?.reason).toMatchObject({ type: 'http', status: 503, retryAfter: 2000 });
    expect(answer?.delay).toBeGreaterThanOrEqual(2000);
    expect(control.status().backends.a.upgrades).toBe(1);

    // The endpoint is fine again at once; only Retry-After holds the client back.
    control.setStatus('a', null);
    await waitForState(page, 'open');
    const { reconnecting, states } = await trace(page);
    // It opened on the first attempt after the answer, which dialled no sooner than 2 s after it:
    // the one upgrade since the answer is that attempt's.
    expect(reconnecting.at(-1)).toEqual(answer);
    expect(dialledAt(states) - (answer?.at as number)).toBeGreaterThanOrEqual(2000);
    expect(control.status().backends.a.upgrades).toBe(2);
  });

  it('503 with Retry-After: 3: no upgrade reaches the backend until 3 s after the answer, then it reconnects', async () => {
    const page = await openDemoPage(t);
    const { control } = t.demo;
    await page.evaluate((url) => {
      window.watch('main', new window.ResilientWS.ResilientWebSocket(url, { initialDelay: 100, maxDelay: 400 }));
    }, control.backendUrl('a'));
    await waitForState(page, 'open');

    control.setStatus('a', 503, 3);
    await control.closeAll('a', 1012, 'restarting');
    // After the drop the retry asks HTTP first: its preflight GET reads 503 + Retry-After, and no
    // handshake is spent on the refusing backend.
    await page.waitForFunction(() => window.traces.main.reconnecting.some((entry) => entry.reason.type === 'http'));
    const answer = (await trace(page)).reconnecting.find((entry) => entry.reason.type === 'http');
    expect(answer?.reason).toMatchObject({ type: 'http', status: 503, retryAfter: 3000 });
    expect(answer?.delay).toBeGreaterThanOrEqual(3000);
    const answeredAt = answer?.at as number;
    const upgradesAtAnswer = control.status().backends.a.upgrades;
    expect(upgradesAtAnswer).toBe(1);

    // The delay is Retry-After plus up to 20 % spread.
    expect(answer?.delay).toBeLessThanOrEqual(3600);

    // The backend is fine again at once; only Retry-After holds the client back.
    control.setStatus('a', null);
    await waitForState(page, 'open');
    const { reconnecting, states } = await trace(page);
    // It opened on the first attempt after the answer, the one its delay scheduled, which dialled
    // no sooner than 3 s after it: the one upgrade since the answer is that attempt's.
    expect(reconnecting.at(-1)).toEqual(answer);
    expect(dialledAt(states) - answeredAt).toBeGreaterThanOrEqual(3000);
    expect(control.status().backends.a.upgrades).toBe(upgradesAtAnswer + 1);
    await page.evaluate(() => window.clients.main.send('after the wait'));
    await waitForMessage(page, 'after the wait');
  });
  it('"status 200 when connecting": a page where the WebSocket server should be is reported as not-websocket', async () => {
    const page = await openDemoPage(t);
    const { control } = t.demo;
    // Backend a answers every GET and every upgrade with 200 text/html.
    control.setStatus('a', 200);
    await page.evaluate((url) => {
      const options = { initialDelay: 100, maxDelay: 400, maxRetries: 2 };
      window.watch('main', new window.ResilientWS.ResilientWebSocket(url, options));
    }, control.backendUrl('a'));
    await waitForState(page, 'failed');
    const { reconnecting, failed } = await trace(page);
    // The direct handshake fails; the probe's 200 lets one more go ahead, which fails; then the 200
    // says it, and with maxRetries 2 that is the end.
    expect(reconnecting.map((entry) => entry.reason.type)).toEqual(['close', 'close']);
    expect(await page.evaluate(() => window.clients.main.stats.lastOutcome)).toEqual({
      type: 'not-websocket',
      status: 200,
      contentType: 'text/html; charset=utf-8',
      url: control.httpUrl('a'),
    });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: 'ConnectionFailedError', status: 200 });
    expect(failed[0]?.message).toContain(
      `HTTP 200 text/html; charset=utf-8 from ${control.httpUrl('a')}, not a WebSocket server`,
    );
    expect(control.status().backends.a.upgrades).toBe(2);
  });
});
