// Publish/subscribe by channel between the backends of a fleet: in-process (one Node process runs
// every backend) or Redis pub/sub (backends anywhere). Messages are strings, delivered in order.

import { RedisClient, type RedisClientOptions } from './redis';

/** A listener of one channel. */
export type BusListener = (message: string) => void;

/** Publish/subscribe by channel. Every subscriber of a channel gets its messages in publish order. */
export interface Bus {
  /** Sends `message` to every subscriber of `channel`, this process's included. */
  publish(channel: string, message: string): Promise<void>;
  /** Starts listening; resolves once subscribed, with a function that stops listening. */
  subscribe(channel: string, listener: BusListener): Promise<() => Promise<void>>;
  /** Stops every subscription and releases connections. */
  close(): Promise<void>;
}

/** Runs `listener` so that one throwing listener neither breaks the others nor the publisher. */
function safely(listener: BusListener, message: string, onError: (error: unknown) => void): void {
  try {
    listener(message);
  } catch (error) {
    onError(error);
  }
}

/** The listeners of each channel, for both buses. */
class Channels {
  private readonly listeners = new Map<string, Set<BusListener>>();

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Adds a listener; `first` tells whether the channel had none before. */
  add(channel: string, listener: BusListener): { first: boolean; remove: () => boolean } {
    // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
    const entry: BusListener = (message) => listener(message);
    let set = this.listeners.get(channel);
    const first = !set;
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(entry);
    const listeners = set;
    // remove() answers whether that was the channel's last listener.
    const remove = () => {
      if (!listeners.delete(entry) || listeners.size > 0 || this.listeners.get(channel) !== listeners) return false;
      this.listeners.delete(channel);
      return true;
    };
    return { first, remove };
  }

  emit(channel: string, message: string): void {
    for (const listener of [...(this.listeners.get(channel) ?? [])]) safely(listener, message, this.onError);
  }

  clear(): void {
    this.listeners.clear();
  }
}

/** A bus inside one process: publish calls every listener synchronously, in subscription order. */
export class MemoryBus implements Bus {
  /** Called when a listener throws. @default reports it with console.error */
  onListenerError: (error: unknown) => void = (error) => console.error('bus listener failed:', error);
  private readonly channels = new Channels((error) => this.onListenerError(error));

  async publish(channel: string, message: string): Promise<void> {
    this.channels.emit(channel, message);
  }

  async subscribe(channel: string, listener: BusListener): Promise<() => Promise<void>> {
    const { remove } = this.channels.add(channel, listener);
    return async () => {
      remove();
    };
  }

  async close(): Promise<void> {
    this.channels.clear();
  }
}

/**
 * A bus over Redis pub/sub, on two connections: one in subscriber mode, one for PUBLISH. Redis
 * delivers a channel's messages to each subscriber in publish order; messages published while a
 * backend is disconnected are lost to it (the stream buffers and resume cover that for streams).
 */
export class RedisBus implements Bus {
  /** Called when a listener throws. @default reports it with console.error */
  onListenerError: (error: unknown) => void = (error) => console.error('bus listener failed:', error);
  private readonly channels = new Channels((error) => this.onListenerError(error));

  private constructor(
    private readonly publisher: RedisClient,
    private readonly subscriber: RedisClient,
  ) {
    subscriber.onMessage = (channel, message) => this.channels.emit(channel, message);
  }

  /** Opens both connections to the Redis at `url` (`redis://host:port`); they reconnect on their own. */
  static async connect(url: string, options?: RedisClientOptions): Promise<RedisBus> {
    const publisher = await RedisClient.connect(url, options);
    try {
      return new RedisBus(publisher, await RedisClient.connect(url, options));
    } catch (error) {
      publisher.close();
      throw error;
    }
  }

  /** The connection used for PUBLISH, free for other commands (dedup, sequencing). */
  get client(): RedisClient {
    return this.publisher;
  }

  /** The connection in subscriber mode, to watch for disconnects (messages published meanwhile are missed). */
  get subscriberClient(): RedisClient {
    return this.subscriber;
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.publisher.command('PUBLISH', channel, message);
  }

  async subscribe(channel: string, listener: BusListener): Promise<() => Promise<void>> {
    const { first, remove } = this.channels.add(channel, listener);
    if (first) await this.subscriber.command('SUBSCRIBE', channel);
    return async () => {
      if (remove()) await this.subscriber.command('UNSUBSCRIBE', channel).catch(() => {});
    };
  }

  async close(): Promise<void> {
    this.channels.clear();
    this.publisher.close();
    this.subscriber.close();
  }
}
