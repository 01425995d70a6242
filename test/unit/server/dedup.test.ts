// @vitest-environment node
// The in-memory dedup window: bounded by count and by age, first claim wins, pending until complete,
// release forgets.

import { describe, expect, it } from 'vitest';
import { MemoryDedupStore } from '../../../src/server';

describe('MemoryDedupStore', () => {
  it('should claim an id once and report repeats', () => {
    const store = new MemoryDedupStore();
    expect(store.claim('u', 'a.1')).toBe('first');
    expect(store.claim('u', 'a.1')).toBe('pending');
    store.complete('u', 'a.1');
    expect(store.claim('u', 'a.1')).toBe('done');
    expect(store.claim('u', 'a.2')).toBe('first');
    expect(store.size).toBe(2);
  });

  it('should forget ids older than maxAgeMs, counted from their first sighting', () => {
    let now = 1000;
    const store = new MemoryDedupStore({ maxAgeMs: 100, now: () => now });
    store.claim('u', 'a.1');
    store.complete('u', 'a.1');
    now = 1099;
    expect(store.claim('u', 'a.1')).toBe('done'); // a repeat does not extend the window
    now = 1100;
    expect(store.claim('u', 'a.1')).toBe('first');
  });

  it('should forget the oldest ids first past maxEntries', () => {
    const store = new MemoryDedupStore({ maxEntries: 3, maxEntriesPerScope: 3 });
    for (const id of ['1', '2', '3', '4']) expect(store.claim('u', id)).toBe('first');
    expect(store.size).toBe(3);
    expect(store.claim('u', '1')).toBe('first'); // forgotten, so delivered again
    expect(store.claim('u', '4')).toBe('pending');
  });

  it('should not keep ids forever when the clock goes backwards', () => {
    let now = 10_000;
    const store = new MemoryDedupStore({ maxAgeMs: 100, now: () => now });
    store.claim('u', 'x');
    now = 0;
    expect(store.claim('u', 'x')).toBe('first');
  });

  it('should let a pending claim expire after pendingMs, so a dead handler loses nothing', () => {
    let now = 0;
    const store = new MemoryDedupStore({ pendingMs: 50, now: () => now });
    expect(store.claim('u', 'a.1')).toBe('first');
    now = 49;
    expect(store.claim('u', 'a.1')).toBe('pending');
    now = 50;
    expect(store.claim('u', 'a.1')).toBe('first');
    store.complete('u', 'a.1');
    now = 10_000;
    expect(store.claim('u', 'a.1')).toBe('done'); // completed claims last the whole window
  });

  it('should deliver a released id again', () => {
    const store = new MemoryDedupStore();
    store.claim('u', 'a.1');
    store.release('u', 'a.1');
    expect(store.claim('u', 'a.1')).toBe('first');
  });

  it('should stay bounded under a flood of distinct ids', () => {
    const store = new MemoryDedupStore({ maxEntries: 1000, maxEntriesPerScope: 1000 });
    for (let i = 0; i < 50_000; i++) store.claim(`s${i % 7}`, `k.${i.toString(36)}`);
    expect(store.size).toBe(1000);
  });

  it('should refuse nonsense bounds', () => {
    expect(() => new MemoryDedupStore({ maxEntries: 0, maxEntriesPerScope: 1 })).toThrow(/^maxEntries must/);
    expect(() => new MemoryDedupStore({ maxAgeMs: Number.NaN })).toThrow(/^maxAgeMs must/);
    expect(() => new MemoryDedupStore({ maxAgeMs: 0 })).toThrow(RangeError);
    expect(() => new MemoryDedupStore({ pendingMs: -1 })).toThrow(/^pendingMs must/);
    expect(() => new MemoryDedupStore({ pendingMs: 0 })).toThrow(RangeError);
    expect(() => new MemoryDedupStore({ maxEntriesPerScope: 1.5 })).toThrow(/^maxEntriesPerScope must/);
    // One scope must never be able to fill the whole store.
    expect(() => new MemoryDedupStore({ maxEntries: 10, maxEntriesPerScope: 11 })).toThrow(RangeError);
  });
});

