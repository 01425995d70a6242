import type { Client } from 'mock-socket';
import { describe, expect, it, vi } from 'vitest';
import type { Environment, Options, Outcome } from '../../src';
import { advance, createClient, record, startServer, useFakeClock } from './helpers';

useFakeClock();

/**
 * An EventTarget that counts its listeners, to prove close() leaves none: a removal counts only
 * when it names a type and listener that were added, as for a real EventTarget.
 */
class CountingTarget extends EventTarget {
  #added = new Map<string, Set<unknown>>();
  visibilityState = 'visible';
  get listeners() {
    let count = 0;
    for (const set of this.#added.values()) count += set.size;
    return count;
  }
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>) {
    const [type, listener] = args;
    this.#added.set(type, (this.#added.get(type) ?? new Set()).add(listener));
    super.addEventListener(...args);
  }
  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>) {
    const [type, listener] = args;
    this.#added.get(type)?.delete(listener);
    super.removeEventListener(...args);
  }
}

function environment(onLine = true) {
  const env = { window: new CountingTarget(), document: new CountingTarget(), navigator: { onLine } };
  return env satisfies Environment;
}

function pageTransition(type: string, persisted: boolean) {
  return Object.assign(new Event(type), { persisted });
}

/** A server whose sockets are collected, answering "ping" with "pong" unless silent. */
function pingServer(answer = true) {
  const server = startServer();
  const sockets: Client[] = [];
  const received: string[] = [];
  server.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('message', (data) => {
      received.push(String(data));
      if (answer && data === 'ping') socket.send('pong');
    });
  });
  return { server, sockets, received };
}

const heartbeat = { interval: 2000, timeout: 2000 };

describe('heartbeat', () => {
  it('closes a silent connection when its deadline passes, and reconnects', async () => {
    const { received, sockets } = pingServer(false);
    const client = createClient({ heartbeat });
    const reconnecting = record(client, 'reconnecting');
    let detectedAt = 0;
    client.on('reconnecting', () => {
      detectedAt = Date.now();
    });
    await advance(10);
    const openedAt = Date.now();
    await advance(2000);
    expect(received).toEqual(['ping']);
    await advance(1990);
    expect(client.state).toBe('open');
    await advance(20);
    // The ping went out at interval; the deadline is timeout after it: detected at 4 s, not later.
    expect(detectedAt - openedAt).toBeGreaterThanOrEqual(3990);
    expect(detectedAt - openedAt).toBeLessThanOrEqual(4010);
    expect(reconnecting[0]?.[1]).toMatchObject({ reason: { type: 'heartbeat' } });
    await advance(10);
    expect(sockets[0]?.readyState).toBe(3);
  });

  it('keeps a connection whose peer answers, swallows the pongs and measures the round trip', async () => {
    pingServer(true);
    const client = createClient({ heartbeat });
    const messages = vi.fn();
    client.on('message', messages);
    await advance(20_000);
    expect(client.state).toBe('open');
    expect(client.stats.attempts).toBe(1);
    expect(messages).not.toHaveBeenCalled();
    expect(client.stats.rtt).toBeGreaterThanOrEqual(0);
    expect(client.stats.rtt).toBeLessThan(20);
  });

  it('measures no round trip from a pong that answers no ping', async () => {
    const { sockets } = pingServer(true);
    const client = createClient({ heartbeat });
    await advance(10);
    sockets[0]?.send('pong');
    expect(client.stats.rtt).toBeUndefined();
    await advance(heartbeat.interval + 10);
    sockets[0]?.send('pong');
    expect(client.stats.rtt).toBeGreaterThanOrEqual(0);
    expect(client.stats.rtt).toBeLessThan(20);
  });

  it('counts any incoming message as life', async () => {
    const { sockets } = pingServer(false);
    const client = createClient({ heartbeat });
    await advance(10);
    for (let i = 0; i < 10; i++) {
      sockets[0]?.send(`tick ${i}`);
      await advance(1500);
    }
    expect(client.state).toBe('open');
    expect(client.stats.attempts).toBe(1);
  });

  it('uses a custom ping and pong matcher', async () => {
    const server = startServer();
    server.on('connection', (socket) =>
      socket.on('message', (data) => socket.send(JSON.stringify({ type: 'pong', id: JSON.parse(String(data)).id }))),
    );
    let id = 0;
    const client = createClient({
      heartbeat: {
        ...heartbeat,
        message: () => JSON.stringify({ type: 'ping', id: ++id }),
        isPong: (event) => JSON.parse(event.data).type === 'pong',
      },
    });
    const messages = vi.fn();
    client.on('message', messages);
    await advance(10_000);
    expect(id).toBeGreaterThanOrEqual(4);
    expect(messages).not.toHaveBeenCalled();
    expect(client.state).toBe('open');
  });

  describe('when timers stall (a throttled or frozen tab)', () => {
    function stallable(): { timers: Options['timers']; stall: (on: boolean) => void } {
      let stalled = false;
      return {
        stall: (on) => {
          stalled = on;
        },
        timers: {
          setTimeout: (callback, ms) => setTimeout(() => stalled || callback(), ms),
          clearTimeout: (handle) => clearTimeout(handle as number),
        },
      };
    }

    it('finds the passed deadline on the next incoming message', async () => {
      const { sockets } = pingServer(false);
      const { timers, stall } = stallable();
      const client = createClient({ heartbeat, timers });
      const messages = vi.fn();
      client.on('message', messages);
      await advance(2010);
      stall(true);
      await advance(30_000);
      expect(client.state).toBe('open');
      stall(false);
      sockets[0]?.send('late');
      expect(client.state).toBe('waiting');
      expect(messages).not.toHaveBeenCalled();
      expect(client.stats.lastOutcome).toEqual({ type: 'heartbeat' } satisfies Outcome);
    });

    it('finds it on send, and queues the message instead of losing it on the dead socket', async () => {
      const { received } = pingServer(false);
      const { timers, stall } = stallable();
      const client = createClient({ heartbeat, timers });
      await advance(2010);
      stall(true);
      await advance(30_000);
      stall(false);
      expect(client.send('important')).toBe('queued');
      expect(client.state).toBe('waiting');
      expect(received).toEqual(['ping']);
      await advance(600);
      expect(received).toEqual(['ping', 'important']);
    });

    it('checks at once on return to visibility', async () => {
      pingServer(false);
      const { timers, stall } = stallable();
      const env = environment();
      const client = createClient({ heartbeat, timers, environment: env });
      await advance(2010);
      stall(true);
      await advance(30_000);
      stall(false);
      env.document.dispatchEvent(new Event('visibilitychange'));
      expect(client.state).toBe('waiting');
    });
  });
});

