// A fleet of delivery backends on 127.0.0.1 for integration tests, built from the reference server:
// real `ws` servers sharing a dedup store, a bus and a stream publisher (in-process or Redis).

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import {
  type Bus,
  createMemoryPublisher,
  createRedisPublisher,
  type DedupStore,
  type DeliveryConnection,
  deliveryEndpoint,
  MemoryBus,
  MemoryDedupStore,
  RedisBus,
  RedisDedupStore,
  StreamHub,
  type StreamPublisher,
} from '../../src/server';
import { onCleanup, until } from './servers';

export interface FleetBackend {
  name: string;
  url: string;
  hub: StreamHub;
  sockets: Set<WebSocket>;
  /** True once one of this backend's sockets is subscribed to `stream`. */
  isSubscribed(stream: string): boolean;
  /** Closes this backend's client sockets with `code`. */
  closeAll(code?: number): void;
}

export interface Fleet {
  backends: FleetBackend[];
  /** What the app received, in order, with the backend that handed it over and the sender's scope. */
  delivered: { backend: string; id: string; data: unknown; scope: string }[];
  /** A publisher per backend (all share one sequencer under Redis). */
  publishers: StreamPublisher[];
  /** Runs in each backend's handler before the message is recorded; a throw fails the message. */
  beforeDelivery?: (backend: string, id: string) => void | Promise<void>;
}

/**
 * Who a test connection is: `?user=<name>` in its URL (a stand-in for a session cookie or a token
 * the server would check), `anonymous` without it.
 */
export const scopeOf = (url = '') => new URL(url, 'http://x').searchParams.get('user') || 'anonymous';

/** Starts `size` backends; with `redisUrl` they share Redis (dedup, bus, seqs), else one process's memory. */
export async function startFleet({
  size = 3,
  redisUrl = '',
  bufferSize = 100,
  dedupOptions = {} as { maxEntries?: number; maxEntriesPerScope?: number },
} = {}): Promise<Fleet> {
  const fleet: Fleet = { backends: [], delivered: [], publishers: [] };
  const memoryBus = new MemoryBus();
  const memoryDedup = new MemoryDedupStore(dedupOptions);
  const memoryPublisher = createMemoryPublisher(memoryBus);
  if (redisUrl) {
    // Each test starts from an empty Redis: no ids remembered, every stream at seq 0.
    const redis = await RedisBus.connect(redisUrl);
    await redis.client.command('FLUSHALL');
    await redis.close();
  }
  for (let i = 0; i < size; i++) {
    const name = String.fromCharCode(97 + i);
    let bus: Bus = memoryBus;
    let dedup: DedupStore = memoryDedup;
    let publisher = memoryPublisher;
    if (redisUrl) {
      const redisBus = await RedisBus.connect(redisUrl);
      onCleanup(() => redisBus.close());
      bus = redisBus;
      dedup = new RedisDedupStore(redisBus.client, { maxAgeMs: 60_000, ...dedupOptions });
      publisher = createRedisPublisher(redisBus.client);
    }
    const hub = await StreamHub.attach(bus, { bufferSize });
    onCleanup(() => hub.close());
    const http = createServer((_, response) => response.writeHead(426).end());
    const wss = new WebSocketServer({ server: http, path: '/ws' });
    const connections = new Set<DeliveryConnection>();
    const backend: FleetBackend = {
      name,
      url: '',
      hub,
      sockets: new Set(),
      isSubscribed: (stream) => [...connections].some((connection) => connection.subscriptions.has(stream)),
      closeAll(code = 1012) {
        for (const socket of backend.sockets) socket.close(code, 'restarting');
      },
    };
    wss.on('connection', (socket, request) => {
      backend.sockets.add(socket);
      socket.on('close', () => backend.sockets.delete(socket));
      const connection = deliveryEndpoint(socket, {
        scope: scopeOf(request.url),
        dedup,
        streams: hub,
        onMessage: async (data, id, scope) => {
          await fleet.beforeDelivery?.(name, id);
          fleet.delivered.push({ backend: name, id, data, scope });
        },
        onError: () => {},
      });
      connections.add(connection);
      socket.on('close', () => connections.delete(connection));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    backend.url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws`;
    onCleanup(async () => {
      for (const socket of backend.sockets) socket.terminate();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    });
    fleet.backends.push(backend);
    fleet.publishers.push(publisher);
  }
  return fleet;
}

/** A raw protocol client: records every frame it receives, parsed. */
export interface ProtocolClient {
  ws: WebSocket;
  frames: Record<string, unknown>[];
  /** The seqs received on `stream`, in order. */
  seqs(stream: string): number[];
  acks(): string[];
  send(value: unknown): void;
  /** Waits until `predicate` holds for the frames received. */
  waitFor(predicate: (client: ProtocolClient) => boolean, what?: string): Promise<void>;
}

/** Opens a WebSocket to `url`; closed after the test. */
export async function openClient(url: string): Promise<ProtocolClient> {
  const ws = new WebSocket(url);
  const client: ProtocolClient = {
    ws,
    frames: [],
    seqs: (stream) => client.frames.filter((f) => f.stream === stream).map((f) => f.seq as number),
    acks: () => client.frames.filter((f) => 'ack' in f).map((f) => f.ack as string),
    send: (value) => ws.send(JSON.stringify(value)),
    waitFor: (predicate, what) => until(() => predicate(client), 5000, what),
  };
  ws.on('message', (data) => client.frames.push(JSON.parse(String(data))));
  onCleanup(() => ws.terminate());
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return client;
}
