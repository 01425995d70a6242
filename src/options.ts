// Every option, its default and its validation. Defaults live in `defaults` and nowhere else.

import type { Jitter } from './backoff';
import { InvalidArgumentError } from './errors';
import type { ResilientEvents } from './events';
import type { Environment } from './liveness/environment';
import type { HeartbeatOptions } from './liveness/heartbeat';
import type { Decision, Outcome } from './policy';
import { isSendData, type OverflowPolicy } from './queue';
import { maxTimerDelay, type RequestSettings } from './resolve/http';
import { type HostRule, normalizeHostRules, protocolsExpected, validProtocols } from './resolve/url';

/**
 * The constructor of a WebSocket implementation: the browser's, or the `ws` package's (whose
 * instances have the same `onopen`/`send`/`close` surface, though not the DOM type).
 */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => object;

/** Timer functions the client schedules with; inject them to drive time in tests. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Options of {@link ResilientWebSocket}. Every one is optional. Durations are in ms, at most
 * 2147483647 (2^31 − 1, about 24.8 days): a timer given more fires at once, so more is refused.
 */
export interface Options {
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
   * When to ask HTTP about the endpoint before opening a WebSocket, for a URL endpoint (a
   * resolver function always runs). HTTP sees what the browser's WebSocket hides: redirects
   * (followed; the final URL is connected to) and statuses (401, 403, 404, 429, 503…).
   * - `on-failure`: connect directly; after a failed handshake or a dropped connection, GET the
   *   endpoint's http(s) twin first, to learn why and where, and keep probing with HTTP while it
   *   is down, opening a WebSocket only when HTTP reaches the server. Costs nothing when all is
   *   well.
   * - `always`: before every attempt without a reusable answer; for load-balancer steering.
   * - `never`: plain WebSocket attempts only.
   * @default 'on-failure'
   */
  preflight?: 'on-failure' | 'always' | 'never';
  /**
   * An http(s) URL to preflight instead of the endpoint's twin. Its final URL after redirects
   * is connected to, and its statuses are strong evidence (a 404 there is fatal).
   * @default undefined (the endpoint's http(s) twin)
   */
  preflightUrl?: string;
  /**
   * Method, headers, credentials and body of preflight requests. Discovery takes its own.
   * Headers and a body go only where a redirect is allowed to lead (see `allowedHosts` and
   * `allowInsecure`): with either set, each preflight costs one more request, a bare GET that
   * finds the final URL first; the real request then goes there and must not be redirected.
   * @default undefined (a GET with fetch's defaults)
   */
  request?: RequestSettings;
  /**
   * How long a preflight or resolver may take, in ms, before it is aborted and counted as a
   * network failure.
   * @default 5000
   */
  resolveTimeout?: number;
  /**
   * The fetch implementation for preflight and discovery.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * Hosts a resolved endpoint may name, and other hosts a preflight or discovery request may be
   * redirected to: an array of hostnames and `*.example.com` patterns (for subdomains), or a
   * predicate given the hostname. Case and a trailing dot do not matter; a predicate that throws
   * refuses. Anything else is refused with a `ResolveError` (fatal). A string or a pattern with
   * a scheme, port or path is an `InvalidArgumentError`.
   * @default undefined (any host)
   */
  allowedHosts?: HostRule;
  /**
   * Allow a resolved endpoint to downgrade from a secure origin (wss:, https:) to ws:, and a
   * preflight or discovery request to be redirected from https: to http:.
   * @default false
   */
  allowInsecure?: boolean;
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
   * An application-level ping that finds dead connections the browser never notices (a silent
   * peer, a sleeping laptop, a NAT that forgot the flow). Its deadline is a wall-clock time,
   * checked by its timer and on every message, send and return to visibility, so throttled
   * background timers cannot hide a dead socket. A missed deadline closes the socket with code
   * 4408 and reconnects. The server must answer the ping (or send anything).
   * @default undefined (off)
   */
  heartbeat?: HeartbeatOptions;
  /**
   * Watch online/offline: spend no attempts while offline (state `offline`), reconnect soon
   * after `online`, and check liveness (with a heartbeat) when going offline while open.
   * @default true
   */
  watchNetwork?: boolean;
  /**
   * Watch visibilitychange: on return to visible, check liveness now, or cut a long wait short.
   * @default true
   */
  watchVisibility?: boolean;
  /**
   * Watch pagehide/pageshow (back/forward cache) and freeze/resume: close cleanly when the page
   * is parked (state `suspended`) so it stays cacheable, and reconnect when it returns.
   * @default true
   */
  watchPageLifecycle?: boolean;
  /**
   * Where network and page events come from; inject for tests or other hosts.
   * @default the globals: globalThis, document, navigator
   */
  environment?: Environment;
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
}

