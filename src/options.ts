// The options of the batteries-included ResilientWebSocket: the core's, resolution's, and those
// that switch on the heartbeat, network and page features. Their defaults, in one object.

import { type CoreOptions, coreDefaults } from './core/options';
import type { Environment } from './features/environment';
import type { HeartbeatOptions } from './features/heartbeat';
import { type ResolutionOptions, resolutionDefaults } from './resolution/feature';

export type { CoreOptions, Timers, WebSocketConstructor } from './core/options';

/**
 * Options of {@link ResilientWebSocket}: every {@link CoreOptions} and {@link ResolutionOptions}
 * option, and the switches of the other features. Every one is optional. Durations are in ms, at
 * most 2147483647 (2^31 − 1, about 24.8 days): a timer given more fires at once, so more is refused.
 */
export interface Options extends CoreOptions, ResolutionOptions {
  /**
   * An application-level ping that finds dead connections the browser never notices (a silent
   * peer, a sleeping laptop, a NAT that forgot the flow). Its deadline is a wall-clock time,
   * checked by its timer and on every message, send and return to visibility, so throttled
   * background timers cannot hide a dead socket. A missed deadline closes the socket with code
   * 4408 and reconnects. The server must answer the ping (or send anything).
   * @default undefined (off)
   */
  heartbeat?: HeartbeatOptions;
  /**
   * Watch online/offline: spend no attempts while offline (state `offline`), reconnect soon
   * after `online`, and check liveness (with a heartbeat) when going offline while open.
   * @default true
   */
  watchNetwork?: boolean;
  /**
   * Watch visibilitychange: on return to visible, check liveness now, or cut a long wait short.
   * @default true
   */
  watchVisibility?: boolean;
  /**
   * Watch pagehide/pageshow (back/forward cache) and freeze/resume: close cleanly when the page
   * is parked (state `suspended`) so it stays cacheable, and reconnect when it returns.
   * @default true
   */
  watchPageLifecycle?: boolean;
  /**
   * Where network and page events come from; inject for tests or other hosts.
   * @default the globals: globalThis, document, navigator
   */
  environment?: Environment;
}

/** The default of every option that has one. */
export const defaults = {
  ...coreDefaults,
  ...resolutionDefaults,
  watchNetwork: true,
  watchVisibility: true,
  watchPageLifecycle: true,
};
