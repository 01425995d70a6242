// Durations past 2^31 - 1 ms fire a timer at once: every option is bounded, every server-given
// time is capped, and every delay is clamped where it reaches the timers.

import { describe, expect, it, vi } from 'vitest';
import { discover } from '../../src';
import { normalizeCoreOptions as normalizeOptions } from '../../src/core/options';
import { parseRetryAfter } from '../../src/resolution/http';
import {
  advance,
  clientOf,
  createClient,
  fakeFetch,
  MockSocket,
  record,
  spySockets,
  startServer,
  useFakeClock,
} from './helpers';

useFakeClock();

// The longest delay a timer takes before it fires at once instead.
const maxTimerDelay = 2 ** 31 - 1;

describe('durations that would overflow a timer', () => {
  it.each(['connectTimeout', 'initialDelay', 'maxDelay', 'minUptime', 'resolveTimeout', 'maxRetryAfter'])(
    'rejects %s above 2^31 - 1 ms',
    (name) => {
      const options = { initialDelay: 0, maxDelay: maxTimerDelay, lazy: true };
      expect(() => createClient({ ...options, [name]: 3e9 })).toThrow(new RegExp(`^${name}:`));
      expect(() => createClient({ ...options, [name]: maxTimerDelay })).not.toThrow();
    },
  );

  it.each([{ interval: 3e9 }, { timeout: 3e9 }])('rejects heartbeat %o', (heartbeat) => {
    expect(() => createClient({ heartbeat })).toThrow(/^heartbeat:/);
  });

  it('connectTimeout at the limit does not fire at once', async () => {
    startServer({ verifyClient: () => false });
    const ws = createClient({ connectTimeout: maxTimerDelay, WebSocket: spySockets().WebSocket });
    await advance(1000);
    expect(ws.stats.lastOutcome?.type).not.toBe('timeout');
  });

  it('caps a Retry-After from the server', () => {
    expect(parseRetryAfter('99999999999', 0)).toBe(maxTimerDelay);
    expect(parseRetryAfter(new Date(8.64e15).toUTCString(), 0)).toBe(maxTimerDelay);
  });

  it('caps a huge Cache-Control max-age or discovery maxAge at a day', async () => {
    startServer();
    const { fetch } = fakeFetch({ headers: { 'cache-control': 'max-age=99999999999' } });
    const preflight = clientOf('ws://localhost:1234/', { fetch, preflight: 'always' });
    const fromHeader = record(preflight, 'resolved');
    const parse = () => ({ url: 'ws://localhost:1234/', maxAge: Number.POSITIVE_INFINITY });
    const { fetch: fetch2 } = fakeFetch({ body: '{}' });
    const discovered = clientOf(discover('http://localhost:9999/d', { parse }), { fetch: fetch2 });
    const fromParser = record(discovered, 'resolved');
    await advance(10);
    expect(fromHeader[0]?.[1]).toMatchObject({ maxAge: 86_400 });
    expect(fromParser[0]?.[1]).toMatchObject({ maxAge: 86_400 });
  });

  it('clamps every delay given to the timers in one place', () => {
    const setTimeout = vi.fn();
    const { timers } = normalizeOptions({ WebSocket: MockSocket, timers: { setTimeout, clearTimeout: vi.fn() } });
    timers.setTimeout(() => {}, 3e9);
    expect(setTimeout).toHaveBeenCalledWith(expect.any(Function), maxTimerDelay);
  });
});
