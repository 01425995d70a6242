// Publish/subscribe by channel between the backends of a fleet: in-process (one Node process runs
// every backend) or Redis pub/sub (backends anywhere). Messages are strings, delivered in order.

import { RedisClient } from './redis';

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

/** A bus inside one process: publish calls every listener synchronously, in subscription order. */
export class MemoryBus implements Bus {
  /** Called when a listener throws. @default reports it with console.error */
  onListenerError: (error: unknown) => void = (error) => console.error('bus listener failed:', error);
  private readonly channels = new Map<string, Set<BusListener>>();

  async publish(channel: string, message: string): Promise<void> {
    for (const listener of [...(this.channels.get(channel) ?? [])]) safely(listener, message, this.onListenerError);
  }

  async subscribe(channel: string, listener: BusListener): Promise<() => Promise<void>> {
    // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
    const entry: BusListener = (message) => listener(message);
    let listeners = this.channels.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.channels.set(channel, listeners);
    }
    listeners.add(entry);
    return async () => {
      listeners.delete(entry);
      if (listeners.size === 0 && this.channels.get(channel) === listeners) this.channels.delete(channel);
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
  private readonly channels = new Map<string, Set<BusListener>>();

  private constructor(
    private readonly publisher: RedisClient,
    private readonly subscriber: RedisClient,
  ) {
    subscriber.onMessage = (channel, message) => {
      for (const listener of [...(this.channels.get(channel) ?? [])]) safely(listener, message, this.onListenerError);
    };
  }

  /** Opens both connections to the Redis at `url` (`redis://host:port`). */
  static async connect(url: string): Promise<RedisBus> {
    const publisher = await RedisClient.connect(url);
    try {
      return new RedisBus(publisher, await RedisClient.connect(url));
    } catch (error) {
      publisher.close();
      throw error;
    }
  }

  /** The connection used for PUBLISH, free for other commands (dedup, sequencing). */
  get client(): RedisClient {
    return this.publisher;
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.publisher.command('PUBLISH', channel, message);
  }

  async subscribe(channel: string, listener: BusListener): Promise<() => Promise<void>> {
    const entry: BusListener = (message) => listener(message);
    let listeners = this.channels.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.channels.set(channel, listeners);
      await this.subscriber.command('SUBSCRIBE', channel);
    }
    listeners.add(entry);
    return async () => {
      if (!listeners.delete(entry) || listeners.size > 0) return;
      this.channels.delete(channel);
      await this.subscriber.command('UNSUBSCRIBE', channel).catch(() => {});
    };
  }

  async close(): Promise<void> {
    this.channels.clear();
    this.publisher.close();
    this.subscriber.close();
  }
}
