// ResilientWebSocket: the one owner of connection state. It runs the lifecycle, asks the policy
// what each outcome means, and keeps the WebSocket-compatible surface in step.

import { EventEmitter } from 'eventemitter3';
import { backoffDelay } from './backoff';
import { ConnectionFailedError, InvalidArgumentError, isResilientError, ResolveError } from './errors';
import type { DropInfo, ResilientEvents, ResilientListener, ResolvedInfo, SendResult, State, Stats } from './events';
import { queueHandshake } from './handshakes';
import { defaultEnvironment, type Environment, watchEnvironment } from './liveness/environment';
import { Heartbeat, heartbeatCloseCode } from './liveness/heartbeat';
import { describeOutcome as describe } from './logger';
import { type NormalizedOptions, normalizeOptions, type Options } from './options';
import { type Decision, defaultDecision, type Outcome } from './policy';
import { assertSendData, byteSize, type SendData, SendQueue } from './queue';
import { redactText } from './redact';
import { request } from './resolve/http';
import type { Resolution, Resolver } from './resolve/resolver';
import { checkResolution, checkTarget, redactUrl, toHttpUrl, toWebSocketUrl } from './resolve/url';

// Where an attempt connects, and how that was found.
type Target = Resolution & Partial<Omit<ResolvedInfo, 'url'>> & Pick<ResolvedInfo, 'via'>;

type WebSocketEventType = 'open' | 'message' | 'close' | 'error';
// What each of the client's timers is for.
type TimerPurpose = 'connect' | 'retry' | 'heartbeat' | 'refresh';
type Handler<T extends WebSocketEventType> = ((...args: ResilientEvents[T]) => void) | null;
type ListenerArgument = ResilientListener<keyof ResilientEvents>;

const noop = () => {};

// RFC 6455 §5.5: a control frame's payload is at most 125 bytes, 2 of them the close code.
const maxCloseReasonBytes = 123;
// While HTTP probes fail without an answer, every this-many-th retry opens a WebSocket anyway:
// some servers drop plain GETs yet take upgrades.
const blindAttemptEvery = 4;
// A wait for Retry-After is stretched by up to this fraction, so a server's clients return spread out.
const retryAfterSpread = 0.2;
// Back online or visible: reconnect within this many ms, at random, so a crowd returns spread out.
const returnSpread = 300;

// Calls the app's code (a listener, the logger) or a follow-up; an exception is reported the
// way EventTarget does, as an uncaught error (window.onerror, Node's uncaughtException), without
// stopping the client or the other listeners.
function safely(fn: (...args: unknown[]) => void, context?: unknown, args: unknown[] = []): void {
  try {
    fn.apply(context, args);
  } catch (error) {
    const { reportError } = globalThis as { reportError?: (error: unknown) => void };
    if (typeof reportError === 'function') reportError(error);
    else
      queueMicrotask(() => {
        throw error;
      });
  }
}

// One registered listener, as eventemitter3 keeps it.
type Registration = { fn: (...args: unknown[]) => void; context: unknown; once: boolean };

// Bound to the app's listener as EventEmitter context, so removeEventListener finds it again.
function callListener(this: ListenerArgument, ...args: unknown[]): void {
  if (typeof this === 'function') (this as (...args: unknown[]) => void)(...args);
  else (this.handleEvent as (...args: unknown[]) => void)(...args);
}

/**
 * A WebSocket that reconnects. Code written for `WebSocket` keeps working (`send`, `close`,
 * `readyState`, `onmessage`, `addEventListener`…); on top of that it queues while disconnected,
 * backs off with jitter, follows a close-code policy and reports all of it through typed events.
 *
 * ```ts
 * const ws = new ResilientWebSocket('wss://example.com/feed');
 * ws.on('message', (event) => console.log(event.data));
 * ws.send('hello'); // queued until open
 * ```
 */
