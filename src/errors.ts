// Typed errors. One base class; each subclass carries the context a handler needs (the option,
// the URL, the close code, the outcome) and a message that says what to do about it.

import type { Outcome } from './policy';

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
 * An argument or option was rejected at the call: a bad URL, a close code the native API would
 * throw on, a negative delay. Fix the value named in `argument`; nothing was sent or queued.
 */
export class InvalidArgumentError extends ResilientWebSocketError {
  /** The option or argument at fault, e.g. `"maxDelay"` or `"close(code)"`. */
  readonly argument: string;
  constructor(argument: string, problem: string) {
    super(`${argument}: ${problem}`, 'InvalidArgumentError');
    this.argument = argument;
  }
}

/**
 * The client stopped for good: a fatal close code (`outcome` says which), or `maxRetries` spent.
 * Emitted with `failed`. Reconnecting cannot fix it without a change: check the close code
 * against the server's documentation, then call `connect()` to start over.
 */
export class ConnectionFailedError extends ResilientWebSocketError {
  /** The last thing the server (or the network) did before the client gave up. */
  readonly outcome: Outcome;
  /** The URL of the last attempt, with secrets in its query redacted. */
  readonly url: string;
  constructor(message: string, outcome: Outcome, url: string) {
    super(`${message}: ${url}`, 'ConnectionFailedError');
    this.outcome = outcome;
    this.url = url;
  }
}

/**
 * Whether `value` is one of this SDK's errors, optionally of one `name`. Matches on a
 * registered symbol and `name`, so it also works for errors from another copy of the SDK.
 */
export function isResilientError(value: unknown, name?: string): value is ResilientWebSocketError {
  const error = value as ResilientWebSocketError | null;
  return !!error?.[brand] && (!name || error.name === name);
}
