// Auth refresh is bounded: a 401 (close 4401) after a connection that did not stay up counts as
// "in a row", backoff and maxRetries apply, and a refreshAuth that never settles is an attempt
// that failed.

import { describe, expect, it, vi } from 'vitest';
import { advance, clientOf, createClient, expectTimersLeft, record, startServer, url, useFakeClock } from './helpers';

useFakeClock();

/** A server that accepts every connection and closes it with `code` after `after` ms. */
function closingServer(code: number, after = 10) {
  const server = startServer();
  server.on('connection', (socket) => {
    setTimeout(() => socket.close({ code, reason: 'unauthorized', wasClean: true }), after);
  });
  return server;
}

/** A server whose nth connection is closed with the nth code, 10 ms after it opened; later ones stay. */
function closingInTurn(...codes: number[]) {
  const server = startServer();
  let connections = 0;
  server.on('connection', (socket) => {
    const code = codes[connections++];
    if (code) setTimeout(() => socket.close({ code, reason: '', wasClean: true }), 10);
  });
}

describe('auth refresh', () => {
  it('does not loop on a server that accepts and closes with 4401 at once: one refresh, then failed', async () => {
    closingServer(4401);
    const refreshAuth = vi.fn(async () => {});
    const client = createClient({ refreshAuth });
    const failed = vi.fn();
    client.on('failed', failed);
    await advance(3000);
    expect(refreshAuth).toHaveBeenCalledTimes(1);
    expect(client.stats.attempts).toBe(2);
    expect(client.state).toBe('failed');
    expect(failed.mock.calls[0]?.[0].message).toMatch(/second 401 in a row/);
  });

  it('refreshes again for a 401 after a connection that stayed up for minUptime', async () => {
    closingServer(4401, 6000);
    const refreshAuth = vi.fn(async () => {});
    const client = createClient({ refreshAuth, minUptime: 5000 });
    await advance(6010);
    expect(refreshAuth).toHaveBeenCalledTimes(1);
    await advance(6050);
    expect(refreshAuth).toHaveBeenCalledTimes(2);
    expect(client.state).toBe('open');
    // The server's own timer that would close the third connection.
    expectTimersLeft(1);
  });

  it('waits the backoff before a refresh that follows other failures, and counts it against maxRetries', async () => {
    closingInTurn(1011, 4401, 4401, 4401);
    const refreshAuth = vi.fn(async () => {});
    const client = createClient({ refreshAuth, maxRetries: 1 });
    const log = record(client, 'reconnecting', 'failed');
    await advance(2000);
    expect(log.map(([name]) => name)).toEqual(['reconnecting', 'failed']);
    expect(refreshAuth).not.toHaveBeenCalled();
    expect(client.stats.lastError?.message).toMatch(/2 failed attempts in a row/);
  });

  it('gives the refresh after another failure a backoff delay, not 0', async () => {
    closingInTurn(1011, 4401);
    const refreshAuth = vi.fn(async () => {});
    const client = createClient({ refreshAuth });
    const delays: number[] = [];
    client.on('reconnecting', ({ delay }) => delays.push(delay));
    await advance(3000);
    expect(delays).toHaveLength(2);
    expect(delays[1]).toBeGreaterThan(0);
    expect(refreshAuth).toHaveBeenCalledOnce();
    expect(client.state).toBe('open');
  });

  it('bounds a refreshAuth that never settles by resolveTimeout, as a failed attempt', async () => {
    closingServer(4401);
    const refreshAuth = vi.fn(() => new Promise<void>(() => {}));
    const client = createClient({ refreshAuth, resolveTimeout: 2000, maxRetries: 3 });
    const reasons: string[] = [];
    client.on('reconnecting', ({ reason }) => reasons.push(reason.type));
    await advance(2100);
    expect(reasons).toEqual(['close', 'resolve']);
    expect(client.state).toBe('waiting');
    await advance(60_000);
    // Each refresh that hung is an attempt that failed: maxRetries ends it.
    expect(client.state).toBe('failed');
    expect(refreshAuth.mock.calls.length).toBeLessThanOrEqual(3);
  });

  it('asks refreshAuth again at the next 401 after one that never settled', async () => {
    closingServer(4401);
    const refreshAuth = vi.fn(() => new Promise<void>(() => {}));
    const client = createClient({ refreshAuth, resolveTimeout: 2000 });
    const failed = vi.fn();
    client.on('failed', failed);
    await advance(2100);
    expect(refreshAuth).toHaveBeenCalledOnce();
    // The retry after the backoff meets a 401 again: a refresh (after a backoff of its own), not
    // "the second 401 in a row".
    await advance(10_000);
    expect(refreshAuth.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(failed.mock.calls.map(([error]) => error.message).join()).not.toMatch(/second 401/);
  });

  it('ignores a refreshAuth that settles after resolveTimeout: the wait it started goes on', async () => {
    closingServer(4401);
    let settle = () => {};
    const refreshAuth = vi.fn(() => new Promise<void>((resolve) => (settle = resolve)));
    const client = createClient({ refreshAuth, resolveTimeout: 2000, initialDelay: 60_000, maxDelay: 60_000 });
    await advance(2100);
    expect(client.state).toBe('waiting');
    const attempts = client.stats.attempts;
    settle();
    await advance(10);
    expect(client.state).toBe('waiting');
    expect(client.stats.attempts).toBe(attempts);
  });

  it('asks the resolver again after a refresh, even when the connection before had stayed up', async () => {
    closingServer(4401, 6000);
    const resolver = vi.fn(async () => url);
    const client = clientOf(resolver, { refreshAuth: async () => {}, minUptime: 5000 });
    await advance(5000);
    expect(client.state).toBe('open');
    expect(resolver).toHaveBeenCalledOnce();
    // Its answer had no maxAge, so it would be kept: the refresh is what asks again.
    await advance(1100);
    expect(resolver).toHaveBeenCalledTimes(2);
    // The server's own timer that would close the second connection.
    expectTimersLeft(1);
  });

  it('fails, saying so, when refreshAuth rejects', async () => {
    closingServer(4401);
    const client = createClient({ refreshAuth: async () => Promise.reject(new Error('no session')) });
    const failed = vi.fn();
    client.on('failed', failed);
    await advance(100);
    expect(client.state).toBe('failed');
    expect(failed.mock.calls[0]?.[0].message).toMatch(/refreshAuth threw Error: no session/);
  });
});

describe('auth refresh after connect()', () => {
  it('starts over: the first 401 after connect() from failed refreshes again', async () => {
    closingServer(4401);
    const refreshAuth = vi.fn(async () => {});
    const client = createClient({ refreshAuth });
    await advance(100);
    expect(client.state).toBe('failed');
    client.connect();
    await advance(40);
    expect(refreshAuth).toHaveBeenCalledTimes(2);
  });
});

describe('auth refresh and a wait cut short', () => {
  it('still refreshes when visibility cuts short the wait before a refresh', async () => {
    closingInTurn(1011, 4401);
    const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    const refreshAuth = vi.fn(async () => {});
    const client = createClient({
      refreshAuth,
      initialDelay: 10_000,
      maxDelay: 10_000,
      environment: { window: new EventTarget(), document, navigator: { onLine: true } },
    });
    const waits: number[] = [];
    client.on('reconnecting', ({ delay }) => waits.push(delay));
    // The 1011 wait, then the 4401 and the wait before its refresh (a backoff, as it follows a failure).
    await advance(20);
    await advance(waits[0] ?? 0);
    await advance(20);
    expect(waits).toHaveLength(2);
    expect(client.state).toBe('waiting');
    document.dispatchEvent(new Event('visibilitychange'));
    await advance(400);
    expect(refreshAuth).toHaveBeenCalledOnce();
    expect(client.state).toBe('open');
  });
});
