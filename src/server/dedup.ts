// Remembers which message ids were already handed to the application, within a bounded window:
// in memory for one process, or in Redis (SET NX PX) so every backend of a fleet shares it.

import type { RedisClient } from './redis';

/**
 * What a claim found: `first` (the caller now handles the message, then calls `complete` or
 * `release`), `done` (handled already: a duplicate), or `pending` (another claim of it is still
 * being handled, maybe on another backend: wait and ask again).
 */
export type ClaimResult = 'first' | 'done' | 'pending';

/**
 * Where a server remembers the ids it has delivered. Shared by every backend of a fleet, it makes
 * a resend to another backend a duplicate too. A claim is pending until completed; a pending claim
 * that is neither completed nor released (its backend died) expires, so the message is not lost.
 */
export interface DedupStore {
  /** Claims `id` for handling; see {@link ClaimResult}. */
  claim(id: string): ClaimResult | Promise<ClaimResult>;
  /** Marks a claimed `id` handled: every later claim within the window is `done`. */
  complete(id: string): void | Promise<void>;
  /** Forgets `id`, so that its next resend is delivered again (the app failed to handle it). */
  release(id: string): void | Promise<void>;
}

/** Options of {@link MemoryDedupStore}. */
export interface MemoryDedupOptions {
  /** Most ids remembered; past it the oldest are forgotten first. @default 100000 */
  maxEntries?: number;
  /** How long an id is remembered after it was first seen, in ms. @default 600000 (10 minutes) */
  maxAgeMs?: number;
  /** How long a claim may stay pending (the handler's longest run) before it expires, in ms. @default 30000 */
  pendingMs?: number;
  /** The clock, injectable for tests. @default Date.now */
  now?: () => number;
}

const positive = (value: number, name: string) => {
  if (!(Number.isSafeInteger(value) && value > 0)) throw new RangeError(`${name} must be a whole number ≥ 1`);
  return value;
};

/**
 * A dedup window for one process: the last `maxEntries` ids seen within `maxAgeMs`. The window is
 * whichever bound is reached first, so size it for the resend delays you expect at peak traffic.
 */
export class MemoryDedupStore implements DedupStore {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  readonly pendingMs: number;
  private readonly now: () => number;
  // Insertion order is the order ids were first claimed, so the oldest are always at the front.
  private readonly seen = new Map<string, { at: number; done: boolean }>();

  constructor({
    maxEntries = 100_000,
    maxAgeMs = 600_000,
    pendingMs = 30_000,
    now = Date.now,
  }: MemoryDedupOptions = {}) {
    this.maxEntries = positive(maxEntries, 'maxEntries');
    this.maxAgeMs = positive(maxAgeMs, 'maxAgeMs');
    this.pendingMs = positive(pendingMs, 'pendingMs');
    this.now = now;
  }

  /** How many ids are remembered right now (after dropping expired ones). */
  get size(): number {
    this.expire(this.now());
    return this.seen.size;
  }

  claim(id: string): ClaimResult {
    const now = this.now();
    this.expire(now);
    const entry = this.seen.get(id);
    if (entry?.done) return 'done';
    if (entry && now - entry.at < this.pendingMs) return 'pending';
    this.seen.delete(id); // an expired pending claim: claimed afresh, at the back
    this.seen.set(id, { at: now, done: false });
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
    return 'first';
  }

  complete(id: string): void {
    const entry = this.seen.get(id);
    if (entry) entry.done = true;
  }

  release(id: string): void {
    this.seen.delete(id);
  }

  private expire(now: number): void {
    for (const [id, { at }] of this.seen) {
      // A clock that went backwards counts as no time passed, never as a reason to keep an id forever.
      if (now - at < this.maxAgeMs && now >= at) break;
      this.seen.delete(id);
    }
  }
}

/** Options of {@link RedisDedupStore}. */
export interface RedisDedupOptions {
  /** How long an id is remembered once handled, in ms (the key's PX). @default 600000 */
  maxAgeMs?: number;
  /** How long a claim may stay pending before it expires, in ms. @default 30000 */
  pendingMs?: number;
  /** Prefix of the Redis keys, to share one Redis between apps. @default 'rws:dedup:' */
  prefix?: string;
}

// Claim atomically: set "pending" if absent, else say what is there.
const CLAIM_SCRIPT = `if redis.call('SET', KEYS[1], 'pending', 'NX', 'PX', ARGV[1]) then return 'first' end
return redis.call('GET', KEYS[1]) or 'gone'`;

/**
 * A dedup window in Redis: one key per id, "pending" (`SET NX PX pendingMs`, atomic, so two backends
 * receiving the same resend at once cannot both win) then "done" for `maxAgeMs`. Bounded by age;
 * Redis's own `maxmemory` policy bounds it by size.
 */
export class RedisDedupStore implements DedupStore {
  private readonly maxAgeMs: number;
  private readonly pendingMs: number;
  private readonly prefix: string;

  constructor(
    private readonly redis: RedisClient,
    { maxAgeMs = 600_000, pendingMs = 30_000, prefix = 'rws:dedup:' }: RedisDedupOptions = {},
  ) {
    this.maxAgeMs = positive(maxAgeMs, 'maxAgeMs');
    this.pendingMs = positive(pendingMs, 'pendingMs');
    this.prefix = prefix;
  }

  async claim(id: string): Promise<ClaimResult> {
    for (;;) {
      const reply = await this.redis.command('EVAL', CLAIM_SCRIPT, '1', this.prefix + id, String(this.pendingMs));
      if (reply === 'first' || reply === 'done' || reply === 'pending') return reply;
      // 'gone': the key expired between SET and GET; claim again.
    }
  }

  async complete(id: string): Promise<void> {
    await this.redis.command('SET', this.prefix + id, 'done', 'PX', String(this.maxAgeMs));
  }

  async release(id: string): Promise<void> {
    await this.redis.command('DEL', this.prefix + id);
  }
}
