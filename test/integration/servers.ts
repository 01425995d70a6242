// Real servers on 127.0.0.1 for integration tests: a `ws` echo server that can be killed and
// restarted on the same port, registered for cleanup after each test.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Registers `cleanup` to run after the current test. */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(async () => cleanup());
}

export interface Backend {
  /** ws://127.0.0.1:<port>/ws */
  url: string;
  port: number;
  /** Text messages received, across restarts, in arrival order. */
  received: string[];
  /** Sockets currently connected. */
  sockets: Set<WebSocket>;
  /** Upgrade requests seen, across restarts. */
  upgrades: number;
  /** Destroys every connection abruptly and stops listening. */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  /** Set to answer each incoming message in a custom way instead of echoing. */
  onMessage?: (socket: WebSocket, text: string) => void;
}

/** Starts a `ws` echo server on 127.0.0.1 (on `port`, or a free one), stopped after the test. */
export async function startBackend(port = 0): Promise<Backend> {
  let http: Server | undefined;
  const backend: Backend = {
    url: '',
    port,
    received: [],
    sockets: new Set(),
    upgrades: 0,
    async kill() {
      if (!http) return;
      for (const socket of backend.sockets) socket.terminate();
      const server = http;
      http = undefined;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
    async restart() {
      const server = createServer((_, response) => response.writeHead(426).end());
      const wss = new WebSocketServer({ server, path: '/ws' });
      server.on('upgrade', () => backend.upgrades++);
      wss.on('connection', (socket) => {
        backend.sockets.add(socket);
        socket.on('close', () => backend.sockets.delete(socket));
        socket.on('message', (data) => {
          const text = String(data);
          backend.received.push(text);
          if (backend.onMessage) backend.onMessage(socket, text);
          else socket.send(text);
        });
      });
      await new Promise<void>((resolve) => server.listen(backend.port, '127.0.0.1', resolve));
      backend.port = (server.address() as AddressInfo).port;
      backend.url = `ws://127.0.0.1:${backend.port}/ws`;
      http = server;
    },
  };
  await backend.restart();
  onCleanup(() => backend.kill());
  return backend;
}

/** Resolves when `predicate` holds, checking every 5 ms; rejects after `timeout` ms. */
export async function until(predicate: () => boolean, timeout = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeout) throw new Error(`condition not met within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