describe('MemoryDedupStore scopes', () => {
  it("should keep the same id apart in two scopes: one cannot claim, complete or release the other's", () => {
    const store = new MemoryDedupStore();
    expect(store.claim('alice', 'k.1')).toBe('first');
    store.complete('alice', 'k.1');
    // mallory learned alice's id: in mallory's scope it is a new id of mallory's own.
    expect(store.claim('mallory', 'k.1')).toBe('first');
    store.release('mallory', 'k.1');
    expect(store.claim('alice', 'k.1')).toBe('done');
    // and what mallory claimed first under alice's next id does not hold alice's copy back.
    expect(store.claim('mallory', 'k.2')).toBe('first');
    store.complete('mallory', 'k.2');
    expect(store.claim('alice', 'k.2')).toBe('first');
  });

  it("should let a scope's flood evict only that scope's own ids", () => {
    const store = new MemoryDedupStore({ maxEntries: 1000, maxEntriesPerScope: 100 });
    store.claim('alice', 'k.1');
    store.complete('alice', 'k.1');
    // Ten times the whole store's bound, from one scope.
    for (let i = 0; i < 10_000; i++) store.claim('mallory', `m.${i}`);
    expect(store.sizeOf('mallory')).toBe(100);
    expect(store.sizeOf('alice')).toBe(1);
    expect(store.claim('alice', 'k.1')).toBe('done');
    expect(store.claim('mallory', 'm.0')).toBe('first'); // its own oldest went first
  });

  it('should hold the store to maxEntries across scopes, taking the oldest ids of all scopes first', () => {
    const store = new MemoryDedupStore({ maxEntries: 4, maxEntriesPerScope: 2 });
    store.claim('quiet', 'q.1');
    store.claim('busy', 'b.1');
    store.claim('quiet', 'q.2');
    store.claim('other', 'o.1');
    store.claim('other', 'o.2'); // the fifth: q.1, the oldest of all, goes
    expect(store.size).toBe(4);
    expect([store.sizeOf('quiet'), store.sizeOf('busy'), store.sizeOf('other')]).toEqual([1, 1, 2]);
    expect(store.claim('quiet', 'q.2')).toBe('pending');
    expect(store.claim('quiet', 'q.1')).toBe('first');
  });

  it('should stay within both bounds under a flood from several scopes', () => {
    const store = new MemoryDedupStore({ maxEntries: 1000, maxEntriesPerScope: 100 });
    for (let i = 0; i < 100_000; i++) store.claim(`s${i % 3}`, `k.${i}`);
    expect(store.size).toBe(300);
    for (const scope of ['s0', 's1', 's2']) expect(store.sizeOf(scope)).toBe(100);
  });

  it('should forget a whole scope once its last claim is out of the window', () => {
    let now = 0;
    const store = new MemoryDedupStore({ maxAgeMs: 100, now: () => now });
    store.claim('a', '1');
    store.claim('a', '2');
    now = 50;
    store.claim('b', '1');
    now = 100;
    expect(store.size).toBe(1);
    expect(store.sizeOf('a')).toBe(0);
    now = 149;
    expect(store.claim('b', '1')).toBe('pending');
  });

  it('should refuse a scope that is not a string of 1 to 256 characters', () => {
    const store = new MemoryDedupStore();
    for (const scope of ['', 'x'.repeat(257), undefined, 42]) {
      expect(() => store.claim(scope as string, 'k.1')).toThrow(TypeError);
    }
    expect(store.claim('x'.repeat(256), 'k.1')).toBe('first');
  });

  it('should count an expired pending claim claimed afresh once, and never let its old place evict the new claim', () => {
    let now = 0;
    const store = new MemoryDedupStore({ maxEntries: 2, maxEntriesPerScope: 2, pendingMs: 10, now: () => now });
    store.claim('u', 'a');
    store.claim('u', 'b');
    now = 10; // a's handler died: its claim expired, and a resend claims it afresh
    expect(store.claim('u', 'a')).toBe('first');
    expect(store.size).toBe(2);
    store.complete('u', 'a');
    // A third id: the oldest claim goes, which is b; a's first place in the queues is no longer a's
    // claim, and must not take the claim made afresh.
    store.claim('u', 'c');
    expect(store.size).toBe(2);
    expect(store.claim('u', 'a')).toBe('done');
  });

  it('should take complete and release for a scope or id it never saw as nothing to do', () => {
    const store = new MemoryDedupStore();
    expect(() => store.complete('nobody', 'x')).not.toThrow();
    expect(() => store.release('nobody', 'x')).not.toThrow();
    store.claim('u', 'a');
    expect(() => store.complete('u', 'other')).not.toThrow();
    store.release('u', 'other');
    expect(store.size).toBe(1);
  });
});
