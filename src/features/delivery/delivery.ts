// The delivery feature: an outbox of acknowledged sends, resent in order after every reopen;
// the last seq of each incoming stream, sent back on reopen to resume; and the subscriptions.

import { EventEmitter } from 'eventemitter3';
import type { Feature, FeatureHost } from '../../core/feature';
import { byteSize, type SendData } from '../../core/queue';
import { safely } from '../../core/surface';
import { DeliveryError } from './error';
import { type DeliveryOptions, deliverySettings } from './options';
import { type OutboxStorage, readOutbox } from './storage';

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

/**
 * The delivery feature: pass it in the client's `features` and deliver through it (see
 * docs/delivery-client.md). One client per instance, and one instance per client (it consumes
 * every ack, its own or not, and names its timer `delivery`). `attach`, `open` and `message` are the
 * client's hooks; it has no `send` member, as that would be the client's hook for every plain send.
 */
export interface Delivery<T = unknown> extends EventEmitter<DeliveryEvents>, Feature {
  /**
   * Delivers `data` under a new id: sent at once if the connection is open, else at the next
   * open, and again after every reopen until acked. The promise resolves on the ack and rejects
   * with a {@link DeliveryError} when the message is dropped (its rejection is never unhandled,
   * so it may be ignored); its `id` names the message in `state` events.
   * @throws what `wrap` throws (the default: on data that is not JSON).
   */
  deliver(data: T): Sending;
  /** Drops every pending message (`closed`): their promises reject and storage forgets them. */
  close(): void;
  /**
   * Registers a subscription under `name` (replacing one of that name) and sends `message` now
   * if the connection is open; it is sent again after every reopen, after the resume message.
   */
  subscribe(name: string, message: SendData): void;
  /** Forgets the subscription `name`; sends `message`, if given, now if the connection is open. */
  unsubscribe(name: string, message?: SendData): void;
  /** Messages waiting for their ack, oldest first: a live, read-only list. */
  readonly pending: readonly Pending<T>[];
  /** The last seq received of each stream, sent in the resume message. */
  readonly streams: Map<string, number>;
  /**
   * Stream messages dropped as already seen, and gaps reported; and `lost`: stored messages that
   * loading the outbox could not take back (beyond `maxMessages` or `maxBytes`, an id outside the
   * protocol's rules, data `wrap` refused), set when `delivery()` returns. They have no promise and
   * raise no event (nothing could listen yet): tell the user that `lost` unsent messages are gone.
   */
  readonly stats: { duplicates: number; gaps: number; lost: number };
  /** The client's hook: binds to it; what it returns drops what is pending (`closed`). */
  attach(host: FeatureHost): () => void;
  /** The client's hook, before the `open` event and the queue: resume, subscriptions, resends. */
  open(): void;
  /** The client's hook: consumes acks and stream messages already seen; reports gaps. */
  message(event: MessageEvent): boolean;
}

interface Entry<T> extends Pending<T> {
  state: 'queued' | 'sent';
  frame: SendData;
  size: number;
  // Resends for want of an ack, when it last went out, and its promise's resolve and reject.
  tries: number;
  at: number;
  done: ((error?: DeliveryError) => void)[];
}

/**
 * Makes the delivery feature: acknowledged sends, stream resume and subscriptions, in the wire
 * format of docs/delivery-protocol.md unless `wrap`, `ackOf`, `position` and `resume` say
 * otherwise. The outbox is loaded from `storage` here, so messages can be delivered at once.
 * @example
 * const chat = delivery({ storage: localStorageOutbox('chat.outbox') });
 * const ws = new ResilientWebSocket(url, { features: [chat] });
 * await chat.deliver({ text: 'hello' });
 */
