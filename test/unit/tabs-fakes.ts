// Fakes for the tabs tests: one browser profile's Web Locks and BroadcastChannels, a clock whose
// timers belong to tabs (a frozen tab's timers stop, its wall clock does not), and WebSockets whose
// server side the test drives.

import { CoreWebSocket } from '../../src/core';
import type { CoreOptions } from '../../src/core/options';
import type { ChannelLike } from '../../src/tabs/channel';
import type { LockManagerLike } from '../../src/tabs/election';

/** Lets every pending promise callback and microtask run (channel posts, lock grants). */
export async function settle(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

const abortError = () => new DOMException('The lock request was aborted.', 'AbortError');

interface LockRequest {
  owner: string;
  callback: (lock: unknown) => Promise<unknown> | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** One profile's locks, as the Web Locks API hands them out: exclusive, queued in order, `steal`, `signal`. */
export class FakeLocks {
  readonly #held = new Map<string, LockRequest>();
  readonly #queues = new Map<string, LockRequest[]>();
  /** Every grant, in order: [lock name, owner]. */
  readonly grants: [string, string][] = [];
  /**
   * Queued requests aborted through their signal. Chromium 156 closes the page that does this,
   * so it must stay 0.
   */
  abortedWhileQueued = 0;

  /** The lock manager of the tab `owner`. */
  for(owner: string): LockManagerLike {
    return { request: (name, options, callback) => this.#request(owner, name, options, callback) };
  }

  /** Who holds `name`. */
  holder(name: string): string | undefined {
    return this.#held.get(name)?.owner;
  }

  /** The tab `owner` is gone (closed, crashed): its locks are free, its requests forgotten. */
  drop(owner: string): void {
    for (const [name, queue] of this.#queues)
      this.#queues.set(
        name,
        queue.filter((request) => request.owner !== owner),
      );
    for (const [name, request] of this.#held)
      if (request.owner === owner) {
        this.#held.delete(name);
        this.#grant(name);
      }
  }

  #request(
    owner: string,
    name: string,
    options: { signal?: AbortSignal; steal?: boolean },
    callback: LockRequest['callback'],
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const request = { owner, callback, resolve, reject };
      if (options.signal?.aborted) return reject(abortError());
      if (options.steal) {
        const held = this.#held.get(name);
        if (held) {
          this.#held.delete(name);
          held.reject(abortError());
        }
        this.#queues.set(name, [request, ...(this.#queues.get(name) ?? [])]);
      } else this.#queues.set(name, [...(this.#queues.get(name) ?? []), request]);
      options.signal?.addEventListener('abort', () => {
        const queue = this.#queues.get(name) ?? [];
        if (!queue.includes(request)) return;
        this.abortedWhileQueued++;
        queue.splice(queue.indexOf(request), 1);
        reject(abortError());
      });
      this.#grant(name);
    });
  }

  #grant(name: string): void {
    if (this.#held.has(name)) return;
    const request = this.#queues.get(name)?.shift();
    if (!request) return;
    this.#held.set(name, request);
    this.grants.push([name, request.owner]);
    queueMicrotask(() => {
      let result: unknown;
      try {
        result = request.callback({ name });
      } catch (error) {
        result = Promise.reject(error);
      }
      Promise.resolve(result).then(
        (value) => this.#release(name, request, () => request.resolve(value)),
        (error) => this.#release(name, request, () => request.reject(error)),
      );
    });
  }

  #release(name: string, request: LockRequest, settle: () => void): void {
    // A stolen or dropped lock was settled already.
    if (this.#held.get(name) !== request) return;
    this.#held.delete(name);
    settle();
    this.#grant(name);
  }
}

/** One profile's BroadcastChannels: a post reaches every other open channel of its name, cloned, later. */
export class FakeBus {
  readonly #channels = new Set<{ name: string; owner: string; channel: FakeChannel }>();
  /** Tabs whose channels hear nothing (a frozen tab in engines that stop its handlers too). */
  readonly deaf = new Set<string>();

  /** The channel factory of the tab `owner`. */
  for(owner: string): (name: string) => ChannelLike {
    return (name) => {
      const channel = new FakeChannel((message) => this.#post(entry, message));
      const entry = { name, owner, channel };
      this.#channels.add(entry);
      channel.closed = () => this.#channels.delete(entry);
      return channel;
    };
  }

  /** Posts `message` as a page of another app (or version) on the same origin would. */
  inject(name: string, message: unknown): void {
    this.#post({ name, owner: '', channel: undefined as unknown as FakeChannel }, message);
  }

  /** The tab `owner` is gone: its channels hear and say nothing more. */
  drop(owner: string): void {
    for (const entry of this.#channels) if (entry.owner === owner) this.#channels.delete(entry);
  }

  #post(from: { name: string; owner: string; channel: FakeChannel }, message: unknown): void {
    if (!this.#has(from.channel) && from.channel) return;
    const clone = structuredClone(message);
    for (const entry of this.#channels)
      if (entry.name === from.name && entry.channel !== from.channel)
        queueMicrotask(() => {
          if (this.#channels.has(entry) && !this.deaf.has(entry.owner))
            entry.channel.onmessage?.({ data: structuredClone(clone) } as MessageEvent);
        });
  }

  #has(channel: FakeChannel): boolean {
    for (const entry of this.#channels) if (entry.channel === channel) return true;
    return false;
  }
}

class FakeChannel implements ChannelLike {
  onmessage: ((event: MessageEvent) => void) | null = null;
  closed = () => {};
  constructor(readonly postMessage: (message: unknown) => void) {}
  close(): void {
    this.closed();
  }
}

interface Timer {
  at: number;
  owner: string;
  callback: () => void;
  id: number;
}

/** A wall clock shared by all tabs, and timers per tab: a frozen tab's timers wait until it thaws. */
export class FakeClock {
  now = 1_000_000;
  readonly frozen = new Set<string>();
  #timers: Timer[] = [];
  #ids = 0;

  /** The timers of the tab `owner`. */
  timers(owner: string) {
    return {
      setTimeout: (callback: () => void, ms: number) => {
        if (this.#dead.has(owner)) return 0;
        const timer = { at: this.now + Math.max(0, ms), owner, callback, id: ++this.#ids };
        this.#timers.push(timer);
        return timer.id;
      },
      clearTimeout: (id: unknown) => {
        this.#timers = this.#timers.filter((timer) => timer.id !== id);
      },
    };
  }

  /** The tab `owner` is gone: its timers never run, those it is still asked to set included. */
  drop(owner: string): void {
    this.#dead.add(owner);
    this.#timers = this.#timers.filter((timer) => timer.owner !== owner);
  }
  readonly #dead = new Set<string>();

  /** Moves time on by `ms`, running every due timer of tabs not frozen, in order, settling after each. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    await settle();
    for (;;) {
      const due = this.#timers
        .filter((timer) => timer.at <= end && !this.frozen.has(timer.owner))
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.now = Math.max(this.now, due.at);
      this.#timers.splice(this.#timers.indexOf(due), 1);
      due.callback();
      await settle();
    }
    this.now = end;
  }

  /** Thaws `owner`: its overdue timers run now, late. */
  async thaw(owner: string): Promise<void> {
    this.frozen.delete(owner);
    for (const timer of this.#timers) if (timer.owner === owner && timer.at < this.now) timer.at = this.now;
    await this.advance(0);
  }
}

/** A WebSocket whose server side the test drives; every one made is kept in `FakeSocket.all`. */
export class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  binaryType = 'blob';
  protocol = '';
  extensions = '';
  bufferedAmount = 0;
  /** What the client sent, in order. */
  readonly sent: unknown[] = [];
  closedWith?: [number | undefined, string | undefined];
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    FakeSocket.all.push(this);
  }

  /** Sockets neither closed nor closing. */
  static open(): FakeSocket[] {
    return FakeSocket.all.filter((socket) => socket.readyState < 2);
  }

  send(data: unknown): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.closedWith = [code, reason];
    this.readyState = 3;
  }

  /** The server accepts. */
  accept(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }

  /** The server sends `data`. */
  receive(data: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data }));
  }

  /** The connection ends with `code`. */
  end(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.(Object.assign(new Event('close'), { code, reason, wasClean: code !== 1006 }) as CloseEvent);
  }
}

/**
 * One browser profile: its locks, channels and clock, what a tab of it is given (`tab`), a core
 * client in a tab with its messages collected (`client`), and a tab closing (`close`).
 */
export class FakeProfile {
  readonly locks = new FakeLocks();
  readonly bus = new FakeBus();
  readonly clock = new FakeClock();

  /** Tab `name`'s environment: its locks, channel and timers, this clock, a visible page. */
  tab(name: string, random: number) {
    return {
      locks: this.locks.for(name),
      channel: this.bus.for(name),
      WebSocket: FakeSocket,
      now: () => this.clock.now,
      timers: this.clock.timers(name),
      random: () => random,
      visible: () => true,
      page: {},
    };
  }

  /** A core client in tab `name` that dials through `options.WebSocket`, and the messages it gets. */
  client(name: string, url: string, options: CoreOptions) {
    const client = new CoreWebSocket(url, {
      timers: this.clock.timers(name),
      now: () => this.clock.now,
      random: () => 0.5,
      queueHandshakes: false,
      ...options,
    });
    const messages: string[] = [];
    client.on('message', (event) => messages.push(event.data));
    return { client, messages };
  }

  /** Tab `name` is closed or crashed: the browser frees its locks, its channel and timers go. */
  close(name: string): void {
    this.locks.drop(name);
    this.bus.drop(name);
    this.clock.drop(name);
  }
}
