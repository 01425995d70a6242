// The framework-free store under the React, Vue and Svelte bindings: one client per key, shared
// and counted, closed a tick after its last user leaves; a snapshot of its state replaced only
// when something changed; and reducers run on every message, published at most once per frame.

import {
  type ConnectionFailedError,
  type CoreWebSocket,
  type Options,
  ResilientWebSocket,
  type SendData,
  type SendResult,
  type State,
  type Stats,
} from '../index';

/**
 * What a component shows of a connection. A new object whenever a field changed, the same one
 * otherwise, so it can be compared by identity. More fields may be added (a tab's `role` when tabs
 * share a connection): read the ones you use rather than spreading or comparing the whole.
 */
export interface ConnectionSnapshot {
  /** The client's state; `idle` on the server and before the first component has mounted. */
  readonly state: State;
  /** The client's counters, as read at its last event. */
  readonly stats: Readonly<Stats>;
  /** The error that made the client fail (`stats.lastError`), while its state is `failed`. */
  readonly lastError?: ConnectionFailedError;
}

/** A value and its changes, in the store contract Svelte uses (`subscribe` calls back at once). */
export interface Readable<T> {
  /** The current value. */
  get(): T;
  /** Calls `listener` now and after each change; returns the function that stops it. */
  subscribe(listener: (value: T) => void): () => void;
}

/** The client's options, and the key under which components share it. */
export interface ConnectionOptions extends Options {
  /**
   * Components that name the same key share one client; the options of the first one create it.
   * @default the URL
   */
  key?: string;
}

/** A URL to connect to, or a client the app made (and closes) itself. */
export type ConnectionTarget = string | URL | CoreWebSocket;

/** Turns each message into the next state: `(state, message) => state`. Return `state` for "no change". */
export type MessageReducer<S> = (state: S, message: MessageEvent) => S;

/**
 * One shared client and its snapshot. Subscribing (to it, or to one of its {@link messages}) counts
 * as a user: the first creates the client, and a tick after the last has left it is closed.
 */
export interface Connection extends Readable<ConnectionSnapshot> {
  /** The client while someone is subscribed; undefined before, after, and on the server. */
  readonly client: CoreWebSocket | undefined;
  /** The client's `send`; `'dropped'` when there is no client (not mounted, or on the server). */
  send(data: SendData): SendResult;
  /**
   * A store of `reducer`'s state over the messages received while it has subscribers, starting at
   * `initial`. The reducer runs for every message; subscribers hear of its result once per
   * animation frame at most (once per microtask where there are no frames).
   */
  messages<S>(reducer: MessageReducer<S>, initial: S): Readable<S> & { reducer: MessageReducer<S> };
}

const zero: Stats = { attempts: 0, reconnects: 0, retries: 0 };

/** The snapshot before a client exists, and the one the server renders: the idle state. */
export const idleSnapshot: ConnectionSnapshot = { state: 'idle', stats: zero };

// Calls the app's code (a reducer, a listener): one that throws is reported (`reportError`, where there
// is none `console.error`) and the others still run.
const safely = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    (globalThis.reportError ?? console.error)(error);
  }
};

// Work to publish at the next frame, all of it in one callback.
const due = new Set<() => void>();
const run = () => {
  const now = [...due];
  due.clear();
  for (const publish of now) safely(publish);
};
const later = (publish: () => void) => {
  if (!due.size) (typeof requestAnimationFrame === 'function' ? requestAnimationFrame : queueMicrotask)(run);
  due.add(publish);
};

// A value and its listeners; subscribing holds `acquire`'s grip until unsubscribed.
function cell<T>(value: T, acquire: () => () => void, watched?: (on: boolean) => void) {
  const listeners = new Set<(value: T) => void>();
  return {
    get: () => value,
    set(next: T) {
      if (Object.is(next, value)) return;
      value = next;
      for (const listener of [...listeners]) safely(() => listener(value));
    },
    subscribe(listener: (value: T) => void) {
      const release = acquire();
      listeners.add(listener);
      watched?.(true);
      safely(() => listener(value));
      return () => {
        if (listeners.delete(listener) && !listeners.size) watched?.(false);
        release();
      };
    },
  };
}

const shared = new Map<string, Connection>();
const own = new WeakMap<CoreWebSocket, Connection>();

/**
 * The connection for `target` (shared by key: `options.key`, else the URL; or the client itself).
 * It creates no client: subscribing does. Where there is no `window` (a server), nothing connects
 * and the snapshot stays idle.
 */
export function connection(target: ConnectionTarget, options: ConnectionOptions = {}): Connection {
  const given = typeof target === 'object' && !(target instanceof URL) ? target : undefined;
  const key = options.key ?? String(target);
  const found = given ? own.get(given) : shared.get(key);
  if (found) return found;
  const server = typeof window === 'undefined';
  let client = given;
  let users = 0;
  let closing: ReturnType<typeof setTimeout> | undefined;
  // The reducers of the message stores that have subscribers, and their publishers.
  const folds = new Set<(message: MessageEvent) => void>();
  const publishers = new Set<() => void>();

  const read = (): ConnectionSnapshot => {
    if (!client) return idleSnapshot;
    const { state, stats } = client;
    const last = snapshot.get();
    const keys = Object.keys(stats);
    // The same object while nothing changed: compared by identity downstream.
    return state === last.state &&
      keys.length === Object.keys(last.stats).length &&
      keys.every((key) => Object.is(stats[key as keyof Stats], last.stats[key as keyof Stats]))
      ? last
      : { state, stats, ...(stats.lastError && { lastError: stats.lastError }) };
  };
  const publish = () => {
    snapshot.set(read());
    for (const publisher of publishers) publisher();
  };
  const changed = () => later(publish);
  const received = (message: MessageEvent) => {
    for (const fold of [...folds]) fold(message);
    changed();
  };
  const wire = (on: boolean) => {
    for (const type of ['state', 'reconnecting', 'close'] as const) client?.[on ? 'on' : 'off'](type, changed);
    client?.[on ? 'on' : 'off']('message', received);
  };

  const acquire = (): (() => void) => {
    if (server) return () => {};
    // A client kept through its grace is still listened to.
    const kept = closing !== undefined;
    clearTimeout(closing);
    closing = undefined;
    if (!users++ && !kept) {
      client ??= new ResilientWebSocket(target as string, options);
      wire(true);
      snapshot.set(read());
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // A tick of grace: StrictMode's unmount and mount, or a route change, keep the client.
      if (!--users)
        closing = setTimeout(() => {
          closing = undefined;
          wire(false);
          if (!given) {
            client?.close();
            client = undefined;
          }
          snapshot.set(read());
        });
    };
  };

  const snapshot = cell(idleSnapshot, acquire);
  if (given) snapshot.set(read());
  const self: Connection = {
    get: snapshot.get,
    subscribe: snapshot.subscribe,
    get client() {
      return client;
    },
    send: (data) => client?.send(data) ?? 'dropped',
    messages(reducer, initial) {
      let state = initial;
      const fold = (message: MessageEvent) => safely(() => (state = store.reducer(state, message)));
      const publisher = () => store.set(state);
      const store = {
        reducer,
        ...cell(initial, acquire, (on) => {
          folds[on ? 'add' : 'delete'](fold);
          publishers[on ? 'add' : 'delete'](publisher);
        }),
      };
      return store;
    },
  };
  if (!server) {
    if (given) own.set(given, self);
    else shared.set(key, self);
  }
  return self;
}
