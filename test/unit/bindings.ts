// Shared fixtures for the framework bindings' tests: fake timers and frames, a mock-socket server,
// and a WebSocket class that counts the sockets made and the ones still open.

import { WebSocket as MockWebSocket, Server } from 'mock-socket';
import { afterEach, beforeEach, vi } from 'vitest';
import type { WebSocketConstructor } from '../../src';

let servers: Server[] = [];

/** A URL of its own per test, so the bindings' shared registry starts empty for it. */
export function freshUrl(): string {
  return `ws://localhost:1234/${Math.random().toString(36).slice(2)}`;
}

/** A mock server at `url`, stopped after the test; `sockets` is what it accepted. */
export function serve(url: string) {
  const server = new Server(url, { mock: false });
  servers.push(server);
  const sockets: { send(data: string): void; close(): void }[] = [];
  server.on('connection', (socket) => sockets.push(socket));
  return { server, sockets };
}

/** A WebSocket class on mock-socket that counts what it made and what is still open. */
export function countingSocket() {
  const made: MockWebSocket[] = [];
  class Counting extends MockWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      made.push(this);
    }
  }
  return {
    WebSocket: Counting as unknown as WebSocketConstructor,
    made,
    open: () => made.filter((socket) => socket.readyState !== 3).length,
  };
}

/** Fake timers and animation frames (16 ms) for every test of the file. */
export function useFakeFrames(): void {
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: [
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'Date',
        'requestAnimationFrame',
        'cancelAnimationFrame',
      ],
    });
  });
  afterEach(() => {
    for (const server of servers) server.stop();
    servers = [];
    vi.clearAllTimers();
    vi.useRealTimers();
  });
}

/** Client options for the mock server: no preflight, a fixed random, the counting class. */
export const mockOptions = (WebSocket: WebSocketConstructor) =>
  ({
    WebSocket,
    random: () => 0.5,
    preflight: 'never',
    watchNetwork: false,
    watchVisibility: false,
    watchPageLifecycle: false,
  }) as const;
