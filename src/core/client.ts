// The core client: owns the socket, the timers and the one cancellation signal, feeds what
// happens into the lifecycle table (machine.ts) and applies the effects it lists. Resolution,
// heartbeat, network and page lifecycle are features passed in (feature.ts).

import { backoffDelay } from './backoff';
import { ConnectionFailedError, InvalidArgumentError, ResolveError } from './errors';
import type { SendResult, State, Stats } from './events';
import type { AttemptContext, Feature, FeatureHost, Signal, Target } from './feature';
import { queueHandshake } from './handshakes';
import { describeOutcome } from './logger';
import { type Effect, type Input, type Phase, transition } from './machine';
import { type CoreOptions, type NormalizedCoreOptions, normalizeCoreOptions } from './options';
import { type Decision, defaultDecision, type Outcome } from './policy';
import { assertSendData, byteSize, type SendData, SendQueue } from './queue';
import { redactText, redactUrl } from './redact';
import { EventSurface } from './surface';
import { toWebSocketUrl } from './url';

// What an input carries to its effects: what ended the connection, and how to close a socket.
type Payload = { outcome?: Outcome & { decision?: Decision }; event?: CloseEvent; code?: number; reason?: string };

const noop = () => {};
// RFC 6455 §5.5: a control frame's payload is at most 125 bytes, 2 of them the close code.
const maxCloseReasonBytes = 123;
// A wait for Retry-After is stretched by up to this fraction, so a server's clients return spread out.
const retryAfterSpread = 0.2;
// Back online or visible: reconnect within this many ms, at random, so a crowd returns spread out.
const returnSpread = 300;

/**
 * The minimal resilient WebSocket: the lifecycle, backoff, the close-code policy, the bounded
 * queue, the connect timeout, the WebSocket-compatible surface and typed events. Everything else
 * is a feature passed in `features`.
 *
 * ```ts
 * const ws = new CoreWebSocket('wss://example.com/feed', { features: [heartbeat(), network()] });
 * ```
 */
export class CoreWebSocket extends EventSurface {
  readonly #options: NormalizedCoreOptions;
  readonly #features: Feature[];
  readonly #queue: SendQueue;
  readonly #host: FeatureHost;
  readonly #endpoint: string;
  readonly #counters: Stats = { attempts: 0, reconnects: 0, retries: 0 };
  #url: string;
  #phase: Phase = 'idle';
  #socket?: WebSocket;
  // The one cancellation mechanism: async work in flight holds this signal; #cancel aborts it.
  #work = new AbortController();
  // One timer per purpose ('connect', 'retry', 'refresh', and the features' own), cleared by name.
  readonly #timers: Record<string, unknown> = {};
  // What the retry timer runs: the next attempt, or the auth refresh before it.
  #retry = () => this.#attempt();
  #retryAt = Infinity;
  // Ends this client's place in the handshake queue (see `queueHandshakes`).
  #turn?: () => void;
  #previousDelay = 0;
  #authRefreshed = false;
  // The last connection did not hold up: features should not reuse what they resolved.
  #renew = false;
  #offline = false;
  // What undoes the features' set-up, while they are attached.
  #attached?: (() => void)[];
  #chosenBinaryType?: BinaryType;

