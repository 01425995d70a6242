// The outgoing queue: messages sent while the connection is not open wait here, bounded by
// count and by bytes, and leave in order when it opens.

import { dev } from './dev';
import { InvalidArgumentError, unexpected } from './errors';

/** What `send()` accepts: the same as the native WebSocket. */
export type SendData = string | ArrayBuffer | Blob | ArrayBufferView<ArrayBuffer>;

/**
 * What happens when a message does not fit in the queue.
 * - `reject`: the new message is dropped; `send()` returns `'dropped'`.
 * - `drop-oldest`: the oldest queued messages are dropped to make room; `send()` returns
 *   `'queued-dropped-oldest'`. For streams where only the latest state matters.
 */
export type OverflowPolicy = 'reject' | 'drop-oldest';

/**
 * The size a message takes on the wire, in bytes: UTF-8 for strings, as the browser encodes
 * them, where a lone surrogate becomes U+FFFD (3 bytes) and only a valid pair makes 4.
 */
export function byteSize(data: SendData): number {
  if (typeof data !== 'string') return (data as Blob).size ?? (data as ArrayBuffer).byteLength;
  let bytes = 0;
  // By code point: a valid surrogate pair is one (4 bytes), a lone surrogate one of its own (3).
  for (const char of data) {
    const code = char.codePointAt(0) as number;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/**
 * Whether `data` is something the native `send()` takes as it is: a string, an ArrayBuffer, a
 * view of one, or a Blob. Anything else a browser would stringify ("[object Object]") and the
 * `ws` package would throw on, at flush time, in the middle of the queue.
 */
export function isSendData(data: unknown): data is SendData {
  return (
    typeof data === 'string' ||
    data instanceof ArrayBuffer ||
    ArrayBuffer.isView(data) ||
    // Not every runtime has Blob (older Node, some workers).
    (typeof Blob === 'function' && data instanceof Blob)
  );
}

/**
 * Checks the argument of `send()` before it is sent or queued.
 * @throws InvalidArgumentError naming `send(data)` when it is not a string, ArrayBuffer, view or Blob.
 */
export function assertSendData(data: unknown): asserts data is SendData {
  if (!isSendData(data)) {
    throw new InvalidArgumentError(
      'send(data)',
      unexpected(dev ? 'a string, ArrayBuffer, typed array, DataView or Blob' : '', typeof data),
    );
  }
}

/** A FIFO queue with a count and a byte bound. */
export class SendQueue {
  /** Queued messages, oldest first. */
  items: SendData[] = [];
  /** Their total size in bytes. */
  bytes = 0;
  #sizes: number[] = [];
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #overflow: OverflowPolicy;

  constructor(maxMessages: number, maxBytes: number, overflow: OverflowPolicy) {
    this.#maxMessages = maxMessages;
    this.#maxBytes = maxBytes;
    this.#overflow = overflow;
  }

  /**
   * Adds `data` if it fits (after evicting the oldest, under `drop-oldest`). Returns the
   * messages that were dropped: `data` itself when it cannot fit, else the evicted ones.
   */
  push(data: SendData, overflow = this.#overflow): SendData[] {
    const size = byteSize(data);
    const dropped: SendData[] = [];
    const full = () => this.items.length >= this.#maxMessages || this.bytes + size > this.#maxBytes;
    if (size > this.#maxBytes || this.#maxMessages < 1 || (full() && overflow === 'reject')) return [data];
    while (full()) dropped.push(this.shift() as SendData);
    this.items.push(data);
    this.#sizes.push(size);
    this.bytes += size;
    return dropped;
  }

  /** Removes and returns every message, oldest first. */
  clear(): SendData[] {
    const items = this.items;
    this.items = [];
    this.#sizes = [];
    this.bytes = 0;
    return items;
  }

  /** Removes and returns the oldest message. */
  shift(): SendData | undefined {
    this.bytes -= this.#sizes.shift() ?? 0;
    return this.items.shift();
  }
}
