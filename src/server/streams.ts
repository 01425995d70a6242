// One backend's view of every stream: it follows the stream channel of the bus, keeps the last
// messages of each stream in a ring buffer for replay, and fans live messages out to its sockets.

import type { Bus } from './bus';
import { parseStreamMessage, type StreamMessage } from './envelope';
import { RingBuffer } from './ring';

/** The bus channel stream messages travel on unless told otherwise. */
export const defaultStreamChannel = 'rws:streams';

/** Options of {@link StreamHub.attach}. */
export interface StreamHubOptions {
  /** The bus channel the publishers use. @default 'rws:streams' */
  channel?: string;
  /** Messages kept per stream for replay. A client away for longer than this sees a gap. @default 1000 */
  bufferSize?: number;
  /** Streams buffered at once; past it the one written least recently is forgotten. @default 1000 */
  maxStreams?: number;
}

/** Receives each live message of a stream, in seq order. */
export type StreamListener = (message: StreamMessage) => void;

/**
 * The stream buffers of one backend. Every backend buffers every stream, whether or not one of its
 * own clients listens, so that a client moving here from another backend can resume.
 */
export class StreamHub {
  readonly bufferSize: number;
  readonly maxStreams: number;
  private readonly buffers = new Map<string, RingBuffer<StreamMessage>>();
  private readonly listeners = new Map<string, Set<StreamListener>>();
  private unsubscribe: (() => Promise<void>) | undefined;

  private constructor({ bufferSize = 1000, maxStreams = 1000 }: StreamHubOptions) {
    if (!(Number.isSafeInteger(maxStreams) && maxStreams > 0)) throw new RangeError('maxStreams must be ≥ 1');
    this.bufferSize = bufferSize;
    this.maxStreams = maxStreams;
    new RingBuffer(bufferSize); // validates bufferSize before anything subscribes
  }

  /** Creates a hub following `bus`; resolves once it is subscribed, so nothing published after is missed. */
  static async attach(bus: Bus, options: StreamHubOptions = {}): Promise<StreamHub> {
    const hub = new StreamHub(options);
    hub.unsubscribe = await bus.subscribe(options.channel ?? defaultStreamChannel, (text) => {
      const message = parseStreamMessage(text);
      if (message) hub.accept(message);
    });
    return hub;
  }

  /** Takes one message into its stream's buffer and hands it to the live listeners; repeats and stale seqs are dropped. */
  accept(message: StreamMessage): void {
    let buffer = this.buffers.get(message.stream);
    if (buffer) {
      if ((buffer.newest()?.seq ?? 0) >= message.seq) return;
      // Re-inserting keeps the Map ordered by last write, so the first key is the stalest stream.
      this.buffers.delete(message.stream);
    } else {
      buffer = new RingBuffer(this.bufferSize);
      if (this.buffers.size >= this.maxStreams) this.buffers.delete(this.buffers.keys().next().value as string);
    }
    this.buffers.set(message.stream, buffer);
    buffer.push(message);
    for (const listener of [...(this.listeners.get(message.stream) ?? [])]) listener(message);
  }

  /** The buffered messages of `stream` with a seq above `afterSeq`, oldest first. */
  replay(stream: string, afterSeq: number): StreamMessage[] {
    return this.buffers.get(stream)?.from((message) => message.seq > afterSeq) ?? [];
  }

  /** The newest seq buffered for `stream`, or 0. */
  lastSeq(stream: string): number {
    return this.buffers.get(stream)?.newest()?.seq ?? 0;
  }

  /** Listens to the live messages of `stream`; returns the function that stops it. */
  listen(stream: string, listener: StreamListener): () => void {
    let set = this.listeners.get(stream);
    if (!set) {
      set = new Set();
      this.listeners.set(stream, set);
    }
    const entry: StreamListener = (message) => listener(message);
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.listeners.get(stream) === set) this.listeners.delete(stream);
    };
  }

  /** How many live listeners (subscribed connections, on this backend) each stream has. */
  subscribers(): Record<string, number> {
    return Object.fromEntries([...this.listeners].map(([stream, set]) => [stream, set.size]));
  }

  /** Stops following the bus; buffers stay readable. */
  async close(): Promise<void> {
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    await unsubscribe?.();
  }
}
