// The HTTP side of resolution: one request with a timeout, and what its answer says about
// the endpoint (final URL after redirects, status, Retry-After, max-age).

import { ResolveError } from '../errors';
import { redactUrl } from './url';

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

/** Parses Retry-After (delta-seconds or an HTTP-date) into ms from `now`. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = /^\s*\d+\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isNaN(seconds) ? undefined : Math.max(0, seconds);
}

/**
 * Fetches `url`, following redirects. A rejected fetch becomes a {@link ResolveError} whose
 * message says what to check: in a browser a CORS refusal on any hop looks exactly like a
 * network failure.
 */
export async function request(
  fetcher: typeof fetch,
  url: string,
  settings: RequestSettings,
  signal: AbortSignal,
  now: number,
): Promise<HttpAnswer> {
  let response: Response;
  try {
    response = await fetcher(url, { ...settings, redirect: 'follow', cache: 'no-store', signal });
  } catch (cause) {
    const method = settings.method ?? 'GET';
    throw new ResolveError(
      signal.aborted
        ? `${method} ${redactUrl(url)} timed out`
        : `${method} ${redactUrl(url)} failed: the network is down, a hop sent no CORS headers (Access-Control-Allow-Origin), or the browser blocked a request to a private network`,
      'network',
      url,
      cause,
    );
  }
  // Only max-age bounds reuse: frameworks send no-store/no-cache on everything, and an answer
  // that works is kept until a connection fails anyway.
  const maxAge = /max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1];
  return {
    status: response.status,
    url: response.url || url,
    redirected: response.redirected,
    retryAfter: parseRetryAfter(response.headers.get('retry-after'), now),
    maxAge: maxAge === undefined ? undefined : Number(maxAge),
    response,
  };
}
