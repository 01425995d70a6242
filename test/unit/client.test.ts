import type { Client } from 'mock-socket';
import { describe, expect, it, vi } from 'vitest';
import { ConnectionFailedError, InvalidArgumentError, isResilientError, ResilientWebSocket } from '../../src';
import { advance, createClient, MockSocket, record, startServer, url, useFakeClock } from './helpers';

useFakeClock();

/** Collects what the server receives, and its sockets. */
function serverLog() {
  const server = startServer();
  const received: unknown[] = [];
  const sockets: Client[] = [];
  server.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('message', (data) => received.push(data));
  });
  return { server, received, sockets };
}

describe('connecting', () => {
  it('connects after the constructing code has run, so early listeners see every event', async () => {
    serverLog();
    const client = createClient();
    const log = record(client, 'state', 'connecting', 'open');
    expect(client.state).toBe('idle');
    expect(client.readyState).toBe(ResilientWebSocket.CONNECTING);
    await advance(10);
    expect(log.map(([name, value]) => (name === 'state' ? value : name))).toEqual([
      'connecting',
      'connecting',
      'open',
      'open',
    ]);
    expect(client.readyState).toBe(client.OPEN);
    expect(client.stats).toMatchObject({ attempts: 1, reconnects: 0, retries: 0, openedAt: expect.any(Number) });
  });

  it('with lazy, waits for the first send', async () => {
    const { received } = serverLog();
    const client = createClient({ lazy: true });
    await advance(100);
    expect(client.state).toBe('idle');
    expect(client.send('first')).toBe('queued');
    await advance(10);
    expect(received).toEqual(['first']);
  });

  it('with lazy, connect() starts it', async () => {
    serverLog();
    const client = createClient({ lazy: true });
    client.connect();
    await advance(10);
    expect(client.state).toBe('open');
  });

  it('aborts a hung handshake after connectTimeout and counts it as a failed attempt', async () => {
    const closed = vi.fn();
    class HangingSocket {
      binaryType = 'blob';
      onopen = null;
      onclose = null;
      onerror = null;
      onmessage = null;
      close = closed;
    }
    const client = createClient({ WebSocket: HangingSocket as never, connectTimeout: 3000 });
    const log = record(client, 'reconnecting');
    await advance(2999);
    expect(client.state).toBe('connecting');
    await advance(1);
    expect(closed).toHaveBeenCalledOnce();
    expect(client.state).toBe('waiting');
    expect(log).toEqual([['reconnecting', { attempt: 1, delay: 500, reason: { type: 'timeout' } }]]);
    expect(client.stats.retries).toBe(1);
  });

  it('applies binaryType to every new socket', async () => {
    const { server } = serverLog();
    const client = createClient();
    client.binaryType = 'arraybuffer';
    await advance(10);
    expect(client.binaryType).toBe('arraybuffer');
    server.clients()[0]?.close({ code: 1011, reason: '', wasClean: false });
    await advance(600);
    expect(client.state).toBe('open');
    expect(server.clients()[0]?.binaryType).toBe('arraybuffer');
    expect(() => {
      client.binaryType = 'text' as BinaryType;
    }).toThrow(InvalidArgumentError);
  });
});

