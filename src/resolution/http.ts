// The HTTP side of resolution: one request with a timeout, and what its answer says about
// the endpoint (final URL after redirects, status, Retry-After, max-age).

import { dev } from '../core/dev';
import { ResolveError } from '../core/errors';
import { maxTimerDelay } from '../core/options';
import { checkDestination, clampAge, type DestinationRules, redactUrl } from './url';

/** What the app may set on preflight and discovery requests. */
export interface RequestSettings {
  method?: string;
  headers?: Record<string, string>;
  credentials?: 'omit' | 'same-origin' | 'include';
  body?: string;
}

/** What an HTTP answer said. */
export interface HttpAnswer {
  status: number;
  /** The final URL, after redirects. */
  url: string;
  redirected: boolean;
  /** Retry-After in ms, when the header was readable. */
  retryAfter?: number;
  /** Cache-Control max-age in seconds, when present. */
  maxAge?: number;
  response: Response;
}

/** Parses Retry-After (delta-seconds or an HTTP-date) into ms from `now`, at most {@link maxTimerDelay}. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  // No header (null, read as "null") or an empty one parses as NaN below.
  const ms = /^\s*\d+\s*$/.test(value as string) ? Number(value) * 1000 : Date.parse(value as string) - now;
  return Number.isNaN(ms) ? undefined : Math.min(maxTimerDelay, Math.max(0, ms));
}

/**
 * Fetches `url`, following redirects, and refuses an answer that was redirected to a downgrade
 * or to a host `allowedHosts` refuses. The app's headers and body never reach such a hop: with
 * either set, a bare GET finds the final URL first (browsers hide the hops: `redirect: 'manual'`
 * is opaque), and only once that URL passes goes the real request there, with `redirect: 'error'`.
 * A rejected fetch becomes a {@link ResolveError} whose message says what to check: in a
 * browser a CORS refusal on any hop looks exactly like a network failure.
 */
export async function request(
  fetcher: typeof fetch,
  given: string,
  settings: RequestSettings,
  signal: AbortSignal,
  now: number,
  rules: DestinationRules = {},
): Promise<HttpAnswer> {
  const from = new URL(given, (globalThis as { location?: Location }).location?.href);
  const asked = from.href;
  const url = asked.replace(/\/\/[^/]*@/, '//');
  // fetch refuses a URL with userinfo ("a URL that includes credentials"); a WebSocket handshake
  // sends it as Basic credentials when the server asks for them (Chromium, Firefox, the `ws`
  // package), so the request goes without it and sends it that way, unless the app set headers.
  // Percent-decoded to its bytes first, as the browser does.
  if (url !== asked) {
    settings = {
      headers: { authorization: `Basic ${btoa(unescape(`${from.username}:${from.password}`))}` },
      ...settings,
    };
  }
  const withSecrets = !!settings.body || Object.keys(settings.headers ?? {}).length > 0;
  const send = async (target: string, init: RequestInit): Promise<Response> => {
    try {
      return await fetcher(target, { cache: 'no-store', signal, ...init });
    } catch (cause) {
      const method = init.method ?? 'GET';
      throw new ResolveError(
        signal.aborted
          ? `${method} ${redactUrl(target)} timed out`
          : `${method} ${redactUrl(target)} failed${dev ? `: the network is down, a hop sent no CORS headers (Access-Control-Allow-Origin), ${init.redirect === 'error' ? 'a redirect, ' : ''}or the browser blocked a request to a private network` : ''}`,
        'network',
        target,
        cause,
      );
    }
  };
  const first = await send(
    url,
    withSecrets ? { credentials: settings.credentials, redirect: 'follow' } : { ...settings, redirect: 'follow' },
  );
  const final = first.url || url;
  checkDestination(final, from.protocol === 'https:', rules, from.hostname);
  let response = first;
  if (withSecrets) {
    first.body?.cancel().catch(() => {});
    response = await send(final, { ...settings, redirect: 'error' });
  }
  // Only max-age bounds reuse: frameworks send no-store/no-cache on everything, and an answer
  // that works is kept until a connection fails anyway.
  const maxAge = /max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1];
  return {
    status: response.status,
    // The userinfo is for the URL it came with: where a redirect led, it is left behind.
    url: first.redirected ? final : asked,
    redirected: first.redirected,
    retryAfter: parseRetryAfter(response.headers.get('retry-after'), now),
    // Number(undefined) is NaN, which clampAge turns into undefined.
    maxAge: clampAge(Number(maxAge)),
    response,
  };
}
