// The core client's options: their defaults, in one object, and their validation, in one table.
// Features take their own options (see src/features and src/resolution).

import type { Jitter } from './backoff';
import { dev } from './dev';
import { InvalidArgumentError, unexpected } from './errors';
import type { ResilientEvents } from './events';
import type { Feature, Timers } from './feature';
import type { Decision, Outcome } from './policy';
import type { OverflowPolicy } from './queue';
import { protocolsExpected, validProtocols } from './url';

/**
 * The constructor of a WebSocket implementation: the browser's, or the `ws` package's (whose
 * instances have the same `onopen`/`send`/`close` surface, though not the DOM type).
 */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => object;

export type { Timers };

/** The longest delay a timer takes: 2^31 − 1 ms (about 24.8 days); a longer one fires at once. */
export const maxTimerDelay = 2_147_483_647;

/**
 * Options of {@link CoreWebSocket}. Every one is optional. Durations are in ms, at most
 * 2147483647 (2^31 − 1, about 24.8 days): a timer given more fires at once, so more is refused.
 */
export interface CoreOptions {
  /**
   * Subprotocols to request, as in `new WebSocket(url, protocols)`: a token or an array of
   * distinct tokens. A resolver's or discovery answer's `protocols` are held to the same rule.
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
   * It starts when the handshake is sent, not while it waits in the queue (see `queueHandshakes`).
   * @default 10000
   */
  connectTimeout?: number;
  /**
   * Open one handshake at a time per scheme, host and port across every client in the page (or
   * worker); the others wait their turn, first come first served, without their connect timeout
   * running. Chromium holds back all but one CONNECTING socket per host and port anyway, and
   * delays new sockets more the more are pending, so a client whose timeout ran while the
   * browser held it would abandon a handshake never sent. Turn off where no browser queues
   * (many clients to one host in Node) or to let a test's clients connect independently.
   * @default true
   */
  queueHandshakes?: boolean;
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
   * How much the delay grows with each failed attempt in a row. Gentler than the usual 2:
   * while the endpoint is down most failures are cheap HTTP probes, and a flatter curve finds
   * its return sooner. By simulation, after a 2 s outage a client is back in a median 0.6 s
   * (1.2 s with 2), and the last of 100 clients within 5 s in 99 % of outages (0.5 % with 2).
   * @default 1.3
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
   * How long resolution (a preflight, a resolver) or a `refreshAuth` may take, in ms, before it
   * is aborted and counted as a network failure.
   * @default 5000
   */
  resolveTimeout?: number;
  /**
   * The longest wait, in ms, that a Retry-After can impose; a longer one is cut to this.
   * @default 300000
   */
  maxRetryAfter?: number;
  /**
   * Called on a 401 answer or a 4401 close, before one retry; refresh the credentials the
   * endpoint or resolver uses here. The retry is immediate after a connection that stayed up for
   * `minUptime`, else it waits the backoff, and it counts against `maxRetries`. A second 401 in a
   * row is fatal; a 401 after a connection that did not stay up for `minUptime` counts as in a
   * row. It may take at most `resolveTimeout`: one that never settles counts as a failed attempt.
   * If it throws, the client fails.
   * @default undefined (a 401 is fatal)
   */
  refreshAuth?: (outcome: Outcome) => Promise<void> | void;
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
   * Receives every event but `message`, with its arguments, before the listeners: each
   * transition, what ended an attempt and the delay that followed, drops and failures, with
   * secrets in URLs redacted. {@link describeEvent} turns one into a line of text:
   * `logger: (type, args) => console.debug(describeEvent(type, args))`.
   * @default undefined (off, at no cost)
   */
  logger?: (type: keyof ResilientEvents, args: readonly unknown[]) => void;
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
  /**
   * Features: resolution, heartbeat, network, page lifecycle, delivery… Their hooks run in this
   * order. See the README's entry points.
   * @default [] (none)
   */
  features?: Feature[];
}

