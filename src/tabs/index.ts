// resilient-ws/tabs: the tabs of one browser profile share one connection. A feature of the client
// that also gives it the WebSocket class to dial with: every socket the client makes is then a port
// onto the connection the leader tab holds (see docs/tabs-design.md).

import { EventEmitter } from 'eventemitter3';
import { dev } from '../core/dev';
import type { AttemptContext, Feature, FeatureHost } from '../core/feature';
import type { WebSocketConstructor } from '../core/options';
import { checkRules, delay, type Rule } from '../core/options';
import type { Ignored } from './channel';
import type { Role } from './election';
import { Tabs, type TabsEvents, type TabsOptions } from './tabs';

export type { Ignored } from './channel';
export type { LockManagerLike, Role } from './election';
export type { MergeCodec } from './merge';
export type { TabsEvents } from './tabs';

/** Options of {@link tabs}. Durations are in ms. */
export interface SharedOptions extends TabsOptions {
  /**
   * What clients share a connection: those of the same profile and origin with the same key and
   * the same endpoint. With a resolver (`discover(url)`), whose endpoint is `''`, the key alone
   * names the service: give each service its own. At most 256 characters.
   * @default ''
   */
  key?: string;
}

const rules: Record<string, Rule> = {
  beatInterval: delay,
  leaderTimeout: delay,
  gatherTimeout: delay,
  key: [
    (value: unknown) => typeof value === 'string' && value.length <= 256,
    dev ? 'a string of 256 characters at most' : '',
  ],
};

/**
 * The shared connection, as a feature of one client: give the client both its `WebSocket` and the
 * feature itself (first, before any resolver). One per client: make another for another client.
 */
export class SharedConnection extends EventEmitter<TabsEvents> implements Feature {
  /** The WebSocket class the client dials with: a port onto the shared connection. */
  readonly WebSocket: WebSocketConstructor;
  readonly #options: SharedOptions;
  #tabs?: Tabs;
  #host?: FeatureHost;

  constructor(options: SharedOptions = {}) {
    super();
    checkRules({ key: '', beatInterval: 0, leaderTimeout: 0, gatherTimeout: 0, ...options }, rules);
    this.#options = options;
    const real = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    // A constructor that returns the port of this client's current sharing (or a real socket
    // while it has none), so the one class stays valid across the client's restarts.
    const shared = this;
    this.WebSocket = class {
      constructor(url: string, protocols?: string | string[]) {
        const Socket = shared.#tabs?.WebSocket ?? (real as WebSocketConstructor);
        // biome-ignore lint/correctness/noConstructorReturn: the port (or socket) is the instance.
        return new Socket(url, protocols);
      }
    } as unknown as WebSocketConstructor;
  }

  /** This tab's part: `leader` holds the connection, `follower` uses it; `solo` is not sharing. */
  get role(): Role {
    return this.#tabs?.role ?? 'solo';
  }

  /** Frames ignored on the channel (another app's, another version's, malformed), by why. */
  get ignored(): Ignored {
    return this.#tabs?.ignored ?? { foreign: 0, version: 0, malformed: 0 };
  }

  /** @internal */
  attach(host: FeatureHost): () => void {
    this.#host = host;
    return () => {
      const tabs = this.#tabs;
      this.#tabs = undefined;
      if (!tabs) return;
      const role = tabs.role;
      tabs.removeAllListeners();
      tabs.stop();
      if (role !== 'solo') this.emit('role', 'solo', role);
    };
  }

  /** @internal Joins the sharing of the key and endpoint at the first attempt; resolution goes on as usual. */
  resolve(context: AttemptContext): undefined {
    if (this.#tabs) return;
    const host = this.#host as FeatureHost;
    const tabs = new Tabs(`${this.#options.key ?? ''}\n${context.endpoint}`, {
      now: host.now,
      timers: host.timers,
      random: host.random,
      ...this.#options,
    });
    this.#tabs = tabs;
    tabs.on('role', (role, previous) => this.emit('role', role, previous));
    // A new leader: a client waiting to reconnect (its port onto the old one was lost) goes now.
    tabs.on('leadership', (leadership) => {
      if (leadership && host.state === 'waiting') host.step(() => host.signal('visible'))();
    });
    if (tabs.role !== 'solo') this.emit('role', tabs.role, 'solo');
  }
}

/**
 * Shares one connection between the tabs of the browser profile: the leader tab holds the socket,
 * the others follow through it, and a follower takes over when the leader goes.
 *
 * ```ts
 * const shared = tabs();
 * const ws = new ResilientWebSocket(url, { WebSocket: shared.WebSocket, features: [shared] });
 * ```
 * @throws InvalidArgumentError for a bad option.
 */
export function tabs(options?: SharedOptions): SharedConnection {
  return new SharedConnection(options);
}
