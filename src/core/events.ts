// The client's states, statistics and typed events.

import type { ConnectionFailedError } from './errors';
import type { Outcome } from './policy';
import type { SendData } from './queue';

/**
 * Where the client is in its lifecycle:
 * `idle → (resolving →) connecting → open → waiting → (resolving →) connecting → …`, ending in `closed` (the app called
 * `close()`; `closing` until the socket has closed) or `failed` (a fatal outcome, or
 * `maxRetries` spent). While the network is down it waits in `offline`, spending no attempts (an
 * open socket is held there, and is `open` again when back online);
 * while the page is frozen or in the back/forward cache, in `suspended`.
 */
export type State =
  | 'idle'
  | 'resolving'
  | 'connecting'
  | 'open'
  | 'waiting'
  | 'offline'
  | 'suspended'
  | 'closing'
  | 'closed'
  | 'failed';

/** Counters and timestamps, readable at any time as `ws.stats`. */
export interface Stats {
  /** WebSocket handshakes started. */
  attempts: number;
  /** Times a connection opened again after the first open. */
  reconnects: number;
  /** Failed attempts in a row; back to 0 once a connection stays open for `minUptime`. */
  retries: number;
  /** When the current or last connection opened (the `now` clock), if one ever did. */
  openedAt?: number;
  /** What ended the last attempt or connection. */
  lastOutcome?: Outcome;
  /** The last heartbeat round-trip time in ms, when a heartbeat is on. */
  rtt?: number;
  /** The error that ended the client, when its state is `failed`. */
  lastError?: ConnectionFailedError;
}

/** What `send()` did with a message. */
export type SendResult =
  /** Handed to the open socket. */
  | 'sent'
  /** Queued; it goes out, in order, when the connection opens. */
  | 'queued'
  /** Queued, and older queued messages were dropped to make room (each raised `drop`). */
  | 'queued-dropped-oldest'
  /** Not kept: the queue is full, or the client was closed. `drop` was raised for it. */
  | 'dropped';

/** The payload of the `drop` event: a message the client could not keep. */
export interface DropInfo {
  data: SendData;
  /**
   * `overflow`: the queue was full; `closed`: `close()` was called before it could go out;
   * `failed`: the client gave up (state `failed`), so nothing would send it.
   */
  reason: 'overflow' | 'closed' | 'failed';
}

/** The payload of the `resolved` event: where the next attempt connects, and how that was found. */
export interface ResolvedInfo {
  /**
   * `direct`: the endpoint as given; `preflight`: where an HTTP GET of the endpoint (or
   * `preflightUrl`) ended after redirects; `discovery`: a discovery answer; `custom`: a resolver.
   */
  via: 'direct' | 'preflight' | 'discovery' | 'custom';
  /** The WebSocket URL, secrets redacted. */
  url: string;
  /**
   * Whether the preflight followed redirects; set only when a preflight ran. Unset for a direct
   * handshake, a discovery answer or a resolver: a handshake's own redirects are invisible to
   * script (Chromium and Firefox refuse them; WebKit follows them, and its socket's `url` still
   * names the URL it was given), so the client does not claim there were none.
   */
  redirected?: boolean;
  /** The preflight's HTTP status, when there was one. */
  status?: number;
  /** For how many seconds the answer may be reused; undefined: until a connection fails. */
  maxAge?: number;
  /** Whether this is an earlier answer reused, at no extra round trip. */
  cached: boolean;
}

/**
 * The DOM's `CloseEvent` where the DOM types are loaded, else an `Event` with the same fields, so
 * the declarations also type-check in a Node project without the DOM library.
 */
export type CloseEventLike = typeof globalThis extends { CloseEvent: { prototype: infer E } }
  ? E
  : Event & { readonly code: number; readonly reason: string; readonly wasClean: boolean };

/** Every event, with its listener's arguments. */
export interface ResilientEvents {
  /** The state changed. */
  state: [state: State, previous: State];
  /** HTTP or a resolver is being asked where to connect. `attempt` as in `connecting`. */
  resolving: [info: { attempt: number; via: ResolvedInfo['via']; url: string }];
  /** The endpoint for the next handshake is known. */
  resolved: [info: ResolvedInfo];
  /**
   * A handshake is starting; with `queueHandshakes`, it may first wait for its turn. `attempt` is 0
   * for a first connection (at start, or after a connection that stayed up), else the retry
   * number announced by `reconnecting`.
   */
  connecting: [info: { attempt: number; url: string }];
  /** A connection opened. Re-authenticate and resubscribe here: queued messages go after. */
  open: [event: Event];
  /** A message arrived. */
  message: [event: MessageEvent];
  /**
   * A socket closed: a dropped connection, a failed handshake, the end after `close()`, or a
   * socket the client abandoned (a connect timeout, a missed heartbeat deadline: a `CloseEvent`
   * with code 4408 or 1006 made by the client, as the browser reports these late or never).
   */
  close: [event: CloseEventLike];
  /** The socket reported an error; a `close` follows. */
  error: [event: Event];
  /** Retry number `attempt` (from 1) is scheduled after `delay` ms, because of `reason`. */
  reconnecting: [info: { attempt: number; delay: number; reason: Outcome }];
  /** The client gave up; `error` says why. It stays `failed` until `connect()`. */
  failed: [error: ConnectionFailedError];
  /**
   * A message was not kept. A `drop` listener's own `send()` never evicts another message, and
   * what it drops is reported by that call's result only, so a listener that re-sends cannot
   * loop forever.
   */
  drop: [info: DropInfo];
}

/**
 * A listener for event `T` as `addEventListener` takes it: a function of that event's arguments,
 * or an object whose `handleEvent` gets them.
 */
export type ResilientListener<T extends keyof ResilientEvents> =
  | ((...args: ResilientEvents[T]) => void)
  | { handleEvent(...args: ResilientEvents[T]): void };
