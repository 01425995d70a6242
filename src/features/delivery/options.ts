// The delivery feature's options: what each is for, and their defaults in one object.

import { dev } from '../../core/dev';
import { checkRules, count, delay, type Rule } from '../../core/options';
import type { SendData } from '../../core/queue';
import { jsonAck, jsonPosition, jsonResume, jsonWrap, type StreamPosition } from './envelope';
import type { OutboxStorage } from './storage';

/** Options of {@link delivery}. Every one is optional; the defaults speak docs/delivery-protocol.md. */
export interface DeliveryOptions<T = unknown> {
  /**
   * At most this many messages wait for their ack; a `deliver()` beyond it is rejected (`overflow`).
   * @default 1000
   */
  maxMessages?: number;
  /**
   * At most this many bytes (of wrapped frames, UTF-8) wait for their ack; a `deliver()` beyond it
   * is rejected (`overflow`).
   * @default 1048576
   */
  maxBytes?: number;
  /**
   * At most this many streams are tracked for resume; messages of streams beyond it go through
   * untracked (no duplicates dropped, no gaps reported), so a server cannot grow the resume
   * message without end. The reference server reads at most 256 entries of a resume.
   * @default 256
   */
  maxStreams?: number;
  /**
   * How long, in ms, a message sent on an open connection waits for its ack before it is sent
   * again (on the same connection). 0 turns resends by time off: only a reopen resends.
   * @default 10000
   */
  ackTimeout?: number;
  /**
   * How many times a message is resent for want of an ack on an open connection before it is
   * dropped (`timeout`). Resends after a reopen do not count: a lost connection is not the
   * message's fault.
   * @default 3
   */
  maxResends?: number;
  /**
   * Where the outbox is kept between page loads; see {@link OutboxStorage} and
   * `localStorageOutbox()`.
   * @default none: the outbox lives in this instance only
   */
  storage?: OutboxStorage;
  /**
   * Makes the frame that goes on the wire from a message and its id. Called once per message
   * (resends reuse the frame); an exception goes to the caller of `deliver()`. The default sends
   * the data as JSON, which binary data has none of: give your own `wrap` for that.
   * @default (data, id) => JSON.stringify({ id, data })
   */
  wrap?: (data: T, id: string) => SendData;
  /**
   * The id or ids an incoming frame acknowledges, else undefined. Acks are not emitted as
   * `message`. Runs on every incoming message first: keep it cheap, and throwing counts as "not an ack".
   * @default reads `{"ack":"<id>"}` (or an array of ids)
   */
  ackOf?: (data: unknown, event: MessageEvent) => string | string[] | undefined;
  /**
   * Where an incoming frame sits in its stream, else undefined. Runs on every message that is
   * not an ack, so it gets the raw `data`; it may return the same object each time. Throwing
   * counts as "not a stream message".
   * @default reads `{"stream":"<name>","seq":<n>,…}`, those fields first, compact JSON
   */
  position?: (data: unknown, event: MessageEvent) => StreamPosition | undefined;
  /**
   * The message sent first on every reopen, from the last seq of each stream; undefined sends
   * nothing. Not called before any stream message has arrived.
   * @default (positions) => JSON.stringify({ resume: positions })
   */
  resume?: (positions: Record<string, number>) => SendData | undefined;
}

/** The defaults of {@link DeliveryOptions}, in one object (`storage` has none). */
export const deliveryDefaults = {
  maxMessages: 1000,
  maxBytes: 1_048_576,
  maxStreams: 256,
  ackTimeout: 10_000,
  maxResends: 3,
  wrap: jsonWrap,
  ackOf: jsonAck,
  position: jsonPosition,
  resume: jsonResume,
};

/** The options with every default filled in. */
export type DeliverySettings<T> = Required<Omit<DeliveryOptions<T>, 'storage'>> & Pick<DeliveryOptions<T>, 'storage'>;

const callable: Rule = [(value) => typeof value === 'function', dev ? 'a function' : ''];

// The options and their rules, in the order they are checked.
const rules: Record<keyof DeliveryOptions, Rule> = {
  maxMessages: count,
  maxBytes: count,
  maxStreams: count,
  ackTimeout: delay,
  maxResends: count,
  storage: [
    (value?: OutboxStorage) =>
      value === undefined || (typeof value?.load === 'function' && typeof value.save === 'function'),
    dev ? 'an object with load() and save()' : '',
  ],
  wrap: callable,
  ackOf: callable,
  position: callable,
  resume: callable,
};

/**
 * Fills in the defaults (an option given as undefined takes its default) and checks every option.
 * @throws InvalidArgumentError naming the option.
 */
export function deliverySettings<T>(options: DeliveryOptions<T>): DeliverySettings<T> {
  const settings: Record<string, unknown> = { ...deliveryDefaults };
  for (const name in rules) {
    const value = options[name as keyof DeliveryOptions];
    if (value !== undefined) settings[name] = value;
  }
  checkRules(settings, rules);
  return settings as DeliverySettings<T>;
}
