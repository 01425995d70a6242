// One key's sharing in one tab: the channel, the election, the hub while this tab leads, and the
// ports its clients open. A client shares the connection by taking `WebSocket` from here: every
// socket it makes is then a port onto the leader's connection (its own, when it leads), or a
// real socket where the platform has no locks or channel (`solo`).

import { EventEmitter } from 'eventemitter3';
import type { Timers } from '../core/feature';
import type { WebSocketConstructor } from '../core/options';
import { type ChannelFactory, type Ignored, TabChannel } from './channel';
import { Election, type LockManagerLike, type Role } from './election';
import type { Leadership } from './frames';
import { Hub } from './hub';
import { Merge, type MergeCodec } from './merge';
import { type PortLink, TabSocket } from './socket';

/** What sharing is given; everything has a default from the page. */
export interface TabsOptions {
  /** `navigator.locks` by default; none: `solo`. */
  locks?: LockManagerLike;
  /** Makes the channel; `new BroadcastChannel(name)` by default; none: `solo`. */
  channel?: ChannelFactory;
  /** The real WebSocket class the leader dials with. @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor;
  /** @default Date.now */
  now?: () => number;
  /** @default globalThis's setTimeout and clearTimeout */
  timers?: Timers;
  /** @default Math.random */
  random?: () => number;
  /** @default () => document.visibilityState !== 'hidden' */
  visible?: () => boolean;
  /** Where `pagehide`/`pageshow` and `freeze`/`resume` are heard. @default window and document */
  page?: { window?: EventTarget; document?: EventTarget };
  /** ms between the leader's beats. @default 500 */
  beatInterval?: number;
  /**
   * ms without a beat before a visible follower takes over (a hidden one waits half as long
   * again); it comes within this plus two beats. Chromium runs a hidden page's timers once a
   * second at most, so keep it well above 1000. @default 1800
   */
  leaderTimeout?: number;
  /** ms the leader waits for every tab's first frames after the socket opens. @default 500 */
  gatherTimeout?: number;
  /** How resume and subscription frames are read and written. @default the protocol's JSON */
  codec?: MergeCodec;
}

/** The events of {@link Tabs}. */
export interface TabsEvents {
  /** This tab's role changed. */
  role: [role: Role, previous: Role];
  /** @internal The leadership this tab follows or holds changed (undefined: none known). */
  leadership: [leadership: Leadership | undefined];
}

/** @internal One key's sharing in one tab (not yet a public entry: see docs/tabs-design.md). */
export class Tabs extends EventEmitter<TabsEvents> {
  /** The constructor to give the client (`new CoreWebSocket(url, { WebSocket: tabs.WebSocket })`). */
  readonly WebSocket: WebSocketConstructor;
  readonly #channel?: TabChannel;
  readonly #election: Election;
  readonly #ports = new Set<TabSocket>();
  readonly #undo: (() => void)[] = [];
  #hub?: Hub;

  constructor(key: string, options: TabsOptions = {}) {
    super();
    const scope = globalThis as Partial<typeof globalThis>;
    const locks = options.locks ?? scope.navigator?.locks;
    const factory =
      options.channel ??
      (typeof scope.BroadcastChannel === 'function'
        ? (name: string) => new BroadcastChannel(name) as unknown as ReturnType<ChannelFactory>
        : undefined);
    const real = options.WebSocket ?? (scope.WebSocket as WebSocketConstructor);
    const timers = options.timers ?? {
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => clearTimeout(handle as number),
    };
    const random = options.random ?? Math.random;
    const now = options.now ?? Date.now;
    const tab = Math.floor(random() * 2 ** 52).toString(36) + now().toString(36);
    if (locks && factory) this.#channel = new TabChannel(key, tab, factory);
    this.#election = new Election(key, {
      locks,
      channel: this.#channel,
      now,
      timers,
      random,
      visible: options.visible ?? (() => scope.document?.visibilityState !== 'hidden'),
      beatInterval: options.beatInterval ?? 500,
      leaderTimeout: options.leaderTimeout ?? 1800,
    });
    this.#election.on('role', (role, previous) => this.emit('role', role, previous));
    this.#election.on('leadership', (leadership) => this.#follow(leadership, real, timers, options));
    const channel = this.#channel;
    if (!channel) this.WebSocket = real;
    else {
      let ports = 0;
      const link: PortLink = {
        channel,
        leadership: () => this.#election.leadership,
        register: (port) => {
          this.#ports.add(port);
          return () => this.#ports.delete(port);
        },
        portId: () => `${tab}.${++ports}`,
      };
      this.WebSocket = class extends TabSocket {
        constructor(url: string, protocols?: string | string[]) {
          super(link, url, protocols);
        }
      };
      this.#undo.push(
        channel.listen((frame) => {
          this.#hub?.hear(frame);
          for (const port of [...this.#ports]) port.hear(frame);
        }),
      );
      this.#watch(options.page ?? { window: scope.window, document: scope.document });
    }
    this.#election.start();
  }

  /** This tab's role. */
  get role(): Role {
    return this.#election.role;
  }

  /** Frames ignored on the channel (another app's, another version's, malformed), by why. */
  get ignored(): Ignored {
    return this.#channel?.ignored ?? { foreign: 0, version: 0, malformed: 0 };
  }

  /** Stops sharing: leadership is given up, the channel closed; ports still open are lost. */
  stop(): void {
    this.#election.stop();
    for (const undo of this.#undo.splice(0)) undo();
    this.#channel?.close();
  }

  // A new leadership: this tab's own gets a hub, any other ends it; ports follow.
  #follow(leadership: Leadership | undefined, real: WebSocketConstructor, timers: Timers, options: TabsOptions): void {
    const own = leadership?.leader === this.#channel?.tab ? leadership : undefined;
    if (this.#hub && (!own || this.#hubOf !== own)) {
      this.#hub.stop();
      this.#hub = undefined;
    }
    if (own && !this.#hub) {
      this.#hubOf = own;
      this.#hub = new Hub({
        channel: this.#channel as TabChannel,
        leadership: own,
        WebSocket: real,
        timers,
        gatherTimeout: options.gatherTimeout ?? 500,
        // Taking over from another leader: the other tabs' ports are on their way back.
        dialDelay: own.epoch > 1 ? (options.gatherTimeout ?? 500) : 0,
        merge: new Merge(options.codec),
      });
    }
    for (const port of [...this.#ports]) port.follow(leadership);
    this.emit('leadership', leadership);
  }
  #hubOf?: Leadership;

  // The page going away or freezing lets go of leadership (a held lock also keeps the page out of
  // Chromium's back/forward cache); coming back asks for it again.
  #watch(page: { window?: EventTarget; document?: EventTarget }): void {
    const on = (target: EventTarget | undefined, type: string, listener: () => void) => {
      target?.addEventListener(type, listener);
      this.#undo.push(() => target?.removeEventListener(type, listener));
    };
    on(page.window, 'pagehide', () => this.#election.pause());
    on(page.window, 'pageshow', () => this.#election.resume());
    on(page.document, 'freeze', () => this.#election.pause());
    on(page.document, 'resume', () => this.#election.resume());
  }
}
