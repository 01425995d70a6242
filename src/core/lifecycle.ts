// The core client's engine: owns the socket, the pending work and the retry memory, feeds what
// happens into the lifecycle table (machine.ts) and applies its effects, calling the features.

import { ConnectionFailedError, ResolveError } from './errors';
import type { CloseEventLike, State, Stats } from './events';
import { type AttemptContext, type Feature, type FeatureHost, hostOf, type Target, targetOf } from './feature';
import { queueHandshake } from './handshakes';
import { type Effect, type Input, type Phase, transition } from './machine';
import type { NormalizedCoreOptions } from './options';
import type { Decision, Outcome } from './policy';
import { type SendData, SendQueue } from './queue';
import { redactUrl } from './redact';
import { RetryPlan } from './retry';
import { closeEvent, createSocket, release } from './socket';
import { EventSurface } from './surface';
import { Work } from './work';

// What an input carries to its effects: what ended the connection, and how to close a socket.
type Payload = { outcome?: Outcome & { decision?: Decision }; event?: CloseEventLike; code?: number; reason?: string };

/** @internal The lifecycle engine under {@link CoreWebSocket}; not constructed on its own. */
export class Lifecycle extends EventSurface {
  readonly #options: NormalizedCoreOptions;
  /** @internal The features, in the order their hooks run. */
  protected readonly features: Feature[];
  readonly #host: FeatureHost;
  readonly #endpoint: string;
  // Failures in a row, the last delay, a refresh spent: what the next verdict depends on.
  readonly #plan: RetryPlan;
  // The timers, the one cancellation signal and the handshake turn.
  readonly #work: Work;
  /** @internal The queue of messages sent while not open. */
  protected readonly queue: SendQueue;
  /** @internal The counters behind `stats`. */
  protected readonly counters: Stats = { attempts: 0, reconnects: 0, retries: 0 };
  /** @internal Where the current or last attempt went. */
  protected lastUrl = '';
  /** @internal The app's binaryType, applied to every new socket. */
  protected chosenBinaryType?: 'blob' | 'arraybuffer';
  #phase: Phase = 'idle';
  #socket?: WebSocket;
  // What the retry timer runs: the next attempt, or the auth refresh before it.
  #retry = () => this.#beginAttempt();
  #offline = false;
  // What undoes the features' set-up, while they are attached.
  #attached?: (() => void)[];

