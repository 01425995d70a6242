// What the client does after each thing that can end an attempt: one table from outcome to
// decision, with one comment per row, and the lookup that applies it.

/**
 * Something that ended a connection attempt or an open connection.
 * - `close`: the socket closed; `opened` says whether it had opened (false: a failed handshake,
 *   which a browser always reports as 1006).
 * - `timeout`: the handshake did not finish within `connectTimeout`; the socket was aborted.
 * - `exception`: the WebSocket constructor threw (a blocked port, mixed content, a bad URL).
 */
export type Outcome =
  | { type: 'close'; code: number; reason: string; wasClean: boolean; opened: boolean }
  | { type: 'timeout' }
  | { type: 'exception'; error: unknown };

/**
 * What to do about an {@link Outcome}.
 * - `reconnect`: wait the backoff delay, then try again.
 * - `reconnect-later`: the server is overloaded or rate-limiting: wait the longer of what it
 *   asked for and the backoff delay.
 * - `fatal`: stop and emit `failed`; trying again cannot help.
 * - `stop`: stop quietly, as if the app had called `close()`.
 */
export type Decision = 'reconnect' | 'reconnect-later' | 'fatal' | 'stop';

/**
 * The default decisions, keyed by `close:<code>`, `timeout` or `exception`; `close:*` covers the
 * codes not listed. The app's own `close()` never reaches this table: it always stops.
 * Override single rows with the `decide` option. Codes: RFC 6455 §7.4.1 and the IANA registry.
 */
export const defaultPolicy: Readonly<Record<string, Decision>> = {
  // Normal closure. Servers and load balancers close with 1000 on deploys and idle cuts.
  'close:1000': 'reconnect',
  // Going away: the server is restarting or the proxy is draining.
  'close:1001': 'reconnect',
  // Protocol error: the peers disagree on the protocol; another attempt disagrees the same way.
  'close:1002': 'fatal',
  // Unsupported data: the server cannot take what this client sends.
  'close:1003': 'fatal',
  // Abnormal closure: a dropped connection or a failed handshake (the browser hides which).
  'close:1006': 'reconnect',
  // Invalid payload data (e.g. bad UTF-8): a client bug that a new connection repeats.
  'close:1007': 'fatal',
  // Policy violation: commonly "not allowed"; the server will refuse again.
  'close:1008': 'fatal',
  // Mandatory extension missing: the server cannot negotiate what the client requires.
  'close:1010': 'fatal',
  // Internal error on the server: transient more often than not.
  'close:1011': 'reconnect',
  // Service restart.
  'close:1012': 'reconnect',
  // Try again later: the server is overloaded.
  'close:1013': 'reconnect-later',
  // Bad gateway: the proxy could not reach the backend.
  'close:1014': 'reconnect',
  // Application codes in common use (HTTP status + 4000): unauthorized, forbidden, not found.
  'close:4401': 'fatal',
  'close:4403': 'fatal',
  'close:4404': 'fatal',
  // Too many requests.
  'close:4429': 'reconnect-later',
  // Any other code, including 1005 (no status) and private 4xxx codes: keep the connection alive.
  'close:*': 'reconnect',
  // The handshake hung past connectTimeout: the host may be overloaded or the network lossy.
  timeout: 'reconnect',
  // The constructor threw: the URL or the page forbids this connection; it will throw again.
  exception: 'fatal',
};

/** The table key for an outcome, e.g. `close:1006`. */
export function policyKey(outcome: Outcome): string {
  return outcome.type === 'close' ? `close:${outcome.code}` : outcome.type;
}

/** The default decision for an outcome: its row in {@link defaultPolicy}, else its class row. */
export function defaultDecision(outcome: Outcome): Decision {
  return defaultPolicy[policyKey(outcome)] ?? defaultPolicy[`${outcome.type}:*`] ?? 'reconnect';
}
