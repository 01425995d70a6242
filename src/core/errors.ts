// Typed errors. One base class; each subclass carries the context a handler needs (the option,
// the URL, the close code, the outcome) and a message that says what to do about it.

import { dev } from './dev';
import { redactError, redactText, redactUrl } from './redact';

/**
 * Something that ended an attempt, an open connection, or a resolution step.
 * - `close`: the socket closed; `opened` says whether it had opened (false: a failed handshake,
 *   which a browser always reports as 1006).
 * - `timeout`: the handshake did not finish within `connectTimeout`; the socket was aborted.
 * - `exception`: the WebSocket constructor threw (a blocked port, mixed content, a bad URL).
 * - `heartbeat`: an open connection missed its heartbeat deadline and was closed with 4408.
 * - `http`: a preflight, discovery or resolver request answered `status`. `probe` is true for
 *   a GET on the WebSocket URL itself, where 400/404/405 only mean "not an upgrade" (weak
 *   evidence); false for a preflight URL, a discovery endpoint or a resolver.
 *   `retryAfter` is in ms, when the server sent a readable Retry-After.
 * - `resolve`: resolving failed before any socket opened; `error.reason` says how.
 * - `not-websocket`: a GET on the WebSocket URL answered `status` (2xx) with `contentType`, and the
 *   handshake that followed the last such answer failed: where a WebSocket server answers a GET
 *   with 426 (or 400, 404…) and an upgrade with 101, something else answers (a wrong path, a proxy
 *   that drops the Upgrade and Connection headers, a single-page app's fallback route). The
 *   browser hides the handshake's own answer (Chromium logs "Unexpected response code: 200").
 */
export type Outcome =
  | { type: 'close'; code: number; reason: string; wasClean: boolean; opened: boolean }
  | { type: 'timeout' }
  | { type: 'exception'; error: unknown }
  | { type: 'heartbeat' }
  | { type: 'http'; status: number; url: string; probe: boolean; retryAfter?: number }
  | { type: 'resolve'; error: ResolveError }
  | { type: 'not-websocket'; status: number; contentType: string; url: string };

const brand = Symbol.for('resilient-ws.error');

/** Base class of every error this SDK throws or emits. Match with {@link isResilientError}. */
export class ResilientWebSocketError extends Error {
  /** @internal Marks the SDK's errors across bundles and realms. */
  readonly [brand] = true;
  constructor(message: string, name = 'ResilientWebSocketError') {
    super(message);
    this.name = name;
  }
}

/**
 * What is wrong with a rejected `value`: in the development build, what was `expected` and what was
 * given; in the default build, the value alone. Pass `expected` as `dev ? '…' : ''`, so the default
 * build carries none of that text.
 */
export const unexpected = (expected: string, value: unknown): string =>
  dev ? `expected ${expected}, got ${value}` : `${value} is not valid (the development build says what is)`;

/**
 * An argument or option was rejected at the call: a bad URL, a close code the native API would
 * throw on, a negative delay. Fix the value named in `argument`; nothing was sent or queued.
 */
export class InvalidArgumentError extends ResilientWebSocketError {
  /** The option or argument at fault, e.g. `"maxDelay"` or `"close(code)"`. */
  declare readonly argument: string;
  constructor(argument: string, problem: string) {
    // The problem may quote the URL at fault, secrets and all.
    super(redactText(`${argument}: ${problem}`), 'InvalidArgumentError');
    Object.assign(this, { argument });
  }
}

/**
 * The client stopped for good: a fatal close code or HTTP status (`outcome` and `status` say
 * which), a refused endpoint, a second 401 in a row, or `maxRetries` spent. Emitted with
 * `failed`. Reconnecting cannot fix it without a change: check the status or close code against
 * the server's documentation (a 401 needs fresh credentials, a 403 different ones), then call
 * `connect()` to start over.
 */
