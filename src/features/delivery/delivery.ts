// The delivery feature: an outbox of acknowledged sends, resent in order after every reopen;
// the last seq of each incoming stream, sent back on reopen to resume; and the subscriptions.

import { EventEmitter } from 'eventemitter3';
import type { Feature, FeatureHost } from '../../core/feature';
import { byteSize, type SendData } from '../../queue';
import { DeliveryError } from './error';
import { type DeliveryOptions, type DeliverySettings, deliverySettings } from './options';
import { readOutbox } from './storage';

/** Where a message is: `queued` → `sent` (again on each resend) → `acked`, or `dropped`. */
export type MessageState = 'queued' | 'sent' | 'acked' | 'dropped';

/** A message waiting for its ack, as {@link Delivery.pending} lists it. */
export interface Pending<T = unknown> {
  readonly id: string;
  readonly data: T;
  /** `queued` until it first goes out on an open connection, then `sent`. */
  readonly state: 'queued' | 'sent';
}

/** The promise `deliver()` returns, resolved on the ack, rejected with a {@link DeliveryError}. */
export type Sending = Promise<void> & { readonly id: string };

/** A stream skipped seqs the server could not replay: messages `from` to `to` are missing. */
export interface Gap {
  stream: string;
  from: number;
  to: number;
}

/** The events of {@link Delivery}. */
export interface DeliveryEvents {
  /** Message `id` changed state; `error` says why it was dropped. */
  state: [id: string, state: MessageState, error?: DeliveryError];
  /** Seqs were skipped in a stream; the message after them is delivered. Fetch a snapshot. */
  gap: [gap: Gap];
}

interface Entry<T> extends Pending<T> {
  state: 'queued' | 'sent';
  frame: SendData;
  bytes: number;
  // Resends for want of an ack, and when it last went out.
  tries: number;
  at: number;
  settle?: [resolve: () => void, reject: (error: DeliveryError) => void];
}

/**
 * The delivery feature; pass it in `features` and send through it. See docs/delivery-client.md.
 * One client per instance. `attach`, `open` and `message` are the client's hooks.
 */
export class Delivery<T = unknown> extends EventEmitter<DeliveryEvents> implements Feature {
  /** Stream messages dropped as already seen, and gaps reported. */
  readonly stats = { duplicates: 0, gaps: 0 };
  /** The last seq received of each stream, sent in the resume message. */
  readonly streams = new Map<string, number>();
  readonly #settings: DeliverySettings<T>;
  #host?: FeatureHost;
  #items: Entry<T>[] = [];
  #bytes = 0;
  #key = '';
  #next = 0;
  #subscriptions = new Map<string, SendData>();
  #timer?: unknown;

  constructor(options: DeliveryOptions<T> = {}) {
    super();
    const settings = deliverySettings(options);
    this.#settings = settings;
    let saved: unknown;
    try {
      saved = settings.storage.load();
    } catch {}
    const outbox = readOutbox(saved);
    if (outbox) {
      this.#key = outbox.key;
      this.#next = outbox.next;
      // What no longer fits (smaller bounds than when saved) or wraps no more is left out.
      for (const [id, data] of outbox.items) {
        try {
          this.#add(id, data as T);
        } catch {}
      }
    }
  }

  /** Messages waiting for their ack, oldest first (after a reload, those loaded from storage). */
  get pending(): readonly Pending<T>[] {
    return this.#items.slice();
  }

  /**
   * (Not `send`: that name is the client's hook for every plain send.) Sends `data` with a new id: at once if the connection is open, else at the next open; again
   * after every reopen until acked. The promise (even when not awaited: its rejection is never
   * unhandled) resolves on the ack and rejects with a {@link DeliveryError} when dropped;
   * its `id` names the message in `state` events.
   * @throws what `wrap` throws (the default: a `data` that is not JSON).
   */
  deliver(data: T): Sending {
    const id = this.#id();
    const entry = this.#add(id, data);
    let sending: Promise<void>;
    if (entry) {
      sending = new Promise((resolve, reject) => (entry.settle = [resolve, reject]));
      this.#save();
      this.emit('state', id, 'queued');
      this.#transmit(entry);
    } else {
      const error = new DeliveryError('overflow', id);
      sending = Promise.reject(error);
      this.emit('state', id, 'dropped', error);
    }
    sending.catch(() => {});
    return Object.assign(sending, { id });
  }

