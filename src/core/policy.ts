// What the client does after each thing the server or the network can say: one table from
// outcome to decision, HTTP statuses and close codes side by side, one comment per row.

import type { Outcome } from './errors';

export type { Outcome };

/**
 * What to do about an {@link Outcome}.
 * - `connect`: go ahead and open the WebSocket (after an HTTP answer: at the resolved URL).
 * - `reconnect`: wait the backoff delay, then try again.
 * - `reconnect-later`: the server is overloaded or rate-limiting: wait the longer of its
 *   Retry-After and the backoff delay (capped by `maxRetryAfter`).
 * - `refresh-auth`: call `refreshAuth` once and retry (at once after a connection that stayed up
 *   for `minUptime`, else after the backoff); a second one in a row is fatal.
 * - `fatal`: stop and emit `failed`; trying again cannot help.
 * - `stop`: stop quietly, as if the app had called `close()`.
 */
export type Decision = 'connect' | 'reconnect' | 'reconnect-later' | 'refresh-auth' | 'fatal' | 'stop';

/**
 * The default decisions. Keys: `close:<code>`, `http:<status>`, `resolve:<reason>`, `timeout`,
 * `exception`, `not-websocket`; `http:4xx` and `http:5xx` cover a status class, `close:*` and `http:*` the rest; a
 * `:probe` suffix is for answers to a GET on the WebSocket URL itself (weak evidence). The app's
 * own `close()` never reaches this table: it always stops. Override rows with the `decide`
 * option. Close codes: RFC 6455 §7.4 and the IANA registry; statuses: RFC 9110.
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
  // Application codes in common use, HTTP status + 4000. Unauthorized: fresh credentials may help.
  'close:4401': 'refresh-auth',
  // Forbidden, not found: the same credentials and URL will be refused again.
  'close:4403': 'fatal',
  'close:4404': 'fatal',
  // Too many requests.
  'close:4429': 'reconnect-later',
  // Any other code, including 1005 (no status) and private 4xxx codes: keep the connection alive.
  'close:*': 'reconnect',
  // The endpoint is there: 2xx, or 426 Upgrade Required, what a plain GET to a WebSocket server gets.
  'http:2xx': 'connect',
  'http:426': 'connect',
  // Unauthorized: refresh the credentials once, then retry at once.
  'http:401': 'refresh-auth',
  // Forbidden, gone, unavailable for legal reasons: the server's answer will not change.
  'http:403': 'fatal',
  'http:410': 'fatal',
  'http:451': 'fatal',
  // Not found from a preflight URL or a discovery endpoint: the endpoint is not there.
  'http:404': 'fatal',
  // Not found, bad request, not allowed from a GET on the WebSocket URL: many servers answer a
  // non-upgrade GET this way. The server is up; let the WebSocket handshake tell.
  'http:404:probe': 'connect',
  'http:4xx:probe': 'connect',
  // Request timeout: try again.
  'http:408': 'reconnect',
  // Too many requests, service unavailable: wait at least Retry-After.
  'http:429': 'reconnect-later',
  'http:503': 'reconnect-later',
  // Any other client error from a preflight URL or discovery: the request itself is wrong.
  'http:4xx': 'fatal',
  // Other server errors: transient more often than not.
  'http:5xx': 'reconnect',
  // Anything else (1xx, a 3xx that was not followed): back off and ask again.
  'http:*': 'reconnect',
  // The request failed: network down, DNS, or a CORS refusal (a browser hides which).
  'resolve:network': 'reconnect',
  // A discovery answer or resolver result was unusable: it may be a transient server fault.
  'resolve:invalid': 'reconnect',
  // The resolved target is a downgrade or outside allowedHosts: never connect there.
  'resolve:refused': 'fatal',
  // The handshake hung past connectTimeout: the host may be overloaded or the network lossy.
  timeout: 'reconnect',
  // An open connection went silent past its heartbeat deadline: replace it.
  heartbeat: 'reconnect',
  // HTTP answers the WebSocket URL with a page, and the handshake there failed: a wrong path, a
  // proxy that drops the upgrade, a fallback route. A fix on the server is needed, which may come
  // with a deploy: back off as after any failure (never faster), and say what was found.
  'not-websocket': 'reconnect',
  // The constructor threw: the URL or the page forbids this connection; it will throw again.
  exception: 'fatal',
};

/** The table keys for an outcome, most specific first, e.g. `http:404:probe`, `http:404`, … */
export function policyKeys(outcome: Outcome): string[] {
  if (outcome.type === 'close') return [`close:${outcome.code}`, 'close:*'];
  if (outcome.type === 'resolve') return [`resolve:${outcome.error.reason}`];
  if (outcome.type !== 'http') return [outcome.type];
  const { status, probe } = outcome;
  const group = `${String(status)[0]}xx`;
  const keys = [`http:${status}`, `http:${group}`, 'http:*'];
  return probe ? [`http:${status}:probe`, keys[0], `http:${group}:probe`, ...keys.slice(1)] : keys;
}

/** The default decision for an outcome: its first matching row in {@link defaultPolicy}. */
export function defaultDecision(outcome: Outcome): Decision {
  for (const key of policyKeys(outcome)) {
    const decision = defaultPolicy[key];
    if (decision) return decision;
  }
  return 'reconnect';
}
