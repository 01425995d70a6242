// Chaos: 100 forced failures of mixed kinds against real servers on 127.0.0.1 while the client
// sends numbered messages throughout. What was queued must arrive exactly once, in order; what
// was handed to a socket that then died may be lost (at-most-once), and is counted. That stays
// true of plain send(); delivery-chaos.test.ts shows the delivery feature losing nothing instead.

import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ResilientWebSocket, type SendResult, type WebSocketConstructor } from '../../src';
import { onCleanup, until } from './servers';

interface ChaosBackend {
  name: string;
  url: string;
  twin: string;
  sockets: Set<WebSocket>;
  /** One-shot: the next upgrade is accepted at TCP level and never answered. */
  hang: boolean;
  /** Answer upgrades and GETs with 503 + Retry-After: 1 until a GET has been answered. */
  unavailable: boolean;
  /** Answer upgrades and GETs with a 302 to this backend's http twin. */
  redirectTo?: ChaosBackend;
  /** Sockets that stopped answering (a silent peer). */
  silenced: Set<WebSocket>;
}

const cors = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'Retry-After' };

/** What the backends answered on purpose, all together: proof that each kind of failure happened. */
const hits = { hung: 0, unavailable: 0, redirected: 0 };

async function startChaosBackend(name: string, received: number[]): Promise<ChaosBackend> {
  const wss = new WebSocketServer({ noServer: true });
  const hung = new Set<Socket>();
  const http: Server = createServer((_, response) => {
    if (backend.unavailable) {
      backend.unavailable = false;
      hits.unavailable++;
      response.writeHead(503, { ...cors, 'retry-after': '1' }).end();
    } else if (backend.redirectTo) {
      hits.redirected++;
      response.writeHead(302, { ...cors, location: backend.redirectTo.twin }).end();
    } else {
      response.writeHead(426, cors).end();
    }
  });
  const backend: ChaosBackend = {
    name,
    url: '',
    twin: '',
    sockets: new Set(),
    silenced: new Set(),
    hang: false,
    unavailable: false,
  };
  http.on('upgrade', (request, socket, head) => {
    if (backend.hang) {
      backend.hang = false;
      hits.hung++;
      hung.add(socket as Socket);
      return;
    }
    const refusal = backend.unavailable ? '503 Service Unavailable' : backend.redirectTo ? '302 Found' : undefined;
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      backend.sockets.add(ws);
      ws.on('close', () => backend.sockets.delete(ws));
      ws.on('message', (data) => {
        if (backend.silenced.has(ws)) return;
        const text = String(data);
        if (text === 'ping') ws.send('pong');
        else received.push(Number(text));
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  backend.url = `ws://127.0.0.1:${port}/ws`;
  backend.twin = `http://127.0.0.1:${port}/ws`;
  onCleanup(async () => {
    for (const socket of hung) socket.destroy();
    for (const ws of backend.sockets) ws.terminate();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });
  return backend;
}

type Failure = 'close 1001' | 'close 1011' | 'close 1012' | 'destroy' | 'silent' | 'hang' | '503' | 'redirect';

// 100 failures, interleaved so every kind meets every state the others leave behind.
const pattern: Failure[] = [
  'close 1001',
  'destroy',
  'silent',
  'close 1011',
  'hang',
  'redirect',
  'close 1012',
  'destroy',
  'silent',
  'hang',
];
const failures: Failure[] = Array.from({ length: 100 }, (_, i) =>
  i % 20 === 19 ? '503' : pattern[i % pattern.length]!,
);

describe('chaos', () => {
  it('survives 100 mixed failures: queued messages arrive exactly once and in order', {
    timeout: 120_000,
  }, async () => {
    const received: number[] = [];
    const a = await startChaosBackend('a', received);
    const b = await startChaosBackend('b', received);
    const backends = [a, b];
    const client = new ResilientWebSocket(a.url, {
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      initialDelay: 20,
      maxDelay: 100,
      minUptime: 50,
      connectTimeout: 300,
      heartbeat: { interval: 150, timeout: 150 },
      maxQueuedMessages: 100_000,
    });
    onCleanup(() => client.close());

    const results: SendResult[] = [];
    let next = 0;
    const sender = setInterval(() => {
      results[next] = client.send(String(next));
      next++;
    }, 2);
    onCleanup(() => clearInterval(sender));

    const connected = () =>
      backends.find(
        (backend) => backend.sockets.size > 0 && ![...backend.sockets].every((ws) => backend.silenced.has(ws)),
      );
    const kinds: Record<string, number> = {};
    const startedAt = Date.now();
    for (const [index, failure] of failures.entries()) {
      const step = `failure ${index} (${failure})`;
      await until(() => client.state === 'open' && connected() !== undefined, 15_000, `open before ${step}`);
      const backend = connected() as ChaosBackend;
      // The newest open socket is the client's; an older one may still be closing.
      const socket = [...backend.sockets].filter((ws) => ws.readyState === WebSocket.OPEN).at(-1);
      // Let some messages through on every connection.
      await new Promise((resolve) => setTimeout(resolve, 10));
      kinds[failure] = (kinds[failure] ?? 0) + 1;
      if (failure.startsWith('close')) socket?.close(Number(failure.slice(6)));
      else if (failure === 'destroy') socket?.terminate();
      else if (failure === 'silent') {
        backend.silenced.add(socket as WebSocket);
        await until(() => client.state !== 'open', 10_000, `heartbeat finds ${step}`);
        socket?.terminate();
      } else if (failure === 'hang') {
        const before = hits.hung;
        backend.hang = true;
        socket?.terminate();
        await until(() => hits.hung > before, 15_000, `the hung handshake of ${step}`);
      } else if (failure === '503') {
        // The handshake is refused, the preflight gets 503 + Retry-After: 1.
        const before = hits.unavailable;
        backend.unavailable = true;
        socket?.terminate();
        await until(() => hits.unavailable > before, 15_000, `the 503 of ${step}`);
      } else {
        const other = backends.find((candidate) => candidate !== backend) as ChaosBackend;
        backend.redirectTo = other;
        socket?.close(1012);
        await until(() => other.sockets.size > 0 && client.state === 'open', 15_000, `moved by ${step}`);
        backend.redirectTo = undefined;
      }
      await until(
        () => client.state !== 'open' || connected() !== backend || !backend.sockets.has(socket as WebSocket),
      );
    }
    clearInterval(sender);
    await until(() => client.state === 'open' && client.bufferedAmount === 0, 10_000);
    const last = results.length - 1;
    // Queued messages are flushed at the open but may still be on their way: wait for the last one.
    let lastQueued = -1;
    results.forEach((result, i) => {
      if (result !== 'sent') lastQueued = i;
    });
    await until(
      () => (received.at(-1) === last || results[last] !== 'sent') && (received.at(-1) ?? -1) >= lastQueued,
      5000,
    );
    const elapsed = Date.now() - startedAt;

    const queued = results.flatMap((result, i) => (result === 'sent' ? [] : [i]));
    const handed = results.length - queued.length;
    const arrived = new Set(received);
    // Exactly once: no duplicates. In order: strictly increasing.
    expect(arrived.size).toBe(received.length);
    for (let i = 1; i < received.length; i++) expect(received[i]).toBeGreaterThan(received[i - 1] as number);
    // Nothing queued while disconnected is lost.
    expect(results.filter((result) => result === 'dropped')).toEqual([]);
    expect(queued.filter((i) => !arrived.has(i))).toEqual([]);
    const lost = results.length - received.length;
    expect(client.stats.reconnects).toBeGreaterThanOrEqual(100);
    // Every failure happened as planned.
    expect(hits.hung).toBe(kinds.hang);
    expect(hits.unavailable).toBe(kinds['503']);
    expect(hits.redirected).toBeGreaterThanOrEqual(kinds.redirect as number);
    // What send() said 'sent' and was lost is bounded by how long a dead socket can look alive: a
    // silent one until the heartbeat's deadline (interval + timeout, 300 ms, a message every 2 ms),
    // any other until its close arrives.
    const bound = (kinds.silent ?? 0) * (300 / 2 + 50) + (failures.length - (kinds.silent ?? 0)) * 25;
    expect(lost).toBeLessThanOrEqual(bound);
    console.log(
      `chaos: ${failures.length} failures ${JSON.stringify(kinds)} in ${elapsed} ms; ` +
        `${results.length} messages: ${queued.length} queued (all arrived once, in order), ` +
        `${handed} handed to an open socket, ${lost} of those lost with a dying socket (bound ${bound}); ` +
        `${hits.hung} hung handshakes, ${hits.unavailable} × 503, ${hits.redirected} redirects answered; ` +
        `${client.stats.attempts} handshakes, ${client.stats.reconnects} reconnects`,
    );
  });
});
