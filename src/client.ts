// ResilientWebSocket: the one owner of connection state. It runs the lifecycle, asks the policy
// what each outcome means, and keeps the WebSocket-compatible surface in step.

import { EventEmitter } from 'eventemitter3';
import { backoffDelay } from './backoff';
import { ConnectionFailedError, InvalidArgumentError, isResilientError, ResolveError } from './errors';
import type { ResilientEvents, ResolvedInfo, SendResult, State, Stats } from './events';
import { defaultEnvironment, type Environment, watchEnvironment } from './liveness/environment';
import { Heartbeat, heartbeatCloseCode } from './liveness/heartbeat';
import { type NormalizedOptions, normalizeOptions, type Options, type Resolver } from './options';
import { type Decision, defaultDecision, type Outcome } from './policy';
import { assertSendData, byteSize, type SendData, SendQueue } from './queue';
import type { Resolution } from './resolve/discovery';
import { request } from './resolve/http';
import { checkResolution, checkTarget, redactUrl, toHttpUrl, toWebSocketUrl } from './resolve/url';

// Where an attempt connects, and how that was found.
type Target = Resolution & Partial<Omit<ResolvedInfo, 'url'>> & Pick<ResolvedInfo, 'via'>;

type WebSocketEventType = 'open' | 'message' | 'close' | 'error';
type Handler<T extends WebSocketEventType> = ((...args: ResilientEvents[T]) => void) | null;
type ListenerArgument = EventListenerOrEventListenerObject | ((...args: never[]) => void);

const noop = () => {};

