// Application-level ping with a wall-clock deadline: a silent peer is found even when the
// browser throttles or freezes timers, because the deadline is a time, checked on every chance.

import type { SendData } from '../queue';

/** Heartbeat settings; see the `heartbeat` option. */
export interface HeartbeatOptions {
  /**
   * Send a ping after this many ms without any incoming message (at most 2^31 − 1).
   * @default 30000
   */
  interval?: number;
  /**
   * After a ping, how many ms to wait for any incoming message before the connection counts as
   * dead and is replaced (at most 2^31 − 1).
   * @default 10000
   */
  timeout?: number;
  /**
   * The ping: a message (a string, ArrayBuffer, view or Blob, else `InvalidArgumentError`), or a
   * function that makes one for each ping.
   * @default 'ping'
   */
  message?: SendData | (() => SendData);
  /**
   * Whether an incoming message is the pong. Pongs count as life and are not emitted as
   * `message` events; any other message counts as life too.
   * @default (event) => event.data === 'pong'
   */
  isPong?: (event: MessageEvent) => boolean;
}

/** The close code a client uses when it drops a connection that missed its heartbeat deadline. */
export const heartbeatCloseCode = 4408;

/** The heartbeat's clock arithmetic; the client sends, schedules and closes. */
export class Heartbeat {
  /** The last round-trip time, ms. */
  rtt?: number;
  #lastLife = 0;
  #sentAt = 0;
  // The wall-clock time by which life must be seen; Infinity while no ping is out.
  #deadline = Infinity;
  readonly #settings: Required<HeartbeatOptions>;

  constructor(settings: HeartbeatOptions) {
    this.#settings = {
      interval: 30_000,
      timeout: 10_000,
      message: 'ping',
      isPong: (event) => event.data === 'pong',
      ...settings,
    };
  }

  /** Starts over at `now`, as when a connection opens. */
  reset(now: number): void {
    this.#lastLife = now;
    this.#deadline = Infinity;
  }

  /** Whether the deadline has passed at `now`: the connection is dead. */
  expired(now: number): boolean {
    return now >= this.#deadline;
  }

  /** Records an incoming message as life; returns whether it is a pong (not for the app). */
  receive(event: MessageEvent, now: number): boolean {
    let pong = false;
    try {
      pong = this.#settings.isPong(event);
    } catch {
      // A matcher that throws (JSON.parse on a non-JSON message) means "not a pong".
    }
    if (pong && this.#deadline < Infinity) this.rtt = now - this.#sentAt;
    this.reset(now);
    return pong;
  }

  /**
   * The ping to send now, if one is due (after `interval` of silence, or at once with `now`
   * forced), and arms the deadline; undefined when a ping is already out or not yet due.
   */
  due(now: number, force?: boolean): SendData | undefined {
    const { interval, timeout, message } = this.#settings;
    if (this.#deadline < Infinity || (!force && now < this.#lastLife + interval)) return undefined;
    this.#sentAt = now;
    this.#deadline = now + timeout;
    return typeof message === 'function' ? message() : message;
  }

  /** Ms from `now` until the next check is needed. */
  next(now: number): number {
    const at = this.#deadline < Infinity ? this.#deadline : this.#lastLife + this.#settings.interval;
    return Math.max(0, at - now);
  }
}