export class ConnectionFailedError extends ResilientWebSocketError {
  /** The last thing the server (or the network) did before the client gave up. */
  declare readonly outcome: Outcome;
  /** The HTTP status, when the outcome was one. */
  declare readonly status?: number;
  /** The URL of the last attempt, with secrets in its query redacted. */
  declare readonly url: string;
  constructor(message: string, outcome: Outcome, url: string) {
    // Redacted here, once for every caller: the message quotes outcomes and native errors.
    super(redactText(`${message}; endpoint ${redactUrl(url)}`), 'ConnectionFailedError');
    Object.assign(this, { outcome, status: (outcome as { status?: number }).status, url: redactUrl(url) });
  }
}

/**
 * Resolving the endpoint failed before any WebSocket was opened. `reason` says how:
 * - `network`: the request failed or timed out. In a browser a missing CORS header on any hop
 *   looks the same: check Access-Control-Allow-Origin on every redirect.
 * - `invalid`: a discovery answer or resolver result was not usable (bad JSON, no url, too big).
 * - `refused`: the target is not allowed: a downgrade from wss: to ws:, or a host outside
 *   `allowedHosts`.
 * - `status`: a resolver answered with an HTTP status (in `status`) that is not a go-ahead.
 */
export class ResolveError extends ResilientWebSocketError {
  declare readonly reason: 'network' | 'invalid' | 'refused' | 'status';
  /** The URL concerned, with secrets in its query and userinfo redacted (whatever was passed). */
  declare readonly url: string;
  /** With reason `status`: the HTTP status and the Retry-After in ms, when sent. */
  declare readonly status?: number;
  declare readonly retryAfter?: number;
  constructor(
    message: string,
    reason: ResolveError['reason'],
    url: string,
    cause?: unknown,
    status?: number,
    retryAfter?: number,
  ) {
    // Redacted here, once for every caller, custom resolvers included: this error travels in
    // `reconnecting.reason`, `failed.outcome` and `stats.lastOutcome`. So is its cause: a
    // platform's error quotes the URL it refused (fetch: "…a URL that includes credentials: …").
    super(redactText(message), 'ResolveError');
    Object.assign(this, { reason, url: redactUrl(url), cause: cause && redactError(cause), status, retryAfter });
  }
}

/**
 * A message the delivery outbox (`resilient-ws/delivery`) dropped: `deliver()`'s promise rejects
 * with it and `state` reports it. `reason` says why:
 * - `overflow`: the outbox was full (`maxMessages` or `maxBytes`); it was never sent.
 * - `closed`: `close()` was called, or the client closed or failed, before an ack came.
 * - `timeout`: no ack came after `maxResends` resends on an open connection.
 * Match it with `isResilientError(error, 'DeliveryError')`.
 */
export class DeliveryError extends ResilientWebSocketError {
  /** Why the message was dropped. */
  declare readonly reason: 'overflow' | 'closed' | 'timeout';
  /** The message's id. */
  declare readonly id: string;
  constructor(reason: DeliveryError['reason'], id: string) {
    super(`Message ${id} dropped: ${reason}`, 'DeliveryError');
    Object.assign(this, { reason, id });
  }
}

/** Each error class of this SDK by its `name`, for {@link isResilientError}. */
export interface ResilientErrors {
  ResilientWebSocketError: ResilientWebSocketError;
  InvalidArgumentError: InvalidArgumentError;
  ConnectionFailedError: ConnectionFailedError;
  ResolveError: ResolveError;
  DeliveryError: DeliveryError;
}

/**
 * Whether `value` is one of this SDK's errors, optionally of one `name`. Matches on a
 * registered symbol and `name`, so it also works for errors from another copy of the SDK.
 */
export function isResilientError<N extends keyof ResilientErrors = 'ResilientWebSocketError'>(
  value: unknown,
  name?: N,
): value is ResilientErrors[N] {
  const error = value as ResilientWebSocketError | null;
  return !!error?.[brand] && (!name || error.name === name);
}
