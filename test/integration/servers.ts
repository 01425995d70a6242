// Real servers on 127.0.0.1 for integration tests: a `ws` echo server that can be killed and
// restarted on the same port, registered for cleanup after each test.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { type Options, ResilientWebSocket, type Resolver } from '../../src';

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
  /** The headers of each upgrade request, across restarts. */
  handshakes: Record<string, string | string[] | undefined>[];
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
    handshakes: [],
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
      server.on('upgrade', (request) => {
        backend.upgrades++;
        backend.handshakes.push(request.headers);
      });
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
      await listen(server, backend.port);
      backend.port = (server.address() as AddressInfo).port;
      backend.url = `ws://127.0.0.1:${backend.port}/ws`;
      http = server;
    },
  };
  await backend.restart();
  onCleanup(() => backend.kill());
  return backend;
}

/**
 * Listens on 127.0.0.1:`port` (0: any). A restart on the port a backend had may find it held for
 * a moment (a socket of the old server still closing, or another process that got it meanwhile):
 * it tries again for up to 2 s, then fails saying so, rather than failing on a loaded machine.
 */
export async function listen(server: import('node:net').Server, port: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) {
        throw new Error(`cannot listen on 127.0.0.1:${port} again: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A client on the `ws` package's WebSocket with short delays, closed after the test. */
export function connect(url: string | Resolver, options: Options = {}): ResilientWebSocket {
  const client = new ResilientWebSocket(url, { WebSocket, initialDelay: 100, maxDelay: 400, ...options });
  onCleanup(() => {
    client.close();
    return until(() => client.state === 'closed' || client.state === 'failed');
  });
  return client;
}

/** Resolves when `predicate` holds, checking every 5 ms; rejects after `timeout` ms. */
export async function until(predicate: () => boolean, timeout = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeout) throw new Error(`${what} not met within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const cors = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'Retry-After',
};

export interface HttpStub {
  url: string;
  /** Requests seen, as "METHOD /path" (upgrades as "UPGRADE /path"). */
  requests: string[];
  /** The headers of each request in `requests`. */
  headers: Record<string, string | string[] | undefined>[];
  /** Replaces how requests are answered: status, headers and body. */
  answer: (path: string) => { status: number; headers?: Record<string, string>; body?: string };
}

/**
 * An HTTP server on 127.0.0.1 (another origin than the backends) answering every request, and
 * every upgrade, with `answer(path)` plus CORS headers: redirects, statuses, discovery JSON.
 */
export async function startHttpStub(answer: HttpStub['answer']): Promise<HttpStub> {
  const stub: HttpStub = { url: '', requests: [], headers: [], answer };
  const reply = (path: string) => {
    const { status, headers = {}, body = '' } = stub.answer(path);
    return { status, headers: { ...cors, 'content-type': 'application/json', ...headers }, body };
  };
  const server = createServer((request, response) => {
    stub.requests.push(`${request.method} ${request.url}`);
    stub.headers.push(request.headers);
    const { status, headers, body } = reply(request.url ?? '/');
    response.writeHead(status, headers).end(body);
  });
  server.on('upgrade', (request, socket) => {
    stub.requests.push(`UPGRADE ${request.url}`);
    stub.headers.push(request.headers);
    const { status, headers } = reply(request.url ?? '/');
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
    socket.end(`HTTP/1.1 ${status} Status\r\n${lines.join('\r\n')}\r\ncontent-length: 0\r\n\r\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  onCleanup(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return stub;
}
