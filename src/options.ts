// Every option, its default and its validation. Defaults live in `defaults` and nowhere else.

import type { Jitter } from './backoff';
import { InvalidArgumentError } from './errors';
import type { Decision, Outcome } from './policy';
import type { OverflowPolicy } from './queue';

/** The constructor of a WebSocket implementation (the browser's, or the `ws` package's). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket;

/** Timer functions the client schedules with; inject them to drive time in tests. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link ResilientWebSocket}. Every one is optional. */
export interface Options {
  /**
   * Subprotocols to request, as in `new WebSocket(url, protocols)`.
   * @default undefined (none)
   */
  protocols?: string | string[];
  /**
   * The WebSocket implementation. Browsers and Node ≥ 22 have one; on Node 20 pass the `ws`
   * package's class (`import { WebSocket } from 'ws'`).
   * @default globalThis.WebSocket
   */
  WebSocket?: WebSocketConstructor;
  /**
   * Do not connect until the first `send()` or `connect()`.
   * @default false
   */
  lazy?: boolean;
  /**
   * How long a handshake may take before it is aborted and counted as a failed attempt. A hung
   * handshake in Chromium otherwise lasts 240 s and blocks every other new socket to that host.
   * @default 10000
   */
  connectTimeout?: number;
  /**
   * The delay before the first retry, in ms (before jitter).
   * @default 1000
   */
  initialDelay?: number;
  /**
   * The largest delay between attempts, in ms, applied before jitter.
   * @default 30000
   */
  maxDelay?: number;
  /**
   * How much the delay grows with each failed attempt in a row.
   * @default 2
   */
  factor?: number;
  /**
   * How the delay is randomised so that many clients dropped at once do not return at once.
   * @default 'full'
   */
  jitter?: Jitter;
  /**
   * How many failed attempts in a row are allowed before the client gives up with a
   * `ConnectionFailedError` and the `failed` event.
   * @default Infinity
   */
  maxRetries?: number;
  /**
   * How long a connection must stay open, in ms, before the attempt count and the delay start
   * over. A server that accepts and drops at once therefore still gets growing delays.
   * @default 5000
   */
  minUptime?: number;
  /**
   * Decide what to do after an outcome, overriding the default table (`defaultPolicy`). Return
   * a decision, or undefined to keep `suggested`.
   * @default undefined (the table decides)
   */
  decide?: (outcome: Outcome, suggested: Decision) => Decision | undefined;
  /**
   * At most this many messages wait in the queue while the connection is not open.
   * @default 1000
   */
  maxQueuedMessages?: number;
  /**
   * At most this many bytes wait in the queue while the connection is not open.
   * @default 1048576 (1 MiB)
   */
  maxQueuedBytes?: number;
  /**
   * What happens to a message that does not fit in the queue. Either way it is reported by the
   * `drop` event and by `send()`'s result, never lost silently.
   * @default 'reject'
   */
  queueOverflow?: OverflowPolicy;
  /**
   * Timer functions.
   * @default the global setTimeout and clearTimeout
   */
  timers?: Timers;
  /**
   * The wall clock, in ms.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Random numbers in [0, 1) for jitter.
   * @default Math.random
   */
  random?: () => number;
}

/** The default of every option that has one. */
export const defaults = {
  lazy: false,
  connectTimeout: 10_000,
  initialDelay: 1_000,
  maxDelay: 30_000,
  factor: 2,
  jitter: 'full' as Jitter,
  maxRetries: Number.POSITIVE_INFINITY,
  minUptime: 5_000,
  maxQueuedMessages: 1_000,
  maxQueuedBytes: 1_048_576,
  queueOverflow: 'reject' as OverflowPolicy,
};

/** Options with every default filled in. */
export type NormalizedOptions = typeof defaults &
  Omit<Options, keyof typeof defaults> & {
    WebSocket: WebSocketConstructor;
    timers: Timers;
    now: () => number;
    random: () => number;
  };

function check(name: string, ok: boolean, expected: string, value: unknown): void {
  if (!ok) throw new InvalidArgumentError(name, `expected ${expected}, got ${String(value)}`);
}

/** Fills in defaults and rejects bad values with an {@link InvalidArgumentError} naming the option. */
export function normalizeOptions(options: Options = {}): NormalizedOptions {
  const merged = { ...defaults, ...options };
  for (const key of ['connectTimeout', 'initialDelay', 'maxDelay', 'minUptime'] as const) {
    check(key, Number.isFinite(merged[key]) && merged[key] >= 0, 'a finite number ≥ 0', merged[key]);
  }
  for (const key of ['maxRetries', 'maxQueuedMessages', 'maxQueuedBytes'] as const) {
    const value = merged[key];
    check(
      key,
      value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 0),
      'an integer ≥ 0 or Infinity',
      value,
    );
  }
  check('factor', Number.isFinite(merged.factor) && merged.factor >= 1, 'a finite number ≥ 1', merged.factor);
  check(
    'maxDelay',
    merged.maxDelay >= merged.initialDelay,
    `at least initialDelay (${merged.initialDelay})`,
    merged.maxDelay,
  );
  check(
    'jitter',
    ['full', 'equal', 'decorrelated', 'none'].includes(merged.jitter),
    "'full', 'equal', 'decorrelated' or 'none'",
    merged.jitter,
  );
  check(
    'queueOverflow',
    ['reject', 'drop-oldest'].includes(merged.queueOverflow),
    "'reject' or 'drop-oldest'",
    merged.queueOverflow,
  );
  const WebSocketClass = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof WebSocketClass !== 'function') {
    throw new InvalidArgumentError(
      'WebSocket',
      "no WebSocket implementation here; on Node 20 pass the `ws` package's class: new ResilientWebSocket(url, { WebSocket })",
    );
  }
  return {
    ...merged,
    WebSocket: WebSocketClass,
    // Looked up at call time, so fake timers installed after construction still apply.
    timers: options.timers ?? {
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => clearTimeout(handle as number),
    },
    now: options.now ?? (() => Date.now()),
    random: options.random ?? (() => Math.random()),
  };
}