/** The default of every core option that has one. */
export const coreDefaults = {
  lazy: false,
  connectTimeout: 10_000,
  queueHandshakes: true,
  initialDelay: 1_000,
  maxDelay: 30_000,
  factor: 1.3,
  jitter: 'full' as Jitter,
  maxRetries: Infinity,
  minUptime: 5_000,
  maxQueuedMessages: 1_000,
  maxQueuedBytes: 1_048_576,
  queueOverflow: 'reject' as OverflowPolicy,
  resolveTimeout: 5_000,
  maxRetryAfter: 300_000,
};

export type NormalizedCoreOptions = typeof coreDefaults &
  Omit<CoreOptions, keyof typeof coreDefaults> & {
    WebSocket: WebSocketConstructor;
    timers: Timers;
    now: () => number;
    random: () => number;
    features: Feature[];
  };

/** Throws an {@link InvalidArgumentError} naming `name` unless `ok`. */
export function check(name: string, ok: boolean, expected: string, value: unknown): void {
  if (!ok) throw new InvalidArgumentError(name, unexpected(expected, value));
}

/** Whether a value is acceptable, and what the error says is expected instead (in the development build). */
export type Rule = [valid: (value: never) => boolean, expected: string];

/** A duration: every one ends up in a timer. */
export const delay: Rule = [
  (value: number) => Number.isFinite(value) && value >= 0 && value <= maxTimerDelay,
  dev ? `a number of ms in 0-${maxTimerDelay}` : '',
];
/** A count: a whole number, or Infinity for no bound. */
export const count: Rule = [
  (value: number) => value === Infinity || (Number.isInteger(value) && value >= 0),
  dev ? 'an integer >= 0 or Infinity' : '',
];
/** One of `choices`. */
export const oneOf = (...choices: string[]): Rule => [
  (value: string) => choices.includes(value),
  dev ? `one of '${choices.join("', '")}'` : '',
];

/** Checks each of `values` named in `rules` against its rule. */
export function checkRules(values: Record<string, unknown>, rules: Record<string, Rule>): void {
  for (const key in rules) {
    const [valid, expected] = rules[key] as Rule;
    check(key, valid(values[key] as never), expected, values[key]);
  }
}

// The options with a simple rule, in the order they are checked.
const rules: { [K in keyof typeof coreDefaults]?: Rule } = {
  connectTimeout: delay,
  initialDelay: delay,
  maxDelay: delay,
  minUptime: delay,
  resolveTimeout: delay,
  maxRetryAfter: delay,
  maxRetries: count,
  maxQueuedMessages: count,
  maxQueuedBytes: count,
  factor: [(value: number) => Number.isFinite(value) && value >= 1, dev ? 'a finite number >= 1' : ''],
  jitter: oneOf('full', 'equal', 'decorrelated', 'none'),
  queueOverflow: oneOf('reject', 'drop-oldest'),
};

/** Fills in the defaults and checks every core option. @throws InvalidArgumentError naming the option. */
export function normalizeCoreOptions(options: CoreOptions = {}): NormalizedCoreOptions {
  const merged = { ...coreDefaults, ...options };
  checkRules(merged, rules as Record<string, Rule>);
  check(
    'protocols',
    validProtocols(options.protocols),
    dev ? protocolsExpected : '',
    JSON.stringify(options.protocols),
  );
  check(
    'maxDelay',
    merged.maxDelay >= merged.initialDelay,
    dev ? `at least initialDelay (${merged.initialDelay})` : '',
    merged.maxDelay,
  );
  check('features', Array.isArray(merged.features ?? []), dev ? 'an array' : '', merged.features);
  const WebSocketClass = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof WebSocketClass !== 'function') {
    throw new InvalidArgumentError(
      'WebSocket',
      "not available; on Node 20 pass the `ws` package's class as the WebSocket option",
    );
  }
  const timers = options.timers;
  return {
    ...merged,
    WebSocket: WebSocketClass,
    features: merged.features ?? [],
    // The one place every delay passes: none may overflow a timer, whatever its source.
    timers: {
      // Looked up at call time, so fake timers installed after construction still apply.
      setTimeout: (callback, ms) => (timers ?? globalThis).setTimeout(callback, Math.min(ms, maxTimerDelay)),
      clearTimeout: (handle) => (timers ?? globalThis).clearTimeout(handle as number),
    },
    now: options.now ?? (() => Date.now()),
    random: options.random ?? (() => Math.random()),
  };
}
