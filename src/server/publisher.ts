// Publishers of stream messages: the seq of a message is assigned once, here, so every backend
// sends the same seq for it. In memory for a single publisher; in Redis for many (chat rooms).

import type { Bus } from './bus';
import { encodeStreamMessage } from './envelope';
import type { RedisClient } from './redis';
import { defaultStreamChannel } from './streams';

/** Assigns the next seq of a stream to a message and publishes it on the bus, in seq order. */
export interface StreamPublisher {
  /** Publishes `data` (JSON-serializable) on `stream`; resolves with the seq it was given. */
  publish(stream: string, data: unknown): Promise<number>;
}

/** Options shared by the publishers. */
export interface StreamPublisherOptions {
  /** The bus channel the stream hubs follow. @default 'rws:streams' */
  channel?: string;
}

/**
 * A publisher that counts seqs in this process: right when it is the only publisher of its streams
 * (a price feed). A restart starts from 1 again unless `initialSeq` says where the last run ended.
 */
export function createMemoryPublisher(
  bus: Bus,
  {
    channel = defaultStreamChannel,
    initialSeq = {},
  }: StreamPublisherOptions & { initialSeq?: Record<string, number> } = {},
): StreamPublisher {
  const seqs = new Map(Object.entries(initialSeq));
  return {
    async publish(stream, data) {
      const seq = (seqs.get(stream) ?? 0) + 1;
      seqs.set(stream, seq);
      // Sent synchronously up to the bus's own write, so two calls in a row go out in seq order.
      await bus.publish(channel, encodeStreamMessage(stream, seq, data));
      return seq;
    },
  };
}

// INCR and PUBLISH in one script: Redis runs scripts one at a time, so publish order is seq order
// even when many backends publish to the same stream. The frame is built from JSON pieces encoded
// by the caller, so the script needs no JSON library.
const PUBLISH_SCRIPT = `local seq = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], '{"stream":' .. ARGV[2] .. ',"seq":' .. seq .. ',"data":' .. ARGV[3] .. '}')
return seq`;

/**
 * A publisher that keeps each stream's seq in Redis (`INCR prefix+stream`) and publishes in the same
 * atomic step: any number of backends may publish to one stream. Needs the Redis bus on the same Redis.
 */
export function createRedisPublisher(
  redis: RedisClient,
  { channel = defaultStreamChannel, prefix = 'rws:seq:' }: StreamPublisherOptions & { prefix?: string } = {},
): StreamPublisher {
  return {
    async publish(stream, data) {
      const json = JSON.stringify(data) ?? 'null';
      const reply = await redis.command(
        'EVAL',
        PUBLISH_SCRIPT,
        '1',
        prefix + stream,
        channel,
        JSON.stringify(stream),
        json,
      );
      return Number(reply);
    },
  };
}
