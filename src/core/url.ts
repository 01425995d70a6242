// Endpoint URLs and subprotocols: which schemes a WebSocket endpoint may have, how http(s) maps
// to ws(s), and what a subprotocol list must look like.

import { dev } from './dev';
import { InvalidArgumentError, unexpected } from './errors';

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
      `"${input}" is not a valid URL${base || !dev ? '' : ' (a relative URL needs a page to resolve against)'}`,
    );
  }
  const scheme = wsSchemes[url.protocol];
  if (!scheme)
    throw new InvalidArgumentError(argument, unexpected(dev ? 'ws:, wss:, http: or https:' : '', url.protocol));
  if (url.hash) throw new InvalidArgumentError(argument, unexpected(dev ? 'no #fragment' : '', url.hash));
  url.protocol = scheme;
  return url.href;
}

// A subprotocol is an HTTP token (RFC 6455 §4.1, RFC 9110 §5.6.2).
const token = /^[!#$%&'*+\-.^_`|~\dA-Za-z]+$/;

/** What {@link validProtocols} accepts, for messages. */
export const protocolsExpected = 'a subprotocol token or an array of distinct tokens';

/** Whether `protocols` is undefined, a subprotocol token, or an array of distinct tokens. */
export function validProtocols(protocols: unknown): boolean {
  const list = typeof protocols === 'string' ? [protocols] : protocols;
  return (
    protocols === undefined ||
    (Array.isArray(list) &&
      list.every((item) => typeof item === 'string' && token.test(item)) &&
      new Set(list).size === list.length)
  );
}

/** The http(s) twin of a ws(s) URL, for preflight requests. */
export function toHttpUrl(url: string): string {
  return url.replace(/^ws/, 'http');
}
