// The server side of docs/delivery-protocol.md for one `ws` socket: acks every message, hands each
// id to the app once, and replays streams after a resume before going live.

import type { RawData, WebSocket } from 'ws';
import { type ClaimResult, type DedupStore, isScope, MAX_SCOPE_LENGTH } from './dedup';
import { type ClientFrame, encodeAck, parseClientFrame, type StreamMessage } from './envelope';
import { type FrameLimits, normalizeLimits } from './limits';
import type { StreamHub } from './streams';

const OPEN = 1; // WebSocket.OPEN, without importing `ws` at runtime
const PENDING_POLL_MS = 50;

/** Options of {@link deliveryEndpoint}. */
export interface DeliveryEndpointOptions {
  /**
   * The application's handler, called once per message id within the dedup window, one message at
   * a time per socket, in arrival order. The ack is sent after it returns (or its promise
   * resolves); if it throws, the id is released and the socket closed with 1011, so the client
   * resends it and it is handed over again.
   */
  onMessage(data: unknown, id: string, scope: string): void | Promise<void>;
  /**
   * Who is talking, as the server's own authentication says: the user id, or the session id (or a
   * hash of it) that the upgrade request proved, e.g. from its cookie or token. Message ids are
   * unique only within a scope, so no client can claim, evict or learn another's: a copy of
   * alice's id sent by mallory is mallory's own message. Never take it from what the client says
   * in the protocol, and give the same scope to every connection of the same user, so a resend
   * after a reconnect is still a duplicate. Where the credentials come in the first message, read
   * that message before calling `deliveryEndpoint`. A string of 1 to 256 characters.
   */
  scope: string;
  /** Where ids are remembered, per scope; share one across the fleet (Redis) for fleet-wide exactly-once. */
  dedup: DedupStore;
  /** The backend's stream buffers; without it, resume and subscribe frames are ignored. */
  streams?: StreamHub;
  /** May this socket subscribe to `stream`? Refused subscriptions are reported to `onInvalid`. @default all allowed */
  canSubscribe?(stream: string): boolean;
  /** Frames outside the protocol (other JSON, plain text), for the app's own messages. `value` is undefined for non-JSON text. */
  onOther?(text: string, value: unknown): void;
  /** Called for each copy of a message already delivered (acked again, not handed over), for metrics. */
  onDuplicate?(id: string): void;
  /** Binary frames; ignored by default. */
  onBinary?(data: Uint8Array): void;
  /** Frames that break the protocol's rules, with why. @default ignored */
  onInvalid?(reason: string): void;
  /** Called when the dedup store or the handler fails, before the socket is closed with 1011. @default console.error */
  onError?(error: unknown): void;
  /** Bounds on frames. */
  limits?: Partial<FrameLimits>;
  /**
   * How long a copy waits while another copy of it is being handled (on this or another backend),
   * in ms; past it the socket is closed with 1013 and the client resends later. @default 10000
   */
  pendingWaitMs?: number;
  /** Frames waiting for the dedup store before the socket stops reading (backpressure). @default 64 */
  maxPending?: number;
  /**
   * How a frame goes out; the default is `socket.send` while the socket is open. Wrap it to add
   * metrics or to drop frames on purpose (the demo's "silenced" backend).
   */
  send?(text: string): void;
  /** Bytes queued to a slow client past which it is closed with 1013 to resume later. @default 4 MiB */
  maxBufferedBytes?: number;
}

/** What {@link deliveryEndpoint} returns: the socket's subscriptions, and a way to detach. */
export interface DeliveryConnection {
  /** Streams this socket is subscribed to, with the last seq sent on each. */
  readonly subscriptions: ReadonlyMap<string, number>;
  /** Stops listening to the socket and to the streams (also done when the socket closes). */
  detach(): void;
  /**
   * Resolves once the frames received so far are handled, or skipped after the socket closed. A
   * backend shutting down awaits it before closing its dedup store: a claim cut off there stays
   * pending, holding the message's resends back until it expires, and a completion cut off may let
   * a resend be handed over again.
   */
  idle(): Promise<void>;
}

