// The batteries-included client: the core with resolution (preflight on failure, or a resolver),
// network and page lifecycle on, and a heartbeat when asked for, configured by flat options.

import { CoreWebSocket } from './core/client';
import type { Feature } from './core/feature';
import { heartbeat } from './features/heartbeat';
import { network } from './features/network';
import { page } from './features/page';
import type { Options } from './options';
import { preflight, resolveWith } from './resolution/feature';
import type { Resolver } from './resolution/resolver';

// The features that the options switch on, before the app's own.
function featuresOf(url: string | URL | Resolver, options: Options): Feature[] {
  const { watchNetwork = true, watchVisibility = true, watchPageLifecycle = true, environment } = options;
  const features = [typeof url === 'function' ? resolveWith(url, options) : preflight(options)];
  if (options.heartbeat) features.push(heartbeat(options.heartbeat));
  if (watchNetwork) features.push(network(environment));
  if (watchVisibility || watchPageLifecycle) {
    features.push(page({ visibility: watchVisibility, lifecycle: watchPageLifecycle, environment }));
  }
  return [...features, ...(options.features ?? [])];
}

/**
 * A WebSocket that reconnects. Code written for `WebSocket` keeps working (`send`, `close`,
 * `readyState`, `onmessage`, `addEventListener`…); on top of that it queues while disconnected,
 * backs off with jitter, follows a close-code policy, asks HTTP what the browser hides after a
 * failed handshake, watches the network and the page, and reports all of it through typed events.
 *
 * ```ts
 * const ws = new ResilientWebSocket('wss://example.com/feed');
 * ws.on('message', (event) => console.log(event.data));
 * ws.send('hello'); // queued until open
 * ```
 */
export class ResilientWebSocket extends CoreWebSocket {
  /**
   * @param url ws:, wss:, or their http:/https: twins (relative URLs resolve against the page).
   *   Userinfo (`wss://user:password@host/`) is kept for the handshake, which sends it as Basic
   *   credentials when the server asks, as the native WebSocket does; preflight requests go to the
   *   URL without it and send it as `Authorization: Basic` (fetch refuses such a URL). Or a
   *   {@link Resolver} that finds the endpoint before each attempt, such as {@link discover}.
   * @param protocols subprotocols, as for `WebSocket`; or the options, when there are none.
   * @param options see {@link Options}.
   * @throws InvalidArgumentError for a bad URL or option, or when no WebSocket exists.
   */
  constructor(url: string | URL | Resolver, protocols?: string | string[] | Options, options?: Options) {
    const given = typeof protocols === 'object' && !Array.isArray(protocols) ? protocols : { ...options, protocols };
    super(typeof url === 'function' ? '' : url, { ...given, features: featuresOf(url, given) });
  }
}
