import { describe, expect, it, vi } from 'vitest';
import {
  ConnectionFailedError,
  discover,
  type Options,
  type ResolveContext,
  type ResolvedInfo,
  ResolveError,
} from '../../src';
import { parseRetryAfter } from '../../src/resolution/http';
import { type Answer, advance, clientOf, fakeFetch, MockSocket, record, startServer, useFakeClock } from './helpers';

useFakeClock();

const refusedFetch = () => new TypeError('Failed to fetch');

describe('preflight on failure (the default)', () => {
  it('costs nothing on the happy path', async () => {
    startServer();
    const { fetch, requests } = fakeFetch({ status: 426 });
    const ws = clientOf('ws://localhost:1234/', { fetch });
    await advance(10);
    expect(ws.state).toBe('open');
    expect(requests).toEqual([]);
  });

  it('after a failed handshake, follows the redirect chain and connects where it ended', async () => {
    startServer({ verifyClient: () => false });
    const moved = startServer.at('ws://localhost:2345/ws');
    const { fetch, requests } = fakeFetch({ status: 426, url: 'http://localhost:2345/ws' });
    const ws = clientOf('ws://localhost:1234/', { fetch });
    const resolved = record(ws, 'resolved');
    await advance(10);
    expect(ws.state).toBe('waiting');
    await advance(600);
    expect(requests).toEqual(['http://localhost:1234/']);
    expect(ws.state).toBe('open');
    expect(ws.url).toBe('ws://localhost:2345/ws');
    expect(moved.clients()).toHaveLength(1);
    expect(resolved.map(([, info]) => info)).toEqual([
      { via: 'direct', url: 'ws://localhost:1234/', redirected: undefined, cached: false },
      { via: 'preflight', url: 'ws://localhost:2345/ws', redirected: true, status: 426, cached: false },
    ]);
  });

  it('opens no WebSocket while HTTP cannot reach the server, but for every fourth retry', async () => {
    startServer({ verifyClient: () => false });
    const { fetch, requests, server } = fakeFetch(
      refusedFetch(),
      refusedFetch(),
      refusedFetch(),
      refusedFetch(),
      refusedFetch(),
      refusedFetch(),
      { status: 426 },
    );
    server.reachable = false;
    const ws = clientOf('ws://localhost:1234/', { fetch, initialDelay: 100, maxDelay: 100 });
    const connecting = record(ws, 'connecting');
    for (let i = 0; i < 100 && requests.length < 6; i++) await advance(50);
    expect(requests).toHaveLength(6);
    expect(server.noCors).toBe(6);
    // The first, direct attempt, and the one let through at the third retry.
    expect(connecting).toHaveLength(2);
    server.reachable = true;
    for (let i = 0; i < 100 && requests.length < 7; i++) await advance(50);
    await advance(5);
    expect(connecting).toHaveLength(3);
  });

  it('connects when the server is up but its preflight fails for lack of CORS (a no-cors request reaches it)', async () => {
    startServer({ verifyClient: () => false });
    const { fetch, requests, server } = fakeFetch(refusedFetch());
    const ws = clientOf('ws://localhost:1234/', { fetch, initialDelay: 100 });
    const connecting = record(ws, 'connecting');
    await advance(2_000);
    expect(requests.length).toBeGreaterThan(1);
    expect(server.noCors).toBe(requests.length);
    expect(connecting.length).toBe(requests.length + 1);
  });

  it('probes before reconnecting after a dropped connection too', async () => {
    const mock = startServer();
    const { fetch, requests } = fakeFetch({ status: 426 });
    const ws = clientOf('ws://localhost:1234/', { fetch });
    await advance(10);
    expect(requests).toHaveLength(0);
    mock.clients()[0]?.close({ code: 1012, reason: '', wasClean: true });
    await advance(600);
    expect(requests).toEqual(['http://localhost:1234/']);
    expect(ws.state).toBe('open');
  });
});

