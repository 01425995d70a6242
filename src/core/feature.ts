// The contract between the core client and the features passed to it: what a feature may see and
// do (FeatureHost) and the hooks it may implement (Feature). Everything beyond the lifecycle,
// backoff, policy, queue and connect timeout (resolution, heartbeat, network, page lifecycle,
// delivery guarantees) is a feature, so an app pays only for the ones it imports.

import type { ResilientEvents, ResolvedInfo, State, Stats } from './events';
import type { Decision, Outcome } from './policy';
import type { SendData } from './queue';

/** Where an attempt connects and how that was found (the `resolved` event reports it, redacted). */
export type Target = { url: string; protocols?: string | string[] } & Partial<Omit<ResolvedInfo, 'url'>> &
  Pick<ResolvedInfo, 'via'>;

/** Timer functions the client schedules with; inject them to drive time in tests. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What the network and the page report to the lifecycle (see the README's lifecycle diagram). */
export type Signal = 'online' | 'offline' | 'visible' | 'hide' | 'show';

/** What a feature sees of the client and may ask of it. */
export interface FeatureHost {
  /** The lifecycle state. */
  readonly state: State;
  /** The socket while connecting, open, or held offline. */
  readonly socket: WebSocket | undefined;
  /** The client's counters, live: a feature may fill in what it measures (`rtt`). */
  readonly stats: Stats;
  /** The client's clock, timers and random (injected in tests). */
  readonly now: () => number;
  readonly timers: Timers;
  readonly random: () => number;
  /**
   * Arms the client's timer named `name` (replacing one armed under that name); `callback` runs
   * as a step. Every such timer ends with the connection: close(), a reconnect, a lost socket.
   */
  arm(name: string, callback: () => void, ms: number): void;
  /** Clears the timer named `name`. */
  disarm(name: string): void;
  /**
   * Sends on the open socket (also one held while offline) at once, past the queue and every
   * `send` hook; false when there is none.
   */
  transmit(data: SendData): boolean;
  /** Emits one of the client's events; listeners run once the current step has settled. */
  emit<T extends keyof ResilientEvents>(type: T, ...args: ResilientEvents[T]): void;
  /** Wraps a callback from outside (a timer, a promise, a DOM event) as one step of the client. */
  step<A extends unknown[]>(callback: (...args: A) => void): (...args: A) => void;
  /** Reports the network or the page: the lifecycle decides what follows. */
  signal(signal: Signal): void;
  /** Ends the connection as lost (a missed heartbeat): the socket is dropped, the policy decides. */
  lose(outcome: Outcome, code: number, reason: string): void;
}

/** What a feature's `resolve` hook is told about the attempt. */
export interface AttemptContext {
  /** Failed attempts in a row before this one (0 for the first). */
  attempt: number;
  /** The endpoint as configured ('' when a resolver finds it). */
  endpoint: string;
  /** Where the last attempt went ('' before the first). */
  url: string;
  /** What ended the last attempt or connection, if anything did. */
  outcome?: Outcome;
  /** True when the last connection did not hold up: a reused answer should be asked again. */
  renew: boolean;
  /** Aborted when the attempt is cancelled (close(), reconnect(), the page hidden). */
  signal: AbortSignal;
  /** What the policy (with the app's `decide`) makes of an outcome, such as an HTTP answer. */
  decide(outcome: Outcome): Decision;
  /** Announces that resolution is under way: the state becomes `resolving` and the event fires. */
  resolving(info: ResilientEvents['resolving'][0]): void;
}

/**
 * A feature: set up and dispose, and optionally resolve an attempt's target, see an open, see a
 * message, veto a send. Hooks run in the order the features were given.
 */
export interface Feature {
  /**
   * Sets up when the client starts connecting; returns what undoes it, run when the client is
   * closed or has failed (a later `connect()` attaches again).
   */
  attach?(host: FeatureHost): (() => void) | undefined;
  /**
   * Before each attempt: a target, a promise of a target or of the outcome that stands in the
   * way (an HTTP refusal), or undefined to leave the attempt to the next feature (the last one
   * standing connects to the endpoint as given).
   */
  resolve?(context: AttemptContext): Target | Promise<Target | Outcome> | undefined;
  /**
   * The socket opened: runs before the `open` event, and before the queue flush that follows the
   * open listeners; may `transmit`.
   */
  open?(socket: WebSocket): void;
  /** A message arrived: return true when it was the feature's own (a pong, an ack), so it is not emitted. */
  message?(event: MessageEvent): boolean | undefined;
  /**
   * Before `data` goes out on the open socket: return false to hold it back; it is queued as if
   * no socket were open (a heartbeat whose deadline has passed ends the connection first).
   */
  send?(data: SendData): boolean | undefined;
  /** The network or the page says now is a good time to check the connection. */
  wake?(): void;
}

/** @internal What {@link hostOf} needs from the client beyond its public state. */
export type HostParts = Pick<FeatureHost, 'stats' | 'emit' | 'step' | 'signal' | 'lose'> & {
  socket(): WebSocket | undefined;
};

/** @internal The host a client hands its features: its state, clock and timers, and `parts`. */
export function hostOf(
  client: { readonly state: State },
  options: Pick<FeatureHost, 'now' | 'timers' | 'random'>,
  timers: { arm: FeatureHost['arm']; disarm: FeatureHost['disarm'] },
  parts: HostParts,
): FeatureHost {
  return {
    ...parts,
    get state() {
      return client.state;
    },
    get socket() {
      return parts.socket();
    },
    now: options.now,
    timers: options.timers,
    random: options.random,
    arm: (name, callback, ms) => timers.arm(name, callback, ms),
    disarm: (name) => timers.disarm(name),
    transmit(data) {
      // Open, or held while offline (state `offline` with a socket).
      const socket = /open|offline/.test(client.state) ? parts.socket() : undefined;
      socket?.send(data);
      return !!socket;
    },
  };
}

/** @internal Asks each feature's `resolve` hook in turn; the first answer decides, else the endpoint as given. */
export function targetOf(features: Feature[], context: AttemptContext): Target | Promise<Target | Outcome> {
  for (const feature of features) {
    const target = feature.resolve?.(context);
    if (target) return target;
  }
  return { url: context.endpoint, via: 'direct' };
}