export class ResilientWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  // The listeners. Held, not inherited: `emit` is the client's alone.
  readonly #events = new EventEmitter();
  readonly #options: NormalizedOptions;
  readonly #queue: SendQueue;
  // The configured endpoint, or the resolver that finds one.
  readonly #endpoint?: string;
  readonly #resolver?: Resolver;
  // The URL of the current or last attempt.
  #url: string;
  // A resolution reused for reconnects until it fails or expires.
  #cache?: Target & { expiresAt: number };
  // The one cancellation mechanism: the async work in flight (a resolution, an auth refresh)
  // holds this signal, and #cancel aborts it; whatever arrives after that is ignored.
  #work = new AbortController();
  #authRefreshed = false;
  readonly #heartbeat?: Heartbeat;
  readonly #environment: Environment;
  #unwatch?: () => void;
  // When the current wait ends (the `now` clock).
  #retryAt = 0;
  #socket?: WebSocket;
  // One timer per purpose, cleared by name (and all of them by #cancel).
  readonly #timers: Partial<Record<TimerPurpose, unknown>> = {};
  // What the retry timer runs: the next attempt, or the auth refresh before it. Also what runs
  // when `online` or visibility cuts the wait short.
  #retry = () => this.#attempt();
  // Ends this client's place in the handshake queue (see `queueHandshakes`).
  #turn?: () => void;
  #current: State = 'idle';
  #previousDelay = 0;
  // The endpoint a resolver gave whose connection failed: probed over HTTP before the resolver
  // is asked again, so its status (403, 503 + Retry-After…) reaches the policy.
  #suspect?: string;
  // Events (and follow-up work such as the queue flush) of the step in progress: run once the
  // step has settled, so a listener never sees, or changes, a half-made transition.
  readonly #pending: (() => void)[] = [];
  #draining = false;
  // Set while `drop` listeners run (see #send).
  #inDrop = false;
  #chosenBinaryType?: BinaryType;
  readonly #handlers: { [T in WebSocketEventType]?: Handler<T> } = {};
  readonly #counters: Stats = { attempts: 0, reconnects: 0, retries: 0 };

  /**
   * @param url ws:, wss:, or their http:/https: twins (relative URLs resolve against the page);
   *   or a {@link Resolver} that finds the endpoint before each attempt, such as {@link discover}.
   * @param protocols subprotocols, as for `WebSocket`; or the options, when there are none.
   * @param options see {@link Options}.
   * @throws InvalidArgumentError for a bad URL or option, or when no WebSocket exists.
   */
  constructor(url: string | URL | Resolver, protocols?: string | string[] | Options, options?: Options) {
    const given = typeof protocols === 'object' && !Array.isArray(protocols) ? protocols : { ...options, protocols };
    this.#options = normalizeOptions(given);
    const base = (globalThis as { location?: Location }).location?.href;
    const { preflightUrl } = this.#options;
    if (preflightUrl !== undefined && !/^https?:/.test(new URL(preflightUrl, base).protocol)) {
      throw new InvalidArgumentError('preflightUrl', `expected an http: or https: URL, got ${preflightUrl}`);
    }
    if (typeof url === 'function') this.#resolver = url;
    else this.#endpoint = toWebSocketUrl(url, base);
    this.#url = this.#endpoint ?? '';
    if (this.#options.heartbeat) this.#heartbeat = new Heartbeat(this.#options.heartbeat);
    this.#environment = defaultEnvironment(this.#options.environment);
    this.#queue = new SendQueue(
      this.#options.maxQueuedMessages,
      this.#options.maxQueuedBytes,
      this.#options.queueOverflow,
    );
    // Connect after the caller's synchronous code, so listeners added right after `new` see it all.
    if (!this.#options.lazy) queueMicrotask(() => this.#current === 'idle' && this.connect());
  }

  /** The lifecycle state; see {@link State}. */
  get state(): State {
    return this.#current;
  }

  /** A copy of the counters. */
  get stats(): Stats {
    return { ...this.#counters };
  }

  /**
   * The URL of the current or last attempt: the endpoint as given (http(s) mapped to ws(s)), or
   * where resolution led. `''` before a resolver has answered. It is where the handshake was sent:
   * WebKit follows a redirect on the handshake without telling script, so there the connection
   * may have ended up elsewhere. Unlike every event and error, it is NOT redacted: it may carry a
   * token; redact it (`redactUrl`) before logging it.
   */
  get url(): string {
    return this.#url;
  }

  /**
   * As `WebSocket.readyState`: `CONNECTING` (0) while idle, resolving, connecting, waiting to
   * reconnect, offline or suspended;
   * `OPEN` (1) when open; `CLOSING` (2) after `close()` until the socket has closed; `CLOSED` (3)
   * when closed or failed.
   */
  get readyState(): 0 | 1 | 2 | 3 {
    const state = this.#current;
    return state === 'open' ? 1 : state === 'closing' ? 2 : state === 'closed' || state === 'failed' ? 3 : 0;
  }

  /** The subprotocol the server chose for the current connection, or `''`. */
  get protocol(): string {
    return this.#socket?.protocol ?? '';
  }

  /** The extensions the server chose for the current connection, or `''`. */
  get extensions(): string {
    return this.#socket?.extensions ?? '';
  }

  /** Bytes not yet on the wire: the socket's buffer plus the queue. */
  get bufferedAmount(): number {
    return (this.#socket?.bufferedAmount ?? 0) + this.#queue.bytes;
  }

  /** As `WebSocket.binaryType`; applied to every new socket. */
  get binaryType(): 'blob' | 'arraybuffer' {
    return this.#chosenBinaryType ?? this.#socket?.binaryType ?? 'blob';
  }

  set binaryType(type: 'blob' | 'arraybuffer') {
    if (type !== 'blob' && type !== 'arraybuffer') {
      throw new InvalidArgumentError('binaryType', `expected 'blob' or 'arraybuffer', got ${type}`);
    }
    this.#chosenBinaryType = type;
    if (this.#socket) this.#socket.binaryType = type;
  }

  get onopen(): Handler<'open'> {
    return this.#handlers.open ?? null;
  }
  set onopen(handler: Handler<'open'>) {
    this.#setHandler('open', handler);
  }
  get onmessage(): Handler<'message'> {
    return this.#handlers.message ?? null;
  }
  set onmessage(handler: Handler<'message'>) {
    this.#setHandler('message', handler);
  }
  get onclose(): Handler<'close'> {
    return this.#handlers.close ?? null;
  }
  set onclose(handler: Handler<'close'>) {
    this.#setHandler('close', handler);
  }
  get onerror(): Handler<'error'> {
    return this.#handlers.error ?? null;
  }
  set onerror(handler: Handler<'error'>) {
    this.#setHandler('error', handler);
  }

  /** Calls `listener` with the arguments of each `type` event; see {@link ResilientEvents}. */
  on<T extends keyof ResilientEvents>(
    type: T,
    listener: (...args: ResilientEvents[T]) => void,
    context?: unknown,
  ): this {
    this.#events.on(type, listener, context);
    return this;
  }

  /** As {@link on}, for the next `type` event only. */
  once<T extends keyof ResilientEvents>(
    type: T,
    listener: (...args: ResilientEvents[T]) => void,
    context?: unknown,
  ): this {
    this.#events.once(type, listener, context);
    return this;
  }

  /** Removes a listener added with {@link on} or {@link once}; without `listener`, all of `type`. */
  off<T extends keyof ResilientEvents>(
    type: T,
    listener?: (...args: ResilientEvents[T]) => void,
    context?: unknown,
  ): this {
    this.#events.off(type, listener, context);
    return this;
  }

  /** Removes every listener of `type`, or of every event. */
  removeAllListeners(type?: keyof ResilientEvents): this {
    this.#events.removeAllListeners(type);
    return this;
  }

  /** How many listeners `type` has. */
  listenerCount(type: keyof ResilientEvents): number {
    return this.#events.listenerCount(type);
  }

  /**
   * As `EventTarget.addEventListener`, for any event of {@link ResilientEvents}; the listener gets
   * that event's arguments (`'close'`: a `CloseEvent`, `'state'`: the state and the previous one).
   */
  addEventListener<T extends keyof ResilientEvents>(
    type: T,
    listener: ResilientListener<T> | null,
    options?: boolean | { once?: boolean },
  ): void {
    if (!listener) return;
    const once = typeof options === 'object' && options.once;
    // The listener's context carries the app's listener, so removeEventListener finds it again.
    this.#events[once ? 'once' : 'on'](type, callListener, listener);
  }

  /** As `EventTarget.removeEventListener`. */
  removeEventListener<T extends keyof ResilientEvents>(type: T, listener: ResilientListener<T> | null): void {
    if (listener) this.#events.off(type, callListener, listener);
  }

  /**
   * As `EventTarget.dispatchEvent`: runs the listeners of `event.type` with `event`, each on its
   * own (one that throws is reported). Returns false when a listener called `preventDefault()`.
   */
  dispatchEvent(event: Event): boolean {
    this.#dispatch(event.type as keyof ResilientEvents, [event]);
    return !event.defaultPrevented;
  }

  /**
   * Sends `data` now when open, else queues it (see `maxQueuedMessages`, `maxQueuedBytes`,
   * `queueOverflow`). With `lazy`, the first send connects. Never drops silently: a message not
   * kept raises `drop` and returns `'dropped'`.
   * @throws InvalidArgumentError when `data` is not a string, ArrayBuffer, view or Blob.
   */
  send(data: SendData): SendResult {
    assertSendData(data);
    try {
      return this.#send(data);
    } finally {
      this.#drain();
    }
  }

  #send(data: SendData): SendResult {
    // Nothing goes out on a socket already past its heartbeat deadline.
    if (this.#current === 'open' && this.#heartbeat?.expired(this.#options.now())) this.#dead();
    const state = this.#current;
    if (state === 'open') {
      this.#socket?.send(data);
      return 'sent';
    }
    // A drop listener's own sends are reported by their result only, and never evict others:
    // a listener that re-sends what was dropped cannot loop forever.
    const quiet = this.#inDrop;
    // After close() or a failure nothing would ever send a queued message: say so now.
    if (state === 'closing' || state === 'closed' || state === 'failed') {
      if (!quiet) this.#emit('drop', { data, reason: state === 'failed' ? 'failed' : 'closed' });
      return 'dropped';
    }
    const dropped = this.#queue.push(data, quiet ? 'reject' : undefined);
    for (const message of dropped) if (!quiet) this.#emit('drop', { data: message, reason: 'overflow' });
    if (state === 'idle') this.#restart();
    return dropped[0] === data ? 'dropped' : dropped.length ? 'queued-dropped-oldest' : 'queued';
  }

  /**
   * Starts connecting when idle (see `lazy`), or starts over after `close()` or a failure, or
   * from `offline` and `suspended`. Does nothing while resolving, connecting, open or waiting.
   */
  connect(): void {
    if (!/^(resolving|connecting|open|waiting)$/.test(this.#current)) this.#restart();
    this.#drain();
  }

  /**
   * Drops the current connection or wait and connects again now, with the retry count reset.
   * Does nothing after `close()`: only `connect()` starts over from there.
   */
  reconnect(): void {
    if (this.#current !== 'closing' && this.#current !== 'closed') this.#restart();
    this.#drain();
  }

  /**
   * Closes for good: no reconnect, and after the socket's `close` event no timer, listener or
   * socket is left. Queued messages are dropped, each with a `drop` event. `connect()` starts
   * over.
   * @param code 1000 or 3000–4999, as the native API requires.
   * @param reason at most 123 bytes of UTF-8.
   * @throws InvalidArgumentError for any other code or a longer reason; nothing is closed then.
   */
  close(code?: number, reason?: string): void {
    if (code !== undefined && code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) {
      throw new InvalidArgumentError('close(code)', `expected 1000 or an integer in 3000-4999, got ${code}`);
    }
    if (reason !== undefined && byteSize(String(reason)) > maxCloseReasonBytes) {
      throw new InvalidArgumentError('close(reason)', `longer than ${maxCloseReasonBytes} bytes of UTF-8`);
    }
    if (this.#current !== 'closing' && this.#current !== 'closed') {
      // Whatever is pending (a wait, a resolution, an auth refresh) must not connect any more.
      this.#cancel();
      const socket = this.#socket;
      // The state first: a drop listener that sends again must see a closed client.
      this.#setState(socket ? 'closing' : 'closed');
      this.#dropQueue('closed');
      try {
        socket?.close(code ?? 1000, reason);
      } catch {
        // A socket that cannot even close is gone; do not wait for its event.
        this.#detach();
        this.#setState('closed');
      }
    }
    this.#drain();
  }

  #dropQueue(reason: DropInfo['reason']): void {
    for (let data = this.#queue.shift(); data !== undefined; data = this.#queue.shift()) {
      this.#emit('drop', { data, reason });
    }
  }

  // Queues an event for delivery once the current step has settled.
  #emit<T extends keyof ResilientEvents>(type: T, ...args: ResilientEvents[T]): void {
    this.#pending.push(() => this.#dispatch(type, args));
  }

  // Runs the pending events and follow-ups in order, unless a drain is already running further
  // up the stack (a listener called a public method): that one picks up what was added.
  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let next = this.#pending.shift(); next; next = this.#pending.shift()) safely(next);
    } finally {
      this.#draining = false;
    }
  }

  // Calls each listener on its own, as EventTarget does: one that throws is reported and the
  // others still run. eventemitter3's own emit would stop at the first exception.
  #dispatch(type: keyof ResilientEvents, args: unknown[]): void {
    const { logger } = this.#options;
    // The logger is the app's code too: one that throws must not cost the listeners their event.
    if (logger && type !== 'message') safely(logger as (...args: unknown[]) => void, undefined, [type, args]);
    const key = EventEmitter.prefixed ? `${EventEmitter.prefixed}${type}` : type;
    const found = (this.#events as unknown as { _events: Record<string, Registration | Registration[]> })._events[key];
    if (!found) return;
    const outer = this.#inDrop;
    this.#inDrop = type === 'drop';
    for (const { fn, context, once } of Array.isArray(found) ? [...found] : [found]) {
      if (once) this.#events.off(type, fn, context, true);
      safely(fn, context, args);
    }
    this.#inDrop = outer;
  }

  // Wraps a callback from outside (a socket, a timer, a promise, the page) as one step.
  #step<A extends unknown[]>(callback: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      try {
        callback(...args);
      } finally {
        this.#drain();
      }
    };
  }

  #setHandler<T extends WebSocketEventType>(type: T, handler: Handler<T>): void {
    const previous = this.#handlers[type];
    if (previous) this.#events.off(type, previous);
    // biome-ignore lint/suspicious/noExplicitAny: the type is checked by the accessors above.
    (this.#handlers as any)[type] = handler;
    if (handler) this.#events.on(type, handler);
  }

  #setState(state: State): void {
    const previous = this.#current;
    this.#current = state;
    if (state === 'closed' || state === 'failed') {
      this.#unwatch?.();
      this.#unwatch = undefined;
    }
    if (state !== previous) this.#emit('state', state, previous);
  }

  // Enters `state` after a socket ended; the one place `close` is emitted: the state changes
  // first, then `close`, then the news (reconnecting, failed).
  #enter(state: State, event?: CloseEvent): void {
    this.#setState(state);
    if (event) this.#emit('close', event);
  }

  // Arms the timer for `purpose` (replacing one already armed); it runs `callback` as a step.
  #arm(purpose: TimerPurpose, callback: () => void, ms: number): void {
    this.#disarm(purpose);
    // A fired timer's handle stays until the next arm or disarm; clearing it then is harmless.
    this.#timers[purpose] = this.#options.timers.setTimeout(this.#step(callback), ms);
  }

  // Clears the timer for `purpose`, or every timer.
  #disarm(purpose?: TimerPurpose): void {
    for (const name in this.#timers) {
      if (purpose && name !== purpose) continue;
      this.#options.timers.clearTimeout(this.#timers[name as TimerPurpose]);
      delete this.#timers[name as TimerPurpose];
    }
  }

  #cancel(): void {
    // Leaves the handshake queue, or ends this client's turn there.
    this.#turn?.();
    this.#turn = undefined;
    this.#work.abort();
    this.#disarm();
  }

  // Starts a new piece of async work, ending any before it; returns its signal.
  #begin(): AbortSignal {
    this.#work.abort();
    this.#work = new AbortController();
    return this.#work.signal;
  }

  #detach(): void {
    this.#cancel();
    const socket = this.#socket;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      // Not null: the `ws` package throws an error event that has no listener (closing while
      // connecting emits one), and a socket being dropped must not crash a Node process.
      socket.onerror = noop;
    }
    this.#socket = undefined;
  }

  // Detaches the socket and closes it; one that cannot even close is gone anyway.
  #abandon(code?: number, reason?: string): void {
    const socket = this.#socket;
    this.#detach();
    try {
      socket?.close(code, reason);
    } catch {}
  }

  #restart(): void {
    this.#unwatch ??= watchEnvironment(this.#environment, this.#options, {
      handleEvent: this.#step((event: Event) => this.#onEnvironment(event)),
    });
    // A socket held while offline, or one still closing, must not outlive the restart.
    this.#abandon(1000, 'reconnect');
    // Starting over: the app may have fixed its credentials or its endpoint meanwhile.
    this.#counters.retries = 0;
    this.#previousDelay = 0;
    this.#authRefreshed = false;
    this.#suspect = undefined;
    this.#retry = () => this.#attempt();
    this.#attempt();
  }

  #attempt(): void {
    // No attempt is spent while the browser knows it is offline; `online` resumes.
    if (this.#offline()) return this.#setState('offline');
    const signal = this.#begin();
    const attempt = this.#counters.retries;
    const cached = this.#cache;
    const resolved =
      cached && this.#options.now() < cached.expiresAt ? { ...cached, cached: true } : this.#resolve(attempt, signal);
    if (resolved instanceof Promise) {
      resolved.then(this.#step((target) => !signal.aborted && this.#open(target, attempt)));
    } else {
      this.#open(resolved, attempt);
    }
  }

  #open(resolved: Target | Outcome, attempt: number): void {
    const options = this.#options;
    const counters = this.#counters;
    if ('type' in resolved) return this.#settle(resolved);
    const { url, protocols, maxAge } = resolved;
    if (resolved.via !== 'direct' && !resolved.cached) {
      this.#cache = {
        ...resolved,
        expiresAt: maxAge === undefined ? Infinity : options.now() + maxAge * 1000,
      };
    }
    this.#url = url;
    this.#emit('resolved', {
      via: resolved.via,
      url: redactUrl(url),
      redirected: resolved.redirected,
      status: resolved.status,
      maxAge,
      cached: !!resolved.cached,
    });
    this.#setState('connecting');
    counters.attempts++;
    this.#emit('connecting', { attempt, url: redactUrl(url) });
    // Handshakes to one endpoint go one at a time, page-wide (see handshakes.ts). A turn comes
    // in a microtask: a step of its own.
    const start = this.#step((leave: () => void) => this.#handshake(url, protocols ?? options.protocols, leave));
    if (options.queueHandshakes) this.#turn = queueHandshake(url, start);
    else start(noop);
  }

  // Creates the socket once its turn has come; the connect timeout starts only now, so time spent
  // queued behind other handshakes never counts against it. `leave` ends the turn.
  #handshake(url: string, protocols: string | string[] | undefined, leave: () => void): void {
    const options = this.#options;
    const counters = this.#counters;
    let socket: WebSocket;
    try {
      socket = new options.WebSocket(url, protocols) as WebSocket;
    } catch (error) {
      leave();
      // Its message may quote the URL, secrets and all; the outcome reaches events and stats.
      const said = redactText(String((error as Error)?.message ?? error));
      return this.#settle({
        type: 'exception',
        error: Object.assign(new Error(said), { name: (error as Error)?.name }),
      });
    }
    this.#socket = socket;
    if (this.#chosenBinaryType) socket.binaryType = this.#chosenBinaryType;
    this.#arm(
      'connect',
      () => {
        this.#abandon();
        this.#settle({ type: 'timeout' }, closeEvent(1006, 'connect timeout'));
      },
      options.connectTimeout,
    );
    socket.onopen = this.#step((event: Event) => {
      leave();
      // An open that comes after close() was asked for changes nothing: the close follows.
      if (this.#current !== 'connecting') return;
      this.#disarm('connect');
      if (counters.openedAt !== undefined) counters.reconnects++;
      counters.openedAt = options.now();
      this.#heartbeat?.reset(counters.openedAt);
      // Held while the browser is offline: `online` makes it open (or its heartbeat ends it).
      this.#setState(this.#offline() ? 'offline' : 'open');
      this.#emit('open', event);
      // After the open listeners, so their re-authentication and resubscription go first; and
      // only while this socket is still the open one (a listener may have closed it).
      this.#pending.push(() => {
        if (this.#socket !== socket) return;
        this.#flush();
        this.#tick();
      });
    });
    socket.onmessage = this.#step((event: MessageEvent) => {
      const heartbeat = this.#heartbeat;
      if (heartbeat) {
        const now = options.now();
        // Late life does not excuse a missed deadline: the connection already counted as dead.
        if (heartbeat.expired(now)) return this.#dead();
        const pong = heartbeat.receive(event, now);
        counters.rtt = heartbeat.rtt;
        if (pong) return;
      }
      this.#emit('message', event);
    });
    socket.onerror = this.#step((event: Event) => this.#current !== 'closing' && this.#emit('error', event));
    socket.onclose = this.#step((event: CloseEvent) => {
      const opened = counters.openedAt !== undefined && this.#current !== 'connecting';
      this.#detach();
      if (this.#current === 'closing') this.#enter('closed', event);
      else {
        const { code, reason, wasClean } = event;
        this.#settle({ type: 'close', code, reason, wasClean, opened }, event);
      }
    });
  }

  // Asks HTTP or the resolver where to connect, when the options call for it. Returns the
  // target, or the outcome that stands in the way.
  #resolve(attempt: number, signal: AbortSignal): Target | Promise<Target | Outcome> {
    const options = this.#options;
    const endpoint = this.#endpoint as string;
    const outcome = this.#counters.lastOutcome;
    const mode = options.preflight;
    const probing = !!options.fetch && mode !== 'never';
    if (this.#resolver) return this.#ask(attempt, signal, probing ? this.#suspect : undefined);
    // Probe once anything went wrong (a failed handshake, a drop, an HTTP refusal), so that while
    // the endpoint is down no WebSocket attempt is spent: Chromium throttles failed handshakes.
    const failing = outcome && outcome.type !== 'exception';
    return probing && (mode === 'always' || failing)
      ? this.#ask(attempt, signal, endpoint)
      : { url: endpoint, via: 'direct' };
  }

  // Probes `probe` (an endpoint whose handshake failed, or the URL endpoint itself) over HTTP,
  // then runs the resolver, if there is one. Both share one `resolveTimeout` and one abort.
  async #ask(attempt: number, work: AbortSignal, probe?: string): Promise<Target | Outcome> {
    const options = this.#options;
    const resolver = this.#resolver;
    // Aborted by the timeout or with the attempt's work; the requests and the resolver get it.
    const controller = new AbortController();
    work.addEventListener('abort', () => controller.abort(), { once: true });
    this.#setState('resolving');
    const timeout = options.timers.setTimeout(() => controller.abort(), options.resolveTimeout);
    // Settles at the abort even when a resolver (or a fetch) ignores its signal.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.onabort = () => {
        // Names what was asked: the resolver's URL, or the endpoint being probed.
        const asked = resolver?.url ?? (probe && toHttpUrl(probe)) ?? '';
        reject(new ResolveError(`Asking ${asked || 'the resolver'} timed out or was cancelled`, 'network', asked));
      };
    });
    // Never awaited when the probe or the resolver throws at once; that is no unhandled rejection.
    aborted.catch(noop);
    const base = (globalThis as { location?: Location }).location?.href;
    try {
      if (probe !== undefined) {
        const probed = await this.#probe(attempt, probe, controller.signal, aborted);
        // The endpoint answered, or may be fine: the resolver decides where to go next.
        if (!resolver || 'type' in probed) return probed;
        this.#suspect = undefined;
      }
      // Without a probe, only a resolver comes here.
      const { url: asked = '', via = 'custom' } = resolver as Resolver;
      const where = redactUrl(asked);
      this.#emit('resolving', { attempt, via, url: where });
      const { allowInsecure, allowedHosts } = options;
      const result = await Promise.race([
        (resolver as Resolver)({
          attempt,
          outcome: this.#counters.lastOutcome,
          signal: controller.signal,
          fetch: options.fetch as typeof fetch,
          now: options.now(),
          allowInsecure,
          allowedHosts,
        }),
        aborted,
      ]);
      const source = where || 'the resolver';
      const secure = /^https:/.test(asked || base || '');
      const check = (url: string) => checkTarget(url, source, base, secure, allowInsecure, allowedHosts);
      // Nothing from the answer reaches the WebSocket constructor unchecked.
      return { ...checkResolution(result, source, check), via };
    } catch (thrown) {
      const error = toResolveError(thrown);
      const { status, url, retryAfter } = error;
      if (status) return { type: 'http', status, url, dedicated: true, retryAfter };
      return { type: 'resolve', error };
    } finally {
      // Its own timer only: by now a close() or reconnect() may have set another.
      options.timers.clearTimeout(timeout);
    }
  }

  // GETs the http(s) twin of `endpoint` (or `preflightUrl`, for a URL endpoint) and asks the
  // policy what its answer means. Returns where to connect (the final URL after redirects, or
  // `endpoint` as it is when HTTP cannot tell), or the outcome that stands in the way.
  async #probe(
    attempt: number,
    endpoint: string,
    signal: AbortSignal,
    aborted: Promise<never>,
  ): Promise<Target | Outcome> {
    const options = this.#options;
    const fetcher = options.fetch as typeof fetch;
    const own = !this.#resolver;
    const dedicated = own && !!options.preflightUrl;
    const probeUrl = dedicated ? (options.preflightUrl as string) : toHttpUrl(endpoint);
    const where = redactUrl(probeUrl);
    this.#emit('resolving', { attempt, via: 'preflight', url: where });
    try {
      // The app's request settings are for its own endpoint's preflight, not for the hosts a
      // resolver names.
      const settings = own ? (options.request ?? {}) : {};
      const answer = await Promise.race([
        request(fetcher, probeUrl, settings, signal, options.now(), options),
        aborted,
      ]);
      const { status, retryAfter, maxAge } = answer;
      const said: Outcome = { type: 'http', status, url: redactUrl(answer.url), dedicated, retryAfter };
      const decision = this.#decide(said);
      if (decision !== 'connect') return { ...said, decision } as Outcome;
      const base = (globalThis as { location?: Location }).location?.href;
      const secure = /^wss:/.test(endpoint);
      const url = checkTarget(answer.url, where, base, secure, options.allowInsecure, options.allowedHosts);
      // Under `always`, reuse the answer only for as long as the server said it may be.
      const reuse = options.preflight === 'always' ? (maxAge ?? 0) : maxAge;
      return { url, via: 'preflight', redirected: answer.redirected, status, maxAge: reuse };
    } catch (thrown) {
      const error = toResolveError(thrown);
      if (error.reason === 'network') {
        // A server that is up but sends no CORS headers fails like a dead one; a no-cors request
        // tells them apart (it gets an opaque answer). Every fourth retry goes ahead regardless,
        // for a server that drops plain GETs without an HTTP answer but takes upgrades.
        const reachable = await Promise.race([
          fetcher(probeUrl, { mode: 'no-cors', signal }).then(
            () => true,
            () => false,
          ),
          aborted.catch(() => false),
        ]);
        if (reachable || this.#counters.retries % blindAttemptEvery === blindAttemptEvery - 1) {
          return { url: endpoint, via: 'direct' };
        }
      }
      return { type: 'resolve', error };
    }
  }

  #decide(outcome: Outcome): Decision {
    const suggested = defaultDecision(outcome);
    return this.#options.decide?.(outcome, suggested) ?? suggested;
  }

  // Decides what follows an outcome: the state changes first, then `close`, then the news.
  #settle(outcome: Outcome & { decision?: Decision }, event?: CloseEvent): void {
    const options = this.#options;
    const counters = this.#counters;
    // A connection that went silent was not healthy for its whole uptime: it does not reset.
    const stable =
      outcome.type === 'close' && outcome.opened && options.now() - (counters.openedAt ?? 0) >= options.minUptime;
    if (stable) {
      counters.retries = 0;
      this.#previousDelay = 0;
      // A 401 after a connection that stayed up is a first one again (a token that expired).
      this.#authRefreshed = false;
    } else {
      // The resolution did not hold up: ask again next time.
      this.#cache = undefined;
    }
    // A handshake on a resolved endpoint failed: HTTP may say why (a browser hides it).
    if (this.#resolver && (outcome.type === 'timeout' || (outcome.type === 'close' && !outcome.opened))) {
      this.#suspect = this.#url;
    }
    const { decision: decided, ...rest } = outcome;
    outcome = rest as Outcome;
    counters.lastOutcome = outcome;
    const decision = decided ?? this.#decide(outcome);
    if (decision === 'stop') {
      this.#enter('closed', event);
      return this.#dropQueue('closed');
    }
    const refresh = decision === 'refresh-auth';
    const said = describe(outcome);
    let why: string | undefined;
    if (decision === 'fatal') why = said;
    else if (refresh && !options.refreshAuth) why = `${said} and no refreshAuth option`;
    else if (refresh && this.#authRefreshed) why = `${said}, the second 401 in a row after refreshAuth`;
    else if (counters.retries >= options.maxRetries) {
      why = `${counters.retries + 1} failed attempts in a row, the last ${said}`;
    }
    if (why) return this.#fail(outcome, why, event);

    const attempt = ++counters.retries;
    let delay = 0;
    // A refresh retries at once after a connection that stayed up; after other failures in a
    // row it waits the backoff like any retry.
    if (decision !== 'connect' && !(refresh && attempt === 1)) {
      delay = backoffDelay(options, attempt, this.#previousDelay, options.random);
      this.#previousDelay = delay;
      const retryAfter = (outcome as { retryAfter?: number }).retryAfter;
      if (decision === 'reconnect-later' && retryAfter) {
        // Never earlier than the server asked; a little later, so its clients do not return at once.
        const spread = 1 + options.random() * retryAfterSpread;
        delay = Math.max(delay, Math.min(options.maxRetryAfter, retryAfter * spread));
      }
    }
    if (refresh) {
      // One retry with fresh credentials; the next 401 in a row is fatal.
      this.#authRefreshed = true;
      this.#cache = undefined;
    }
    this.#retryAt = options.now() + delay;
    this.#retry = refresh ? () => this.#refreshAuth(outcome) : () => this.#attempt();
    this.#arm('retry', () => this.#retry(), delay);
    this.#enter('waiting', event);
    this.#emit('reconnecting', { attempt, delay, reason: outcome });
  }

  // Calls the app's refreshAuth, then attempts. It may take at most `resolveTimeout`: one that
  // never settles counts as a failed attempt (and the next 401 may ask again).
  #refreshAuth(outcome: Outcome): void {
    const { refreshAuth, resolveTimeout } = this.#options;
    const signal = this.#begin();
    const current = () => !signal.aborted;
    this.#arm(
      'refresh',
      () => {
        this.#work.abort();
        this.#authRefreshed = false;
        const error = new ResolveError(`refreshAuth did not settle within ${resolveTimeout} ms`, 'network', '');
        this.#settle({ type: 'resolve', error });
      },
      resolveTimeout,
    );
    Promise.resolve(outcome)
      .then(refreshAuth)
      .then(
        this.#step(() => {
          if (!current()) return;
          this.#disarm('refresh');
          this.#attempt();
        }),
        this.#step((error: unknown) => {
          if (!current()) return;
          this.#disarm('refresh');
          this.#fail(outcome, `refreshAuth threw ${error}`);
        }),
      );
  }

  #offline(): boolean {
    return this.#environment.navigator?.onLine === false;
  }

  #flush(): void {
    const socket = this.#socket;
    while (socket && this.#current === 'open' && this.#queue.items.length) {
      socket.send(this.#queue.shift() as SendData);
    }
  }

  // Sends a ping when one is due (or now, when forced) and schedules the next check; a passed
  // deadline ends the connection. Also runs for a connection held while offline.
  #tick(force?: boolean): void {
    const heartbeat = this.#heartbeat;
    const socket = this.#socket;
    if (!heartbeat || !socket || (this.#current !== 'open' && this.#current !== 'offline')) return;
    const { now } = this.#options;
    const time = now();
    if (heartbeat.expired(time)) return this.#dead();
    const ping = heartbeat.due(time, force);
    if (ping !== undefined) socket.send(ping);
    this.#arm('heartbeat', () => this.#tick(), heartbeat.next(time));
  }

  #dead(): void {
    this.#abandon(heartbeatCloseCode, 'heartbeat timeout');
    this.#settle({ type: 'heartbeat' }, closeEvent(heartbeatCloseCode, 'heartbeat timeout'));
  }

  #onEnvironment(event: Event): void {
    const { type } = event;
    const state = this.#current;
    const options = this.#options;
    if (state === 'closing' || state === 'closed' || state === 'failed') return;
    if ((type === 'pagehide' && (event as PageTransitionEvent).persisted) || type === 'freeze') {
      // Parked in the back/forward cache or frozen: an open socket would be dead on return, and
      // keeps the page from being cached. Close it cleanly; reconnect on return.
      this.#abandon(1000, 'page hidden');
      this.#setState('suspended');
    } else if (state === 'suspended') {
      if (type === 'pageshow' || type === 'resume') this.#restart();
    } else if (type === 'offline') {
      // Nothing goes out while offline: the state says so at once. An open socket is held (the
      // browser delivers its traffic when back online), and its heartbeat is checked now.
      if (state === 'open') {
        this.#setState('offline');
        this.#tick(true);
      } else if (state === 'waiting') {
        this.#disarm('retry');
        this.#setState('offline');
      }
    } else if (type !== 'visibilitychange' || this.#environment.document?.visibilityState === 'visible') {
      // Back online or visible: check an open connection now; cut a long wait short. A small
      // random spread, as `online` can fire before the network works and for many clients at once.
      if (this.#socket && (state === 'open' || state === 'offline')) {
        // A held socket is open again only when the network is back, not on visibility alone.
        if (type === 'online') {
          this.#setState('open');
          this.#flush();
        }
        return this.#tick(true);
      }
      const soon = options.random() * returnSpread;
      if (state === 'offline' || (state === 'waiting' && this.#retryAt - options.now() > soon)) {
        this.#setState('waiting');
        this.#retryAt = options.now() + soon;
        this.#arm('retry', () => this.#retry(), soon);
      }
    }
  }

  #fail(outcome: Outcome, why: string, event?: CloseEvent): void {
    const error = new ConnectionFailedError(`Gave up after ${why}`, outcome, redactUrl(this.#url));
    this.#counters.lastError = error;
    this.#enter('failed', event);
    this.#emit('failed', error);
    // Nothing would send them any more; `connect()` starts over with an empty queue.
    this.#dropQueue('failed');
  }
}

function toResolveError(thrown: unknown): ResolveError {
  return isResilientError(thrown, 'ResolveError')
    ? thrown
    : new ResolveError(`Resolver failed: ${thrown}`, 'network', '', thrown);
}

// The close event for a socket the client abandoned itself; the browser fires its own late or never.
function closeEvent(code: number, reason: string): CloseEvent {
  const init = { code, reason, wasClean: false };
  return typeof CloseEvent === 'function'
    ? new CloseEvent('close', init)
    : (Object.assign(new Event('close'), init) as CloseEvent);
}