  /**
   * @param url ws:, wss:, or their http:/https: twins (relative URLs resolve against the page);
   *   `''` when a feature (a resolver) finds the endpoint.
   * @param protocols subprotocols, as for `WebSocket`; or the options, when there are none.
   * @param options see {@link CoreOptions}.
   * @throws InvalidArgumentError for a bad URL or option, or when no WebSocket exists.
   */
  constructor(url: string | URL, protocols?: string | string[] | CoreOptions, options?: CoreOptions) {
    const given = typeof protocols === 'object' && !Array.isArray(protocols) ? protocols : { ...options, protocols };
    const normalized = normalizeCoreOptions(given);
    super(normalized.logger);
    this.#options = normalized;
    this.#features = normalized.features;
    this.#endpoint = url === '' ? '' : toWebSocketUrl(url, (globalThis as { location?: Location }).location?.href);
    this.#url = this.#endpoint;
    this.#queue = new SendQueue(normalized.maxQueuedMessages, normalized.maxQueuedBytes, normalized.queueOverflow);
    const self = this;
    this.#host = {
      get state() {
        return self.state;
      },
      get socket() {
        return self.#socket;
      },
      stats: this.#counters,
      now: normalized.now,
      timers: normalized.timers,
      random: normalized.random,
      arm: (name, callback, ms) => this.#arm(name, callback, ms),
      disarm: (name) => this.#disarm(name),
      transmit: (data) => !!this.#socket && /open|held/.test(this.#phase) && (this.#socket.send(data), true),
      emit: (type, ...args) => this.raise(type, ...args),
      step: (callback) => this.step(callback),
      signal: (signal: Signal) => {
        if (signal === 'online' || signal === 'offline') this.#offline = signal === 'offline';
        this.#input(signal, { code: 1000, reason: 'page hidden' });
      },
      lose: (outcome, code, reason) => this.#input('lost', { outcome, code, reason, event: closeEvent(code, reason) }),
    };
    // Connect after the caller's synchronous code, so listeners added right after `new` see it all.
    if (!normalized.lazy) queueMicrotask(() => this.#phase === 'idle' && this.connect());
  }

  /** The lifecycle state; see {@link State}. */
  get state(): State {
    return this.#phase === 'held' ? 'offline' : this.#phase;
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
   * reconnect, offline or suspended; `OPEN` (1) when open; `CLOSING` (2) after `close()` until the
   * socket has closed; `CLOSED` (3) when closed or failed.
   */
  get readyState(): 0 | 1 | 2 | 3 {
    const phase = this.#phase;
    return phase === 'open' ? 1 : phase === 'closing' ? 2 : phase === 'closed' || phase === 'failed' ? 3 : 0;
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
      this.drain();
    }
  }

