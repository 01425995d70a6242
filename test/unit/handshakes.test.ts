// The page-wide handshake queue: one handshake per endpoint at a time, first come first served,
// every turn ended on every path, and connect timeouts that count only the handshake itself.

import { beforeEach, describe, expect, it } from 'vitest';
import { type Options, ResilientWebSocket } from '../../src';
import { queuedHandshakes, queueHandshake } from '../../src/core/handshakes';
import { advance, createClient, record, url, useFakeClock } from './helpers';

useFakeClock();

const endpoint = 'ws://localhost:1234';

/** A socket the test opens, fails or leaves hanging; every instance is kept in `sockets`. */
class FakeSocket {
  static throwNext = false;
  binaryType = 'blob';
  protocol = '';
  extensions = '';
  bufferedAmount = 0;
  onopen: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  closedWith?: number;
  constructor(readonly url: string) {
    if (FakeSocket.throwNext) {
      FakeSocket.throwNext = false;
      throw new SyntaxError('bad URL');
    }
    sockets.push(this);
  }
  send(): void {}
  close(code = 1000): void {
    this.closedWith = code;
  }
  open(): void {
    this.onopen?.(new Event('open'));
  }
  fail(): void {
    this.onerror?.(new Event('error'));
    this.onclose?.(new CloseEvent('close', { code: 1006, wasClean: false }));
  }
}

let sockets: FakeSocket[] = [];
beforeEach(() => {
  sockets = [];
  FakeSocket.throwNext = false;
});

/** `count` clients on FakeSocket, all to the helpers' `url`. */
function clients(count: number, options: Options = {}): ResilientWebSocket[] {
  return Array.from({ length: count }, () => createClient({ WebSocket: FakeSocket as never, ...options }));
}

describe('queueHandshake', () => {
  it('starts one handshake per endpoint at a time, in arrival order', async () => {
    const started: string[] = [];
    const leaves = ['a', 'b', 'c'].map((name, index) =>
      queueHandshake(`ws://host:1/path${index}`, () => started.push(name)),
    );
    // Never inside the caller's stack.
    expect(started).toEqual([]);
    await Promise.resolve();
    expect(started).toEqual(['a']);
    expect(queuedHandshakes()).toEqual({ 'ws://host:1': 3 });
    leaves[0]?.();
    expect(started).toEqual(['a']);
    await Promise.resolve();
    expect(started).toEqual(['a', 'b']);
    leaves[1]?.();
    await Promise.resolve();
    expect(started).toEqual(['a', 'b', 'c']);
    leaves[2]?.();
    expect(queuedHandshakes()).toEqual({});
  });

  it('runs different schemes, hosts and ports in parallel; a default port is the same endpoint', async () => {
    const started: string[] = [];
    const targets = ['ws://host:1/', 'ws://host:2/', 'ws://other:1/', 'wss://host:1/', 'ws://host/', 'ws://host:80/'];
    const leaves = targets.map((target) => queueHandshake(target, () => started.push(target)));
    await Promise.resolve();
    expect(started).toEqual(targets.slice(0, 5));
    expect(queuedHandshakes()['ws://host']).toBe(2);
    for (const leave of leaves) leave();
    expect(queuedHandshakes()).toEqual({});
  });

  it('skips a waiter that left before its turn, and starts the next exactly once', async () => {
    const started: string[] = [];
    const [first, second, third] = ['a', 'b', 'c'].map((name) =>
      queueHandshake('ws://host:1/', () => started.push(name)),
    );
    await Promise.resolve();
    first?.();
    // The second leaves while its start is still pending in a microtask.
    second?.();
    first?.();
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual(['a', 'c']);
    third?.();
    expect(queuedHandshakes()).toEqual({});
  });

  it('passes `leave` to start, so a handshake that fails at once ends its own turn', async () => {
    const started: string[] = [];
    queueHandshake('ws://host:1/', (leave) => {
      started.push('a');
      leave();
    });
    const leave = queueHandshake('ws://host:1/', () => started.push('b'));
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual(['a', 'b']);
    leave();
    expect(queuedHandshakes()).toEqual({});
  });

  it('leaves the running handshake alone when a waiter behind it gives up its place', async () => {
    const started: string[] = [];
    const [first, second, third] = ['a', 'b', 'c'].map((name) =>
      queueHandshake('ws://host:1/', () => started.push(name)),
    );
    await Promise.resolve();
    second?.();
    await Promise.resolve();
    expect(started).toEqual(['a']);
    first?.();
    await Promise.resolve();
    expect(started).toEqual(['a', 'c']);
    third?.();
    expect(queuedHandshakes()).toEqual({});
  });

  it('gives a URL it cannot parse a turn of its own, which the constructor will end', async () => {
    const started: string[] = [];
    const leaves = ['not a url', 'another one'].map((target) => queueHandshake(target, () => started.push(target)));
    await Promise.resolve();
    expect(started).toEqual(['not a url', 'another one']);
    for (const leave of leaves) leave();
    expect(queuedHandshakes()).toEqual({});
  });

  it('forgets a place left before its start ran', async () => {
    const started: string[] = [];
    queueHandshake('ws://host:1/', () => started.push('a'))();
    expect(queuedHandshakes()).toEqual({});
    queueHandshake('ws://host:1/', () => started.push('b'))();
    await Promise.resolve();
    expect(started).toEqual([]);
  });
});

