// Shared fixtures for unit tests: a mock-socket server per test, a client wired to it with an
// injected WebSocket class and a fixed random, and cleanup that checks nothing is left behind.

import { WebSocket as MockWebSocket, Server } from 'mock-socket';
import { afterEach, beforeEach, vi } from 'vitest';
import { type Options, ResilientWebSocket, type WebSocketConstructor } from '../../src';

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

export function useFakeClock(): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) {
      client.removeAllListeners();
      client.close();
    }
    for (const server of servers.splice(0)) server.stop();
    vi.clearAllTimers();
    vi.useRealTimers();
  });
}
