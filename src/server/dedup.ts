// Remembers which message ids were already handed to the application, within a bounded window:
// in memory for one process, or in Redis (SET NX PX) so every backend of a fleet shares it.

import type { RedisClient } from './redis';

/**
 * Where a server remembers the ids it has delivered. Shared by every backend of a fleet, it makes
 * a resend to another backend a duplicate too.
 */
export interface DedupStore {
  /** Records `id`; true the first time it is seen within the window, false for a repeat. */
  claim(id: string): boolean | Promise<boolean>;
  /** Forgets `id`, so that its next resend is delivered again (the app failed to handle it). */
  release(id: string): void | Promise<void>;
}

/** Options of {@link MemoryDedupStore}. */
export interface MemoryDedupOptions {
  /** Most ids remembered; past it the oldest are forgotten first. @default 100000 */
  maxEntries?: number;
  /** How long an id is remembered after it was first seen, in ms. @default 600000 (10 minutes) */
  maxAgeMs?: number;
  /** The clock, injectable for tests. @default Date.now */
  now?: () => number;
}

/**
 * A dedup window for one process: the last `maxEntries` ids seen within `maxAgeMs`. The window is
 * whichever bound is reached first, so size it for the resend delays you expect at peak traffic.
 */
export class MemoryDedupStore implements DedupStore {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  private readonly now: () => number;
  // Insertion order is the order ids were first seen, so the oldest are always at the front.
  private readonly seen = new Map<string, number>();

  constructor({ maxEntries = 100_000, maxAgeMs = 600_000, now = Date.now }: MemoryDedupOptions = {}) {
    if (!(Number.isSafeInteger(maxEntries) && maxEntries > 0)) throw new RangeError('maxEntries must be ≥ 1');
    if (!(Number.isFinite(maxAgeMs) && maxAgeMs > 0)) throw new RangeError('maxAgeMs must be > 0');
    this.maxEntries = maxEntries;
    this.maxAgeMs = maxAgeMs;
    this.now = now;
  }

  /** How many ids are remembered right now (after dropping expired ones). */
  get size(): number {
    this.expire(this.now());
    return this.seen.size;
  }

  claim(id: string): boolean {
    const now = this.now();
    this.expire(now);
    if (this.seen.has(id)) return false;
    this.seen.set(id, now);
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
    return true;
  }

  release(id: string): void {
    this.seen.delete(id);
  }

  private expire(now: number): void {
    for (const [id, at] of this.seen) {
      // A clock that went backwards counts as no time passed, never as a reason to keep an id forever.
      if (now - at < this.maxAgeMs && now >= at) break;
      this.seen.delete(id);
    }
  }
}

/** Options of {@link RedisDedupStore}. */
export interface RedisDedupOptions {
  /** How long an id is remembered after it was first seen, in ms (the key's PX). @default 600000 */
  maxAgeMs?: number;
  /** Prefix of the Redis keys, to share one Redis between apps. @default 'rws:dedup:' */
  prefix?: string;
}

/**
 * A dedup window in Redis: one key per id, set with `SET key 1 NX PX maxAgeMs`, which is atomic, so
 * two backends receiving the same resend at once cannot both win. Bounded by age; Redis's own
 * `maxmemory` policy bounds it by size.
 */
export class RedisDedupStore implements DedupStore {
  private readonly maxAgeMs: number;
  private readonly prefix: string;

  constructor(
    private readonly redis: RedisClient,
    { maxAgeMs = 600_000, prefix = 'rws:dedup:' }: RedisDedupOptions = {},
  ) {
    if (!(Number.isSafeInteger(maxAgeMs) && maxAgeMs > 0)) throw new RangeError('maxAgeMs must be a whole ms > 0');
    this.maxAgeMs = maxAgeMs;
    this.prefix = prefix;
  }

  async claim(id: string): Promise<boolean> {
    const reply = await this.redis.command('SET', this.prefix + id, '1', 'NX', 'PX', String(this.maxAgeMs));
    return reply === 'OK';
  }

  async release(id: string): Promise<void> {
    await this.redis.command('DEL', this.prefix + id);
  }
}