interface Subscription {
  lastSeq: number;
  unlisten: () => void;
}

/** Serves the delivery protocol on `socket` (a `ws` WebSocket). Call it from the server's `connection` handler. */
export function deliveryEndpoint(socket: WebSocket, options: DeliveryEndpointOptions): DeliveryConnection {
  const { scope } = options;
  if (!isScope(scope)) {
    throw new TypeError(
      `deliveryEndpoint: options.scope must be a string of 1 to ${MAX_SCOPE_LENGTH} characters naming who the connection authenticated as`,
    );
  }
  const limits = normalizeLimits(options.limits);
  const maxPending = options.maxPending ?? 64;
  const pendingWaitMs = options.pendingWaitMs ?? 10_000;
  // The waits between claims of a held copy: ended (resolved) when the socket goes.
  const waits = new Map<ReturnType<typeof setTimeout>, () => void>();
  const maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const onError = options.onError ?? ((error: unknown) => console.error('delivery endpoint:', error));
  const positions = new Map<string, number>(); // from the last resume
  const subscriptions = new Map<string, Subscription>();
  let chain: Promise<void> = Promise.resolve();
  let pending = 0;
  let paused = false;
  let detached = false;

  const send = (text: string) => {
    if (detached || socket.readyState !== OPEN) return;
    if (options.send) options.send(text);
    else socket.send(text);
    if (socket.bufferedAmount > maxBufferedBytes) fail(1013, 'too slow: resume later');
  };
  const invalid = (reason: string) => options.onInvalid?.(reason);

  function fail(code: number, reason: string): void {
    if (socket.readyState === OPEN) socket.close(code, reason);
    detach();
  }

  function sendStream(subscription: Subscription, message: StreamMessage): void {
    // A socket never gets a seq twice, nor one older than what it has: replay and live may overlap.
    if (message.seq <= subscription.lastSeq) return;
    subscription.lastSeq = message.seq;
    send(message.text);
  }

  function subscribe(stream: string): void {
    const hub = options.streams;
    if (!hub || subscriptions.has(stream)) return;
    if (subscriptions.size >= limits.maxSubscriptions)
      return invalid(`more than ${limits.maxSubscriptions} subscriptions`);
    if (options.canSubscribe && !options.canSubscribe(stream)) return invalid(`subscription to ${stream} refused`);
    const after = positions.get(stream);
    // With no position to resume from, the stream goes on from where it stands (its head).
    const subscription: Subscription = { lastSeq: after ?? hub.lastSeq(stream), unlisten: () => {} };
    subscriptions.set(stream, subscription);
    // Replay and listen in the same turn: no message can arrive in between.
    if (after !== undefined) for (const message of hub.replay(stream, after)) sendStream(subscription, message);
    // The head says where the stream stands, so a connection lost before its next message resumes
    // from here instead of missing what came meanwhile.
    else if (subscription.lastSeq > 0) send(JSON.stringify({ stream, seq: subscription.lastSeq }));
    if (detached) return; // the replay overflowed a slow client
    subscription.unlisten = hub.listen(stream, (message) => sendStream(subscription, message));
  }

  function unsubscribe(stream: string): void {
    const subscription = subscriptions.get(stream);
    if (!subscription) return;
    subscription.unlisten();
    subscriptions.delete(stream);
    // Subscribing again on this socket resumes from here: nothing twice, and what was missed meanwhile is replayed.
    if (subscription.lastSeq > 0) positions.set(stream, subscription.lastSeq);
  }

  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        waits.delete(timer);
        resolve();
      }, PENDING_POLL_MS);
      waits.set(timer, resolve);
    });

  /** Claims `id`, waiting while another copy is being handled; undefined when that takes too long. */
  async function claim(id: string): Promise<ClaimResult | undefined> {
    const deadline = Date.now() + pendingWaitMs;
    for (;;) {
      const result = await options.dedup.claim(scope, id);
      if (result !== 'pending' || detached) return result;
      if (Date.now() >= deadline) return undefined;
      await pause();
      if (detached) return result;
    }
  }

  async function handleMessage(id: string, data: unknown): Promise<void> {
    let result: ClaimResult | undefined;
    try {
      result = await claim(id);
    } catch (error) {
      // Without the store there is no telling a resend from a first send; the client will resend.
      onError(error);
      return fail(1011, 'dedup store unavailable');
    }
    if (result === undefined) return fail(1013, 'message still being handled: resend later');
    if (result === 'pending') return; // detached while waiting
    if (result === 'done') options.onDuplicate?.(id);
    else {
      try {
        await options.onMessage(data, id, scope);
      } catch (error) {
        onError(error);
        await Promise.resolve(options.dedup.release(scope, id)).catch(onError);
        return fail(1011, 'message handler failed');
      }
      // Acked even if this fails: the message was handled, and its pending claim expiring is the
      // lesser risk (a copy arriving after that would be handed over again).
      await Promise.resolve(options.dedup.complete(scope, id)).catch(onError);
    }
    // Duplicates are acknowledged too: the first ack may have been lost with the connection.
    send(encodeAck(id));
  }

  function handle(frame: ClientFrame, text: string): void {
    switch (frame.type) {
      case 'message':
        return enqueue(() => handleMessage(frame.id, frame.data));
      case 'resume':
        return enqueue(async () => {
          positions.clear();
          for (const [stream, seq] of frame.positions) positions.set(stream, seq);
        });
      case 'subscribe':
        return enqueue(async () => subscribe(frame.stream));
      case 'unsubscribe':
        return enqueue(async () => unsubscribe(frame.stream));
      case 'invalid':
        return enqueue(async () => invalid(frame.reason));
      case 'other':
        return enqueue(async () => options.onOther?.(text, frame.value));
    }
  }

  // Every frame waits its turn: messages wait for the dedup store one at a time, and the rest queue
  // behind them, so a client's frames take effect in the order it sent them.
  function enqueue(task: () => Promise<void>): void {
    pending++;
    if (pending >= maxPending && !paused) {
      paused = true;
      socket.pause();
    }
    chain = chain.then(async () => {
      if (!detached) await task().catch(onError);
      pending--;
      if (paused && pending < maxPending / 2) {
        paused = false;
        if (!detached) socket.resume();
      }
    });
  }

  function onSocketMessage(data: RawData, isBinary: boolean): void {
    if (detached) return;
    const bytes = toBuffer(data);
    if (isBinary) return enqueue(async () => options.onBinary?.(bytes));
    // Checked on bytes before decoding (a character takes at most 3 bytes in UTF-8), so a huge
    // frame is never turned into a string.
    if (bytes.byteLength > limits.maxFrameLength * 3) {
      return invalid(`frame longer than ${limits.maxFrameLength} characters`);
    }
    const text = bytes.toString('utf8');
    handle(parseClientFrame(text, limits), text);
  }

  function detach(): void {
    if (detached) return;
    detached = true;
    for (const [timer, end] of waits) {
      clearTimeout(timer);
      end();
    }
    waits.clear();
    socket.off('message', onSocketMessage);
    socket.off('close', detach);
    for (const subscription of subscriptions.values()) subscription.unlisten();
    subscriptions.clear();
  }

  socket.on('message', onSocketMessage);
  socket.on('close', detach);

  return {
    get subscriptions() {
      return new Map([...subscriptions].map(([stream, { lastSeq }]) => [stream, lastSeq]));
    },
    detach,
    idle: () => chain,
  };
}

/** The bytes of a `ws` message, whatever `binaryType` the socket uses. */
function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
