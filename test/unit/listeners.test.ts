// The app's listeners cannot break the client: one that throws is reported as an uncaught error
// and the client carries on; one that calls back into the client (close, reconnect, connect,
// send) mid-step changes nothing but what those public methods say.

import type { Client } from 'mock-socket';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResilientWebSocket } from '../../src';
import { advance, createClient, MockSocket, startServer, url, useFakeClock } from './helpers';

useFakeClock();

let reported: unknown[];
beforeEach(() => {
  reported = [];
  vi.stubGlobal('reportError', (error: unknown) => reported.push(error));
});
afterEach(() => {
  vi.unstubAllGlobals();
});

/** A server that records what it receives and answers "ping" with "pong". */
function echoServer() {
  const server = startServer();
  const received: unknown[] = [];
  const sockets: Client[] = [];
  server.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('message', (data) => {
      received.push(data);
      if (data === 'ping') socket.send('pong');
    });
  });
  return { server, received, sockets };
}

const boom = () => {
  throw new Error('listener bug');
};

describe('a listener that throws', () => {
  it('on open: is reported, the queue is still flushed and the heartbeat armed', async () => {
    const { received } = echoServer();
    const client = createClient({ heartbeat: { interval: 1000, timeout: 1000 } });
    const after = vi.fn();
    client.on('open', boom);
    client.on('open', after);
    client.send('queued');
    await advance(10);
    expect(reported).toHaveLength(1);
    expect(after).toHaveBeenCalledOnce();
    expect(received).toEqual(['queued']);
    await advance(1010);
    expect(received).toEqual(['queued', 'ping']);
    expect(client.state).toBe('open');
  });

  for (const event of ['state', 'connecting', 'resolved', 'reconnecting', 'close', 'message'] as const) {
    it(`on ${event}: is reported and the client connects, sends and closes as usual`, async () => {
      const { server, received } = echoServer();
      const client = createClient();
      client.on(event, boom);
      await advance(10);
      server.clients()[0]?.send('hello');
      server.clients()[0]?.close({ code: 1011, reason: '', wasClean: false });
      await advance(600);
      expect(client.state).toBe('open');
      expect(client.send('after')).toBe('sent');
      await advance(10);
      expect(received).toEqual(['after']);
      client.close();
      await advance(10);
      expect(client.state).toBe('closed');
      expect(reported.length).toBeGreaterThan(0);
      for (const error of reported) expect((error as Error).message).toBe('listener bug');
    });
  }

  it('on resolving: is reported, the resolver answer is used, nothing is rejected unhandled', async () => {
    echoServer();
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    const resolving = new ResilientWebSocket(async () => url, { WebSocket: MockSocket, random: () => 0.5 });
    resolving.on('resolving', boom);
    await advance(10);
    expect(resolving.state).toBe('open');
    expect(reported).toHaveLength(1);
    resolving.close();
    await advance(10);
    process.off('unhandledRejection', unhandled);
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('on drop: is reported and close() still closes', async () => {
    startServer({ verifyClient: () => false });
    const client = createClient();
    client.on('drop', boom);
    client.send('a');
    client.send('b');
    expect(() => client.close()).not.toThrow();
    await advance(10);
    expect(client.state).toBe('closed');
    expect(reported).toHaveLength(2);
  });

  it('on failed: is reported, and the state is failed', async () => {
    startServer({ verifyClient: () => false });
    const client = createClient({ maxRetries: 0 });
    client.on('failed', boom);
    await advance(10);
    expect(client.state).toBe('failed');
    expect(reported).toHaveLength(1);
  });
});

describe('a listener that calls back into the client', () => {
  it('close() on connecting: the connection never opens, and send() drops', async () => {
    const { received } = echoServer();
    const client = createClient();
    const states: string[] = [];
    client.on('state', (state) => states.push(state));
    client.once('connecting', () => client.close());
    await advance(20);
    expect(states[0]).toBe('connecting');
    expect(states.at(-1)).toBe('closed');
    expect(states).not.toContain('open');
    expect(client.send('late')).toBe('dropped');
    await advance(10);
    expect(received).toEqual([]);
  });

  it('reconnect() on connecting: one socket, and after close() a server drop revives nothing', async () => {
    const { sockets } = echoServer();
    const client = createClient();
    client.once('connecting', () => client.reconnect());
    await advance(20);
    expect(client.state).toBe('open');
    expect(sockets.filter((socket) => socket.readyState === 1)).toHaveLength(1);
    client.close();
    await advance(10);
    for (const socket of sockets) socket.close({ code: 1011, reason: '', wasClean: false });
    await advance(5000);
    expect(client.state).toBe('closed');
    expect(client.stats.attempts).toBe(2);
  });

  it('send() in a drop listener during close() ends: each message is dropped once', async () => {
    startServer({ verifyClient: () => false });
    const client = createClient({ lazy: true });
    client.send('a');
    client.send('b');
    const dropped: unknown[] = [];
    const results: unknown[] = [];
    client.on('drop', ({ data }) => {
      dropped.push(data);
      results.push(client.send(data));
    });
    client.close();
    // Each queued message once; the listener's own re-sends are reported by their result.
    expect(dropped).toEqual(['a', 'b']);
    expect(results).toEqual(['dropped', 'dropped']);
  });

  it('close() from an open listener: the queue is not flushed into a closing socket', async () => {
    const { received } = echoServer();
    const client = createClient();
    client.send('queued');
    client.on('open', () => client.close());
    await advance(20);
    expect(client.state).toBe('closed');
    expect(received).toEqual([]);
  });

  it('connect() from a close listener after close() starts one new connection', async () => {
    const { sockets } = echoServer();
    const client = createClient();
    await advance(10);
    client.once('close', () => client.connect());
    client.close();
    await advance(20);
    expect(client.state).toBe('open');
    expect(sockets.filter((socket) => socket.readyState === 1)).toHaveLength(1);
  });
});

describe('dispatchEvent', () => {
  it('runs the listeners of the event type on their own, and says whether one prevented the default', () => {
    const client = createClient({ lazy: true });
    const seen: string[] = [];
    client.addEventListener('open', boom);
    client.addEventListener('open', { handleEvent: (event) => seen.push(event.type) });
    client.onopen = (event) => event.preventDefault();
    expect(client.dispatchEvent(new Event('open', { cancelable: true }))).toBe(false);
    expect(client.dispatchEvent(new Event('open'))).toBe(true);
    expect(seen).toEqual(['open', 'open']);
    expect(reported).toHaveLength(2);
    expect(client.state).toBe('idle');
  });
});

describe('drop listeners', () => {
  it('close() from one still reports every queued message', async () => {
    startServer({ verifyClient: () => false });
    const client = createClient({ lazy: true, maxQueuedMessages: 2 });
    client.send('a');
    client.send('b');
    const drops: unknown[] = [];
    client.on('drop', ({ data, reason }) => {
      drops.push([data, reason]);
      if (reason === 'overflow') client.close();
    });
    expect(client.send('c')).toBe('dropped');
    expect(drops).toEqual([
      ['c', 'overflow'],
      ['a', 'closed'],
      ['b', 'closed'],
    ]);
  });

  it('a re-send under drop-oldest ends: it does not evict another message', () => {
    const client = createClient({ lazy: true, maxQueuedMessages: 2, queueOverflow: 'drop-oldest' });
    client.send('a');
    client.send('b');
    const results: unknown[] = [];
    client.on('drop', ({ data }) => results.push(client.send(data)));
    expect(client.send('c')).toBe('queued-dropped-oldest');
    expect(results).toEqual(['dropped']);
    expect(client.bufferedAmount).toBe(2);
  });
});