describe('network', () => {
  it('started offline, says so at once: the idle → offline state event comes with the automatic connect', async () => {
    const env = environment(false);
    const client = createClient({ environment: env });
    const states: [string, string][] = [];
    client.on('state', (state, previous) => states.push([previous, state]));
    await advance(0);
    expect(client.state).toBe('offline');
    expect(states).toEqual([['idle', 'offline']]);
    env.navigator.onLine = true;
    env.window.dispatchEvent(new Event('online'));
    expect(states).toEqual([
      ['idle', 'offline'],
      ['offline', 'waiting'],
    ]);
  });

  it('spends no attempts while offline and reconnects promptly when online', async () => {
    pingServer();
    const env = environment(false);
    const client = createClient({ environment: env });
    await advance(60_000);
    expect(client.state).toBe('offline');
    expect(client.stats.attempts).toBe(0);
    env.navigator.onLine = true;
    env.window.dispatchEvent(new Event('online'));
    await advance(300);
    expect(client.state).toBe('open');
  });

  it('online cuts a long wait short to the return spread, and a second online does not push it back', async () => {
    startServer({ verifyClient: () => false });
    const env = environment();
    const client = createClient({ environment: env, initialDelay: 10_000, maxDelay: 60_000 });
    await advance(10);
    expect(client.state).toBe('waiting');
    expect(client.stats.attempts).toBe(1);
    env.window.dispatchEvent(new Event('online'));
    // Within 300 ms, at random: 150 ms with random 0.5.
    await advance(100);
    env.window.dispatchEvent(new Event('online'));
    await advance(49);
    expect(client.stats.attempts).toBe(1);
    await advance(2);
    expect(client.stats.attempts).toBe(2);
  });

  it('goes offline from a wait, and falls back to normal backoff when online fails', async () => {
    startServer({ verifyClient: () => false });
    const env = environment();
    const client = createClient({ environment: env, initialDelay: 10_000, maxDelay: 60_000, factor: 2 });
    const delays: number[] = [];
    client.on('reconnecting', ({ delay }) => delays.push(delay));
    await advance(10);
    expect(client.state).toBe('waiting');
    env.navigator.onLine = false;
    env.window.dispatchEvent(new Event('offline'));
    expect(client.state).toBe('offline');
    await advance(60_000);
    expect(client.stats.attempts).toBe(1);
    env.navigator.onLine = true;
    env.window.dispatchEvent(new Event('online'));
    await advance(310);
    expect(client.stats.attempts).toBe(2);
    expect(delays).toEqual([5000, 15_000]);
  });

  it('checks liveness when going offline while open, instead of closing blindly', async () => {
    const { received } = pingServer(false);
    const env = environment();
    const client = createClient({ environment: env, heartbeat: { interval: 30_000, timeout: 3000 } });
    await advance(10);
    env.window.dispatchEvent(new Event('offline'));
    expect(received).toEqual([]);
    await advance(5);
    expect(received).toEqual(['ping']);
    expect(client.state).toBe('offline');
    expect(client.stats.attempts).toBe(1);
    await advance(3000);
    expect(client.stats.lastOutcome).toEqual({ type: 'heartbeat' });
  });

  it('leaves open at once on offline, holds the socket without a heartbeat, and is open again when online', async () => {
    const { received, sockets } = pingServer();
    const env = environment();
    const client = createClient({ environment: env });
    const states = record(client, 'state');
    await advance(10);
    env.navigator.onLine = false;
    env.window.dispatchEvent(new Event('offline'));
    expect(client.state).toBe('offline');
    expect(client.readyState).toBe(client.CONNECTING);
    expect(client.send('held')).toBe('queued');
    await advance(10_000);
    expect(client.state).toBe('offline');
    expect(sockets[0]?.readyState).toBe(1);
    // Coming back into view changes nothing while the network is still down.
    env.document.dispatchEvent(new Event('visibilitychange'));
    expect(client.state).toBe('offline');
    env.navigator.onLine = true;
    env.window.dispatchEvent(new Event('online'));
    expect(client.state).toBe('open');
    await advance(10);
    expect(received).toEqual(['held']);
    expect(client.stats.attempts).toBe(1);
    expect(states.map(([, state]) => state)).toEqual(['connecting', 'open', 'offline', 'open']);
  });

  it('goes offline during the handshake: the socket that opens is held, and what was queued waits for online', async () => {
    const { received, sockets } = pingServer();
    const env = environment();
    const client = createClient({ environment: env });
    const states = record(client, 'state');
    expect(client.send('queued first')).toBe('queued');
    await Promise.resolve();
    expect(client.state).toBe('connecting');
    env.navigator.onLine = false;
    env.window.dispatchEvent(new Event('offline'));
    await advance(10);
    // The socket opened while the browser said it was offline: held, not used.
    expect(sockets[0]?.readyState).toBe(1);
    expect(client.state).toBe('offline');
    expect(received).toEqual([]);
    env.navigator.onLine = true;
    env.window.dispatchEvent(new Event('online'));
    await advance(10);
    expect(client.state).toBe('open');
    expect(received).toEqual(['queued first']);
    expect(states.map(([, state]) => state)).toEqual(['connecting', 'open', 'offline', 'open']);
  });

  it("listens to the page's own window when no environment is given", async () => {
    pingServer();
    const client = createClient();
    await advance(10);
    window.dispatchEvent(new Event('offline'));
    expect(client.state).toBe('offline');
    window.dispatchEvent(new Event('online'));
    expect(client.state).toBe('open');
  });

  it('can be switched off: then the network is not consulted at all', async () => {
    pingServer();
    const env = environment(false);
    const client = createClient({ environment: env, watchNetwork: false });
    await advance(10);
    expect(client.state).toBe('open');
    env.window.dispatchEvent(new Event('offline'));
    await advance(1000);
    expect(client.state).toBe('open');
    // pagehide and pageshow only.
    expect(env.window.listeners).toBe(2);
  });
});