describe('reconnecting', () => {
  it('retries after a 1011 close with the jittered initial delay', async () => {
    const { sockets } = serverLog();
    const client = createClient();
    await advance(10);
    const log = record(client, 'close', 'reconnecting');
    sockets[0]?.close({ code: 1011, reason: 'oops', wasClean: false });
    await advance(5);
    expect(client.state).toBe('waiting');
    expect(client.readyState).toBe(ResilientWebSocket.CONNECTING);
    expect(log.map(([name]) => name)).toEqual(['close', 'reconnecting']);
    expect(log[1]?.[1]).toEqual({
      attempt: 1,
      delay: 500,
      reason: { type: 'close', code: 1011, reason: 'oops', wasClean: false, opened: true },
    });
    await advance(490);
    expect(client.state).toBe('waiting');
    await advance(20);
    expect(client.state).toBe('open');
    expect(client.stats).toMatchObject({ attempts: 2, reconnects: 1 });
  });

  it('keeps growing the delay while connections drop before minUptime', async () => {
    const server = startServer();
    server.on('connection', (socket) =>
      setTimeout(() => socket.close({ code: 1001, reason: '', wasClean: true }), 100),
    );
    const client = createClient({ factor: 2 });
    const delays: number[] = [];
    client.on('reconnecting', ({ delay }) => delays.push(delay));
    await advance(20_000);
    // Each wait lands at the same point (random 0.5) of the next window: 0–1000, 1000–2000, 2000–4000…
    expect(delays.slice(0, 4)).toEqual([500, 1500, 3000, 6000]);
  });

  it('draws its place in the windows once per run of failures, so a crowd keeps its spread', async () => {
    const server = startServer();
    server.on('connection', (socket) =>
      setTimeout(() => socket.close({ code: 1001, reason: '', wasClean: true }), 100),
    );
    // The first draw is the phase; later draws must not move it.
    const draws = [0.25];
    const client = createClient({ factor: 2, random: () => draws.shift() ?? 0.9 });
    const delays: number[] = [];
    client.on('reconnecting', ({ delay }) => delays.push(delay));
    await advance(10_000);
    expect(delays.slice(0, 3)).toEqual([250, 1250, 2500]);
  });

  it('starts the delays over once a connection stayed open for minUptime', async () => {
    const { sockets } = serverLog();
    const client = createClient({ minUptime: 5000, factor: 2 });
    const delays: number[] = [];
    client.on('reconnecting', ({ delay }) => delays.push(delay));
    await advance(10);
    sockets.at(-1)?.close({ code: 1006, reason: '', wasClean: false });
    await advance(600);
    sockets.at(-1)?.close({ code: 1006, reason: '', wasClean: false });
    await advance(1600);
    await advance(5000);
    sockets.at(-1)?.close({ code: 1006, reason: '', wasClean: false });
    await advance(5);
    expect(delays).toEqual([500, 1500, 500]);
    expect(client.stats.retries).toBe(1);
  });

  it('gives up with ConnectionFailedError after maxRetries failed attempts in a row', async () => {
    startServer({ verifyClient: () => false });
    const client = createClient({ maxRetries: 2, initialDelay: 100 });
    const failed = vi.fn();
    client.on('failed', failed);
    await advance(10_000);
    expect(client.state).toBe('failed');
    expect(client.readyState).toBe(ResilientWebSocket.CLOSED);
    expect(client.stats.attempts).toBe(3);
    expect(failed).toHaveBeenCalledOnce();
    const error = failed.mock.calls[0]?.[0];
    expect(error).toBeInstanceOf(ConnectionFailedError);
    expect(isResilientError(error, 'ConnectionFailedError')).toBe(true);
    expect(error.message).toMatch(/3 failed attempts in a row/);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reconnect() skips the wait and starts the count over', async () => {
    const { sockets } = serverLog();
    const client = createClient({ initialDelay: 10_000, maxDelay: 10_000 });
    await advance(10);
    sockets[0]?.close({ code: 1011, reason: '', wasClean: false });
    await advance(5);
    expect(client.state).toBe('waiting');
    client.reconnect();
    expect(client.state).toBe('connecting');
    await advance(10);
    expect(client.state).toBe('open');
    expect(client.stats.retries).toBe(0);
  });

  it('reconnect() on an open connection replaces its socket', async () => {
    const { server } = serverLog();
    const client = createClient();
    const closes = vi.fn();
    client.on('close', closes);
    await advance(10);
    client.reconnect();
    await advance(20);
    expect(client.state).toBe('open');
    expect(server.clients()).toHaveLength(1);
    expect(closes).not.toHaveBeenCalled();
    expect(client.stats.attempts).toBe(2);
  });
});

