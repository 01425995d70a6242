// The resolution feature: before an attempt, HTTP (a preflight) or a resolver (discovery, the
// app's own) says where to connect, or why not; the answer is checked before it is used, and
// reused for as long as it may be.

import { dev } from '../core/dev';
import { InvalidArgumentError, isResilientError, ResolveError, unexpected } from '../core/errors';
import type { AttemptContext, Feature, FeatureHost, Target } from '../core/feature';
import { checkRules, delay, oneOf } from '../core/options';
import type { Outcome } from '../core/policy';
import { type RequestSettings, request } from './http';
import type { Resolver } from './resolver';
import { checkResolution, checkTarget, type HostRule, normalizeHostRules, redactUrl, toHttpUrl } from './url';

/** Options of {@link preflight} and {@link resolveWith}; the `ResilientWebSocket` options of the same names. */
export interface ResolutionOptions {
  /**
   * When to ask HTTP about the endpoint before opening a WebSocket, for a URL endpoint (a
   * resolver function always runs). HTTP sees what the browser's WebSocket hides: redirects
   * (followed; the final URL is connected to) and statuses (401, 403, 404, 429, 503…).
   * - `on-failure`: connect directly; after a failed handshake or a dropped connection, GET the
   *   endpoint's http(s) twin first, to learn why and where, and keep probing with HTTP while it
   *   is down, opening a WebSocket only when HTTP reaches the server. Costs nothing when all is
   *   well.
   * - `always`: before every attempt without a reusable answer; for load-balancer steering.
   * - `never`: plain WebSocket attempts only (with a resolver: no probe of a failed endpoint).
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
   * An endpoint with userinfo sends it as `Authorization: Basic` unless `headers` is set.
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
}

/** The default of every resolution option that has one. */
export const resolutionDefaults = {
  preflight: 'on-failure' as NonNullable<ResolutionOptions['preflight']>,
  resolveTimeout: 5_000,
  allowInsecure: false,
};

// While HTTP probes fail without an answer, every this-many-th retry opens a WebSocket anyway:
// some servers drop plain GETs yet take upgrades.
const blindAttemptEvery = 4;

const noop = () => {};
const pageUrl = () => (globalThis as { location?: Location }).location?.href;

/**
 * Preflight for a URL endpoint: HTTP before an attempt (see `preflight`), so redirects are
 * followed and statuses reach the policy.
 * @throws InvalidArgumentError for a bad option.
 */
export function preflight(options?: ResolutionOptions): Feature {
  return resolution(undefined, options);
}

/**
 * A resolver before every attempt without a reusable answer (`discover(…)` or the app's own);
 * the client is then constructed with `''` as its URL. Unless `preflight` is `never`, an endpoint
 * it named whose handshake failed is first probed over HTTP, so its status reaches the policy.
 * @throws InvalidArgumentError for a bad option.
 */
export function resolveWith(resolver: Resolver, options?: ResolutionOptions): Feature {
  return resolution(resolver, options);
}

function resolution(resolver: Resolver | undefined, given: ResolutionOptions = {}): Feature {
  const options = { ...resolutionDefaults, ...given };
  checkRules(options, { resolveTimeout: delay, preflight: oneOf('on-failure', 'always', 'never') });
  const { preflightUrl } = options;
  if (preflightUrl !== undefined && !/^https?:/.test(new URL(preflightUrl, pageUrl()).protocol)) {
    throw new InvalidArgumentError('preflightUrl', unexpected(dev ? 'an http: or https: URL' : '', preflightUrl));
  }
  const allowedHosts = normalizeHostRules(options.allowedHosts);
  const fetcher = options.fetch ?? (globalThis.fetch && ((input, init) => globalThis.fetch(input, init)));
  const probing = !!fetcher && options.preflight !== 'never';
  let host: FeatureHost;
  // An answer reused until a connection fails or it expires.
  let cache: (Target & { expiresAt: number }) | undefined;
  // The endpoint a resolver gave whose handshake failed: probed over HTTP before the resolver is
  // asked again, so its status (403, 503 + Retry-After…) reaches the policy.
  let suspect: string | undefined;
  // The probed URL whose last answer was a 2xx, so that the handshake went ahead there.
  let answered: string | false | undefined;

  // Probes `probe` (an endpoint whose handshake failed, or the URL endpoint itself) over HTTP,
  // then runs the resolver, if there is one. Both share one `resolveTimeout` and one abort.
  async function resolveEndpoint(context: AttemptContext, probe?: string): Promise<Target | Outcome> {
    const { attempt, signal } = context;
    const controller = new AbortController();
    signal.addEventListener('abort', () => controller.abort(), { once: true });
    const timeout = host.timers.setTimeout(() => controller.abort(), options.resolveTimeout);
    // Settles at the abort even when a resolver (or a fetch) ignores its signal.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.onabort = () => {
        // Names what was asked: the resolver's URL, or the endpoint being probed.
        const asked = resolver?.url ?? (probe && toHttpUrl(probe)) ?? '';
        reject(new ResolveError(`Asking ${asked || 'the resolver'} timed out or was cancelled`, 'network', asked));
      };
    });
    // Never awaited when the probe or the resolver throws at once; that is no unhandled rejection.
    aborted.catch(noop);
    try {
      if (probe !== undefined) {
        const probed = await probeEndpoint(context, probe, controller.signal, aborted);
        // The endpoint answered, or may be fine: the resolver decides where to go next.
        if (!resolver || 'type' in probed) return probed;
        suspect = undefined;
      }
      const { url: asked = '', via = 'custom' } = resolver as Resolver;
      const where = redactUrl(asked);
      context.resolving({ attempt, via, url: where });
      const { allowInsecure } = options;
      const result = await Promise.race([
        (resolver as Resolver)({
          attempt,
          outcome: context.outcome,
          signal: controller.signal,
          fetch: fetcher as typeof fetch,
          now: host.now(),
          allowInsecure,
          allowedHosts,
        }),
        aborted,
      ]);
      const source = where || 'the resolver';
      const base = pageUrl();
      const secure = /^https:/.test(asked || base || '');
      const check = (url: string) => checkTarget(url, source, base, secure, allowInsecure, allowedHosts);
      // Nothing from the answer reaches the WebSocket constructor unchecked.
      return { ...checkResolution(result, source, check), via };
    } catch (thrown) {
      const error = toResolveError(thrown);
      const { status, url, retryAfter } = error;
      if (status) return { type: 'http', status, url, probe: false, retryAfter };
      return { type: 'resolve', error };
    } finally {
      // Its own timer only: by now a close() or reconnect() may have set another.
      host.timers.clearTimeout(timeout);
    }
  }

  // GETs the http(s) twin of `endpoint` (or `preflightUrl`, for a URL endpoint) and asks the
  // policy what its answer means. Returns where to connect (the final URL after redirects, or
  // `endpoint` as it is when HTTP cannot tell), or the outcome that stands in the way.
  async function probeEndpoint(
    context: AttemptContext,
    endpoint: string,
    signal: AbortSignal,
    aborted: Promise<never>,
  ): Promise<Target | Outcome> {
    const own = !resolver;
    // The WebSocket URL's own twin, unless the app named a preflight URL: weak evidence.
    const probe = !(own && preflightUrl);
    const probeUrl = probe ? toHttpUrl(endpoint) : (preflightUrl as string);
    const where = redactUrl(probeUrl);
    context.resolving({ attempt: context.attempt, via: 'preflight', url: where });
    const fetch = fetcher as typeof globalThis.fetch;
    try {
      // The app's request settings are for its own endpoint's preflight, not for the hosts a
      // resolver names.
      const settings = own ? (options.request ?? {}) : {};
      const rules = { allowInsecure: options.allowInsecure, allowedHosts };
      const answer = await Promise.race([request(fetch, probeUrl, settings, signal, host.now(), rules), aborted]);
      const { status, retryAfter, maxAge } = answer;
      const at = redactUrl(answer.url);
      const page = probe && status < 300;
      // A 2xx again, and the handshake right after the last one failed: HTTP is answered there by
      // something that is not a WebSocket server (a server would answer 426 or upgrade).
      const said: Outcome =
        page && answered === probeUrl && failedHandshake(context.outcome)
          ? { type: 'not-websocket', status, contentType: answer.response.headers.get('content-type') ?? '', url: at }
          : { type: 'http', status, url: at, probe, retryAfter };
      answered = page && probeUrl;
      const decision = context.decide(said);
      if (decision !== 'connect') return { ...said, decision } as unknown as Outcome;
      const secure = /^wss:/.test(endpoint);
      const url = checkTarget(answer.url, where, pageUrl(), secure, options.allowInsecure, allowedHosts);
      // Under `always`, reuse the answer only for as long as the server said it may be.
      const reuse = options.preflight === 'always' ? (maxAge ?? 0) : maxAge;
      return { url, via: 'preflight', redirected: answer.redirected, status, maxAge: reuse };
    } catch (thrown) {
      const error = toResolveError(thrown);
      if (error.reason === 'network') {
        // A server that is up but sends no CORS headers fails like a dead one; a no-cors request
        // tells them apart (it gets an opaque answer). Every fourth retry goes ahead regardless,
        // for a server that drops plain GETs without an HTTP answer but takes upgrades.
        const reachable = await Promise.race([
          fetch(probeUrl.replace(/\/\/[^/]*@/, '//'), { mode: 'no-cors', signal }).then(
            () => true,
            () => false,
          ),
          aborted.catch(() => false),
        ]);
        if (reachable || context.attempt % blindAttemptEvery === blindAttemptEvery - 1) {
          return { url: endpoint, via: 'direct' };
        }
      }
      return { type: 'resolve', error };
    }
  }

  return {
    attach(given) {
      host = given;
      return undefined;
    },
    resolve(context) {
      const { attempt, outcome } = context;
      if (context.renew) cache = undefined;
      // A handshake on a resolved endpoint failed: HTTP may say why (a browser hides it).
      if (attempt === 0) suspect = undefined;
      else if (resolver && (outcome?.type === 'timeout' || failedHandshake(outcome))) {
        suspect = context.url;
      }
      if (cache && host.now() < cache.expiresAt) return { ...cache, cached: true };
      // Probe once anything went wrong (a failed handshake, a drop, an HTTP refusal), so that while
      // the endpoint is down no WebSocket attempt is spent: Chromium throttles failed handshakes.
      const failing = outcome && outcome.type !== 'exception';
      let answer: Promise<Target | Outcome> | undefined;
      if (resolver) answer = resolveEndpoint(context, probing ? suspect : undefined);
      else if (probing && (options.preflight === 'always' || failing))
        answer = resolveEndpoint(context, context.endpoint);
      return answer?.then((found) => {
        if (!('type' in found) && found.via !== 'direct') {
          const { maxAge } = found;
          cache = { ...found, expiresAt: maxAge === undefined ? Infinity : host.now() + maxAge * 1000 };
        }
        return found;
      });
    },
  };
}

/** Whether `outcome` is a handshake that failed (a close before the socket opened). */
const failedHandshake = (outcome?: Outcome) => outcome?.type === 'close' && !outcome.opened;

function toResolveError(thrown: unknown): ResolveError {
  return isResilientError(thrown, 'ResolveError')
    ? thrown
    : new ResolveError(`Resolver failed: ${thrown}`, 'network', '', thrown);
}
