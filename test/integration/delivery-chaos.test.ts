// Delivery chaos: three backends of the reference server share a Redis dedup store and a Redis bus
// (a private redis-server). The client delivers 10,000 numbered messages while a publisher puts
// 10,000 seq'd messages on a stream it subscribed to, across 100 failures of mixed kinds. Every
// message must reach the server's application exactly once, and every seq the client's listener,
// once and in order, with no gap.
//
// The client reaches the fleet through a front door, a sticky load balancer that redirects
// (302, on GET and upgrade) to the backend it currently points at: the client follows it with a
// preflight after a failed handshake, and a rolling restart moves the pointer to another backend.

import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ResilientWebSocket, type WebSocketConstructor } from '../../src';
import { delivery } from '../../src/features/delivery';
import {
  createRedisPublisher,
  type DeliveryConnection,
  deliveryEndpoint,
  RedisBus,
  RedisDedupStore,
  StreamHub,
  type StreamPublisher,
} from '../../src/server';
import { describeWithRedis } from './redis';
import { listen, onCleanup, until } from './servers';

const total = 10_000;
const stream = 'chaos';

type Failure =
  | 'close 1001'
  | 'close 1011'
  | 'close 1012'
  | 'kill'
  | 'silent'
  | 'hang'
  | 'redirect'
  | '503'
  | 'rolling restart';

// 100 failures, interleaved so that every kind meets the states the others leave behind. Per 20:
// 4 kills, 3 silent peers, 2 of each close, 2 hung handshakes, 2 redirects, 2 rolling restarts
// (each restarts all three backends, one at a time), one 503 + Retry-After.
const pattern: Failure[] = [
  'close 1001',
  'kill',
  'silent',
  'close 1011',
  'hang',
  'redirect',
  'close 1012',
  'kill',
  'rolling restart',
  'silent',
  'hang',
  'close 1001',
  'kill',
  'redirect',
  '503',
  'close 1011',
  'silent',
  'rolling restart',
  'close 1012',
  'kill',
];
const failures: Failure[] = Array.from({ length: 100 }, (_, i) => pattern[i % pattern.length] as Failure);

/** What the backends' application saw, shared by all of them (as a database would be). */
interface App {
  /** How many times each message number was handed to the application. */
  counts: Uint16Array;
  unique: number;
  /** Copies the servers recognised as already delivered (acked again, not handed over). */
  duplicates: number;
  /** What the endpoints reported failing (the dedup store, the handler). */
  errors: string[];
}

/** What the chaos did, as the servers saw it. */
interface Hits {
  hung: number;
  unavailable: number;
  redirected: number;
  restarts: number;
}

interface Backend {
  name: string;
  twin: string;
  running: boolean;
  sockets: Set<WebSocket>;
  /** Sockets whose frames no longer reach the client (acks, stream frames, pongs). */
  silenced: Set<WebSocket>;
  /** One-shot: the next upgrade is accepted at TCP level and never answered. */
  hang: boolean;
  /** Upgrades and GETs get 503 + Retry-After: 1 until a GET has been answered so. */
  unavailable: boolean;
  /** Upgrades and GETs get a 302 to this backend's http twin. */
  redirectTo?: Backend;
  /** The newest seq this backend's hub holds. */
  lastSeq(): number;
  /** Starts the process: its own Redis connections, stream hub and HTTP server (same port after a stop). */
  start(): Promise<void>;
  /** Stops the process: closes its sockets with 1012, stops listening, drops its hub and Redis connections. */
  stop(): Promise<void>;
}

const cors = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'Retry-After' };