export function delivery<T = unknown>(options: DeliveryOptions<T> = {}): Delivery<T> {
  const { maxMessages, maxBytes, maxStreams, ackTimeout, maxResends, storage, wrap, ackOf, position, resume } =
    deliverySettings(options);
  const items: Entry<T>[] = [];
  const subscriptions = new Map<string, SendData>();
  // Pending messages by id, so an ack costs the same however many are pending.
  const byId = new Map<string, Entry<T>>();
  const streams = new Map<string, number>();
  // Streams whose position came from a head alone, oldest first: a real stream's first message
  // takes the place of one of these when every slot is taken.
  const heads = new Set<string>();
  const stats = { duplicates: 0, gaps: 0, lost: 0 };
  let host: FeatureHost | undefined;
  let bytes = 0;
  // When the ack timer fires; Infinity while none is armed (the host ends it with the connection).
  let deadline = Infinity;
  let saving = false;

  // The app's listeners run inside the client's steps (a message, an open): one that throws is
  // reported as uncaught, and the step (the message it was about) goes on.
  const emit = <E extends keyof DeliveryEvents>(...args: [E, ...DeliveryEvents[E]]) =>
    safely(self.emit as (...args: unknown[]) => void, self, args);

  const send = (data?: SendData) => data !== undefined && host?.transmit(data);

  // Saves once per burst of changes, after the current task's synchronous code (before the page
  // can go away): a thousand messages sent offline are one write, not a thousand. A store that
  // throws or rejects leaves the outbox in memory only.
  const save = () => {
    if (saving || !storage) return;
    saving = true;
    Promise.resolve()
      .then(() => {
        saving = false;
        return (storage as OutboxStorage).save({ items: items.map((entry) => [entry.id, entry.data]) });
      })
      .catch(() => {});
  };

  // Whether a message of `size` bytes fits beside what waits.
  const fits = (size: number) => items.length < maxMessages && bytes + size <= maxBytes;

  // Takes a message in, and sends it if the connection is open; what does not fit in the bounds is
  // dropped at once (`overflow`), nothing already waiting is evicted.
  const add = (id: string, data: T, frame: SendData): Sending => {
    const entry = { id, data, state: 'queued', frame, size: byteSize(frame), tries: 0, at: 0 } as Entry<T>;
    const sending = Object.assign(
      new Promise<void>((...settlers) => {
        entry.done = settlers as Entry<T>['done'];
      }),
      { id },
    );
    sending.catch(() => {});
    const room = fits(entry.size);
    bytes += entry.size;
    items.push(entry);
    byId.set(id, entry);
    if (!room) settle(entry, 'overflow');
    else {
      save();
      emit('state', id, 'queued');
      transmit(entry);
    }
    return sending;
  };

  // Settles a message and takes it out: acked, or dropped for `reason`. Once: a listener may have
  // settled it already (close() from a `state` listener during close()).
  const settle = (entry: Entry<T> | undefined, reason?: DeliveryError['reason']) => {
    // Ids are unique among pending messages (drawn at random, checked at load).
    if (!entry || !byId.delete(entry.id)) return;
    items.splice(items.indexOf(entry), 1);
    bytes -= entry.size;
    const { id } = entry;
    const error = reason && new DeliveryError(reason, id);
    entry.done[error ? 1 : 0](error);
    save();
    emit('state', id, error ? 'dropped' : 'acked', error);
  };

  const transmit = (entry: Entry<T>) => {
    if (!send(entry.frame)) return;
    entry.state = 'sent';
    entry.at = (host as FeatureHost).now();
    emit('state', entry.id, 'sent');
    arm(entry.at + ackTimeout);
  };

  // One timer for the earliest sent message without an ack, while resends by time are on: a
  // connection timer of the client's, so a lost connection ends it and the next open resends all.
  const arm = (at: number) => {
    if (!ackTimeout || at >= deadline) return;
    deadline = at;
    (host as FeatureHost).arm('delivery', expire, at - (host as FeatureHost).now());
  };

  // What waited `ackTimeout` goes again, or is dropped after `maxResends`; the rest arm the timer.
  const expire = () => {
    deadline = Infinity;
    const now = (host as FeatureHost).now();
    for (const entry of [...items]) {
      if (entry.state !== 'sent') continue;
      if (now - entry.at < ackTimeout) arm(entry.at + ackTimeout);
      else if (entry.tries++ < maxResends) transmit(entry);
      else settle(entry, 'timeout');
    }
  };

  const self = Object.assign(new EventEmitter<DeliveryEvents>(), {
    pending: items,
    streams,
    stats,

    deliver(data: T): Sending {
      // A new id: 20 random base-32 characters (100 bits) from the platform's cryptographic random
      // (every browser; Node 19 and later), so no id tells anything of another (one seen on the
      // wire, or published, gives no way to the sender's next ones), and no two pages, tabs or
      // reloads ever draw the same one.
      let id = '';
      for (const byte of crypto.getRandomValues(new Uint8Array(20))) id += (byte & 31).toString(32);
      return add(id, data, wrap(data, id));
    },

    close() {
      for (const entry of [...items]) settle(entry, 'closed');
    },

    subscribe(name: string, message: SendData) {
      subscriptions.set(name, message);
      send(message);
    },

    unsubscribe(name: string, message?: SendData) {
      subscriptions.delete(name);
      send(message);
    },

    attach(to: FeatureHost) {
      host = to;
      return () => {
        host = undefined;
        self.close();
      };
    },

    open() {
      deadline = Infinity;
      if (streams.size) send(resume(Object.fromEntries(streams)));
      for (const message of subscriptions.values()) send(message);
      for (const entry of [...items]) transmit(entry);
    },

    message(event: MessageEvent): boolean {
      const data = event.data;
      let acked: ReturnType<typeof ackOf>;
      let at: ReturnType<typeof position>;
      // A reader that throws (JSON.parse on a plain frame) means "not mine".
      try {
        acked = ackOf(data, event);
      } catch {}
      if (acked !== undefined) {
        for (const id of ([] as string[]).concat(acked)) settle(byId.get(id));
        return true;
      }
      try {
        at = position(data, event);
      } catch {}
      if (!at) return false;
      const { stream, seq, head } = at;
      const last = streams.get(stream) as number;
      if (last === undefined) {
        // A name past the bound, or a new stream past maxStreams, is not tracked (a server that
        // makes up names cannot grow the map and the resume message without end); its messages go
        // through as they are, heads are consumed. A message's stream takes the slot of a stream
        // known by a head alone, the oldest: heads cannot keep the app's streams out.
        // The longest name tracked is the reference server's default, 128: the resume stays bounded.
        if (stream.length > 128) return !!head;
        if (!head && streams.size >= maxStreams)
          for (const name of heads) {
            heads.delete(name);
            if (streams.delete(name)) break;
          }
        if (streams.size >= maxStreams) return !!head;
      }
      // A head only says where a stream stands, when subscribed to with no position: the start,
      // so a connection lost before the stream's next message resumes from there.
      if (head) {
        if (last === undefined) {
          streams.set(stream, seq);
          heads.add(stream);
        }
        return true;
      }
      heads.delete(stream);
      // A stream's first message (no last seq) is neither a duplicate nor after a gap: a number
      // compared with undefined, or with undefined + 1 (NaN), is never smaller or greater.
      if (seq <= last) return !!++stats.duplicates;
      streams.set(stream, seq);
      if (seq > last + 1) {
        stats.gaps++;
        emit('gap', { stream, from: last + 1, to: seq - 1 });
      }
      return false;
    },
  });

  // A store that throws is taken as empty. At most maxMessages items are looked at, in order (a
  // tampered store of a million costs no more than a full outbox); those that do not fit (smaller
  // bounds than when saved), break the id rules, repeat an id or no longer wrap, and all beyond,
  // are counted in `stats.lost`, with no promise or event, since nothing can listen yet.
  let stored: unknown;
  try {
    stored = storage?.load();
  } catch {}
  const outbox = readOutbox(stored, maxMessages);
  stats.lost = outbox.dropped;
  for (const [id, data] of outbox.items) {
    let frame: SendData | undefined;
    try {
      frame = byId.has(id) ? undefined : wrap(data as T, id);
    } catch {}
    if (frame !== undefined && fits(byteSize(frame))) add(id, data as T, frame);
    else stats.lost++;
  }
  return self;
}
