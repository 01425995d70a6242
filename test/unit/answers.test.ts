// What a discovery server, a custom parser or a resolver answers is checked before it reaches the
// WebSocket constructor, and the app's request headers go only where the answer may come from.

import { describe, expect, it } from 'vitest';
import { discover, InvalidArgumentError, ResilientWebSocket } from '../../src';
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

interface Route {
  /** A redirect to this URL (relative to the route's). */
  location?: string;
  status?: number;
  body?: string;
}

/**
 * A fetch over a map of URLs that follows redirects hop by hop, as a network does, and records
 * every hop with the headers it carried. `redirect: 'error'` fails at the first redirect.
 */
function routedFetch(routes: Record<string, Route>) {
  const hops: { url: string; headers: Record<string, string>; redirect?: RequestRedirect }[] = [];
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    if (init.mode === 'no-cors') return new Response(null);
    let url = String(input);
    for (let hop = 0; hop < 20; hop++) {
      const route = routes[url];
      hops.push({ url, headers: { ...(init.headers as Record<string, string>) }, redirect: init.redirect });
      if (!route) throw new TypeError('Failed to fetch');
      if (!route.location) {
        const response = new Response(route.body ?? '', { status: route.status ?? 200 });
        return Object.defineProperties(response, { url: { value: url }, redirected: { value: hop > 0 } });
      }
      if (init.redirect === 'error') throw new TypeError('Failed to fetch');
      url = new URL(route.location, url).href;
    }
    throw new TypeError('Failed to fetch: too many redirects');
  };
  return { fetch: fetch as typeof globalThis.fetch, hops };
}