  constructor(endpoint: string, options: NormalizedCoreOptions) {
    super(options.logger);
    this.#options = options;
    this.features = options.features;
    this.#endpoint = this.lastUrl = endpoint;
    this.#plan = new RetryPlan(options, this.counters);
    this.#work = new Work(options.timers, (callback) => this.step(callback));
    this.queue = new SendQueue(options.maxQueuedMessages, options.maxQueuedBytes, options.queueOverflow);
    this.#host = hostOf(this, options, this.#work, {
      stats: this.counters,
      socket: () => this.#socket,
      emit: (type, ...args) => this.raise(type, ...args),
      step: (callback) => this.step(callback),
      signal: (signal) => {
        if (signal === 'online' || signal === 'offline') this.#offline = signal === 'offline';
        this.input(signal, { code: 1000, reason: 'page hidden' });
      },
      lose: (outcome, code, reason) => this.input('lost', { outcome, code, reason, event: closeEvent(code, reason) }),
    });
    // Connect after the caller's synchronous code, so listeners added right after `new` see it all;
    // as a step, so what it raises (idle → offline, when started offline) is delivered at once.
    if (!options.lazy) queueMicrotask(this.step(() => this.#phase === 'idle' && this.input('connect')));
  }

  /** The lifecycle state; see {@link State}. */
  get state(): State {
    return this.#phase === 'held' ? 'offline' : this.#phase;
  }

  /** @internal The socket while connecting, open or held. */
  protected get socket(): WebSocket | undefined {
    return this.#socket;
  }

  /** @internal Moves the machine: the next state first, then the effects, in the order the table lists them. */
  protected input(input: Input, payload: Payload = {}): void {
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
    const counters = this.counters;
    const { outcome, event } = payload;
    switch (effect) {
      case 'restart':
        return this.#startOver();
      case 'cancel':
        return this.#work.cancel();
      case 'drop':
        for (const data of this.queue.clear())
          this.raise('drop', { data, reason: this.#phase === 'failed' ? 'failed' : 'closed' });
        return;
      case 'shut':
        try {
          // Still waiting for its turn to handshake: there is no socket to wait for.
          if (this.#socket) return this.#socket.close(payload.code, payload.reason);
        } catch {
          // A socket that cannot even close is gone; do not wait for its event either.
        }
        return this.input('ended');
      case 'detach':
        return this.#detach();
      case 'abandon':
        return this.#detach(true, payload.code, payload.reason);
      case 'dispose':
        for (const undo of this.#attached?.splice(0) ?? []) undo();
        this.#attached = undefined;
        return;
      case 'opened':
        return this.#opened(event as unknown as Event);
      case 'decide':
        return this.#decideAfter(outcome as Outcome, event);
      case 'report':
        if (event) this.raise('close', event);
        if (this.#phase === 'failed') this.raise('failed', counters.lastError as ConnectionFailedError);
        return;
      case 'wait': {
        const delay = this.#plan.at - options.now();
        this.#work.arm('retry', () => this.input('due'), delay);
        return this.raise('reconnecting', { attempt: counters.retries, delay, reason: outcome as Outcome });
      }
      case 'proceed':
        return this.#retry();
      case 'soon': {
        const soon = this.#plan.soon();
        if (soon !== undefined) this.#work.arm('retry', () => this.input('due'), soon);
        return;
      }
      case 'disarm':
        this.#plan.at = Infinity;
        return this.#work.disarm('retry');
      case 'flush':
        return this.#flush();
      case 'wake':
        for (const feature of this.features) feature.wake?.();
    }
  }

  // Lets go of the socket (closing it, when asked) and of everything pending.
  #detach(close?: boolean, code?: number, reason?: string): void {
    this.#work.cancel();
    release(this.#socket, close, code, reason);
    this.#socket = undefined;
  }

  #startOver(): void {
    if (!this.#attached) {
      this.#attached = [];
      for (const feature of this.features) {
        const undo = feature.attach?.(this.#host);
        if (undo) this.#attached.push(undo);
      }
    }
    // A socket held while offline, or one still closing, must not outlive the restart.
    this.#detach(true, 1000, 'reconnect');
    this.#plan.reset();
    this.#retry = () => this.#beginAttempt();
    this.#beginAttempt();
  }

  // Asks the features where to connect (the first that answers decides), then dials.
  #beginAttempt(): void {
    // No attempt is spent while the browser knows it is offline; `online` resumes.
    if (this.#offline) return this.input('hold');
    const signal = this.#work.begin();
    const attempt = this.counters.retries;
    const context: AttemptContext = {
      attempt,
      endpoint: this.#endpoint,
      url: this.lastUrl,
      outcome: this.counters.lastOutcome,
      renew: this.#plan.renew,
      signal,
      decide: (outcome) => this.#plan.decide(outcome),
      resolving: (info) => {
        this.input('resolve');
        this.raise('resolving', info);
      },
    };
    // Told once: whatever was reused is dropped now, and what is resolved next may be reused.
    this.#plan.renew = false;
    const target = targetOf(this.features, context);
    if (!(target instanceof Promise)) return this.#dial(target, attempt);
    target.then(
      this.step((found) => signal.aborted || this.#dial(found, attempt)),
      this.step((error) => {
        if (signal.aborted) return;
        const cause = new ResolveError(`Resolution failed: ${error}`, 'network', '', error);
        this.input('lost', { outcome: { type: 'resolve', error: cause } });
      }),
    );
  }

  #dial(target: Target | Outcome, attempt: number): void {
    if ('type' in target) return this.input('lost', { outcome: target });
    const { url, via, redirected, status, maxAge, cached } = target;
    this.lastUrl = url;
    this.raise('resolved', { via, url: redactUrl(url), redirected, status, maxAge, cached: !!cached });
    this.input('dial');
    this.counters.attempts++;
    this.raise('connecting', { attempt, url: redactUrl(url) });
    const protocols = target.protocols ?? this.#options.protocols;
    // Handshakes to one endpoint go one at a time, page-wide (see handshakes.ts). A turn comes
    // in a microtask: a step of its own.
    const start = this.step((leave: () => void) => this.#handshake(url, protocols, leave));
    if (this.#options.queueHandshakes) this.#work.turn = queueHandshake(url, start);
    else start(() => {});
  }

  // Creates the socket once its turn has come; the connect timeout starts only now, so time spent
  // queued behind other handshakes never counts against it. `leave` ends the turn.
  #handshake(url: string, protocols: string | string[] | undefined, leave: () => void): void {
    const counters = this.counters;
    const socket = createSocket(this.#options.WebSocket, url, protocols);
    if ('type' in socket) {
      leave();
      return this.input('lost', { outcome: socket });
    }
    this.#socket = socket;
    if (this.chosenBinaryType) socket.binaryType = this.chosenBinaryType;
    const timedOut = { outcome: { type: 'timeout' } as Outcome, event: closeEvent(1006, 'connect timeout') };
    this.#work.arm('connect', () => this.input('lost', timedOut), this.#options.connectTimeout);
    socket.onopen = this.step((event: Event) => {
      leave();
      // An open that comes after close() was asked for changes nothing: the close follows.
      this.input('open', { event: event as CloseEvent });
    });
    const hooks = this.features.filter((feature) => feature.message);
    socket.onmessage = this.step((event: MessageEvent) => {
      for (const feature of hooks) if (feature.message?.(event)) return;
      this.raise('message', event);
    });
    socket.onerror = this.step((event: Event) => this.#phase !== 'closing' && this.raise('error', event));
    socket.onclose = this.step((event: CloseEvent) => {
      const opened = counters.openedAt !== undefined && this.#phase !== 'connecting';
      const { code, reason, wasClean } = event;
      this.input('ended', { event, outcome: { type: 'close', code, reason, wasClean, opened } });
    });
  }

  #opened(event: Event): void {
    const counters = this.counters;
    const socket = this.#socket as WebSocket;
    this.#work.disarm('connect');
    if (counters.openedAt !== undefined) counters.reconnects++;
    counters.openedAt = this.#options.now();
    for (const feature of this.features) feature.open?.(socket);
    this.raise('open', event);
    // After the open listeners, so their re-authentication and resubscription go first; and
    // only while this socket is still the open one (a listener may have closed it).
    this.later(() => this.#socket === socket && this.#flush());
    // Held while the browser is offline: `online` makes it open.
    if (this.#offline) this.input('offline');
  }

  #flush(): void {
    const socket = this.#socket;
    while (socket && this.#phase === 'open' && this.queue.items.length) socket.send(this.queue.shift() as SendData);
  }

  // Asks the policy what follows `outcome`, and feeds its verdict back into the machine.
  #decideAfter(given: Outcome & { decision?: Decision }, event?: CloseEvent): void {
    const { decision, ...outcome } = given;
    const verdict = this.#plan.verdict(outcome as Outcome, decision ?? this.#plan.decide(outcome as Outcome));
    if (verdict.input === 'fail') return this.#fail(outcome as Outcome, verdict.why, event);
    if (verdict.input === 'retry') {
      // A refresh runs the app's refreshAuth first (see RetryPlan.refresh).
      const then = {
        attempt: () => this.#beginAttempt(),
        fail: (why: string) => this.#fail(outcome as Outcome, why),
        lose: (error: ResolveError) => this.input('lost', { outcome: { type: 'resolve', error } }),
      };
      const step = (callback: () => void) => this.step(callback);
      this.#retry = verdict.refresh
        ? () => this.#plan.refresh(outcome as Outcome, this.#work, step, then)
        : then.attempt;
    }
    this.input(verdict.input, { event, outcome: outcome as Outcome });
  }

  #fail(outcome: Outcome, why: string, event?: CloseEvent): void {
    this.counters.lastError = new ConnectionFailedError(`Gave up after ${why}`, outcome, redactUrl(this.lastUrl));
    this.input('fail', { event });
  }
}
