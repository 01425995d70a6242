// "Status 200 when connecting": HTTP answers the WebSocket URL with a page (a wrong path, a proxy
// that drops the upgrade, a fallback route), and every handshake there fails. Once a 2xx was
// followed by a failed handshake, the next 2xx is an outcome of its own that says so.

import { describe, expect, it, vi } from 'vitest';
import { type Outcome, ResilientWebSocket } from '../../src';
import { advance, clientOf, fakeFetch, MockSocket, record, startServer, useFakeClock } from './helpers';

useFakeClock();

const page = { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } };
const notWebSocket = {
  type: 'not-websocket',
  status: 200,
  contentType: 'text/html; charset=utf-8',
  url: 'http://localhost:1234/ws?token=REDACTED',
};
// No mock server listens at this URL: every handshake fails, as against a server that serves a page.
const endpoint = 'ws://localhost:1234/ws?token=T';
const timings = { initialDelay: 100, maxDelay: 100, queueHandshakes: false };

function reasons(log: [string, unknown][]) {
  return log.map(([, info]) => (info as { reason: Outcome }).reason.type);
}

describe('HTTP 200 where the WebSocket server should be', () => {
  it("on failure: the probe's 2xx lets a handshake go ahead; the 2xx after it failed is not-websocket", async () => {
    const { fetch } = fakeFetch(page);
    const ws = clientOf(endpoint, { fetch, ...timings });
    const log = record(ws, 'reconnecting');
    await advance(1000);
    // The direct attempt fails; the probe reads 200 and connects; that fails too; the next 200 says it.
    expect(reasons(log).slice(0, 3)).toEqual(['close', 'close', 'not-websocket']);
    expect(log[2]?.[1]).toMatchObject({ reason: notWebSocket });
    // A handshake is still tried every other attempt, in case the server was fixed.
    expect(reasons(log).slice(3, 7)).toEqual(['close', 'not-websocket', 'close', 'not-websocket']);
  });

  it("preflight 'always': the second 2xx, after the failed handshake, is not-websocket", async () => {
    const { fetch } = fakeFetch(page);
    const ws = clientOf(endpoint, { fetch, preflight: 'always', ...timings });
    const log = record(ws, 'reconnecting');
    await advance(250);
    expect(reasons(log).slice(0, 2)).toEqual(['close', 'not-websocket']);
  });

  it('backs off as after any failure, never faster', async () => {
    const { fetch } = fakeFetch(page);
    const ws = clientOf(endpoint, { fetch, initialDelay: 1000, maxDelay: 30_000, factor: 2, queueHandshakes: false });
    const log = record(ws, 'reconnecting');
    await advance(20_000);
    const delays = log.map(([, info]) => (info as { delay: number }).delay);
    // Full jitter with random 0.5: the middle of each window (0–1000, 1000–2000, 2000–4000…), for every outcome alike.
    expect(delays.slice(0, 5)).toEqual([500, 1500, 3000, 6000, 12_000]);
    expect(reasons(log).slice(0, 5)).toEqual(['close', 'close', 'not-websocket', 'close', 'not-websocket']);
  });

  it('says what it found and what to check when the client gives up', async () => {
    const { fetch } = fakeFetch(page);
    const ws = clientOf(endpoint, { fetch, maxRetries: 2, ...timings });
    const failed = vi.fn();
    ws.on('failed', failed);
    await advance(1000);
    expect(failed).toHaveBeenCalledOnce();
    const error = failed.mock.calls[0]?.[0];
    expect(error).toMatchObject({ name: 'ConnectionFailedError', status: 200, outcome: notWebSocket });
    expect(error.message).toBe(
      'Gave up after 3 failed attempts in a row, the last HTTP 200 text/html; charset=utf-8 from http://localhost:1234/ws?token=REDACTED, not a WebSocket server: a wrong path, a proxy that drops the Upgrade and Connection headers, or a fallback route?; endpoint ws://localhost:1234/ws?token=REDACTED',
    );
  });

  it('is fatal at once when decide() says so', async () => {
    const { fetch } = fakeFetch(page);
    const ws = clientOf(endpoint, {
      fetch,
      ...timings,
      decide: (outcome) => (outcome.type === 'not-websocket' ? 'fatal' : undefined),
    });
    const log = record(ws, 'reconnecting', 'failed');
    await advance(1000);
    expect(log.map(([name]) => name)).toEqual(['reconnecting', 'reconnecting', 'failed']);
    expect(ws.stats.lastOutcome).toEqual(notWebSocket);
  });

  it('never says so of a server that serves a page on GET and takes the upgrade', async () => {
    const server = startServer.at('ws://localhost:1234/ws');
    const { fetch } = fakeFetch(page);
    const ws = clientOf('ws://localhost:1234/ws', { fetch, preflight: 'always', ...timings, minUptime: 0 });
    const log = record(ws, 'reconnecting', 'open');
    await advance(50);
    expect(ws.state).toBe('open');
    // Dropped after it opened: the probe's 2xx again leads to a handshake, which opens.
    server.clients()[0]?.close({ code: 1011, reason: 'oops', wasClean: true });
    await advance(300);
    expect(ws.state).toBe('open');
    expect(log.map(([name]) => name)).toEqual(['open', 'reconnecting', 'open']);
  });

  it('needs a 2xx from the WebSocket URL itself: a preflightUrl that answers 200 is a go-ahead', async () => {
    const { fetch } = fakeFetch(page);
    const ws = new ResilientWebSocket(endpoint, {
      WebSocket: MockSocket,
      random: () => 0.5,
      fetch,
      preflight: 'always',
      preflightUrl: 'http://localhost:1234/ready',
      ...timings,
    });
    const log = record(ws, 'reconnecting');
    await advance(500);
    ws.close();
    expect(reasons(log).every((type) => type === 'close')).toBe(true);
  });
});