describe('subprotocols from a resolver or a discovery answer', () => {
  const injected = { rejectUnauthorized: false, headers: { 'X-Injected': '1' }, followRedirects: true };

  it('refuses protocols given as an object (the `ws` options) before any socket', async () => {
    const { made, WebSocket } = spySockets();
    const { fetch } = fakeFetch({ body: JSON.stringify({ url: 'ws://localhost:1234/', protocols: injected }) });
    const ws = clientOf(discover('http://localhost:9999/discover'), { fetch, WebSocket });
    await advance(10);
    expect(made).toEqual([]);
    expect(ws.stats.lastOutcome).toMatchObject({ type: 'resolve', error: { name: 'ResolveError', reason: 'invalid' } });
  });

  it.each([
    ['an object', injected],
    ['a number', 42],
    ['a token with a space', 'v1 v2'],
    ['an array with an object', ['v1', { origin: 'https://evil.test' }]],
    ['duplicate tokens', ['v1', 'v1']],
    ['an empty token', ['']],
  ])('refuses %s from a custom resolver or parser', async (_, protocols) => {
    const { made, WebSocket } = spySockets();
    const resolver = () => ({ url: 'ws://localhost:1234/', protocols: protocols as never });
    const ws = clientOf(resolver, { WebSocket });
    const { fetch } = fakeFetch({ body: '{"url":"ws://localhost:1234/"}' });
    const parse = () => ({ url: 'ws://localhost:1234/', protocols: protocols as never });
    const parsed = clientOf(discover('http://localhost:9999/d', { parse }), { WebSocket, fetch });
    await advance(10);
    expect(made).toEqual([]);
    for (const each of [ws, parsed]) {
      expect(each.stats.lastOutcome).toMatchObject({ type: 'resolve', error: { reason: 'invalid' } });
    }
  });

  it('passes a valid token or list of tokens on', async () => {
    startServer({ selectProtocol: (list) => list[0] ?? '' });
    const { made, WebSocket } = spySockets();
    const ws = clientOf(() => ({ url: 'ws://localhost:1234/', protocols: ['v2.chat', 'v1'] }), { WebSocket });
    await advance(10);
    expect(made).toEqual([{ url: 'ws://localhost:1234/', protocols: ['v2.chat', 'v1'] }]);
    expect(ws.protocol).toBe('v2.chat');
  });

  it('rejects a bad protocols option at construction', () => {
    expect(() => createClient({ protocols: 'a b' })).toThrow(/^protocols:/);
    expect(() => createClient({ protocols: injected as never })).toThrow(InvalidArgumentError);
    expect(() => new ResilientWebSocket('ws://localhost:1234/', ['x', 'x'], { WebSocket: MockSocket })).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('what a discovery answer may name', () => {
  it('refuses a ws: endpoint named by a discovery over https:, unless allowInsecure', async () => {
    const { made, WebSocket } = spySockets();
    const routes = { 'https://api.example.com/discover': { body: '{"url":"ws://ws.example.com/live"}' } };
    const ws = clientOf(discover('https://api.example.com/discover'), { fetch: routedFetch(routes).fetch, WebSocket });
    const allowed = clientOf(discover('https://api.example.com/discover'), {
      fetch: routedFetch(routes).fetch,
      WebSocket,
      allowInsecure: true,
    });
    await advance(10);
    expect(ws.stats.lastOutcome).toMatchObject({ type: 'resolve', error: { reason: 'refused' } });
    expect(ws.stats.lastError?.message).toMatch(/downgrade to ws:/);
    expect(allowed.stats.attempts).toBe(1);
    expect(made.map(({ url }) => url)).toEqual(['ws://ws.example.com/live']);
  });

  it('reads a body of exactly the 64 KiB bound, and refuses one byte more', async () => {
    const { made, WebSocket } = spySockets();
    const body = (size: number) => {
      const start = '{"url":"ws://localhost:1234/","pad":"';
      return `${start}${'a'.repeat(size - start.length - 2)}"}`;
    };
    const at = (size: number) =>
      clientOf(discover('http://api.example.com/discover'), {
        fetch: routedFetch({ 'http://api.example.com/discover': { body: body(size) } }).fetch,
        WebSocket,
      });
    const fits = at(65_536);
    const over = at(65_537);
    await advance(10);
    expect(fits.stats.attempts).toBe(1);
    expect(made).toHaveLength(1);
    expect(over.stats.lastOutcome).toMatchObject({ type: 'resolve', error: { reason: 'invalid' } });
  });
});

describe('redirected discovery and preflight requests', () => {
  const answer = { body: '{"url":"wss://ws.example.com/live?token=T"}' };

  it('refuses a discovery answer redirected from https: to http:, and uses nothing from it', async () => {
    const { made, WebSocket } = spySockets();
    const { fetch } = routedFetch({
      'https://api.example.com/discover': { location: 'http://api.example.com/discover' },
      'http://api.example.com/discover': answer,
    });
    const ws = clientOf(discover('https://api.example.com/discover'), { fetch, WebSocket });
    await advance(10);
    expect(made).toEqual([]);
    expect(ws.state).toBe('failed');
    expect(ws.stats.lastOutcome).toMatchObject({ type: 'resolve', error: { reason: 'refused' } });
    expect(ws.stats.lastError?.message).toMatch(/downgrade to http:/);
  });

  it('accepts that downgrade with allowInsecure', async () => {
    const { made, WebSocket } = spySockets();
    const { fetch } = routedFetch({
      'https://api.example.com/discover': { location: 'http://api.example.com/discover' },
      'http://api.example.com/discover': answer,
    });
    clientOf(discover('https://api.example.com/discover'), { fetch, WebSocket, allowInsecure: true });
    await advance(10);
    expect(made.map(({ url }) => url)).toEqual(['wss://ws.example.com/live?token=T']);
  });

  it.each([
    ['a downgrade', 'http://api.example.com/discover', {}],
    ['a host outside allowedHosts', 'https://evil.test/discover', { allowedHosts: ['*.example.com'] }],
  ])('never sends the app headers of a discovery request to %s', async (_, target, options) => {
    const { fetch, hops } = routedFetch({
      'https://api.example.com/discover': { location: target },
      [target]: answer,
    });
    const request = { headers: { 'X-Api-Key': 'KEY' }, method: 'POST', body: '{"user":1}' };
    const ws = clientOf(discover('https://api.example.com/discover', { request }), { fetch, ...options });
    await advance(10);
    expect(ws.state).toBe('failed');
    expect(hops.filter((hop) => hop.url === target)).not.toEqual([]);
    expect(hops.filter((hop) => hop.url === target && hop.headers['X-Api-Key'])).toEqual([]);
  });

  it('never sends the app headers of a preflight to a host outside allowedHosts', async () => {
    const { fetch, hops } = routedFetch({
      'https://ws.example.com/ready': { location: 'https://evil.test/ready' },
      'https://evil.test/ready': { status: 200 },
    });
    const ws = clientOf('wss://ws.example.com/live', {
      fetch,
      preflight: 'always',
      preflightUrl: 'https://ws.example.com/ready',
      request: { headers: { 'X-Api-Key': 'KEY' } },
      allowedHosts: ['ws.example.com'],
    });
    await advance(10);
    expect(ws.state).toBe('failed');
    expect(hops.filter((hop) => hop.url === 'https://evil.test/ready' && hop.headers['X-Api-Key'])).toEqual([]);
  });

  it('with app headers: a bare request finds the final URL, then the real one goes there and follows nothing', async () => {
    startServer.at('wss://ws.example.com/live');
    const { fetch, hops } = routedFetch({
      'https://api.example.com/discover': { location: 'https://eu.api.example.com/discover' },
      'https://eu.api.example.com/discover': { body: '{"url":"wss://ws.example.com/live"}' },
    });
    const request = { headers: { 'X-Api-Key': 'KEY' } };
    const ws = clientOf(discover('https://api.example.com/discover', { request }), {
      fetch,
      allowedHosts: ['*.example.com'],
    });
    await advance(10);
    expect(ws.state).toBe('open');
    expect(hops).toEqual([
      { url: 'https://api.example.com/discover', headers: {}, redirect: 'follow' },
      { url: 'https://eu.api.example.com/discover', headers: {}, redirect: 'follow' },
      { url: 'https://eu.api.example.com/discover', headers: { 'X-Api-Key': 'KEY' }, redirect: 'error' },
    ]);
  });

  it('without app headers or body, costs one request as before', async () => {
    startServer.at('wss://ws.example.com/live');
    const { fetch, hops } = routedFetch({
      'https://api.example.com/discover': { body: '{"url":"wss://ws.example.com/live"}' },
    });
    const ws = clientOf(discover('https://api.example.com/discover'), { fetch });
    await advance(10);
    expect(ws.state).toBe('open');
    expect(hops).toHaveLength(1);
  });
});

describe('discovery size cap', () => {
  it('counts bytes, not UTF-16 units', async () => {
    startServer();
    // 30,000 three-byte characters: 90 KB on the wire, 30,000 units as a string.
    const body = JSON.stringify({ url: 'ws://localhost:1234/', pad: '€'.repeat(30_000) });
    const { fetch } = fakeFetch({ body }, { body: '{"url":"ws://localhost:1234/"}' });
    const ws = clientOf(discover('http://localhost:9999/discover'), { fetch });
    const reconnecting = record(ws, 'reconnecting');
    await advance(10);
    expect(reconnecting[0]?.[1]).toMatchObject({
      reason: { error: { reason: 'invalid', message: expect.stringMatching(/over 65536 bytes/) } },
    });
  });
});
