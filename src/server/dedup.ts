// Remembers which message ids were already handed to the application, within a bounded window per
// scope (the authenticated user or session that sent them): in memory for one process, or in Redis
// so every backend of a fleet shares it. One scope can never claim, evict or see another's ids.

import type { RedisClient } from './redis';

/**
 * What a claim found: `first` (the caller now handles the message, then calls `complete` or
 * `release`), `done` (handled already: a duplicate), or `pending` (another claim of it is still
 * being handled, maybe on another backend: wait and ask again).
 */
export type ClaimResult = 'first' | 'done' | 'pending';

/**
 * Where a server remembers the ids it has delivered, per scope: `scope` is who sent the message,
 * as the server's own authentication says (see `DeliveryEndpointOptions.scope`), and an id is unique
 * only within its scope. Shared by every backend of a fleet, it makes a resend to another backend a
 * duplicate too. A claim is pending until completed; a pending claim that is neither completed nor
 * released (its backend died) expires, so the message is not lost. A store bounds each scope on its
 * own: what one scope claims never pushes out another's ids.
 */
export interface DedupStore {
  /** Claims `id` within `scope` for handling; see {@link ClaimResult}. */
  claim(scope: string, id: string): ClaimResult | Promise<ClaimResult>;
  /** Marks a claimed `id` handled: every later claim of it in `scope` within the window is `done`. */
  complete(scope: string, id: string): void | Promise<void>;
  /** Forgets `id` in `scope`, so that its next resend is delivered again (the app failed to handle it). */
  release(scope: string, id: string): void | Promise<void>;
}

/** Options of {@link MemoryDedupStore}. */
export interface MemoryDedupOptions {
  /**
   * Most ids remembered per scope; past it that scope's oldest are forgotten first, so a scope that
   * floods the store evicts only its own ids. Keep it above what one user may have unacknowledged at
   * once (the client's `maxMessages`, 1000 by default, times the pages a user keeps open).
   * @default 5000
   */
  maxEntriesPerScope?: number;
  /**
   * Most ids remembered in all. Past it, the oldest ids of all scopes are forgotten first: only
   * many scopes at once (a hundred users each at their quota, with the defaults) can reach it,
   * never one scope alone (keep it above `maxEntriesPerScope`). About 300 bytes an id (measured
   * with 20-character ids): 500,000 is about 150 MB at most.
   * @default 500000
   */
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

/** The longest scope a store accepts: a scope is a user or session id, or a hash of one. */
export const MAX_SCOPE_LENGTH = 256;

/** Whether `value` can be a scope: a string of 1 to {@link MAX_SCOPE_LENGTH} characters. */
export const isScope = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_SCOPE_LENGTH;

const checkScope = (scope: unknown): string => {
  if (!isScope(scope)) throw new TypeError(`a dedup scope must be a string of 1 to ${MAX_SCOPE_LENGTH} characters`);
  return scope;
};

interface Claim {
  scope: string;
  id: string;
  at: number;
  done: boolean;
}

/**
 * Claims in the order they were made, oldest first: a queue that is read from its head and
 * compacted now and then, so taking the oldest costs the same however many came and went (a
 * Map's own order would make each look past every entry deleted before it).
 */
class Queue {
  private items: Claim[] = [];
  private head = 0;
  push(claim: Claim): void {
    this.items.push(claim);
  }
  peek(): Claim | undefined {
    return this.items[this.head];
  }
  shift(): Claim | undefined {
    const claim = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return claim;
  }
}

/**
 * A dedup window for one process: per scope, the last `maxEntriesPerScope` ids seen within
 * `maxAgeMs`, and `maxEntries` ids in all. The window is whichever bound is reached first, so size
 * it for the resend delays you expect at peak traffic. Every operation takes constant time
 * (amortised), floods included.
 */
export class MemoryDedupStore implements DedupStore {
  readonly maxEntries: number;
  readonly maxEntriesPerScope: number;
  readonly maxAgeMs: number;
  readonly pendingMs: number;
  private readonly now: () => number;
  // Each scope's claims by id, and in the order made; and every claim in the order made. A claim
  // in a queue that is no longer its scope's claim of its id (forgotten, or claimed afresh) is
  // skipped when it comes up.
  private readonly scopes = new Map<string, { ids: Map<string, Claim>; order: Queue }>();
  private readonly all = new Queue();
  private total = 0;