describe('page lifecycle', () => {
  it('cuts a long wait short when the page becomes visible', async () => {
    startServer({ verifyClient: () => false });
    const env = environment();
    const client = createClient({ environment: env, initialDelay: 20_000, maxDelay: 20_000 });
    await advance(10);
    expect(client.state).toBe('waiting');
    env.document.visibilityState = 'hidden';
    env.document.dispatchEvent(new Event('visibilitychange'));
    await advance(1000);
    expect(client.stats.attempts).toBe(1);
    env.document.visibilityState = 'visible';
    env.document.dispatchEvent(new Event('visibilitychange'));
    await advance(300);
    expect(client.stats.attempts).toBe(2);
  });

  it.each([
    ['pagehide', 'pageshow'],
    ['freeze', 'resume'],
  ])('closes cleanly on %s and reconnects on %s', async (hide, show) => {
    const { server } = pingServer();
    const env = environment();
    const client = createClient({ environment: env });
    await advance(10);
    const target = hide === 'freeze' ? env.document : env.window;
    target.dispatchEvent(pageTransition(hide, true));
    expect(client.state).toBe('suspended');
    await advance(10);
    expect(server.clients()).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    target.dispatchEvent(pageTransition(show, true));
    await advance(10);
    expect(client.state).toBe('open');
  });

  it('ignores a pagehide that is not for the back/forward cache', async () => {
    pingServer();
    const env = environment();
    const client = createClient({ environment: env });
    await advance(10);
    env.window.dispatchEvent(pageTransition('pagehide', false));
    expect(client.state).toBe('open');
  });

  it('stays closed through every environment event after close(), with no listener left', async () => {
    pingServer();
    const env = environment();
    const client = createClient({ environment: env, heartbeat });
    await advance(10);
    expect(env.window.listeners + env.document.listeners).toBe(7);
    client.close();
    await advance(10);
    for (const type of ['online', 'offline', 'pageshow', 'pagehide'])
      env.window.dispatchEvent(pageTransition(type, true));
    for (const type of ['visibilitychange', 'resume', 'freeze']) env.document.dispatchEvent(pageTransition(type, true));
    await advance(10_000);
    expect(client.state).toBe('closed');
    expect(client.stats.attempts).toBe(1);
    expect(env.window.listeners + env.document.listeners).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stays closed when close() comes while suspended', async () => {
    pingServer();
    const env = environment();
    const client = createClient({ environment: env });
    await advance(10);
    env.window.dispatchEvent(pageTransition('pagehide', true));
    client.close();
    env.window.dispatchEvent(pageTransition('pageshow', true));
    await advance(1000);
    expect(client.state).toBe('closed');
  });
});