function createBackend(
  name: string,
  redisUrl: string,
  app: App,
  hits: Hits,
  onConnection: (backend: Backend, socket: WebSocket, connection: DeliveryConnection) => void,
): Backend {
  let port = 0;
  let http: Server | undefined;
  let bus: RedisBus | undefined;
  let hub: StreamHub | undefined;
  const hung = new Set<Socket>();
  const connections = new Set<DeliveryConnection>();

  const refuse = (socket: Socket, status: string, headers: Record<string, string>) => {
    const lines = Object.entries(headers).map(([key, value]) => `${key}: ${value}\r\n`);
    socket.end(`HTTP/1.1 ${status}\r\n${lines.join('')}content-length: 0\r\n\r\n`);
  };

  const backend: Backend = {
    name,
    twin: '',
    running: false,
    sockets: new Set(),
    silenced: new Set(),
    hang: false,
    unavailable: false,
    lastSeq: () => hub?.lastSeq(stream) ?? 0,
    async start() {
      bus = await RedisBus.connect(redisUrl);
      const dedup = new RedisDedupStore(bus.client, { maxAgeMs: 300_000 });
      // Room for every message of the run: a client that comes here can always resume, unless
      // it last heard the stream before this process started.
      hub = await StreamHub.attach(bus, { bufferSize: 2 * total });
      const streams = hub;
      const wss = new WebSocketServer({ noServer: true });
      const server = createServer((request, response) => {
        // Stopping: the port is about to close; nothing is answered any more.
        if (!backend.running) request.socket.destroy();
        else if (backend.unavailable) {
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
      server.on('upgrade', (request, socket: Socket, head) => {
        if (!backend.running) return socket.destroy();
        if (backend.hang) {
          backend.hang = false;
          hits.hung++;
          hung.add(socket);
          return;
        }
        if (backend.unavailable) return refuse(socket, '503 Service Unavailable', { 'retry-after': '1' });
        if (backend.redirectTo) return refuse(socket, '302 Found', { location: backend.redirectTo.twin });
        wss.handleUpgrade(request, socket, head, (ws) => {
          backend.sockets.add(ws);
          ws.on('close', () => {
            backend.sockets.delete(ws);
            backend.silenced.delete(ws);
          });
          const connection = deliveryEndpoint(ws, {
            scope: 'chaos-client',
            dedup,
            streams,
            onMessage(data) {
              const n = data as number;
              if (app.counts[n]++ === 0) app.unique++;
            },
            onDuplicate: () => app.duplicates++,
            onError: (error) => app.errors.push(`${name}: ${error}`),
            onOther(text) {
              if (text === 'ping' && !backend.silenced.has(ws)) ws.send('pong');
            },
            // A silent peer: what the client sends still reaches the app, but nothing comes back.
            send(text) {
              if (!backend.silenced.has(ws)) ws.send(text);
            },
          });
          connections.add(connection);
          onConnection(backend, ws, connection);
        });
      });
      await listen(server, port);
      port = (server.address() as AddressInfo).port;
      backend.twin = `http://127.0.0.1:${port}/ws`;
      http = server;
      backend.running = true;
    },
    async stop() {
      backend.running = false;
      for (const ws of backend.sockets) ws.close(1012, 'restarting');
      await until(() => backend.sockets.size === 0, 2000).catch(() => {});
      for (const socket of hung) socket.destroy();
      hung.clear();
      const server = http;
      http = undefined;
      if (server) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      for (const ws of backend.sockets) ws.terminate();
      // A clean stop: the message in hand is handled and marked done before Redis goes.
      await Promise.all([...connections].map((connection) => connection.idle()));
      connections.clear();
      await hub?.close();
      await bus?.close();
      hub = undefined;
      bus = undefined;
    },
  };
  onCleanup(() => backend.stop());
  return backend;
}

describeWithRedis('delivery chaos', (redis) => {
  it('delivers 10,000 messages each way across 3 backends and 100 failures: once, in order, no gaps', {
    timeout: 90_000,
  }, async () => {
    const app: App = { counts: new Uint16Array(total), unique: 0, duplicates: 0, errors: [] };
    const hits: Hits = { hung: 0, unavailable: 0, redirected: 0, restarts: 0 };
    // The client's connection: the newest socket any backend accepted (there is one client).
    let latest: { backend: Backend; socket: WebSocket; connection: DeliveryConnection } | undefined;
    const backends = ['a', 'b', 'c'].map((name) =>
      createBackend(name, redis().url, app, hits, (backend, socket, connection) => {
        latest = { backend, socket, connection };
      }),
    );
    for (const backend of backends) await backend.start();
    const next = (backend: Backend) => backends[(backends.indexOf(backend) + 1) % backends.length] as Backend;

    // The front door: a sticky load balancer that redirects GETs and upgrades to `pointer`.
    let pointer = backends[0] as Backend;
    const front = createServer((_, response) => response.writeHead(302, { ...cors, location: pointer.twin }).end());
    front.on('upgrade', (_, socket: Socket) =>
      socket.end(`HTTP/1.1 302 Found\r\nlocation: ${pointer.twin}\r\ncontent-length: 0\r\n\r\n`),
    );
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    onCleanup(async () => {
      front.closeAllConnections();
      await new Promise((resolve) => front.close(resolve));
    });

    const publishing = await RedisBus.connect(redis().url);
    onCleanup(() => publishing.close());
    const publisher: StreamPublisher = createRedisPublisher(publishing.client);

    const chat = delivery<number>({ maxMessages: total, maxBytes: 4 * 1024 * 1024, ackTimeout: 2000, maxResends: 20 });
    let sends = 0;
    const dropped: unknown[] = [];
    chat.on('state', (_, state, error) => {
      if (state === 'sent') sends++;
      else if (state === 'dropped') dropped.push(error);
    });
    const gaps: unknown[] = [];
    chat.on('gap', (gap) => gaps.push(gap));
    const client = new ResilientWebSocket(`ws://127.0.0.1:${(front.address() as AddressInfo).port}/ws`, {
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      initialDelay: 20,
      maxDelay: 100,
      minUptime: 50,
      connectTimeout: 300,
      heartbeat: { interval: 150, timeout: 200 },
      features: [chat],
    });
    onCleanup(() => client.close());

    // What the app's listener sees of the stream: each seq once, strictly increasing.
    const seen = new Uint16Array(total + 1);
    let lastSeq = 0;
    let disorder = 0;
    client.on('message', (event) => {
      const data = event.data;
      if (typeof data !== 'string' || !data.startsWith('{"stream":')) return;
      const { seq } = JSON.parse(data) as { seq: number };
      if (seq <= lastSeq) disorder++;
      lastSeq = seq;
      seen[seq] = (seen[seq] ?? 0) + 1;
    });
    // The app wants the stream from seq 1. Without a position, the client sends no resume for a
    // stream it has not heard yet, so a connection lost between the subscription and the first
    // frame would lose what was published meanwhile, without a gap (the first frame heard sets
    // the start). Position 0 makes every reopen resume it from the start.
    chat.streams.set(stream, 0);
    chat.subscribe(stream, JSON.stringify({ subscribe: stream }));
    const connected = () =>
      client.state === 'open' &&
      latest !== undefined &&
      latest.socket.readyState === WebSocket.OPEN &&
      !latest.backend.silenced.has(latest.socket);
    // The traffic so far: messages delivered and acked, stream messages issued and published.
    let allowance = 100;
    let sent = 0;
    let acked = 0;
    let issued = 0;
    let published = 0;
    // Waits on a condition; on timeout, says where everything stood.
    const wait = (predicate: () => boolean, timeout: number, what: string) =>
      until(predicate, timeout).catch(() => {
        const where = latest && `${latest.backend.name} (socket ${latest.socket.readyState})`;
        throw new Error(
          `${what} not met within ${timeout} ms: client ${client.state} on ${where}, sent ${sent}, ` +
            `acked ${acked}, handed to the app ${app.unique}, published ${published} of ${issued}, ` +
            `heard up to seq ${lastSeq}, pending ${chat.pending.length}, errors ${app.errors.join('; ')}`,
        );
      });
    await wait(() => connected(), 5000, 'the first connection');
    await wait(() => latest?.connection.subscriptions.has(stream) === true, 5000, 'the subscription');

    // Traffic paced by the failures: before failure i, up to (i + 1) × 100 messages each way,
    // a few per millisecond, so that every failure meets messages in flight.
    const onPublished = (seq: number) => {
      published = Math.max(published, seq);
    };
    const pacer = setInterval(() => {
      const limit = Math.min(total, allowance);
      for (let k = 0; k < 8 && sent < limit; k++) {
        chat.deliver(sent++).then(
          () => acked++,
          () => {},
        );
      }
      for (let k = 0; k < 8 && issued < limit; k++) {
        issued++;
        publisher.publish(stream, { n: issued }).then(onPublished);
      }
    }, 1);
    onCleanup(() => clearInterval(pacer));
    // The client heard the stream up to what was published when this was called.
    const caughtUp = (what: string) => {
      const target = published;
      return wait(() => lastSeq >= target, 15_000, what);
    };

    const kinds: Record<string, number> = {};
    const startedAt = Date.now();
    for (const [index, failure] of failures.entries()) {
      const step = `failure ${index} (${failure})`;
      allowance = Math.min(total, (index + 1) * 100);
      // Open, and traffic both ways on this connection: most of this step's messages arrived.
      await wait(
        () => connected() && sent === allowance && app.unique >= allowance - 30 && lastSeq >= allowance - 30,
        15_000,
        `open with traffic before ${step}`,
      );
      const { backend, socket } = latest as { backend: Backend; socket: WebSocket };
      // A one-shot the client never met (it went elsewhere) is not carried into this failure.
      for (const each of backends) each.hang = each.unavailable = false;
      // The front door sticks to where the client is.
      pointer = backend;
      kinds[failure] = (kinds[failure] ?? 0) + 1;
      if (failure.startsWith('close')) socket.close(Number(failure.slice(6)), 'chaos');
      else if (failure === 'kill') socket.terminate();
      else if (failure === 'silent') {
        backend.silenced.add(socket);
        await wait(() => client.state !== 'open', 10_000, `heartbeat finds ${step}`);
        socket.terminate();
      } else if (failure === 'hang') {
        backend.hang = true;
        socket.terminate();
      } else if (failure === '503') {
        backend.unavailable = true;
        socket.terminate();
      } else if (failure === 'redirect') {
        const other = next(backend);
        backend.redirectTo = other;
        socket.close(1012, 'moving');
        await wait(() => connected() && latest?.backend === other, 15_000, `moved by ${step}`);
        backend.redirectTo = undefined;
      } else {
        // A rolling restart: each backend in turn, starting with the client's; the front door
        // sends new connections to the next one while it is down.
        for (const restarting of [backend, next(backend), next(next(backend))]) {
          pointer = next(restarting);
          const wasOn = latest?.backend === restarting;
          await restarting.stop();
          hits.restarts++;
          if (wasOn) await wait(() => connected() && latest?.backend !== restarting, 15_000, `moved by ${step}`);
          await restarting.start();
          // The restarted process holds the stream from here on: a client that comes to it later
          // can resume only if it heard this far (else the gap would be genuine).
          await caughtUp(`the stream after ${step} restarted ${restarting.name}`);
        }
      }
      await wait(() => !connected() || latest?.socket !== socket, 15_000, `${step} took effect`);
    }
    // Everything delivered and acknowledged, everything published heard.
    allowance = total;
    await wait(() => connected() && acked === total && published === total, 20_000, 'every ack');
    await wait(() => lastSeq === total, 10_000, 'every seq');
    const elapsed = Date.now() - startedAt;
    clearInterval(pacer);

    // Client → server: each of the 10,000 reached the application exactly once.
    expect(dropped).toEqual([]);
    expect(chat.pending).toEqual([]);
    expect(app.unique).toBe(total);
    // No claim was cut off by a stopping backend (it would hold resends back as pending).
    expect(app.errors).toEqual([]);
    expect([...app.counts].filter((count) => count !== 1)).toEqual([]);
    // Server → client: strictly increasing, every seq once, no gap.
    expect(disorder).toBe(0);
    expect(gaps).toEqual([]);
    expect(chat.stats.gaps).toBe(0);
    expect([...seen.subarray(1)].filter((count) => count !== 1)).toEqual([]);
    expect(client.stats.reconnects).toBeGreaterThanOrEqual(failures.length);
    // The chaos happened as planned.
    expect(hits.hung).toBe(kinds.hang);
    expect(hits.unavailable).toBe(kinds['503']);
    expect(hits.redirected).toBeGreaterThanOrEqual(kinds.redirect as number);
    expect(hits.restarts).toBe(3 * (kinds['rolling restart'] as number));
    console.log(
      `delivery chaos: ${failures.length} failures ${JSON.stringify(kinds)} across 3 backends + Redis in ` +
        `${elapsed} ms (${hits.restarts} backend restarts, ${hits.hung} hung handshakes, ` +
        `${hits.unavailable} × 503, ${hits.redirected} redirects answered); ` +
        `client → server: ${total} messages, each handed to the app once, 0 lost, ` +
        `${sends - total} resends, ${app.duplicates} duplicates dropped by the server; ` +
        `server → client: ${total} seqs in order, ${chat.stats.duplicates} duplicates dropped by the client, ` +
        `${chat.stats.gaps} gaps; ${client.stats.attempts} handshakes, ${client.stats.reconnects} reconnects`,
    );
  });
});