describe('preflight always', () => {
  it('asks before the first attempt and reuses a max-age answer for reconnects', async () => {
    const server = startServer.at('ws://localhost:2345/ws');
    const { fetch, requests } = fakeFetch({
      status: 200,
      url: 'http://localhost:2345/ws',
      headers: { 'cache-control': 'max-age=60' },
    });
    const ws = clientOf('ws://localhost:1234/', { fetch, preflight: 'always', minUptime: 1000 });
    const resolved = record(ws, 'resolved');
    await advance(10);
    expect(ws.state).toBe('open');
    await advance(2000);
    server.clients()[0]?.close({ code: 1001, reason: '', wasClean: true });
    await advance(1000);
    expect(ws.state).toBe('open');
    expect(requests).toHaveLength(1);
    expect((resolved[1]![1] as ResolvedInfo).cached).toBe(true);
    // After max-age the answer is asked for again.
    await advance(60_000);
    server.clients()[0]?.close({ code: 1001, reason: '', wasClean: true });
    await advance(1000);
    expect(requests).toHaveLength(2);
  });

  it('asks again before every attempt when the answer gave no max-age', async () => {
    const server = startServer();
    const { fetch, requests } = fakeFetch({ status: 200 });
    clientOf('ws://localhost:1234/', { fetch, preflight: 'always', minUptime: 1000 });
    await advance(2000);
    server.clients()[0]?.close({ code: 1001, reason: '', wasClean: true });
    await advance(1000);
    expect(requests).toHaveLength(2);
  });

  it('drops a reused answer at the first failed handshake', async () => {
    startServer.at('ws://localhost:2345/ws', { verifyClient: () => false });
    const { fetch, requests } = fakeFetch({
      status: 200,
      url: 'http://localhost:2345/ws',
      headers: { 'cache-control': 'max-age=600' },
    });
    clientOf('ws://localhost:1234/', { fetch, preflight: 'always', initialDelay: 100, maxDelay: 100 });
    await advance(350);
    expect(requests.length).toBeGreaterThanOrEqual(3);
  });
});

