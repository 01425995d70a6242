// The client's event surface: typed eventemitter3 events (held, not inherited, so `emit` stays
// the client's), the EventTarget methods and `on*` properties of a WebSocket, and the step
// discipline: events raised during a step are delivered once it has settled, each listener on its own.

import { EventEmitter } from 'eventemitter3';
import type { ResilientEvents, ResilientListener } from './events';

type WebSocketEventType = 'open' | 'message' | 'close' | 'error';
type Handler<T extends WebSocketEventType> = ((...args: ResilientEvents[T]) => void) | null;
type Listener = (...args: unknown[]) => void;
// One registered listener, as eventemitter3 keeps it.
type Registration = { fn: Listener; context: unknown; once: boolean };

/**
 * Calls the app's code (a listener, the logger) or a follow-up; an exception is reported the way
 * EventTarget does, as an uncaught error (window.onerror, Node's uncaughtException), without
 * stopping the client or the other listeners.
 */
export function safely(fn: Listener, context?: unknown, args: unknown[] = []): void {
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

// Bound to the app's listener as EventEmitter context, so removeEventListener finds it again.
function callListener(this: ResilientListener<keyof ResilientEvents>, ...args: unknown[]): void {
  if (typeof this === 'function') (this as Listener)(...args);
  else (this.handleEvent as Listener)(...args);
}

/** The events and listener methods every client shares; see {@link CoreWebSocket}. */
export class EventSurface {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  readonly #events = new EventEmitter();
  readonly #handlers: { [T in WebSocketEventType]?: Handler<T> } = {};
  readonly #logger?: (type: keyof ResilientEvents, args: readonly unknown[]) => void;
  // Events and follow-ups of the step in progress, run once it has settled.
  readonly #pending: (() => void)[] = [];
  #draining = false;
  /** @internal True while `drop` listeners run: their own sends are reported by result only. */
  protected dropping = false;

  constructor(logger?: (type: keyof ResilientEvents, args: readonly unknown[]) => void) {
    this.#logger = logger;
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

  /** @internal Queues an event for delivery once the current step has settled. */
  protected raise<T extends keyof ResilientEvents>(type: T, ...args: ResilientEvents[T]): void {
    this.later(() => this.#dispatch(type, args));
  }

  /** @internal Queues a follow-up (a flush) to run after the events raised before it. */
  protected later(work: () => void): void {
    this.#pending.push(work);
  }

  /**
   * @internal Runs the pending events and follow-ups in order, unless a drain is already running
   * further up the stack (a listener called a public method): that one picks up what was added.
   */
  protected drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let next = this.#pending.shift(); next; next = this.#pending.shift()) safely(next);
    } finally {
      this.#draining = false;
    }
  }

  /** @internal Wraps a callback from outside (a socket, a timer, a promise, the page) as one step. */
  protected step<A extends unknown[]>(callback: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      try {
        callback(...args);
      } finally {
        this.drain();
      }
    };
  }

  // Calls each listener on its own, as EventTarget does: one that throws is reported and the
  // others still run. eventemitter3's own emit would stop at the first exception.
  #dispatch(type: keyof ResilientEvents, args: unknown[]): void {
    // The logger is the app's code too: one that throws must not cost the listeners their event.
    if (this.#logger && type !== 'message') safely(this.#logger as Listener, undefined, [type, args]);
    const key = EventEmitter.prefixed ? `${EventEmitter.prefixed}${type}` : type;
    const found = (this.#events as unknown as { _events: Record<string, Registration | Registration[]> })._events[key];
    if (!found) return;
    const outer = this.dropping;
    this.dropping = type === 'drop';
    for (const { fn, context, once } of Array.isArray(found) ? [...found] : [found]) {
      if (once) this.#events.off(type, fn, context, true);
      safely(fn, context, args);
    }
    this.dropping = outer;
  }

  #setHandler<T extends WebSocketEventType>(type: T, handler: Handler<T>): void {
    const previous = this.#handlers[type];
    if (previous) this.#events.off(type, previous);
    // biome-ignore lint/suspicious/noExplicitAny: the type is checked by the accessors above.
    (this.#handlers as any)[type] = handler;
    if (handler) this.#events.on(type, handler);
  }
}