describe('sending and the queue', () => {
  it('flushes queued messages in order after the open listeners have sent theirs', async () => {
    const { received } = serverLog();
    const client = createClient();
    client.on('open', () => expect(client.send('auth')).toBe('sent'));
    expect(client.send('one')).toBe('queued');
    expect(client.send('two')).toBe('queued');
    expect(client.bufferedAmount).toBe(6);
    await advance(20);
    expect(received).toEqual(['auth', 'one', 'two']);
    expect(client.bufferedAmount).toBe(0);
  });

  it('resends nothing twice and keeps order across a reconnect', async () => {
    const { received, sockets } = serverLog();
    const client = createClient();
    await advance(10);
    client.send('a');
    await advance(10);
    sockets[0]?.close({ code: 1012, reason: '', wasClean: true });
    client.send('b');
    client.send('c');
    await advance(600);
    client.send('d');
    await advance(10);
    expect(received).toEqual(['a', 'b', 'c', 'd']);
  });

  it('rejects a message that does not fit and reports it', async () => {
    serverLog();
    const client = createClient({ lazy: true, maxQueuedMessages: 2 });
    client.connect();
    const drops = record(client, 'drop');
    expect(client.send('1')).toBe('queued');
    expect(client.send('2')).toBe('queued');
    expect(client.send('3')).toBe('dropped');
    expect(drops).toEqual([['drop', { data: '3', reason: 'overflow' }]]);
  });

  it('drops the oldest under drop-oldest and says so', async () => {
    const { received } = serverLog();
    const client = createClient({ maxQueuedBytes: 4, queueOverflow: 'drop-oldest' });
    const drops = record(client, 'drop');
    client.send('ab');
    client.send('cd');
    expect(client.send('ef')).toBe('queued-dropped-oldest');
    expect(drops).toEqual([['drop', { data: 'ab', reason: 'overflow' }]]);
    await advance(20);
    expect(received).toEqual(['cd', 'ef']);
  });

  it('throws on data the native API would silently stringify', () => {
    const client = createClient({ lazy: true });
    expect(() => client.send({ text: 'hi' } as never)).toThrow(InvalidArgumentError);
    expect(() => client.send(42 as never)).toThrow(/send\(data\)/);
    expect(() => client.send(undefined as never)).toThrow(InvalidArgumentError);
    expect(client.bufferedAmount).toBe(0);
  });

  it('reports messages sent after close() as dropped', async () => {
    serverLog();
    const client = createClient();
    await advance(10);
    client.close();
    const drops = record(client, 'drop');
    expect(client.send('late')).toBe('dropped');
    expect(drops).toEqual([['drop', { data: 'late', reason: 'closed' }]]);
  });
});

