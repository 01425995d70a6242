// Property: whatever the app's listeners do (throw, or call close, reconnect, connect, send from
// inside any event), and whatever the network does, the client keeps its promises: at most one
// live socket; after close() nothing opens, no timer is left and send() drops.

import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Options, type ResilientEvents, ResilientWebSocket, type Timers } from '../../src';
import { queuedHandshakes } from '../../src/core/handshakes';
import { propertyRuns } from './property-runs';

const events: (keyof ResilientEvents)[] = [
  'state',
  'resolving',
  'resolved',
  'connecting',
  'open',
  'message',
  'close',
  'error',
  'reconnecting',
  'failed',
  'drop',
];
const calls = ['close', 'reconnect', 'connect', 'send', 'throw'] as const;
type Call = (typeof calls)[number];

/** A WebSocket the test drives by hand; `live` until the client or the "server" closes it. */
class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  binaryType = 'blob';
  protocol = '';
  extensions = '';
  bufferedAmount = 0;
  closedByClient = false;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  sent: unknown[] = [];
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  get live(): boolean {
    return this.readyState < 2 && !this.closedByClient;
  }
  send(data: unknown): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(data);
  }
  close(): void {
    this.closedByClient = true;
    if (this.readyState < 2) this.readyState = 2;
  }
}

/** Timers the test fires one at a time, earliest first. */
class FakeTimers implements Timers {
  now = 0;
  #next = 1;
  pending = new Map<number, { at: number; callback: () => void }>();
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#next++;
    this.pending.set(id, { at: this.now + ms, callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fireNext(): void {
    const [id, timer] = [...this.pending].sort(([, a], [, b]) => a.at - b.at)[0] ?? [];
    if (id === undefined || !timer) return;
    this.pending.delete(id);
    this.now = Math.max(this.now, timer.at);
    timer.callback();
  }
}

// What the network and the page can do to the newest socket, and what the app can do directly.
const step = fc.oneof(
  fc.constantFrom(
    'open',
    'message',
    'serverClose',
    'error',
    'timer',
    'offline',
    'online',
    'pagehide',
    'pageshow',
    'visible',
  ),
  fc.constantFrom('close', 'reconnect', 'connect', 'send').map((call) => `app:${call}`),
  // Sends are the commonest call, and a run of them fills the queue.
  fc.constant('app:send'),
);
// A listener plan: on the nth emission of an event, make a call.
const plan = fc.array(
  fc.record({ event: fc.constantFrom(...events), nth: fc.nat(3), call: fc.constantFrom(...calls) }),
  {
    maxLength: 6,
  },
);

let reported: unknown[];
beforeEach(() => {
  reported = [];
  vi.stubGlobal('reportError', (error: unknown) => reported.push(error));
  FakeSocket.all = [];
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

async function run(
  steps: string[],
  listeners: { event: keyof ResilientEvents; nth: number; call: Call }[],
  resolver: boolean,
  heartbeat: boolean,
) {
  FakeSocket.all = [];
  const timers = new FakeTimers();
  const window = new EventTarget();
  const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  const navigator = { onLine: true };
  const options: Options = {
    WebSocket: FakeSocket as never,
    timers,
    now: () => timers.now,
    random: () => 0.5,
    preflight: 'never',
    lazy: true,
    // A small queue, so that overflow and its drops happen too.
    maxQueuedMessages: 3,
    environment: { window, document, navigator },
    heartbeat: heartbeat ? { interval: 1000, timeout: 1000 } : undefined,
  };
  const client = new ResilientWebSocket(resolver ? async () => 'ws://fake/' : 'ws://fake/', options);
  // Whether the app's last word was close() (and no connect() since).
  let closed = false;
  let thrown = 0;
  // Every message the app sent, with what send() said of it, and every message a drop event named.
  const results = new Map<string, string>();
  const droppedWithEvent = new Set<unknown>();
  client.on('drop', ({ data }) => droppedWithEvent.add(data));
  const call = (what: Call) => {
    if (what === 'throw') {
      thrown++;
      throw new Error('listener bug');
    }
    if (what === 'send') {
      const message = `m${results.size}`;
      results.set(message, client.send(message));
      return;
    }
    closed = what === 'close' ? true : what === 'connect' ? false : closed;
    client[what]();
  };
  const counts = new Map<string, number>();
  // While the invariants are checked, the listeners stand still.
  let checking = false;
  for (const { event, nth, call: what } of listeners) {
    client.on(event, () => {
      if (checking) return;
      const seen = (counts.get(`${event}${nth}${what}`) ?? 0) + 1;
      counts.set(`${event}${nth}${what}`, seen);
      if (seen === nth + 1) call(what);
    });
  }
  client.connect();
  await flush();
  for (const action of steps) {
    const socket = FakeSocket.all.at(-1);
    const attached = socket?.onopen ? socket : undefined;
    if (action.startsWith('app:')) {
      call(action.slice(4) as Call);
    } else if (action === 'open' && attached && attached.readyState === 0) {
      attached.readyState = 1;
      attached.onopen?.(new Event('open'));
    } else if (action === 'message' && attached?.readyState === 1) {
      attached.onmessage?.(new MessageEvent('message', { data: 'm' }));
    } else if (action === 'serverClose' && socket && socket.readyState < 3) {
      socket.readyState = 3;
      socket.onclose?.(Object.assign(new Event('close'), { code: 1006, reason: '', wasClean: false }) as CloseEvent);
    } else if (action === 'error' && attached) {
      attached.onerror?.(new Event('error'));
    } else if (action === 'timer') {
      timers.fireNext();
    } else if (action === 'offline' || action === 'online') {
      navigator.onLine = action === 'online';
      window.dispatchEvent(new Event(action));
    } else if (action === 'visible') {
      document.dispatchEvent(new Event('visibilitychange'));
    } else if (action === 'pagehide' || action === 'pageshow') {
      window.dispatchEvent(Object.assign(new Event(action), { persisted: true }));
    }
    await flush();

    // The invariants, after every step.
    checking = true;
    const live = FakeSocket.all.filter((candidate) => candidate.live);
    expect(live.length).toBeLessThanOrEqual(1);
    if (client.state === 'open') expect(live[0]?.readyState).toBe(1);
    if (closed) {
      expect(['closing', 'closed']).toContain(client.state);
      expect(live).toEqual([]);
      expect(timers.pending.size).toBe(0);
      const before = FakeSocket.all.length;
      expect(client.send('after close')).toBe('dropped');
      expect(FakeSocket.all.length).toBe(before);
    }
    checking = false;
  }
  expect(reported.length).toBe(thrown);
  checking = true;
  client.close();
  await flush();
  // Nothing is lost silently: a message send() took went out on a socket, or a drop event said so.
  const sent = new Set(FakeSocket.all.flatMap((socket) => socket.sent));
  for (const [message, result] of results) {
    if (result !== 'dropped') expect(sent.has(message) || droppedWithEvent.has(message), message).toBe(true);
  }
  client.removeAllListeners();
  // A turn in the page-wide handshake queue that outlived its client would block the endpoint
  // for every other client in the page.
  expect(queuedHandshakes()).toEqual({});
}

describe('listeners that call back into the client, against a fake socket', () => {
  it('keep at most one live socket, and after close() nothing opens, no timer runs and send() drops', {
    timeout: 60_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 40 }),
        plan,
        fc.boolean(),
        fc.boolean(),
        async (steps, listeners, resolver, heartbeat) => {
          reported = [];
          await run(steps, listeners, resolver, heartbeat);
        },
      ),
      { numRuns: propertyRuns(process.env.PROPERTY_RUNS) },
    );
  });
});