// Bound to the app's listener as EventEmitter context, so removeEventListener finds it again.
function callListener(this: ListenerArgument, ...args: unknown[]): void {
  if (typeof this === 'function') (this as (...args: unknown[]) => void)(...args);
  else this.handleEvent(args[0] as Event);
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
export class ResilientWebSocket extends EventEmitter<ResilientEvents> {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  readonly #options: NormalizedOptions;
  readonly #queue: SendQueue;
  // The configured endpoint, or the resolver that finds one.
  readonly #endpoint?: string;
  readonly #resolver?: Resolver;
  // The URL of the current or last attempt.
  #url: string;
  // A resolution reused for reconnects until it fails or expires.
  #cache?: Target & { expiresAt: number };
  // Bumped whenever pending async work (a resolution, an auth refresh) must be ignored.
  #generation = 0;
  #abort?: AbortController;
  #authRefreshed = false;
  readonly #heartbeat?: Heartbeat;
  readonly #environment: Environment;
  #unwatch?: () => void;
  // When the current wait ends (the `now` clock).
  #retryAt = 0;
  #socket?: WebSocket;
  // One timer at a time: the connect timeout while connecting, the retry wait while waiting.
  #timer?: unknown;
  #current: State = 'idle';
  #previousDelay = 0;
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
    super();
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
   * where resolution led. `''` before a resolver has answered. Unlike every event and error, it
   * is NOT redacted: it may carry a token; redact it (`redactUrl`) before logging it.
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
  get readyState(): number {
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
  get binaryType(): BinaryType {
    return this.#chosenBinaryType ?? this.#socket?.binaryType ?? 'blob';
  }

  set binaryType(type: BinaryType) {
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

  /** As `EventTarget.addEventListener`, for any event of {@link ResilientEvents}. */
  addEventListener<T extends keyof ResilientEvents>(
    type: T,
    listener: ListenerArgument | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    if (!listener) return;
    const once = typeof options === 'object' && options.once;
    // biome-ignore lint/suspicious/noExplicitAny: the listener's context carries the app's listener.
    (once ? this.once : this.on).call(this, type, callListener as any, listener);
  }

  /** As `EventTarget.removeEventListener`. */
  removeEventListener<T extends keyof ResilientEvents>(type: T, listener: ListenerArgument | null): void {
    // biome-ignore lint/suspicious/noExplicitAny: see addEventListener.
    if (listener) this.off(type, callListener as any, listener);
  }

  /**
   * Sends `data` now when open, else queues it (see `maxQueuedMessages`, `maxQueuedBytes`,
   * `queueOverflow`). With `lazy`, the first send connects. Never drops silently: a message not
   * kept raises `drop` and returns `'dropped'`.
   * @throws InvalidArgumentError when `data` is not a string, ArrayBuffer, view or Blob.
   */
  send(data: SendData): SendResult {
    assertSendData(data);
    // Nothing goes out on a socket already past its heartbeat deadline.
    if (this.#current === 'open' && this.#heartbeat?.expired(this.#options.now())) this.#dead();
    const state = this.#current;
    // While the browser is offline an open socket only holds frames, and may never deliver them:
    // they wait in the queue instead, for this connection when back online or for the next one.
    if (state === 'open' && !this.#offline()) {
      this.#socket?.send(data);
      return 'sent';
    }
    if (state === 'closing' || state === 'closed') {
      this.emit('drop', { data, reason: 'closed' });
      return 'dropped';
    }
    const dropped = this.#queue.push(data);
    for (const message of dropped) this.emit('drop', { data: message, reason: 'overflow' });
    if (state === 'idle') this.connect();
    return dropped[0] === data ? 'dropped' : dropped.length ? 'queued-dropped-oldest' : 'queued';
  }

  /**
   * Starts connecting when idle (see `lazy`), or starts over after `close()` or a failure, or
   * from `offline` and `suspended`. Does nothing while resolving, connecting, open or waiting.
   */
  connect(): void {
    if (!/^(resolving|connecting|open|waiting)$/.test(this.#current)) this.#restart();
  }

  /** Drops the current connection or wait and connects again now, with the retry count reset. */
  reconnect(): void {
    this.#abandon(1000, 'reconnect');
    this.#restart();
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
    if (reason !== undefined && byteSize(String(reason)) > 123) {
      throw new InvalidArgumentError('close(reason)', 'longer than 123 bytes of UTF-8');
    }
    // Whatever is pending (a wait, a resolution, an auth refresh) must not connect any more.
    this.#cancel();
    for (let data = this.#queue.shift(); data !== undefined; data = this.#queue.shift()) {
      this.emit('drop', { data, reason: 'closed' });
    }
    const socket = this.#socket;
    this.#setState(socket ? 'closing' : 'closed');
    if (!socket) return;
    try {
      socket.close(code ?? 1000, reason);
    } catch {
      // A socket that cannot even close is gone; do not wait for its event.
      this.#detach();
      this.#setState('closed');
    }
  }

  #setHandler<T extends WebSocketEventType>(type: T, handler: Handler<T>): void {
    const previous = this.#handlers[type];
    // biome-ignore lint/suspicious/noExplicitAny: the type is checked by the accessors above.
    if (previous) this.off(type, previous as any);
    // biome-ignore lint/suspicious/noExplicitAny: as above.
    (this.#handlers as any)[type] = handler;
    // biome-ignore lint/suspicious/noExplicitAny: as above.
    if (handler) this.on(type, handler as any);
  }

  #setState(state: State): void {
    const previous = this.#current;
    this.#current = state;
    if (state === 'closed' || state === 'failed') {
      this.#unwatch?.();
      this.#unwatch = undefined;
    }
    if (state !== previous) this.emit('state', state, previous);
  }

  #clearTimer(): void {
    this.#options.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #cancel(): void {
    this.#generation++;
    this.#abort?.abort();
    this.#clearTimer();
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
      handleEvent: (event) => this.#onEnvironment(event),
    });
    this.#detach();
    this.#counters.retries = 0;
    this.#previousDelay = 0;
    this.#attempt();
  }

  #attempt(): void {
    // No attempt is spent while the browser knows it is offline; `online` resumes.
    if (this.#offline()) return this.#setState('offline');
    const generation = ++this.#generation;
    const attempt = this.#counters.retries;
    const cached = this.#cache;
    const resolved =
      cached && this.#options.now() < cached.expiresAt ? { ...cached, cached: true } : this.#resolve(attempt);
    if (resolved instanceof Promise) {
      resolved.then((target) => generation === this.#generation && this.#open(target, attempt));
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
    this.emit('resolved', {
      via: resolved.via,
      url: redactUrl(url),
      redirected: resolved.redirected ?? false,
      status: resolved.status,
      maxAge,
      cached: !!resolved.cached,
    });
    this.#setState('connecting');
    counters.attempts++;
    this.emit('connecting', { attempt, url: redactUrl(url) });
    let socket: WebSocket;
    try {
      socket = new options.WebSocket(url, protocols ?? options.protocols) as WebSocket;
    } catch (error) {
      return this.#settle({ type: 'exception', error });
    }
    this.#socket = socket;
    if (this.#chosenBinaryType) socket.binaryType = this.#chosenBinaryType;
    this.#timer = options.timers.setTimeout(() => {
      this.#abandon();
      this.#settle({ type: 'timeout' }, closeEvent(1006, 'connect timeout'));
    }, options.connectTimeout);
    socket.onopen = (event) => {
      this.#clearTimer();
      this.#authRefreshed = false;
      if (counters.openedAt !== undefined) counters.reconnects++;
      counters.openedAt = options.now();
      this.#setState('open');
      this.#heartbeat?.reset(counters.openedAt);
      this.emit('open', event);
      // After the open listeners, so their re-authentication and resubscription go first.
      this.#flush();
      this.#tick();
    };
    socket.onmessage = (event) => {
      const heartbeat = this.#heartbeat;
      if (heartbeat) {
        const now = options.now();
        // Late life does not excuse a missed deadline: the connection already counted as dead.
        if (heartbeat.expired(now)) return this.#dead();
        const pong = heartbeat.receive(event, now);
        counters.rtt = heartbeat.rtt;
        if (pong) return;
      }
      this.emit('message', event);
    };
    socket.onerror = (event) => this.#current !== 'closing' && this.emit('error', event);
    socket.onclose = (event) => {
      this.#detach();
      if (this.#current === 'closing') {
        this.#setState('closed');
        this.emit('close', event);
      } else {
        const { code, reason, wasClean } = event;
        this.#settle({ type: 'close', code, reason, wasClean, opened: this.#current === 'open' }, event);
      }
    };
  }

  // Asks HTTP or the resolver where to connect, when the options call for it. Returns the
  // target, or the outcome that stands in the way.
  #resolve(attempt: number): Target | Promise<Target | Outcome> {
    const options = this.#options;
    const endpoint = this.#endpoint as string;
    const outcome = this.#counters.lastOutcome;
    const mode = options.preflight;
    // Probe once anything went wrong (a failed handshake, a drop, an HTTP refusal), so that while
    // the endpoint is down no WebSocket attempt is spent: Chromium throttles failed handshakes.
    const failing = outcome && outcome.type !== 'exception';
    const preflight = !!options.fetch && (mode === 'always' || (mode === 'on-failure' && !!failing));
    const direct: Target = { url: endpoint, via: 'direct' };
    return this.#resolver || preflight ? this.#ask(attempt, direct) : direct;
  }

  // Runs the resolver or, when there is none, the preflight.
  async #ask(attempt: number, direct: Target): Promise<Target | Outcome> {
    const options = this.#options;
    const resolver = this.#resolver;
    const endpoint = direct.url;
    const outcome = this.#counters.lastOutcome;
    const probeUrl = resolver ? (resolver.url ?? '') : (options.preflightUrl ?? toHttpUrl(endpoint));
    const where = redactUrl(probeUrl);
    const via = resolver ? (resolver.via ?? 'custom') : 'preflight';
    const controller = new AbortController();
    this.#abort = controller;
    this.#setState('resolving');
    this.emit('resolving', { attempt, via, url: where });
    const timeout = options.timers.setTimeout(() => controller.abort(), options.resolveTimeout);
    // Settles at the abort even when a resolver (or a fetch) ignores its signal.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.onabort = () =>
        reject(new ResolveError(`${via} ${where} timed out or was cancelled`, 'network', where));
    });
    // Never awaited when a resolver throws at once; that is no unhandled rejection.
    aborted.catch(noop);
    const now = options.now();
    const base = (globalThis as { location?: Location }).location?.href;
    const secure = /^(wss|https):/.test(resolver ? (resolver.url ?? base ?? '') : endpoint);
    const check = (url: string) =>
      checkTarget(url, where || 'the resolver', base, secure, options.allowInsecure, options.allowedHosts);
    try {
      if (resolver) {
        const fetcher = options.fetch as typeof fetch;
        const { allowInsecure, allowedHosts } = options;
        const result = await Promise.race([
          resolver({ attempt, outcome, signal: controller.signal, fetch: fetcher, now, allowInsecure, allowedHosts }),
          aborted,
        ]);
        return { ...checkResolution(result, where || 'the resolver', check), via };
      }
      const answer = await Promise.race([
        request(options.fetch as typeof fetch, probeUrl, options.request ?? {}, controller.signal, now, options),
        aborted,
      ]);
      const { status, retryAfter, maxAge } = answer;
      const said: Outcome = {
        type: 'http',
        status,
        url: redactUrl(answer.url),
        dedicated: !!options.preflightUrl,
        retryAfter,
      };
      const decision = this.#decide(said);
      if (decision !== 'connect') return { ...said, decision } as Outcome;
      // Under `always`, reuse the answer only for as long as the server said it may be.
      const reuse = options.preflight === 'always' ? (maxAge ?? 0) : maxAge;
      return { url: check(answer.url), via, redirected: answer.redirected, status, maxAge: reuse };
    } catch (thrown) {
      const error = isResilientError(thrown, 'ResolveError')
        ? (thrown as ResolveError)
        : new ResolveError(`Resolver failed: ${thrown}`, 'network', '', thrown);
      const { reason, status, url, retryAfter } = error;
      if (status) return { type: 'http', status, url, dedicated: true, retryAfter };
      if (!resolver && reason === 'network') {
        // A server that is up but sends no CORS headers fails like a dead one; a no-cors request
        // tells them apart (it gets an opaque answer). Every fourth retry goes ahead regardless,
        // for a server that drops plain GETs without an HTTP answer but takes upgrades.
        const reachable = await Promise.race([
          (options.fetch as typeof fetch)(probeUrl, { mode: 'no-cors', signal: controller.signal }).then(
            () => true,
            () => false,
          ),
          aborted.catch(() => false),
        ]);
        if (reachable || this.#counters.retries % 4 === 3) return direct;
      }
      return { type: 'resolve', error };
    } finally {
      // Its own timer only: by now a close() or reconnect() may have set another.
      options.timers.clearTimeout(timeout);
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
      this.#current === 'open' &&
      outcome.type !== 'heartbeat' &&
      options.now() - (counters.openedAt ?? 0) >= options.minUptime;
    if (stable) {
      counters.retries = 0;
      this.#previousDelay = 0;
    } else {
      // The resolution did not hold up: ask again next time.
      this.#cache = undefined;
    }
    const { decision: decided, ...rest } = outcome;
    outcome = rest as Outcome;
    counters.lastOutcome = outcome;
    const decision = decided ?? this.#decide(outcome);
    if (decision === 'stop') {
      this.#setState('closed');
      if (event) this.emit('close', event);
      return;
    }
    const refresh = decision === 'refresh-auth';
    const said = describe(outcome);
    let why: string | undefined;
    if (decision === 'fatal') why = said;
    else if (refresh && !options.refreshAuth) why = `${said} and no refreshAuth option`;
    else if (refresh && this.#authRefreshed) why = `${said}, the second 401 in a row after refreshAuth`;
    else if (!refresh && counters.retries >= options.maxRetries) {
      why = `${counters.retries + 1} failed attempts in a row, the last ${said}`;
    }
    if (why) return this.#fail(outcome, why, event);

    const attempt = ++counters.retries;
    let delay = 0;
    if (refresh) {
      // One immediate retry with fresh credentials; the next 401 in a row is fatal.
      this.#authRefreshed = true;
      this.#cache = undefined;
      const generation = this.#generation;
      Promise.resolve(outcome)
        .then(options.refreshAuth)
        .then(
          () => {
            if (generation === this.#generation) this.#attempt();
          },
          (error) => {
            if (generation === this.#generation) this.#fail(outcome, `refreshAuth threw ${error}`);
          },
        );
    } else if (decision !== 'connect') {
      delay = backoffDelay(options, attempt, this.#previousDelay, options.random);
      this.#previousDelay = delay;
      const retryAfter = (outcome as { retryAfter?: number }).retryAfter;
      if (decision === 'reconnect-later' && retryAfter) {
        // Never earlier than the server asked; a little later, so its clients do not return at once.
        delay = Math.max(delay, Math.min(options.maxRetryAfter, retryAfter * (1 + options.random() / 5)));
      }
    }
    this.#setState('waiting');
    this.#retryAt = options.now() + delay;
    if (!refresh) this.#timer = options.timers.setTimeout(() => this.#attempt(), delay);
    if (event) this.emit('close', event);
    this.emit('reconnecting', { attempt, delay, reason: outcome });
  }

  #offline(): boolean {
    return this.#environment.navigator?.onLine === false;
  }

  #flush(): void {
    const socket = this.#socket;
    while (socket && this.#current === 'open' && !this.#offline() && this.#queue.items.length) {
      socket.send(this.#queue.shift() as SendData);
    }
  }

  // Sends a ping when one is due (or now, when forced) and schedules the next check; a passed
  // deadline ends the connection.
  #tick(force?: boolean): void {
    const heartbeat = this.#heartbeat;
    const socket = this.#socket;
    if (!heartbeat || !socket || this.#current !== 'open') return;
    const { now, timers } = this.#options;
    const time = now();
    if (heartbeat.expired(time)) return this.#dead();
    const ping = heartbeat.due(time, force);
    if (ping !== undefined) socket.send(ping);
    this.#clearTimer();
    this.#timer = timers.setTimeout(() => this.#tick(), heartbeat.next(time));
  }

  #dead(): void {
    this.#abandon(heartbeatCloseCode, 'heartbeat timeout');
    this.#settle({ type: 'heartbeat' }, closeEvent(heartbeatCloseCode, 'heartbeat timeout'));
  }

  #onEnvironment(event: Event): void {
    const { type } = event;
    const state = this.#current;
    const options = this.#options;
    if (state === 'closing') return;
    if ((type === 'pagehide' && (event as PageTransitionEvent).persisted) || type === 'freeze') {
      // Parked in the back/forward cache or frozen: an open socket would be dead on return, and
      // keeps the page from being cached. Close it cleanly; reconnect on return.
      this.#abandon(1000, 'page hidden');
      this.#setState('suspended');
    } else if (state === 'suspended') {
      if (type === 'pageshow' || type === 'resume') this.#restart();
    } else if (type === 'offline') {
      if (state === 'open') this.#tick(true);
      else if (state === 'waiting') {
        this.#clearTimer();
        this.#setState('offline');
      }
    } else if (type !== 'visibilitychange' || this.#environment.document?.visibilityState === 'visible') {
      // Back online or visible: check an open connection now; cut a long wait short. A small
      // random spread, as `online` can fire before the network works and for many clients at once.
      if (state === 'open') {
        this.#flush();
        return this.#tick(true);
      }
      const soon = options.random() * 300;
      if (state === 'offline' || (state === 'waiting' && this.#retryAt - options.now() > soon)) {
        this.#clearTimer();
        this.#setState('waiting');
        this.#retryAt = options.now() + soon;
        this.#timer = options.timers.setTimeout(() => this.#attempt(), soon);
      }
    }
  }

  #fail(outcome: Outcome, why: string, event?: CloseEvent): void {
    const error = new ConnectionFailedError(`Gave up after ${why}`, outcome, redactUrl(this.#url));
    this.#counters.lastError = error;
    this.#setState('failed');
    if (event) this.emit('close', event);
    this.emit('failed', error);
  }
}

// The close event for a socket the client abandoned itself; the browser fires its own late or never.
function closeEvent(code: number, reason: string): CloseEvent {
  const init = { code, reason, wasClean: false };
  return typeof CloseEvent === 'function'
    ? new CloseEvent('close', init)
    : (Object.assign(new Event('close'), init) as CloseEvent);
}

function describe(outcome: Outcome): string {
  const { type } = outcome;
  if (type === 'close') return `close code ${outcome.code}${outcome.reason ? ` (${outcome.reason})` : ''}`;
  if (type === 'http') return `HTTP ${outcome.status} from ${outcome.url}`;
  if (type === 'resolve') return outcome.error.message;
  if (type === 'exception') return `the WebSocket constructor threw ${outcome.error}`;
  return type === 'timeout' ? 'a connect timeout' : 'a missed heartbeat deadline';
}
