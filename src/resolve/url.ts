// URL rules: which schemes are accepted, how http(s) maps to ws(s), and how secrets in a URL
// are hidden before it reaches an error, an event or a log.

import { InvalidArgumentError, ResolveError } from '../errors';
import { redactUrl } from '../redact';

const wsSchemes: Record<string, string> = { 'ws:': 'ws:', 'wss:': 'wss:', 'http:': 'ws:', 'https:': 'wss:' };

/**
 * Parses `input` as a WebSocket endpoint: ws:, wss:, or their http:/https: twins, which are mapped
 * to ws:/wss: as the browser's own constructor does. Relative URLs resolve against `base` (in a
 * page, its address). Throws {@link InvalidArgumentError} naming `argument` otherwise.
 */
export function toWebSocketUrl(input: string | URL, base?: string, argument = 'url'): string {
  let url: URL;
  try {
    url = new URL(input, base);
  } catch {
    throw new InvalidArgumentError(
      argument,
      `"${input}" is not a valid URL${base ? '' : ' (a relative URL needs a page to resolve against)'}`,
    );
  }
  const scheme = wsSchemes[url.protocol];
  if (!scheme) throw new InvalidArgumentError(argument, `scheme ${url.protocol} is not ws:, wss:, http: or https:`);
  if (url.hash) throw new InvalidArgumentError(argument, 'a WebSocket URL cannot have a #fragment');
  url.protocol = scheme;
  return url.href;
}

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
      `expected an array of hostnames or '*.suffix' patterns, or a function, got ${JSON.stringify(rules)}`,
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

/**
 * Checks an endpoint that `source` (a URL or resolver, for messages) gave, before any socket opens: a WebSocket URL (relative to `base`), no
 * downgrade from a secure origin unless `allowInsecure`, and a host that `allowedHosts` admits.
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
  const { protocol, hostname } = new URL(url);
  const refuse = (why: string) => new ResolveError(`Refused ${redactUrl(url)}: ${why}`, 'refused', redactUrl(url));
  if (secure && protocol === 'ws:' && !allowInsecure) throw refuse('a downgrade to ws: (set allowInsecure to permit)');
  if (!hostAllowed(hostname, allowedHosts)) throw refuse(`${hostname} is not in allowedHosts`);
  return url;
}

/** The http(s) twin of a ws(s) URL, for preflight requests. */
export function toHttpUrl(url: string): string {
  return url.replace(/^ws/, 'http');
}

export { redactUrl };