  #send(data: SendData): SendResult {
    // A feature may hold a message back (a heartbeat past its deadline ends the connection first).
    if (this.#phase === 'open' && this.#features.every((feature) => feature.send?.(data) !== false)) {
      this.#socket?.send(data);
      return 'sent';
    }
    const phase = this.#phase;
    // A drop listener's own sends are reported by their result only, and never evict others:
    // a listener that re-sends what was dropped cannot loop forever.
    const quiet = this.dropping;
    // After close() or a failure nothing would ever send a queued message: say so now.
    if (phase === 'closing' || phase === 'closed' || phase === 'failed') {
      if (!quiet) this.raise('drop', { data, reason: phase === 'failed' ? 'failed' : 'closed' });
      return 'dropped';
    }
    const dropped = this.#queue.push(data, quiet ? 'reject' : undefined);
    for (const message of dropped) if (!quiet) this.raise('drop', { data: message, reason: 'overflow' });
    if (phase === 'idle') this.#input('connect');
    return dropped[0] === data ? 'dropped' : dropped.length ? 'queued-dropped-oldest' : 'queued';
  }

  /**
   * Starts connecting when idle (see `lazy`), or starts over after `close()` or a failure, or
   * from `offline` and `suspended`. Does nothing while resolving, connecting, open or waiting.
   */
  connect(): void {
    this.#input('connect');
    this.drain();
  }

  /**
   * Drops the current connection or wait and connects again now, with the retry count reset.
   * Does nothing after `close()`: only `connect()` starts over from there.
   */
  reconnect(): void {
    this.#input('reconnect');
    this.drain();
  }

  /**
   * Closes for good: no reconnect, and after the socket's `close` event no timer, listener or
   * socket is left. Queued messages are dropped, each with a `drop` event. `connect()` starts over.
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
    this.#input('close', { code: code ?? 1000, reason });
    this.drain();
  }

  // Moves the machine: the next state first, then the effects, in the order the table lists them.
  #input(input: Input, payload: Payload = {}): void {
    const [next, ...effects] = transition(this.#phase, input);
    if (next) {
      const previous = this.state;
      this.#phase = next;
      if (this.state !== previous) this.raise('state', this.state, previous);
    }
    for (const effect of effects) this.#apply(effect, payload);
  }

  #apply(effect: Effect, payload: Payload): void {
    const options = this.#options;
    const counters = this.#counters;
    const { outcome, event } = payload;
    switch (effect) {
      case 'restart':
        return this.#restart();
      case 'cancel':
        return this.#cancel();
      case 'drop':
        for (let data = this.#queue.shift(); data !== undefined; data = this.#queue.shift()) {
          this.raise('drop', { data, reason: this.#phase === 'failed' ? 'failed' : 'closed' });
        }
        return;
      case 'shut':
        try {
          // Still waiting for its turn to handshake: there is no socket to wait for.
          if (this.#socket) return this.#socket.close(payload.code, payload.reason);
        } catch {
          // A socket that cannot even close is gone; do not wait for its event either.
        }
        return this.#input('ended');
      case 'detach':
        return this.#detach();
      case 'abandon':
        return this.#abandon(payload.code, payload.reason);
      case 'dispose':
        for (const undo of this.#attached?.splice(0) ?? []) undo();
        this.#attached = undefined;
        return;
      case 'opened':
        return this.#opened(event as unknown as Event);
      case 'settle':
        return this.#settle(outcome as Outcome, event);
      case 'report':
        if (event) this.raise('close', event);
        if (this.#phase === 'failed') this.raise('failed', counters.lastError as ConnectionFailedError);
        return;
      case 'wait': {
        const delay = this.#retryAt - options.now();
        this.#arm('retry', () => this.#input('due'), delay);
        return this.raise('reconnecting', { attempt: counters.retries, delay, reason: outcome as Outcome });
      }
      case 'proceed':
        return this.#retry();
      case 'soon': {
        const soon = options.random() * returnSpread;
        if (this.#retryAt - options.now() <= soon) return;
        this.#retryAt = options.now() + soon;
        return this.#arm('retry', () => this.#input('due'), soon);
      }
      case 'disarm':
        this.#retryAt = Infinity;
        return this.#disarm('retry');
      case 'flush':
        return this.#flush();
      case 'wake':
        for (const feature of this.#features) feature.wake?.();
    }
  }

  // Arms the timer for `purpose` (replacing one already armed); it runs `callback` as a step.
  #arm(purpose: string, callback: () => void, ms: number): void {
    this.#disarm(purpose);
    // A fired timer's handle stays until the next arm or disarm; clearing it then is harmless.
    this.#timers[purpose] = this.#options.timers.setTimeout(this.step(callback), ms);
  }

  // Clears the timer for `purpose`, or every timer.
  #disarm(purpose?: string): void {
    for (const name in this.#timers) {
      if (purpose && name !== purpose) continue;
      this.#options.timers.clearTimeout(this.#timers[name]);
      delete this.#timers[name];
    }
  }

  // Ends whatever is pending: the handshake turn, the async work, every timer.
  #cancel(): void {
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
    if (!this.#attached) {
      this.#attached = [];
      for (const feature of this.#features) {
        const undo = feature.attach?.(this.#host);
        if (undo) this.#attached.push(undo);
      }
    }
    // A socket held while offline, or one still closing, must not outlive the restart.
    this.#abandon(1000, 'reconnect');
    // Starting over: the app may have fixed its credentials or its endpoint meanwhile.
    this.#counters.retries = 0;
    this.#previousDelay = 0;
    this.#authRefreshed = false;
    this.#retry = () => this.#attempt();
    this.#attempt();
  }

  // Asks the features where to connect (the first that answers decides), then dials.
  #attempt(): void {
    // No attempt is spent while the browser knows it is offline; `online` resumes.
    if (this.#offline) return this.#input('hold');
    const signal = this.#begin();
    const attempt = this.#counters.retries;
    const context: AttemptContext = {
      attempt,
      endpoint: this.#endpoint,
      url: this.#url,
      outcome: this.#counters.lastOutcome,
      renew: this.#renew,
      signal,
      decide: (outcome) => this.#decide(outcome),
      resolving: (info) => {
        this.#input('resolve');
        this.raise('resolving', info);
      },
    };
    // Told once: whatever was reused is dropped now, and what is resolved next may be reused.
    this.#renew = false;
    let target: ReturnType<NonNullable<Feature['resolve']>>;
    for (const feature of this.#features) if ((target = feature.resolve?.(context))) break;
    target ??= { url: this.#endpoint, via: 'direct' };
    if (!(target instanceof Promise)) return this.#dial(target, attempt);
    target.then(
      this.step((found) => signal.aborted || this.#dial(found, attempt)),
      this.step((error) => {
        if (signal.aborted) return;
        const cause = new ResolveError(`Resolution failed: ${error}`, 'network', '', error);
        this.#input('lost', { outcome: { type: 'resolve', error: cause } });
      }),
    );
  }

  #dial(target: Target | Outcome, attempt: number): void {
    if ('type' in target) return this.#input('lost', { outcome: target });
    const { url, via, redirected, status, maxAge, cached } = target;
    this.#url = url;
    this.raise('resolved', { via, url: redactUrl(url), redirected, status, maxAge, cached: !!cached });
    this.#input('dial');
    this.#counters.attempts++;
    this.raise('connecting', { attempt, url: redactUrl(url) });
    const protocols = target.protocols ?? this.#options.protocols;
    // Handshakes to one endpoint go one at a time, page-wide (see handshakes.ts). A turn comes
    // in a microtask: a step of its own.
    const start = this.step((leave: () => void) => this.#handshake(url, protocols, leave));
    if (this.#options.queueHandshakes) this.#turn = queueHandshake(url, start);
    else start(noop);
  }

  // Creates the socket once its turn has come; the connect timeout starts only now, so time spent
  // queued behind other handshakes never counts against it. `leave` ends the turn.
  #handshake(url: string, protocols: string | string[] | undefined, leave: () => void): void {
    const counters = this.#counters;
    let socket: WebSocket;
    try {
      socket = new this.#options.WebSocket(url, protocols) as WebSocket;
    } catch (error) {
      leave();
      // Its message may quote the URL, secrets and all; the outcome reaches events and stats.
      const said = redactText(String((error as Error)?.message ?? error));
      const thrown = Object.assign(new Error(said), { name: (error as Error)?.name });
      return this.#input('lost', { outcome: { type: 'exception', error: thrown } });
    }
    this.#socket = socket;
    if (this.#chosenBinaryType) socket.binaryType = this.#chosenBinaryType;
    const timedOut = { outcome: { type: 'timeout' } as Outcome, event: closeEvent(1006, 'connect timeout') };
    this.#arm('connect', () => this.#input('lost', timedOut), this.#options.connectTimeout);
    socket.onopen = this.step((event: Event) => {
      leave();
      // An open that comes after close() was asked for changes nothing: the close follows.
      this.#input('open', { event: event as CloseEvent });
    });
    const hooks = this.#features.filter((feature) => feature.message);
    socket.onmessage = this.step((event: MessageEvent) => {
      for (const feature of hooks) if (feature.message?.(event)) return;
      this.raise('message', event);
    });
    socket.onerror = this.step((event: Event) => this.#phase !== 'closing' && this.raise('error', event));
    socket.onclose = this.step((event: CloseEvent) => {
      const opened = counters.openedAt !== undefined && this.#phase !== 'connecting';
      const { code, reason, wasClean } = event;
      this.#input('ended', { event, outcome: { type: 'close', code, reason, wasClean, opened } });
    });
  }

  #opened(event: Event): void {
    const counters = this.#counters;
    const socket = this.#socket as WebSocket;
    this.#disarm('connect');
    if (counters.openedAt !== undefined) counters.reconnects++;
    counters.openedAt = this.#options.now();
    for (const feature of this.#features) feature.open?.(socket);
    this.raise('open', event);
    // After the open listeners, so their re-authentication and resubscription go first; and
    // only while this socket is still the open one (a listener may have closed it).
    this.later(() => this.#socket === socket && this.#flush());
    // Held while the browser is offline: `online` makes it open.
    if (this.#offline) this.#input('offline');
  }

  #flush(): void {
    const socket = this.#socket;
    while (socket && this.#phase === 'open' && this.#queue.items.length) socket.send(this.#queue.shift() as SendData);
  }

  #decide(outcome: Outcome): Decision {
    const suggested = defaultDecision(outcome);
    return this.#options.decide?.(outcome, suggested) ?? suggested;
  }

  // Asks the policy what follows `outcome`, and feeds its decision back into the machine.
  #settle(given: Outcome & { decision?: Decision }, event?: CloseEvent): void {
    const options = this.#options;
    const counters = this.#counters;
    const { decision: decided, ...outcome } = given;
    // A connection that went silent was not healthy for its whole uptime: it does not reset.
    const stable =
      outcome.type === 'close' && outcome.opened && options.now() - (counters.openedAt ?? 0) >= options.minUptime;
    if (stable) {
      counters.retries = 0;
      this.#previousDelay = 0;
      // A 401 after a connection that stayed up is a first one again (a token that expired).
      this.#authRefreshed = false;
    }
    this.#renew = !stable;
    counters.lastOutcome = outcome as Outcome;
    const decision = decided ?? this.#decide(outcome as Outcome);
    if (decision === 'stop') return this.#input('stop', { event });
    const refresh = decision === 'refresh-auth';
    const said = describeOutcome(outcome as Outcome);
    let why: string | undefined;
    if (decision === 'fatal') why = said;
    else if (refresh && !options.refreshAuth) why = `${said} and no refreshAuth option`;
    else if (refresh && this.#authRefreshed) why = `${said}, the second 401 in a row after refreshAuth`;
    else if (counters.retries >= options.maxRetries) {
      why = `${counters.retries + 1} failed attempts in a row, the last ${said}`;
    }
    if (why) return this.#fail(outcome as Outcome, why, event);
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
      this.#renew = true;
    }
    this.#retryAt = options.now() + delay;
    this.#retry = refresh ? () => this.#refreshAuth(outcome as Outcome) : () => this.#attempt();
    this.#input('retry', { event, outcome: outcome as Outcome });
  }

  // Calls the app's refreshAuth, then attempts. It may take at most `resolveTimeout`: one that
  // never settles counts as a failed attempt (and the next 401 may ask again).
  #refreshAuth(outcome: Outcome): void {
    const { refreshAuth, resolveTimeout } = this.#options;
    const signal = this.#begin();
    this.#arm(
      'refresh',
      () => {
        this.#work.abort();
        this.#authRefreshed = false;
        const error = new ResolveError(`refreshAuth did not settle within ${resolveTimeout} ms`, 'network', '');
        this.#input('lost', { outcome: { type: 'resolve', error } });
      },
      resolveTimeout,
    );
    const settled = (then: () => void) =>
      this.step(() => {
        if (signal.aborted) return;
        this.#disarm('refresh');
        then();
      });
    Promise.resolve(outcome)
      .then(refreshAuth)
      .then(
        settled(() => this.#attempt()),
        (error) => settled(() => this.#fail(outcome, `refreshAuth threw ${error}`))(),
      );
  }

  #fail(outcome: Outcome, why: string, event?: CloseEvent): void {
    this.#counters.lastError = new ConnectionFailedError(`Gave up after ${why}`, outcome, redactUrl(this.#url));
    this.#input('fail', { event });
  }
}

/** The close event for a socket the client abandoned itself; the browser fires its own late or never. */
export function closeEvent(code: number, reason: string): CloseEvent {
  const init = { code, reason, wasClean: false };
  return typeof CloseEvent === 'function'
    ? new CloseEvent('close', init)
    : (Object.assign(new Event('close'), init) as CloseEvent);
}
