// Application-level ping with a wall-clock deadline: a silent peer is found even when the
// browser throttles or freezes timers, because the deadline is a time, checked on every chance.

import { dev } from '../core/dev';
import type { Feature, FeatureHost } from '../core/feature';
import { check, delay } from '../core/options';
import { isSendData, type SendData } from '../core/queue';

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

/** The heartbeat's clock arithmetic; the feature sends, schedules and closes. */
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

/**
 * The heartbeat feature: pings after `interval` ms without a message, and ends a connection that
 * shows no life within `timeout` of a ping (close code 4408; the policy reconnects). Its deadline
 * is also checked on every message and send, and when the page or network wakes it.
 * @throws InvalidArgumentError for a bad interval, timeout or message.
 */
export function heartbeat(settings: HeartbeatOptions = {}): Feature {
  const { interval = 0, timeout = 0, message } = settings;
  const [validDelay, expectedDelay] = delay;
  check(
    'heartbeat',
    validDelay(interval as never) && validDelay(timeout as never),
    dev ? `interval and timeout: ${expectedDelay}` : '',
    JSON.stringify(settings),
  );
  // A ping the socket cannot send would throw on every tick, or go out as "[object Object]".
  check(
    'heartbeat.message',
    message === undefined || typeof message === 'function' || isSendData(message),
    dev ? 'a string, ArrayBuffer, view, Blob or a function that returns one' : '',
    message,
  );
  const beat = new Heartbeat(settings);
  let host: FeatureHost;
  // Nothing goes out, and nothing is believed, on a socket already past its deadline.
  const pastDeadline = (time = host.now()) => {
    const expired = beat.expired(time);
    if (expired) host.lose({ type: 'heartbeat' }, heartbeatCloseCode, 'heartbeat timeout');
    return expired;
  };
  // Sends a ping when one is due (or now, when forced) and schedules the next check; a passed
  // deadline ends the connection. Also runs for a connection held while offline.
  const checkLiveness = (force?: boolean) => {
    const socket = host.socket;
    const time = host.now();
    if (!socket || (host.state !== 'open' && host.state !== 'offline') || pastDeadline(time)) return;
    const ping = beat.due(time, force);
    if (ping !== undefined) socket.send(ping);
    host.arm('heartbeat', checkLiveness, beat.next(time));
  };
  return {
    attach(given) {
      host = given;
      return undefined;
    },
    open() {
      beat.reset(host.now());
      checkLiveness();
    },
    message(event) {
      // One clock read per message: this runs for every message the app receives.
      const time = host.now();
      if (pastDeadline(time)) return true;
      const pong = beat.receive(event, time);
      host.stats.rtt = beat.rtt;
      return pong;
    },
    send: () => !pastDeadline(),
    wake: () => checkLiveness(true),
  };
}