describe('what HTTP says', () => {
  async function failAfter(answer: Answer, options: Options = {}) {
    startServer();
    const { fetch, requests } = fakeFetch(answer);
    const ws = clientOf('ws://localhost:1234/', { fetch, preflight: 'always', ...options });
    const failed = vi.fn();
    ws.on('failed', failed);
    await advance(10_000);
    return { ws, failed, requests };
  }

  it.each([403, 410, 451])('fails on %i after one request, with a typed error carrying the status', async (status) => {
    const { ws, failed, requests } = await failAfter({ status });
    expect(ws.state).toBe('failed');
    expect(requests).toHaveLength(1);
    expect(ws.stats.attempts).toBe(0);
    const error = failed.mock.calls[0]?.[0] as ConnectionFailedError;
    expect(error).toBeInstanceOf(ConnectionFailedError);
    expect(error.status).toBe(status);
    expect(error.message).toContain(`HTTP ${status} from http://localhost:1234/`);
  });

  it('fails on 404 from a dedicated preflight URL', async () => {
    const { ws, failed } = await failAfter({ status: 404 }, { preflightUrl: 'http://localhost:1234/ready' });
    expect(ws.state).toBe('failed');
    expect(failed.mock.calls[0]?.[0].status).toBe(404);
  });

  it.each([400, 404, 405])(
    'connects after %i from a GET on the WebSocket URL itself, and reports it',
    async (status) => {
      startServer();
      const { fetch } = fakeFetch({ status });
      const ws = clientOf('ws://localhost:1234/', { fetch, preflight: 'always' });
      const resolved = record(ws, 'resolved');
      await advance(10);
      expect(ws.state).toBe('open');
      expect(resolved[0]?.[1]).toMatchObject({ via: 'preflight', status });
    },
  );

  it('backs off on 500 and asks again', async () => {
    startServer();
    const { fetch, requests } = fakeFetch({ status: 500 }, { status: 200 });
    const ws = clientOf('ws://localhost:1234/', { fetch, preflight: 'always' });
    const reconnecting = record(ws, 'reconnecting');
    await advance(10);
    expect(reconnecting[0]?.[1]).toMatchObject({ delay: 500, reason: { type: 'http', status: 500 } });
    await advance(600);
    expect(requests).toHaveLength(2);
    expect(ws.state).toBe('open');
  });

  it.each([
    ['delta-seconds', '3'],
    ['an HTTP-date', new Date(Date.UTC(2030, 0, 1, 0, 0, 3)).toUTCString()],
  ])('waits at least Retry-After given as %s on 503, never attempting earlier', async (_, retryAfter) => {
    vi.setSystemTime(Date.UTC(2030, 0, 1, 0, 0, 0));
    startServer();
    const { fetch, requests } = fakeFetch({ status: 503, headers: { 'retry-after': retryAfter } }, { status: 200 });
    const ws = clientOf('ws://localhost:1234/', { fetch, preflight: 'always' });
    await advance(2999);
    expect(requests).toHaveLength(1);
    expect(ws.stats.attempts).toBe(0);
    // 3 s, plus at most a fifth for spread (random 0.5 → 10 %).
    await advance(290);
    expect(requests).toHaveLength(1);
    await advance(20);
    expect(requests).toHaveLength(2);
    expect(ws.state).toBe('open');
  });

  it('waits the backoff, not Retry-After, on a status the policy retries without it (502)', async () => {
    startServer();
    const { fetch } = fakeFetch({ status: 502, headers: { 'retry-after': '60' } }, { status: 200 });
    const ws = clientOf('ws://localhost:1234/', { fetch, preflight: 'always' });
    const delays: number[] = [];
    ws.on('reconnecting', ({ delay }) => delays.push(delay));
    await advance(1000);
    expect(delays).toEqual([500]);
    expect(ws.state).toBe('open');
  });

  it('caps a long Retry-After at maxRetryAfter', async () => {
    startServer();
    const { fetch, requests } = fakeFetch({ status: 429, headers: { 'retry-after': '86400' } }, { status: 200 });
    clientOf('ws://localhost:1234/', { fetch, preflight: 'always', maxRetryAfter: 60_000 });
    await advance(60_010);
    expect(requests).toHaveLength(2);
  });

  it('on 401 refreshes credentials once and retries at once; a second 401 in a row is fatal', async () => {
    startServer();
    const { fetch, requests } = fakeFetch({ status: 401 });
    const refreshAuth = vi.fn();
    const ws = clientOf('ws://localhost:1234/', { fetch, preflight: 'always', refreshAuth });
    const failed = vi.fn();
    ws.on('failed', failed);
    await advance(10);
    expect(refreshAuth).toHaveBeenCalledOnce();
    expect(requests).toHaveLength(2);
    expect(ws.state).toBe('failed');
    expect(failed.mock.calls[0]?.[0].message).toMatch(/second 401 in a row/);
  });

  it('on 401 connects when the refreshed credentials work, and may refresh again after that', async () => {
    const server = startServer();
    const { fetch, requests } = fakeFetch({ status: 401 }, { status: 200 });
    const refreshAuth = vi.fn();
    const ws = clientOf('ws://localhost:1234/', { fetch, preflight: 'always', refreshAuth });
    await advance(10);
    expect(ws.state).toBe('open');
    expect(requests).toHaveLength(2);
    // A connection that stayed up for minUptime: its 401 is a first one again.
    await advance(5000);
    server.clients()[0]?.close({ code: 4401, reason: 'token expired', wasClean: true });
    await advance(10);
    expect(refreshAuth).toHaveBeenCalledTimes(2);
    expect(ws.state).toBe('open');
  });

  it('fails on 401 when there is no refreshAuth', async () => {
    const { ws, failed } = await failAfter({ status: 401 });
    expect(ws.state).toBe('failed');
    expect(failed.mock.calls[0]?.[0].message).toMatch(/no refreshAuth/);
  });

  it('names both suspects when the request fails', async () => {
    startServer();
    const { fetch, server } = fakeFetch({ status: 200 }, refusedFetch());
    server.reachable = false;
    const ws = clientOf('ws://localhost:1234/', { fetch, preflight: 'always', minUptime: 0 });
    const reconnecting = record(ws, 'reconnecting');
    await advance(10);
    ws.reconnect();
    await advance(10);
    const reason = (reconnecting[0]![1] as { reason: { error: ResolveError } }).reason;
    expect(reason.error).toBeInstanceOf(ResolveError);
    expect(reason.error.reason).toBe('network');
    expect(reason.error.message).toMatch(/network is down, a hop sent no CORS headers .*private network/);
  });

  it('aborts a preflight that takes longer than resolveTimeout', async () => {
    startServer();
    let signal: AbortSignal | undefined;
    const fetch = vi.fn((_: unknown, init?: RequestInit) => {
      signal = init?.signal ?? undefined;
      return new Promise<Response>((_, reject) =>
        signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
      );
    });
    const ws = clientOf('ws://localhost:1234/', { fetch: fetch as never, preflight: 'always', resolveTimeout: 2000 });
    await advance(1999);
    expect(signal?.aborted).toBe(false);
    expect(ws.state).toBe('resolving');
    await advance(1);
    expect(signal?.aborted).toBe(true);
    // A server that does not answer HTTP in time gets no WebSocket attempt yet.
    await advance(10);
    expect(ws.state).toBe('waiting');
    expect(ws.stats.lastOutcome).toMatchObject({ type: 'resolve', error: { reason: 'network' } });
    expect(ws.stats.attempts).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP-dates, and ignores garbage', () => {
    const now = Date.UTC(2030, 0, 1);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(parseRetryAfter(new Date(now - 5000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('discovery', () => {
  it('connects where the answer says, relative URLs resolved against the answer', async () => {
    startServer.at('ws://localhost:2345/live');
    const { fetch, requests } = fakeFetch({ url: 'http://localhost:2345/api/discover', body: '{"url":"/live"}' });
    const ws = clientOf(discover('http://localhost:1234/api/discover'), { fetch });
    const resolved = record(ws, 'resolved');
    await advance(10);
    expect(requests).toEqual(['http://localhost:1234/api/discover']);
    expect(ws.url).toBe('ws://localhost:2345/live');
    expect(ws.state).toBe('open');
    expect(resolved[0]?.[1]).toMatchObject({ via: 'discovery', cached: false });
  });

  it('takes protocols and maxAge from the answer, and a custom parser for other shapes', async () => {
    const server = startServer({ selectProtocol: (list) => list[0] ?? '' });
    const { fetch } = fakeFetch({
      body: JSON.stringify({ token: 'T', instanceServers: [{ endpoint: 'ws://localhost:1234/', pingInterval: 1 }] }),
    });
    const parse = vi.fn((body: unknown) => {
      const { token, instanceServers } = body as { token: string; instanceServers: { endpoint: string }[] };
      return { url: `${instanceServers[0]?.endpoint}?token=${token}`, protocols: ['v2'], maxAge: 30 };
    });
    const ws = clientOf(discover('http://localhost:9999/bullet', { parse, request: { method: 'POST' } }), { fetch });
    const connecting = record(ws, 'connecting');
    await advance(10);
    expect(ws.protocol).toBe('v2');
    expect(server.clients()).toHaveLength(1);
    // The token is redacted from events.
    expect(connecting[0]?.[1]).toMatchObject({ url: 'ws://localhost:1234/?token=REDACTED' });
  });

  it.each([
    ['malformed JSON', '{"url": '],
    ['a missing url', '{"endpoint":"ws://localhost:1234/"}'],
    ['a url of the wrong type', '{"url": 42}'],
    ['a body over 64 KiB', JSON.stringify({ url: 'ws://localhost:1234/', pad: 'x'.repeat(70_000) })],
    ['a url with a forbidden scheme', '{"url":"javascript:alert(1)"}'],
  ])('treats %s as an invalid answer, retried per policy', async (_, body) => {
    startServer();
    const { fetch } = fakeFetch({ body }, { body: '{"url":"ws://localhost:1234/"}' });
    const ws = clientOf(discover('http://localhost:9999/discover'), { fetch });
    const reconnecting = record(ws, 'reconnecting');
    await advance(10);
    const reason = (reconnecting[0]![1] as { reason: { error: ResolveError } }).reason;
    expect(reason.error).toMatchObject({ name: 'ResolveError', reason: 'invalid' });
    expect(reason.error.message).toContain('http://localhost:9999/discover');
    await advance(600);
    expect(ws.state).toBe('open');
  });

  it('sends a status from the discovery endpoint to the policy: 404 there is fatal', async () => {
    const { fetch } = fakeFetch({ status: 404 });
    const ws = clientOf(discover('http://localhost:9999/discover'), { fetch });
    await advance(10);
    expect(ws.state).toBe('failed');
    expect(ws.stats.lastError?.status).toBe(404);
  });

  it('moves to another backend when the first one fails, never reusing its credential', async () => {
    startServer.at('ws://localhost:2345/', { verifyClient: () => false });
    startServer.at('ws://localhost:3456/');
    const { fetch } = fakeFetch(
      { body: '{"url":"ws://localhost:2345/?token=FIRST"}' },
      { body: '{"url":"ws://localhost:3456/"}' },
    );
    const urls: string[] = [];
    class Spy extends (MockSocket as unknown as typeof WebSocket) {
      constructor(url: string | URL, protocols?: string | string[]) {
        urls.push(String(url));
        super(url, protocols);
      }
    }
    const ws = clientOf(discover('http://localhost:9999/discover'), { fetch, WebSocket: Spy as never });
    await advance(1000);
    expect(ws.state).toBe('open');
    expect(urls).toEqual(['ws://localhost:2345/?token=FIRST', 'ws://localhost:3456/']);
  });

  it('probes an endpoint whose handshake timed out over HTTP before asking the resolver again', async () => {
    class Hanging {
      binaryType = 'blob';
      onopen = null;
      onclose = null;
      onerror = null;
      onmessage = null;
      close() {}
    }
    const { fetch, requests } = fakeFetch({ status: 503, headers: { 'retry-after': '30' } });
    const resolver = vi.fn(() => 'ws://localhost:2345/live');
    const ws = clientOf(resolver, { fetch, WebSocket: Hanging as never, connectTimeout: 1000 });
    await advance(1000);
    expect(ws.stats.lastOutcome?.type).toBe('timeout');
    await advance(1000);
    // The endpoint's own answer (503, Retry-After 30 s) reaches the policy; the resolver waits.
    expect(requests).toEqual(['http://localhost:2345/live']);
    expect(resolver).toHaveBeenCalledOnce();
    expect(ws.stats.lastOutcome).toMatchObject({ type: 'http', status: 503 });
  });

  it('refuses a non-http discovery URL at the call', () => {
    expect(() => discover('ws://localhost:9999/discover')).toThrow(/discover\(url\)/);
  });
});

describe('custom resolver', () => {
  it('gets the attempt, the last outcome and a signal, and may return a string', async () => {
    startServer.at('ws://localhost:2345/');
    startServer({ verifyClient: () => false });
    const resolver = vi.fn(({ attempt }: ResolveContext) =>
      attempt === 0 ? 'ws://localhost:1234/' : 'ws://localhost:2345/',
    );
    // The failed endpoint is probed before the resolver is asked again; here it answers.
    const { fetch, requests } = fakeFetch({ status: 426 });
    const ws = clientOf(resolver, { fetch });
    await advance(1000);
    expect(requests).toEqual(['http://localhost:1234/']);
    expect(ws.url).toBe('ws://localhost:2345/');
    expect(resolver.mock.calls[1]?.[0]).toMatchObject({ attempt: 1, outcome: { type: 'close', opened: false } });
    expect(resolver.mock.calls[0]?.[0].signal).toBeInstanceOf(AbortSignal);
  });
});

describe('safety', () => {
  it('refuses a downgrade from wss: to ws: unless allowed', async () => {
    const { fetch } = fakeFetch({ status: 200, url: 'http://localhost:1234/' });
    const ws = clientOf('wss://localhost:1234/', { fetch, preflight: 'always' });
    await advance(10);
    expect(ws.state).toBe('failed');
    expect(ws.stats.lastError?.message).toMatch(/downgrade/);
    expect(ws.stats.attempts).toBe(0);

    startServer();
    const allowed = clientOf('wss://localhost:1234/', { fetch, preflight: 'always', allowInsecure: true });
    await advance(10);
    expect(allowed.state).toBe('open');
  });

  it.each([
    [['example.com'], 'ws://evil.test/', false],
    [['localhost'], 'ws://localhost:1234/', true],
    [['*.example.com'], 'ws://a.example.com:1234/', true],
    [['*.example.com'], 'ws://example.com.evil.test/', false],
    [(host: string) => host === 'localhost', 'ws://localhost:1234/', true],
  ])('enforces allowedHosts %o on %s', async (allowedHosts, target, allowed) => {
    const resolver = () => target;
    const created: string[] = [];
    class Recorder {
      constructor(url: string) {
        created.push(url);
      }
      close() {}
    }
    const ws = clientOf(resolver, { allowedHosts, WebSocket: Recorder as never });
    await advance(1);
    expect(created.length === 1).toBe(allowed);
    if (!allowed) {
      expect(ws.state).toBe('failed');
      expect(ws.stats.lastOutcome).toMatchObject({ type: 'resolve', error: { reason: 'refused' } });
    }
  });

  it('redacts secrets in events and errors', async () => {
    const { fetch } = fakeFetch({ status: 403 });
    const ws = clientOf('ws://localhost:1234/feed?access_token=s3cret&room=1', { fetch, preflight: 'always' });
    const events = record(ws, 'resolving', 'failed');
    await advance(10);
    const text = JSON.stringify(events) + String(ws.stats.lastError?.message);
    expect(text).not.toContain('s3cret');
    expect(text).toContain('access_token=REDACTED');
  });

  it('rejects a preflightUrl that is not http(s)', () => {
    expect(() => clientOf('ws://localhost:1234/', { preflightUrl: 'ftp://x/' })).toThrow(/preflightUrl/);
  });
});

describe('cancellation', () => {
  function slowFetch() {
    const pending: ((response: Response) => void)[] = [];
    const fetch = vi.fn(
      (input: RequestInfo | URL) =>
        new Promise<Response>((resolve) =>
          pending.push(() =>
            resolve(Object.defineProperties(new Response('', { status: 200 }), { url: { value: String(input) } })),
          ),
        ),
    );
    return { fetch: fetch as unknown as typeof globalThis.fetch, answer: () => pending.shift()?.(new Response()) };
  }

  it('close() during a preflight: the late answer opens nothing', async () => {
    const server = startServer();
    const { fetch, answer } = slowFetch();
    const ws = clientOf('ws://localhost:1234/', { fetch, preflight: 'always' });
    await advance(10);
    expect(ws.state).toBe('resolving');
    ws.close();
    expect(ws.state).toBe('closed');
    answer();
    await advance(100);
    expect(ws.state).toBe('closed');
    expect(server.clients()).toHaveLength(0);
    expect(ws.stats.attempts).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reconnect() during a preflight keeps the new preflight timeout when the old request ends', async () => {
    startServer();
    const { fetch, answer } = slowFetch();
    const ws = clientOf('ws://localhost:1234/', { fetch, preflight: 'always', resolveTimeout: 1000 });
    await advance(10);
    ws.reconnect();
    answer();
    await advance(10);
    expect(ws.state).toBe('resolving');
    // The second request never answers; its own timeout still aborts it.
    await advance(1000);
    expect(ws.state).not.toBe('resolving');
  });

  it('names what it asked, secrets redacted, when a resolver ignores the timeout', async () => {
    const hanging = vi.fn(() => new Promise<Response>(() => {}));
    const ws = clientOf(discover('https://api.example.com/realtime?token=SECRET'), {
      fetch: hanging,
      resolveTimeout: 1000,
    });
    await advance(1010);
    const outcome = ws.stats.lastOutcome as { type: string; error: Error };
    expect(outcome.type).toBe('resolve');
    expect(outcome.error.message).toBe(
      'Asking https://api.example.com/realtime?token=REDACTED timed out or was cancelled',
    );
  });

  it('does not stretch a max-age by reusing the answer', async () => {
    const server = startServer();
    const { fetch, requests } = fakeFetch({ status: 200, headers: { 'cache-control': 'max-age=10' } });
    clientOf('ws://localhost:1234/', { fetch, preflight: 'always', minUptime: 100 });
    for (let i = 0; i < 12; i++) {
      await advance(1000);
      server.clients()[0]?.close({ code: 1001, reason: '', wasClean: true });
    }
    expect(requests).toHaveLength(2);
  });
});
