// Rules for where resolution may lead: allowed hosts, no downgrade, and what a resolver's answer
// must look like before it reaches the WebSocket constructor.

import { dev } from '../core/dev';
import { InvalidArgumentError, ResolveError, unexpected } from '../core/errors';
import { redactUrl } from '../core/redact';
import { protocolsExpected, toWebSocketUrl, validProtocols } from '../core/url';

/** Which hosts resolved endpoints may name: exact hostnames, `*.suffix` for subdomains, or a predicate. */
export type HostRule = string[] | ((hostname: string) => boolean);

// A hostname as URL parsing gives it, without the trailing dot that names the same host:
// `Example.COM.` and `example.com` must match each other.
function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/**
 * Validates the `allowedHosts` option and returns it with every pattern normalised (lowercase,
 * no trailing dot). A string, or a pattern with a scheme, port or path, would never match a
 * host, so it is refused here rather than failing as "network" forever.
 * @throws InvalidArgumentError naming `allowedHosts`.
 */
export function normalizeHostRules(rules: unknown): HostRule | undefined {
  if (rules === undefined || typeof rules === 'function') return rules as HostRule | undefined;
  const valid = (rule: unknown) =>
    typeof rule === 'string' && /^(\*\.)?[\w-]+(\.[\w-]+)*\.?$|^\[[\da-f:.]+\]$/i.test(rule);
  if (!Array.isArray(rules) || !rules.every(valid)) {
    throw new InvalidArgumentError(
      'allowedHosts',
      unexpected(dev ? "an array of hostnames or '*.suffix' patterns, or a function" : '', JSON.stringify(rules)),
    );
  }
  return rules.map(normalizeHost);
}

/** Whether `allowedHosts` admits `hostname`; a predicate that throws refuses it. */
export function hostAllowed(hostname: string, allowedHosts?: HostRule): boolean {
  const host = normalizeHost(hostname);
  try {
    return (
      !allowedHosts ||
      (typeof allowedHosts === 'function'
        ? !!allowedHosts(host)
        : allowedHosts.some((rule) => (rule.startsWith('*.') ? host.endsWith(rule.slice(1)) : host === rule)))
    );
  } catch {
    return false;
  }
}

/** What a resolved endpoint, or a redirect of a preflight or discovery request, may lead to. */
export interface DestinationRules {
  allowInsecure?: boolean;
  allowedHosts?: HostRule;
}

/**
 * Refuses `url` as where a `secure` (wss: or https:) origin leads: a downgrade to ws: or http:
 * unless `allowInsecure`, or a host other than `sameHost` that `allowedHosts` does not admit.
 * Throws a {@link ResolveError} with reason `refused`.
 */
export function checkDestination(url: string, secure: boolean, rules: DestinationRules, sameHost = ''): void {
  const { protocol, hostname } = new URL(url);
  const why =
    secure && !rules.allowInsecure && /^(ws|http):$/.test(protocol)
      ? `a downgrade to ${protocol} (set allowInsecure to permit)`
      : normalizeHost(hostname) !== normalizeHost(sameHost) && !hostAllowed(hostname, rules.allowedHosts)
        ? `${hostname} is not in allowedHosts`
        : '';
  if (why) throw new ResolveError(`Refused ${url}: ${why}`, 'refused', url);
}

/**
 * Checks an endpoint that `source` (a URL or resolver, for messages) gave, before any socket
 * opens: a WebSocket URL (relative to `base`) that {@link checkDestination} accepts.
 * Throws a {@link ResolveError}: `invalid` for a bad URL, `refused` for a forbidden target.
 */
export function checkTarget(
  input: string,
  source: string,
  base: string | undefined,
  secure: boolean,
  allowInsecure: boolean,
  allowedHosts?: HostRule,
): string {
  let url: string;
  try {
    url = toWebSocketUrl(input, base, 'resolved url');
  } catch (error) {
    throw new ResolveError(
      `${source} gave an unusable endpoint: ${(error as Error).message}`,
      'invalid',
      source,
      error,
    );
  }
  checkDestination(url, secure, { allowInsecure, allowedHosts });
  return url;
}

/** The longest a resolution may be reused, in seconds, whatever the server said: one day. */
export const maxResolutionAge = 86_400;

/**
 * Validates what a resolver or discovery parser returned before any of it reaches the WebSocket
 * constructor: a URL checked by `checkUrl`, subprotocols that are a token or an array of
 * distinct tokens (the `ws` package takes an object there as its options: TLS checks, headers,
 * redirects), and a finite max-age, capped at {@link maxResolutionAge}.
 * Throws a {@link ResolveError} with reason `invalid` (or whatever `checkUrl` throws).
 */
export function checkResolution(
  result: unknown,
  source: string,
  checkUrl: (url: string) => string,
): { url: string; protocols?: string | string[]; maxAge?: number } {
  const { url, protocols, maxAge } = (typeof result === 'string' ? { url: result } : (result ?? {})) as Record<
    string,
    unknown
  >;
  const invalid = (what: string) => new ResolveError(`${source} gave ${what}`, 'invalid', source);
  if (typeof url !== 'string') throw invalid('no url');
  if (!validProtocols(protocols)) throw invalid(`protocols that are not ${protocolsExpected}`);
  return {
    url: checkUrl(url),
    protocols: protocols as string | string[] | undefined,
    maxAge: clampAge(maxAge),
  };
}

/** A max-age in seconds, when it is a number ≥ 0, capped at {@link maxResolutionAge}. */
export function clampAge(seconds: unknown): number | undefined {
  return typeof seconds === 'number' && seconds >= 0 ? Math.min(seconds, maxResolutionAge) : undefined;
}

export { protocolsExpected, toHttpUrl, toWebSocketUrl, validProtocols } from '../core/url';
export { redactUrl };
