// What a resolver is: the function that finds the endpoint before an attempt, what it is given
// and what it answers. Types only.

import type { Outcome } from '../core/errors';
import type { HostRule } from './url';

/**
 * Where to connect, as a resolver, a discovery parser or a preflight decided it. The client
 * checks it before use: `url` as any endpoint, `protocols` as the option, `maxAge` capped at a day.
 */
export interface Resolution {
  /** The WebSocket URL (ws:, wss:, or their http(s) twins); relative to the answer's URL. */
  url: string;
  /** Subprotocols for this endpoint, replacing the `protocols` option. */
  protocols?: string | string[];
  /** For how many seconds this resolution may be reused; unset: until a connection fails. */
  maxAge?: number;
}

/** What a {@link Resolver} is given for each attempt. */
export interface ResolveContext {
  /** 0 for a first connection, else the retry number (see the `reconnecting` event). */
  attempt: number;
  /** What ended the previous attempt, if any. */
  outcome?: Outcome;
  /** Aborted when `resolveTimeout` passes or the app closes or reconnects. */
  signal: AbortSignal;
  /** The `fetch` option (or the global fetch). */
  fetch: typeof fetch;
  /** The `now` option's current time. */
  now: number;
  /**
   * The `allowInsecure` option: whether a request may be redirected from https: to http:.
   * A resolver that fetches should pass it on, as {@link discover} does.
   */
  allowInsecure?: boolean;
  /** The `allowedHosts` option, normalised: other hosts a request may be redirected to. */
  allowedHosts?: HostRule;
}

/**
 * Finds the endpoint before an attempt: returns a WebSocket URL or a {@link Resolution}. Throw a
 * `ResolveError` with reason `status` to report an HTTP status to the policy; anything else
 * thrown counts as a network failure.
 */
export type Resolver = ((context: ResolveContext) => Promise<string | Resolution> | string | Resolution) & {
  /** How `resolved` reports it: `discovery` for {@link discover}, else `custom`. */
  via?: 'discovery' | 'custom';
  /** The URL it asks, when it has one: a secure one forbids ws: answers (see `allowInsecure`). */
  url?: string;
};
