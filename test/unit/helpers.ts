// Shared fixtures for unit tests: a mock-socket server per test, a client wired to it with an
// injected WebSocket class and a fixed random, and cleanup that checks nothing is left behind.

import { WebSocket as MockWebSocket, Server } from 'mock-socket';
import { afterEach, beforeEach, onTestFinished, vi } from 'vitest';
import { type Options, ResilientWebSocket, type Resolver, type WebSocketConstructor } from '../../src';

export const url = 'ws://localhost:1234/';
export const MockSocket = MockWebSocket as unknown as WebSocketConstructor;

const servers: Server[] = [];
const clients: ResilientWebSocket[] = [];

type ServerOptions = ConstructorParameters<typeof Server>[1];

/** Starts a mock server at `url` (or `at` another), stopped after the test. */
export function startServer(options?: ServerOptions): Server {
  return startServer.at(url, options);
}
startServer.at = (at: string, options?: ServerOptions): Server => {
  const server = new Server(at, { mock: false, ...options });
  servers.push(server);
  return server;
};

/** A client on the mock server with a fixed random of 0.5, closed after the test. */
export function createClient(options: Options = {}): ResilientWebSocket {
  const client = new ResilientWebSocket(url, {
    WebSocket: MockSocket,
    random: () => 0.5,
    preflight: 'never',
    ...options,
  });
  clients.push(client);
  return client;
}

/** Advances fake time in small steps, so each mock-socket hop (4 ms) and every promise runs. */
export async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

/** Records the names (and first arguments) of the events a client emits, in order. */
export function record(client: ResilientWebSocket, ...names: (keyof import('../../src').ResilientEvents)[]) {
  const log: [string, unknown][] = [];
  for (const name of names) client.on(name, (...args: unknown[]) => log.push([name, args[0]]));
  return log;
}

/** How long cleanup lets closed sockets settle (mock-socket delivers each event 4 ms later). */
const SETTLE_MS = 20;

interface FakeTimer {
  type?: string;
  delay?: number;
  callAt: number;
  func: unknown;
}

/** The fake clock's pending timers, described for a failure message. */
function pendingTimers(): string[] {
  const clock = (setTimeout as unknown as { clock?: { now: number; timers?: Record<string, FakeTimer> } }).clock;
  return Object.values(clock?.timers ?? {}).map(
    (timer) =>
      `${timer.type ?? 'Timeout'} of ${timer.delay ?? 0} ms due in ${timer.callAt - (clock?.now ?? 0)} ms: ${String(timer.func).split('\n')[0]}`,
  );
}

let timersLeft = 0;

/**
 * Says that the running test leaves `count` timers pending on purpose (its own, or ones it
 * checks are there), so cleanup does not count them as leaked.
 */
export function expectTimersLeft(count: number): void {
  timersLeft = count;
}

/**
 * Fake timers for each test, and cleanup that checks nothing is left behind: it closes every
 * client and server, lets their sockets settle, and fails the test if a timer is still pending
 * (a closed client must stop every timer it started), unless the test said so with
 * `expectTimersLeft`.
 */
export function useFakeClock(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    timersLeft = 0;
  });
  afterEach(async () => {
    try {
      for (const client of clients.splice(0)) {
        client.removeAllListeners();
        client.close();
      }
      for (const server of servers.splice(0)) server.stop();
      if (!vi.isFakeTimers()) return;
      await vi.advanceTimersByTimeAsync(SETTLE_MS);
      const left = pendingTimers();
      if (left.length !== timersLeft) {
        throw new Error(
          `${left.length} timer(s) pending after every client closed (expected ${timersLeft}):\n${left.join('\n')}`,
        );
      }
    } finally {
      vi.clearAllTimers();
      vi.useRealTimers();
    }
  });
}

export interface Answer {
  status?: number;
  /** The final URL after redirects; defaults to the requested URL. */
  url?: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A fetch that answers each request with the next entry (the last one repeats), and logs requests
 * (`requests`, and their options in `inits`). A no-cors request (the client's reachability check)
 * succeeds while `server.reachable`. With `redirect: 'error'` a redirected answer is a network
 * error, as in a browser.
 */
export function fakeFetch(...answers: (Answer | Error)[]) {
  const requests: string[] = [];
  const inits: RequestInit[] = [];
  const server = { reachable: true, noCors: 0 };
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    // As Chromium's, Firefox's and Node's fetch do.
    if (new URL(String(input)).username) {
      throw new TypeError(`Request cannot be constructed from a URL that includes credentials: ${input}`);
    }
    if (init?.mode === 'no-cors') {
      server.noCors++;
      if (!server.reachable) throw new TypeError('Failed to fetch');
      return new Response(null, { status: 200 });
    }
    const requested = String(input);
    requests.push(requested);
    inits.push(init ?? {});
    const next = answers.length > 1 ? answers.shift() : answers[0];
    if (next instanceof Error) throw next;
    if (init?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
    const response = new Response(next?.body ?? '', { status: next?.status ?? 200, headers: next?.headers });
    const url = next?.url ?? requested;
    if (init?.redirect === 'error' && url !== requested) throw new TypeError('Failed to fetch: redirected');
    return Object.defineProperties(response, {
      url: { value: url },
      redirected: { value: url !== requested },
    });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, requests, inits, server };
}

// Every WebSocket constructed, with its arguments; the sockets are mock-socket's.
export function spySockets() {
  const made: { url: string; protocols: unknown }[] = [];
  class Spy extends (MockSocket as unknown as typeof WebSocket) {
    constructor(url: string | URL, protocols?: string | string[]) {
      made.push({ url: String(url), protocols });
      super(url, typeof protocols === 'object' && !Array.isArray(protocols) ? undefined : protocols);
    }
  }
  return { made, WebSocket: Spy as never };
}

/** A client on `url` or a resolver, with mock-socket and a fixed random, closed after the test. */
export function clientOf(url: string | Resolver, options: Options = {}) {
  const ws = new ResilientWebSocket(url, { WebSocket: MockSocket, random: () => 0.5, ...options });
  // Closed with the others by useFakeClock's cleanup (before it counts timers), or after the test.
  clients.push(ws);
  onTestFinished(() => ws.close());
  return ws;
}