/** The default of every option that has one. */
export const defaults = {
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
  preflight: 'on-failure' as NonNullable<Options['preflight']>,
  resolveTimeout: 5_000,
  allowInsecure: false,
  maxRetryAfter: 300_000,
  watchNetwork: true,
  watchVisibility: true,
  watchPageLifecycle: true,
};

/** Options with every default filled in. */
export type NormalizedOptions = typeof defaults &
  Omit<Options, keyof typeof defaults> & {
    WebSocket: WebSocketConstructor;
    timers: Timers;
    now: () => number;
    random: () => number;
    fetch?: typeof fetch;
  };

function check(name: string, ok: boolean, expected: string, value: unknown): void {
  if (!ok) throw new InvalidArgumentError(name, `expected ${expected}, got ${String(value)}`);
}

// Whether a value is acceptable, and what the error says is expected instead.
type Rule = [valid: (value: never) => boolean, expected: string];

const atLeast = (min: number): Rule => [
  (value: number) => Number.isFinite(value) && value >= min,
  `a finite number >= ${min}`,
];
// Every duration ends up in a timer, and a timer fires at once past 2^31 − 1 ms (about 24.8 days).
const delay: Rule = [
  (value: number) => Number.isFinite(value) && value >= 0 && value <= maxTimerDelay,
  `a number of ms in 0-${maxTimerDelay}`,
];
const count: Rule = [
  (value: number) => value === Infinity || (Number.isInteger(value) && value >= 0),
  'an integer >= 0 or Infinity',
];
const oneOf = (...choices: string[]): Rule => [
  (value: string) => choices.includes(value),
  `one of '${choices.join("', '")}'`,
];

// The options with a simple rule, in the order they are checked.
const rules: { [K in keyof typeof defaults]?: Rule } = {
  connectTimeout: delay,
  initialDelay: delay,
  maxDelay: delay,
  minUptime: delay,
  resolveTimeout: delay,
  maxRetryAfter: delay,
  maxRetries: count,
  maxQueuedMessages: count,
  maxQueuedBytes: count,
  factor: atLeast(1),
  jitter: oneOf('full', 'equal', 'decorrelated', 'none'),
  preflight: oneOf('on-failure', 'always', 'never'),
  queueOverflow: oneOf('reject', 'drop-oldest'),
};

/** Fills in defaults and rejects bad values with an {@link InvalidArgumentError} naming the option. */
export function normalizeOptions(options: Options = {}): NormalizedOptions {
  const merged = { ...defaults, ...options };
  for (const [key, [valid, expected]] of Object.entries(rules) as [keyof typeof defaults, Rule][]) {
    check(key, valid(merged[key] as never), expected, merged[key]);
  }
  const { interval = 0, timeout = 0, message } = options.heartbeat ?? {};
  const [validDelay, expectedDelay] = delay;
  check(
    'heartbeat',
    validDelay(interval as never) && validDelay(timeout as never),
    `interval and timeout: ${expectedDelay}`,
    options.heartbeat && JSON.stringify(options.heartbeat),
  );
  // A ping the socket cannot send would throw on every tick, or go out as "[object Object]".
  check(
    'heartbeat.message',
    message === undefined || typeof message === 'function' || isSendData(message),
    'a string, ArrayBuffer, view, Blob or a function that returns one',
    message,
  );
  check('protocols', validProtocols(options.protocols), protocolsExpected, JSON.stringify(options.protocols));
  check(
    'maxDelay',
    merged.maxDelay >= merged.initialDelay,
    `at least initialDelay (${merged.initialDelay})`,
    merged.maxDelay,
  );
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
    allowedHosts: normalizeHostRules(options.allowedHosts),
    // The one place every delay passes: none may overflow a timer, whatever its source.
    timers: {
      // Looked up at call time, so fake timers installed after construction still apply.
      setTimeout: (callback, ms) => (timers ?? globalThis).setTimeout(callback, Math.min(ms, maxTimerDelay)),
      clearTimeout: (handle) => (timers ?? globalThis).clearTimeout(handle as number),
    },
    now: options.now ?? (() => Date.now()),
    random: options.random ?? (() => Math.random()),
    fetch: options.fetch ?? (globalThis.fetch && ((input, init) => globalThis.fetch(input, init))),
  };
}