  /** Drops every pending message (`closed`): their promises reject and storage forgets them. */
  close(): void {
    for (const entry of this.#items.splice(0)) this.#drop(entry, 'closed');
    this.#bytes = 0;
    this.#save();
  }

  /**
   * Registers a subscription under `name` (replacing one of that name) and sends `message` now if
   * the connection is open; it is sent again after every reopen, after the resume message.
   */
  subscribe(name: string, message: SendData): void {
    this.#subscriptions.set(name, message);
    this.#host?.transmit(message);
  }

  /** Forgets the subscription `name`; sends `message`, if given, now if the connection is open. */
  unsubscribe(name: string, message?: SendData): void {
    this.#subscriptions.delete(name);
    if (message !== undefined) this.#host?.transmit(message);
  }

  /** The client's hook: binds to it; what it returns drops what is pending (`closed`). */
  attach(host: FeatureHost): () => void {
    this.#host = host;
    return () => {
      host.timers.clearTimeout(this.#timer);
      this.#timer = this.#host = undefined;
      this.close();
    };
  }

  /** The client's hook, before the `open` event and the queue: resume, subscriptions, resends. */
  open(): void {
    const host = this.#host as FeatureHost;
    const resume = this.streams.size ? this.#settings.resume(Object.fromEntries(this.streams)) : undefined;
    if (resume !== undefined) host.transmit(resume);
    for (const message of this.#subscriptions.values()) host.transmit(message);
    for (const entry of this.#items) this.#transmit(entry);
  }

  /** The client's hook: consumes acks and already seen stream messages; reports gaps. */
  message(event: MessageEvent): boolean {
    const data = event.data;
    const { ackOf, position } = this.#settings;
    let acked: string | string[] | undefined;
    try {
      acked = ackOf(data, event);
    } catch {}
    if (acked !== undefined) {
      for (const id of typeof acked === 'string' ? [acked] : acked) this.#ack(id);
      this.#save();
      return true;
    }
    let at: ReturnType<typeof position>;
    try {
      at = position(data, event);
    } catch {}
    if (!at) return false;
    const { stream, seq } = at;
    const last = this.streams.get(stream) ?? -Infinity;
    if (seq <= last) return !!++this.stats.duplicates;
    this.streams.set(stream, seq);
    if (seq > last + 1 && last > -Infinity) {
      this.stats.gaps++;
      this.emit('gap', { stream, from: last + 1, to: seq - 1 });
    }
    return false;
  }

  // A new id: the key (made once, kept with the outbox), a dot, the counter in base 36.
  #id(): string {
    if (!this.#key) {
      const random = this.#host?.random ?? Math.random;
      for (let index = 0; index < 10; index++) this.#key += ((random() * 36) | 0).toString(36);
    }
    return `${this.#key}.${(this.#next++).toString(36)}`;
  }

  // Appends a message if it fits in the bounds; undefined if it does not.
  #add(id: string, data: T): Entry<T> | undefined {
    const { wrap, maxMessages, maxBytes } = this.#settings;
    const frame = wrap(data, id);
    const bytes = byteSize(frame);
    if (this.#items.length >= maxMessages || this.#bytes + bytes > maxBytes) return;
    const entry: Entry<T> = { id, data, state: 'queued', frame, bytes, tries: 0, at: 0 };
    this.#items.push(entry);
    this.#bytes += bytes;
    return entry;
  }

  #transmit(entry: Entry<T>): void {
    const host = this.#host;
    if (!host?.transmit(entry.frame)) return;
    entry.state = 'sent';
    entry.at = host.now();
    this.emit('state', entry.id, 'sent');
    this.#arm();
  }

  #ack(id: string): void {
    const index = this.#items.findIndex((entry) => entry.id === id);
    if (index < 0) return;
    const [entry] = this.#items.splice(index, 1);
    this.#bytes -= entry.bytes;
    entry.settle?.[0]();
    this.emit('state', id, 'acked');
  }

  #drop(entry: Entry<T>, reason: DeliveryError['reason']): void {
    const error = new DeliveryError(reason, entry.id);
    entry.settle?.[1](error);
    this.emit('state', entry.id, 'dropped', error);
  }

  // One timer for the earliest sent message still without an ack, while resends by time are on.
  #arm(): void {
    const host = this.#host;
    const wait = this.#settings.ackTimeout;
    if (!host || !wait || this.#timer !== undefined) return;
    const at = Math.min(...this.#items.map((entry) => (entry.state === 'sent' ? entry.at : Infinity)));
    if (at < Infinity) {
      this.#timer = host.timers.setTimeout(
        host.step(() => {
          this.#timer = undefined;
          this.#expire(host);
        }),
        Math.max(0, at + wait - host.now()),
      );
    }
  }

  // Resends what waited `ackTimeout` on this open connection; drops what was resent too often.
  // Not open: nothing is due now, the next open resends it all (and arms again).
  #expire(host: FeatureHost): void {
    if (host.state !== 'open') return;
    const { ackTimeout, maxResends } = this.#settings;
    const now = host.now();
    const due = this.#items.filter((entry) => entry.state === 'sent' && now - entry.at >= ackTimeout);
    for (const entry of due) {
      if (entry.tries++ < maxResends) this.#transmit(entry);
      else {
        this.#items.splice(this.#items.indexOf(entry), 1);
        this.#bytes -= entry.bytes;
        this.#drop(entry, 'timeout');
      }
    }
    this.#save();
    this.#arm();
  }

  #save(): void {
    const outbox = { key: this.#key, next: this.#next, items: this.#items.map(({ id, data }) => [id, data]) };
    try {
      (this.#settings.storage.save(outbox as never) as Promise<void> | undefined)?.catch?.(() => {});
    } catch {}
  }
}

/**
 * Makes the delivery feature: acknowledged sends, stream resume and subscriptions, in the wire
 * format of docs/delivery-protocol.md unless `wrap`, `ackOf`, `position` and `resume` say
 * otherwise.
 * @example
 * const chat = delivery({ storage: localStorageOutbox('chat.outbox') });
 * const ws = new ResilientWebSocket(url, { features: [chat] });
 * await chat.deliver({ text: 'hello' });
 */
export function delivery<T = unknown>(options?: DeliveryOptions<T>): Delivery<T> {
  return new Delivery(options);
}