  constructor({
    maxEntries = 500_000,
    maxEntriesPerScope = 5_000,
    maxAgeMs = 600_000,
    pendingMs = 30_000,
    now = Date.now,
  }: MemoryDedupOptions = {}) {
    this.maxEntries = positive(maxEntries, 'maxEntries');
    this.maxEntriesPerScope = positive(maxEntriesPerScope, 'maxEntriesPerScope');
    // Else one scope alone could fill the store and push out everyone else's ids.
    if (maxEntriesPerScope > maxEntries) throw new RangeError('maxEntriesPerScope must not exceed maxEntries');
    this.maxAgeMs = positive(maxAgeMs, 'maxAgeMs');
    this.pendingMs = positive(pendingMs, 'pendingMs');
    this.now = now;
  }

  /** How many ids are remembered right now, in all scopes (after dropping expired ones). */
  get size(): number {
    this.expire(this.now());
    return this.total;
  }

  /** How many ids are remembered for `scope` right now. */
  sizeOf(scope: string): number {
    this.expire(this.now());
    return this.scopes.get(scope)?.ids.size ?? 0;
  }

  claim(scope: string, id: string): ClaimResult {
    checkScope(scope);
    const now = this.now();
    this.expire(now);
    let entry = this.scopes.get(scope);
    if (!entry) {
      entry = { ids: new Map(), order: new Queue() };
      this.scopes.set(scope, entry);
    }
    const claim = entry.ids.get(id);
    if (claim?.done) return 'done';
    if (claim && now - claim.at < this.pendingMs) return 'pending';
    // New, or an expired pending claim claimed afresh (the old one is skipped in the queues).
    const fresh: Claim = { scope, id, at: now, done: false };
    if (!claim) this.total++;
    entry.ids.set(id, fresh);
    entry.order.push(fresh);
    this.all.push(fresh);
    // The scope's own quota first: a flood from one scope pushes out its own oldest ids only.
    while (entry.ids.size > this.maxEntriesPerScope) this.forget(entry.order.shift());
    // Then the store's, which one scope alone never reaches (its quota is smaller): the oldest ids
    // of all scopes go first.
    while (this.total > this.maxEntries) this.forget(this.all.shift());
    return 'first';
  }

  complete(scope: string, id: string): void {
    const claim = this.scopes.get(scope)?.ids.get(id);
    if (claim) claim.done = true;
  }

  release(scope: string, id: string): void {
    this.forget(this.scopes.get(scope)?.ids.get(id));
  }

  /** Forgets `claim` if it is still its scope's claim of its id; a scope left empty goes too. */
  private forget(claim: Claim | undefined): void {
    const entry = claim && this.scopes.get(claim.scope);
    if (!entry || entry.ids.get((claim as Claim).id) !== claim) return;
    entry.ids.delete((claim as Claim).id);
    this.total--;
    if (!entry.ids.size) this.scopes.delete((claim as Claim).scope);
  }