describe('clients sharing the queue', () => {
  it('does not time out a client while it waits 10 s behind a hung handshake; its timeout starts at dispatch', async () => {
    const [first] = clients(1, { connectTimeout: 10_000 });
    const [second] = clients(1, { connectTimeout: 3000 });
    const log = record(second as ResilientWebSocket, 'reconnecting', 'open');
    await advance(9999);
    // The first hangs; the second has waited all along, in 'connecting', without a socket.
    expect(sockets).toHaveLength(1);
    expect(second?.state).toBe('connecting');
    expect(log).toEqual([]);
    await advance(1);
    // The first's own timeout ends its turn; the second's handshake goes out now.
    expect(first?.state).toBe('waiting');
    expect(sockets[0]?.closedWith).toBe(1000);
    expect(sockets).toHaveLength(2);
    await advance(2999);
    sockets[1]?.open();
    expect(log.map(([name]) => name)).toEqual(['open']);
    expect(second?.stats).toMatchObject({ attempts: 1, retries: 0 });
  });

  it('times a queued client out connectTimeout after its own handshake went out, not before and not never', async () => {
    clients(1, { connectTimeout: 10_000 });
    const [second] = clients(1, { connectTimeout: 3000 });
    const log = record(second as ResilientWebSocket, 'reconnecting');
    await advance(10_000);
    // The first timed out; the second's handshake went out just now, and hangs too.
    expect(sockets).toHaveLength(2);
    await advance(2999);
    expect(second?.state).toBe('connecting');
    expect(log).toEqual([]);
    await advance(1);
    expect(sockets[1]?.closedWith).toBe(1000);
    expect(second?.state).toBe('waiting');
    expect(log.map(([name, info]) => [name, (info as { reason: { type: string } }).reason.type])).toEqual([
      ['reconnecting', 'timeout'],
    ]);
  });

  it('hands the turn on when the handshake ahead opens, in arrival order', async () => {
    const queued = clients(3);
    await advance(0);
    expect(sockets).toHaveLength(1);
    expect(queuedHandshakes()).toEqual({ [endpoint]: 3 });
    sockets[0]?.open();
    await advance(0);
    expect(sockets).toHaveLength(2);
    sockets[1]?.open();
    await advance(0);
    sockets[2]?.open();
    expect(queued.map((client) => client.state)).toEqual(['open', 'open', 'open']);
    expect(queuedHandshakes()).toEqual({});
  });

  it('connects clients of different endpoints in parallel', async () => {
    clients(2);
    const elsewhere = new ResilientWebSocket('ws://elsewhere:1234/', { WebSocket: FakeSocket as never });
    await advance(0);
    expect(sockets.map((socket) => socket.url)).toEqual([url, 'ws://elsewhere:1234/']);
    elsewhere.close();
  });

  it('with queueHandshakes: false, every client starts its handshake at once', async () => {
    clients(3, { queueHandshakes: false });
    await advance(0);
    expect(sockets).toHaveLength(3);
    expect(queuedHandshakes()).toEqual({});
  });

  // Each way a handshake can end; the next client in the queue must get its turn.
  const endings: [string, (client: ResilientWebSocket, socket: FakeSocket, document: EventTarget) => unknown][] = [
    ['opens', (_client, socket) => socket.open()],
    ['fails with error and close', (_client, socket) => socket.fail()],
    ['times out', () => advance(10_000)],
    ['is closed by close()', (client) => client.close()],
    ['is dropped by reconnect()', (client) => client.reconnect()],
    ['is dropped by a page freeze', (_client, _socket, document) => document.dispatchEvent(new Event('freeze'))],
  ];
  it.each(endings)('ends the turn when the handshake %s', async (_name, end) => {
    const document = new EventTarget();
    const [first] = clients(1, { environment: { document } });
    const [second] = clients(1, { environment: { document: new EventTarget() } });
    await advance(0);
    expect(sockets).toHaveLength(1);
    await end(first as ResilientWebSocket, sockets[0] as FakeSocket, document);
    await advance(0);
    expect(sockets).toHaveLength(2);
    expect(sockets[1]?.onopen).toBeTypeOf('function');
    expect(second?.state).toBe('connecting');
  });

  it('ends the turn when the WebSocket constructor throws', async () => {
    FakeSocket.throwNext = true;
    const [first, second] = clients(2);
    await advance(0);
    expect(first?.state).toBe('failed');
    expect(first?.stats.lastOutcome?.type).toBe('exception');
    expect(sockets).toHaveLength(1);
    expect(second?.state).toBe('connecting');
  });

  it('keeps the turn of an attempt started by a listener while the previous one was failing', async () => {
    FakeSocket.throwNext = true;
    const [client] = clients(1);
    // The constructor throws, the client fails, and the app starts over from inside `failed`.
    client?.once('failed', () => client.connect());
    await advance(0);
    expect(sockets).toHaveLength(1);
    expect(queuedHandshakes()).toEqual({ [endpoint]: 1 });
    client?.close();
    expect(queuedHandshakes()).toEqual({});
  });

  it('lets a waiter closed by close() leave the queue without ever opening a socket', async () => {
    const [first, second] = clients(2);
    await advance(0);
    second?.close();
    expect(second?.state).toBe('closed');
    expect(queuedHandshakes()).toEqual({ [endpoint]: 1 });
    sockets[0]?.open();
    await advance(0);
    expect(sockets).toHaveLength(1);
    first?.close();
    expect(queuedHandshakes()).toEqual({});
  });

  it('keeps one place per client: a waiter that reconnects goes to the back, never in twice', async () => {
    const [, second, third] = clients(3);
    await advance(0);
    for (let i = 0; i < 5; i++) second?.reconnect();
    expect(queuedHandshakes()).toEqual({ [endpoint]: 3 });
    sockets[0]?.open();
    await advance(0);
    sockets[1]?.open();
    expect(third?.state).toBe('open');
    expect(second?.state).toBe('connecting');
  });
});