describe('liveness details', () => {
  it('emits a close event with code 4408 for a connection that missed its deadline', async () => {
    pingServer(false);
    const client = createClient({ heartbeat });
    const closes: CloseEvent[] = [];
    client.on('close', (event) => closes.push(event));
    await advance(4100);
    expect(closes.map(({ code, reason, wasClean }) => ({ code, reason, wasClean }))).toEqual([
      { code: 4408, reason: 'heartbeat timeout', wasClean: false },
    ]);
  });

  it('does not count a connection that went silent as stable, so the delays keep growing', async () => {
    const { sockets } = pingServer(false);
    const client = createClient({ heartbeat: { interval: 6000, timeout: 2000 }, minUptime: 5000, factor: 2 });
    const delays: number[] = [];
    client.on('reconnecting', ({ delay }) => delays.push(delay));
    await advance(30_000);
    expect(sockets.length).toBeGreaterThanOrEqual(3);
    expect(delays.slice(0, 3)).toEqual([500, 1500, 3000]);
  });

  it('treats a pong matcher that throws as "not a pong" and still delivers the message', async () => {
    const { sockets } = pingServer(false);
    const client = createClient({
      heartbeat: { ...heartbeat, isPong: (event) => JSON.parse(event.data).type === 'pong' },
    });
    const messages: string[] = [];
    client.on('message', (event) => messages.push(event.data));
    await advance(10);
    sockets[0]?.send('not json');
    expect(messages).toEqual(['not json']);
  });

  it('queues sends while offline on an open connection and flushes them when back online', async () => {
    const { received } = pingServer();
    const env = environment();
    const client = createClient({ environment: env });
    await advance(10);
    env.navigator.onLine = false;
    env.window.dispatchEvent(new Event('offline'));
    expect(client.send('held')).toBe('queued');
    await advance(10);
    expect(received).toEqual([]);
    env.navigator.onLine = true;
    env.window.dispatchEvent(new Event('online'));
    await advance(10);
    expect(received).toEqual(['held']);
    expect(client.stats.attempts).toBe(1);
  });
});
