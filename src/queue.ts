// The outgoing queue: messages sent while the connection is not open wait here, bounded by
// count and by bytes, and leave in order when it opens.

/** What `send()` accepts: the same as the native WebSocket. */
export type SendData = string | ArrayBuffer | Blob | ArrayBufferView<ArrayBuffer>;

/**
 * What happens when a message does not fit in the queue.
 * - `reject`: the new message is dropped; `send()` returns `'dropped'`.
 * - `drop-oldest`: the oldest queued messages are dropped to make room; `send()` returns
 *   `'queued-dropped-oldest'`. For streams where only the latest state matters.
 */
export type OverflowPolicy = 'reject' | 'drop-oldest';

/** The size a message takes on the wire, in bytes (UTF-8 for strings). */
export function byteSize(data: SendData): number {
  if (typeof data !== 'string') return (data as Blob).size ?? (data as ArrayBuffer).byteLength;
  let bytes = data.length;
  for (let i = 0; i < data.length; i++) {
    const code = data.charCodeAt(i);
    // A UTF-16 unit below 0x80 is one byte, below 0x800 two, else three; each half of a
    // surrogate pair counts two, as the pair is four bytes.
    if (code > 0x7f) bytes += code > 0x7ff && (code < 0xd800 || code > 0xdfff) ? 2 : 1;
  }
  return bytes;
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
  push(data: SendData): SendData[] {
    const size = byteSize(data);
    const dropped: SendData[] = [];
    const full = () => this.items.length >= this.#maxMessages || this.bytes + size > this.#maxBytes;
    if (size > this.#maxBytes || this.#maxMessages < 1 || (full() && this.#overflow === 'reject')) return [data];
    while (full()) dropped.push(this.shift() as SendData);
    this.items.push(data);
    this.#sizes.push(size);
    this.bytes += size;
    return dropped;
  }

  /** Removes and returns the oldest message. */
  shift(): SendData | undefined {
    this.bytes -= this.#sizes.shift() ?? 0;
    return this.items.shift();
  }
}
