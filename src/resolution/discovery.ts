// Discovery: a JSON document that names the WebSocket endpoint, read with a size cap and
// turned into a Resolution by a parser (the default one reads { url, protocols, maxAge }).

import { dev } from '../core/dev';
import { InvalidArgumentError, ResolveError, unexpected } from '../core/errors';
import { type RequestSettings, request } from './http';
import type { Resolution, Resolver } from './resolver';
import { redactUrl } from './url';

export type { Resolution };

/** Turns a discovery answer's parsed JSON into a {@link Resolution}; throw to reject it. */
export type DiscoveryParser = (body: unknown, response: Response) => Resolution;

/** Discovery bodies larger than this many bytes are refused. */
export const maxDiscoveryBytes = 65_536;

/** The default parser: `{ "url": "wss://…", "protocols"?: […], "maxAge"?: seconds }`. */
export const parseDiscovery: DiscoveryParser = (body) => {
  const { url, protocols, maxAge } = (body ?? {}) as Record<string, unknown>;
  if (typeof url !== 'string') throw new TypeError('expected {"url": "wss://…"}');
  return {
    url,
    protocols: protocols as Resolution['protocols'],
    maxAge: typeof maxAge === 'number' ? maxAge : undefined,
  };
};

/**
 * Reads a JSON body of at most {@link maxDiscoveryBytes}, parses it with `parse`, and resolves
 * a relative `url` against the answer's own URL.
 */
export async function readDiscovery(response: Response, parse: DiscoveryParser): Promise<Resolution> {
  const where = redactUrl(response.url);
  let text = '';
  let bytes = 0;
  try {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      text += decoder.decode(chunk.value, { stream: true });
      // Bytes as they arrived: a string's length counts UTF-16 units, up to a third of the bytes.
      bytes += chunk.value.byteLength;
      if (bytes > maxDiscoveryBytes) {
        reader.cancel().catch(() => {});
        throw new RangeError(`body over ${maxDiscoveryBytes} bytes`);
      }
    }
    const resolution = parse(JSON.parse(text), response);
    return { ...resolution, url: new URL(resolution.url, response.url).href };
  } catch (cause) {
    throw new ResolveError(
      `Discovery answer from ${where} is unusable: ${(cause as Error).message}`,
      'invalid',
      where,
      cause,
    );
  }
}

/** Options of {@link discover}. */
export interface DiscoveryOptions {
  /** Turns the JSON into a Resolution. @default parseDiscovery, for `{ url, protocols?, maxAge? }` */
  parse?: DiscoveryParser;
  /**
   * Method, headers, credentials and body of the request. With headers or a body set, a bare GET
   * finds where redirects lead first, and only a final URL that passes `allowInsecure` and
   * `allowedHosts` gets them, in a request that must not be redirected: one request more.
   * A discovery URL with userinfo sends it as `Authorization: Basic` unless `headers` is set.
   * @default a GET
   */
  request?: RequestSettings;
}

/**
 * A resolver that asks a discovery endpoint where to connect: pass it as the URL.
 *
 * ```ts
 * new ResilientWebSocket(discover('https://api.example.com/realtime'));
 * ```
 *
 * A non-2xx answer goes to the policy with its status (a 404 or 403 there is fatal, a 503 waits
 * for Retry-After); the answer's Cache-Control max-age, or the parser's `maxAge`, says how long
 * it may be reused.
 * @throws InvalidArgumentError when `url` is not http(s).
 */
export function discover(url: string | URL, options: DiscoveryOptions = {}): Resolver {
  const endpoint = new URL(url, (globalThis as { location?: Location }).location?.href);
  if (!/^https?:$/.test(endpoint.protocol))
    throw new InvalidArgumentError('discover(url)', unexpected(dev ? 'an http: or https: URL' : '', endpoint.protocol));
  const resolver: Resolver = async ({ fetch, signal, now, allowInsecure, allowedHosts }) => {
    // A redirect to http: or to a host outside allowedHosts is refused before the app's headers go there.
    const rules = { allowInsecure, allowedHosts };
    const answer = await request(fetch, endpoint.href, options.request ?? {}, signal, now, rules);
    const { status, retryAfter } = answer;
    if (status < 200 || status > 299) {
      const where = redactUrl(answer.url);
      throw new ResolveError(`Discovery ${where} answered ${status}`, 'status', where, undefined, status, retryAfter);
    }
    const resolution = await readDiscovery(answer.response, options.parse ?? parseDiscovery);
    return { ...resolution, maxAge: resolution.maxAge ?? answer.maxAge };
  };
  resolver.via = 'discovery';
  resolver.url = endpoint.href;
  return resolver;
}