  // Ids older than the window, oldest first, in every scope. A clock that went backwards counts as
  // no time passed, never as a reason to keep an id forever.
  private expire(now: number): void {
    for (let claim = this.all.peek(); claim; claim = this.all.peek()) {
      if (now - claim.at < this.maxAgeMs && now >= claim.at) break;
      this.forget(this.all.shift());
    }
  }
}

/** Options of {@link RedisDedupStore}. */
export interface RedisDedupOptions {
  /** How long an id is remembered once handled, in ms (the key's PX). @default 600000 */
  maxAgeMs?: number;
  /** How long a claim may stay pending before it expires, in ms. @default 30000 */
  pendingMs?: number;
  /**
   * Most ids remembered per scope; past it that scope's oldest are forgotten first (its own only).
   * @default 5000
   */
  maxEntriesPerScope?: number;
  /** Prefix of the Redis keys, to share one Redis between apps. @default 'rws:dedup:' */
  prefix?: string;
}

// Claims atomically within one scope. KEYS[1]: the scope's sorted set of ids (score: when first
// claimed), KEYS[2]: the id's state. ARGV: pendingMs, now, maxAgeMs, maxEntriesPerScope, the id,
// the prefix of the scope's id keys. Sets "pending" if absent, else says what is there; a new id
// joins the scope's set, which is cut to its bound (oldest first, their state keys deleted) and
// cleared of ids older than the window (their keys have expired by themselves).
const CLAIM_SCRIPT = `if redis.call('SET', KEYS[2], 'pending', 'NX', 'PX', ARGV[1]) then
  local now = tonumber(ARGV[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
  redis.call('ZADD', KEYS[1], now, ARGV[5])
  local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
  if over > 0 then
    for _, old in ipairs(redis.call('ZRANGE', KEYS[1], 0, over - 1)) do redis.call('DEL', ARGV[6] .. old) end
    redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1)
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 'first'
end
return redis.call('GET', KEYS[2]) or 'gone'`;

/**
 * A dedup window in Redis: per scope, one key per id, "pending" (`SET NX PX pendingMs`, atomic, so
 * two backends receiving the same resend at once cannot both win) then "done" for `maxAgeMs`, and a
 * sorted set of the scope's ids that bounds it by count (`maxEntriesPerScope`, its oldest forgotten
 * first). Keys are `<prefix>{<length>:<scope>}<id>`: the length keeps scopes apart whatever
 * characters they hold, and the braces keep a scope's keys in one Redis Cluster slot. Bounded by
 * age and per scope by count; Redis's own `maxmemory` bounds the number of scopes.
 */
export class RedisDedupStore implements DedupStore {
  private readonly maxAgeMs: number;
  private readonly pendingMs: number;
  private readonly maxEntriesPerScope: number;
  private readonly prefix: string;

  constructor(
    private readonly redis: RedisClient,
    {
      maxAgeMs = 600_000,
      pendingMs = 30_000,
      maxEntriesPerScope = 5_000,
      prefix = 'rws:dedup:',
    }: RedisDedupOptions = {},
  ) {
    this.maxAgeMs = positive(maxAgeMs, 'maxAgeMs');
    this.pendingMs = positive(pendingMs, 'pendingMs');
    this.maxEntriesPerScope = positive(maxEntriesPerScope, 'maxEntriesPerScope');
    this.prefix = prefix;
  }

  /** The scope's key prefix: its sorted set, and with an id appended, that id's state. */
  private keyOf(scope: string): string {
    return `${this.prefix}{${checkScope(scope).length}:${scope}}`;
  }

  async claim(scope: string, id: string): Promise<ClaimResult> {
    const key = this.keyOf(scope);
    for (;;) {
      const reply = await this.redis.command(
        'EVAL',
        CLAIM_SCRIPT,
        '2',
        key,
        key + id,
        String(this.pendingMs),
        String(Date.now()),
        String(this.maxAgeMs),
        String(this.maxEntriesPerScope),
        id,
        key,
      );
      if (reply === 'first' || reply === 'done' || reply === 'pending') return reply;
      // 'gone': the key expired between SET and GET; claim again.
    }
  }

  async complete(scope: string, id: string): Promise<void> {
    await this.redis.command('SET', this.keyOf(scope) + id, 'done', 'PX', String(this.maxAgeMs));
  }

  async release(scope: string, id: string): Promise<void> {
    const key = this.keyOf(scope);
    await this.redis.command('DEL', key + id);
    await this.redis.command('ZREM', key, id);
  }
}