describe('close()', () => {
  it('leaves no timer, listener or socket behind when open', async () => {
    const { server } = serverLog();
    const client = createClient();
    await advance(10);
    const socket = server.clients()[0];
    client.close(4000, 'bye');
    expect(client.state).toBe('closing');
    expect(client.readyState).toBe(ResilientWebSocket.CLOSING);
    const closed = vi.fn();
    client.on('close', closed);
    await advance(10);
    expect(client.state).toBe('closed');
    expect(closed).toHaveBeenCalledOnce();
    expect(vi.getTimerCount()).toBe(0);
    expect(server.clients()).toHaveLength(0);
    expect(socket?.onclose).toBeFalsy();
    expect(socket?.onmessage).toBeFalsy();
    await advance(60_000);
    expect(client.stats.attempts).toBe(1);
  });

  it('cancels a pending retry', async () => {
    const { sockets } = serverLog();
    const client = createClient();
    await advance(10);
    sockets[0]?.close({ code: 1011, reason: '', wasClean: false });
    await advance(5);
    expect(vi.getTimerCount()).toBe(1);
    client.close();
    expect(client.state).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops the queue with a drop event per message', async () => {
    const client = createClient({ lazy: true });
    client.send('x');
    client.send('y');
    const drops = record(client, 'drop');
    client.close();
    expect(drops.map(([, info]) => info)).toEqual([
      { data: 'x', reason: 'closed' },
      { data: 'y', reason: 'closed' },
    ]);
    await advance(10);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects codes and reasons the native API would throw on, and stays open', async () => {
    serverLog();
    const client = createClient();
    await advance(10);
    expect(() => client.close(1001)).toThrow(InvalidArgumentError);
    expect(() => client.close(2999)).toThrow(/close\(code\)/);
    expect(() => client.close(1000, 'é'.repeat(62))).toThrow(/close\(reason\)/);
    expect(client.state).toBe('open');
    client.close(1000, 'é'.repeat(61));
    expect(client.state).toBe('closing');
  });

  it('passes the edges the native API takes (3000, 4999, a 123-byte reason) to the socket as given', async () => {
    serverLog();
    const closes: unknown[][] = [];
    class Recording extends (MockSocket as unknown as typeof WebSocket) {
      override close(code?: number, reason?: string) {
        closes.push([code, reason]);
        super.close(code, reason);
      }
    }
    const edges: [number, string | undefined][] = [
      [3000, 'a'.repeat(123)],
      [4999, undefined],
    ];
    for (const [code, reason] of edges) {
      const client = createClient({ WebSocket: Recording as never });
      await advance(10);
      expect(() => client.close(5000)).toThrow(/close\(code\)/);
      expect(() => client.close(3000.5)).toThrow(/close\(code\)/);
      expect(() => client.close(3000, 'a'.repeat(124))).toThrow(/close\(reason\)/);
      expect(client.state).toBe('open');
      client.close(code, reason);
      await advance(10);
      expect(client.state).toBe('closed');
    }
    expect(closes).toEqual(edges);
  });

  it('connect() starts over after close()', async () => {
    serverLog();
    const client = createClient();
    await advance(10);
    client.close();
    await advance(10);
    client.connect();
    await advance(10);
    expect(client.state).toBe('open');
  });

  it('stops a connection that is still connecting', async () => {
    serverLog();
    const client = createClient();
    await Promise.resolve();
    expect(client.state).toBe('connecting');
    client.close();
    await advance(100);
    expect(client.state).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('WebSocket compatibility', () => {
  it('calls on* handlers and addEventListener listeners, and removes them', async () => {
    const { sockets } = serverLog();
    const client = createClient();
    const onmessage = vi.fn();
    const listener = vi.fn();
    const handler = { handleEvent: vi.fn() };
    client.onmessage = onmessage;
    client.addEventListener('message', listener);
    client.addEventListener('message', handler);
    await advance(10);
    sockets[0]?.send('hi');
    expect(onmessage.mock.calls[0]?.[0].data).toBe('hi');
    expect(listener).toHaveBeenCalledOnce();
    expect(handler.handleEvent).toHaveBeenCalledOnce();
    client.onmessage = null;
    client.removeEventListener('message', listener);
    client.removeEventListener('message', handler);
    sockets[0]?.send('again');
    expect(onmessage).toHaveBeenCalledOnce();
    expect(listener).toHaveBeenCalledOnce();
    expect(handler.handleEvent).toHaveBeenCalledOnce();
    expect(client.onmessage).toBeNull();
  });

  it('reads back each on* handler as set, null before and after', async () => {
    serverLog();
    const client = createClient();
    const names = ['onopen', 'onmessage', 'onclose', 'onerror'] as const;
    const handlers = names.map(() => vi.fn());
    names.forEach((name, i) => {
      expect(client[name]).toBeNull();
      client[name] = handlers[i] as never;
    });
    expect(names.map((name) => client[name])).toEqual(handlers);
    await advance(10);
    expect(handlers[0]).toHaveBeenCalledOnce();
    client.close();
    await advance(10);
    expect(handlers[2]).toHaveBeenCalledOnce();
    for (const name of names) client[name] = null;
    expect(names.map((name) => client[name])).toEqual([null, null, null, null]);
  });

  it('honours the once option of addEventListener', async () => {
    const { sockets } = serverLog();
    const client = createClient();
    const listener = vi.fn();
    client.addEventListener('message', listener, { once: true });
    await advance(10);
    sockets[0]?.send('1');
    sockets[0]?.send('2');
    expect(listener).toHaveBeenCalledOnce();
  });

  it('accepts protocols as the second argument, like WebSocket', async () => {
    const server = startServer({ selectProtocol: () => 'chat' });
    server.on('connection', () => {});
    const client = new ResilientWebSocket(url, ['chat', 'other'], { WebSocket: MockSocket });
    await advance(10);
    expect(client.protocol).toBe('chat');
    client.close();
  });

  it('takes a single subprotocol as a string, and refuses an array holding anything but tokens', async () => {
    const server = startServer({ selectProtocol: () => 'chat' });
    server.on('connection', () => {});
    const client = createClient({ protocols: 'chat' });
    await advance(10);
    expect(client.protocol).toBe('chat');
    for (const protocols of [
      ['chat', 'not a token'],
      ['chat', 7],
    ]) {
      expect(() => createClient({ protocols: protocols as string[] })).toThrow(InvalidArgumentError);
    }
  });

  it('exposes the four readyState constants on the class and the instance', () => {
    const client = createClient({ lazy: true });
    expect([client.CONNECTING, client.OPEN, client.CLOSING, client.CLOSED]).toEqual([0, 1, 2, 3]);
    expect([ResilientWebSocket.OPEN, ResilientWebSocket.CLOSED]).toEqual([1, 3]);
    expect(client.url).toBe(url);
  });
});

/** A socket the test drives by hand: it opens, errs and closes only when told. */
class HandDriven {
  static made: HandDriven[] = [];
  binaryType = 'blob';
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  closedWith: unknown[] | undefined;
  constructor(readonly url: string) {
    HandDriven.made.push(this);
  }
  send() {}
  close(...args: unknown[]) {
    this.closedWith = args;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  end(code: number) {
    this.readyState = 3;
    this.onclose?.(Object.assign(new Event('close'), { code, reason: '', wasClean: false }) as CloseEvent);
  }
}

describe('socket events', () => {
  it("raises the socket's error, but not one from the socket it is closing", async () => {
    HandDriven.made = [];
    const client = createClient({ WebSocket: HandDriven as never });
    const errors = record(client, 'error');
    await advance(1);
    const [socket] = HandDriven.made;
    socket?.open();
    const failure = new Event('error');
    socket?.onerror?.(failure);
    expect(errors).toEqual([['error', failure]]);
    client.close();
    expect(socket?.closedWith).toEqual([1000, undefined]);
    socket?.onerror?.(new Event('error'));
    expect(errors).toHaveLength(1);
    socket?.end(1000);
    expect(client.state).toBe('closed');
  });

  it("hands the socket's own events to the app: open, and the close that ends it for good", async () => {
    HandDriven.made = [];
    const client = createClient({ WebSocket: HandDriven as never });
    const log = record(client, 'open', 'close', 'failed', 'state');
    await advance(1);
    const [socket] = HandDriven.made;
    socket?.open();
    socket?.end(1008);
    const events = log.filter(([name]) => name === 'open' || name === 'close');
    expect(events.map(([name, event]) => [name, (event as Event).type, (event as CloseEvent).code])).toEqual([
      ['open', 'open', undefined],
      ['close', 'close', 1008],
    ]);
    // One state event per change, none for the same state twice.
    const states = log.filter(([name]) => name === 'state').map(([, state]) => state);
    expect(states).toEqual(['connecting', 'open', 'failed']);
    expect(log.at(-1)?.[0]).toBe('failed');
  });

  it('calls a handshake that fails after an earlier connection had opened "not opened"', async () => {
    HandDriven.made = [];
    const client = createClient({ WebSocket: HandDriven as never });
    await advance(1);
    HandDriven.made[0]?.open();
    HandDriven.made[0]?.end(1011);
    expect(client.stats.lastOutcome).toMatchObject({ type: 'close', code: 1011, opened: true });
    await advance(1000);
    expect(HandDriven.made).toHaveLength(2);
    HandDriven.made[1]?.end(1006);
    expect(client.stats.lastOutcome).toMatchObject({ type: 'close', code: 1006, opened: false });
    client.close();
  });
});

describe('abandoned attempts', () => {
  it('emits a close event (1006) for a handshake aborted by the connect timeout', async () => {
    class HangingSocket {
      onopen = null;
      onclose = null;
      onerror = null;
      onmessage = null;
      close() {}
    }
    const client = createClient({ WebSocket: HangingSocket as never, connectTimeout: 1000 });
    const closes: CloseEvent[] = [];
    client.on('close', (event) => closes.push(event));
    await advance(1000);
    expect(closes.map(({ code, reason }) => ({ code, reason }))).toEqual([{ code: 1006, reason: 'connect timeout' }]);
  });
});
