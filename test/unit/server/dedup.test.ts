// @vitest-environment node
// The in-memory dedup window: bounded by count and by age, first claim wins, pending until complete,
// release forgets.

import { describe, expect, it } from 'vitest';
import { MemoryDedupStore } from '../../../src/server';

describe('MemoryDedupStore', () => {
  it('should claim an id once and report repeats', () => {
    const store = new MemoryDedupStore();
    expect(store.claim('a.1')).toBe('first');
    expect(store.claim('a.1')).toBe('pending');
    store.complete('a.1');
    expect(store.claim('a.1')).toBe('done');
    expect(store.claim('a.2')).toBe('first');
    expect(store.size).toBe(2);
  });

  it('should forget ids older than maxAgeMs, counted from their first sighting', () => {
    let now = 1000;
    const store = new MemoryDedupStore({ maxAgeMs: 100, now: () => now });
    store.claim('a.1');
    store.complete('a.1');
    now = 1099;
    expect(store.claim('a.1')).toBe('done'); // a repeat does not extend the window
    now = 1100;
    expect(store.claim('a.1')).toBe('first');
  });

  it('should forget the oldest ids first past maxEntries', () => {
    const store = new MemoryDedupStore({ maxEntries: 3 });
    for (const id of ['1', '2', '3', '4']) expect(store.claim(id)).toBe('first');
    expect(store.size).toBe(3);
    expect(store.claim('1')).toBe('first'); // forgotten, so delivered again
    expect(store.claim('4')).toBe('pending');
  });

  it('should not keep ids forever when the clock goes backwards', () => {
    let now = 10_000;
    const store = new MemoryDedupStore({ maxAgeMs: 100, now: () => now });
    store.claim('x');
    now = 0;
    expect(store.claim('x')).toBe('first');
  });

  it('should let a pending claim expire after pendingMs, so a dead handler loses nothing', () => {
    let now = 0;
    const store = new MemoryDedupStore({ pendingMs: 50, now: () => now });
    expect(store.claim('a.1')).toBe('first');
    now = 49;
    expect(store.claim('a.1')).toBe('pending');
    now = 50;
    expect(store.claim('a.1')).toBe('first');
    store.complete('a.1');
    now = 10_000;
    expect(store.claim('a.1')).toBe('done'); // completed claims last the whole window
  });

  it('should deliver a released id again', () => {
    const store = new MemoryDedupStore();
    store.claim('a.1');
    store.release('a.1');
    expect(store.claim('a.1')).toBe('first');
  });

  it('should stay bounded under a flood of distinct ids', () => {
    const store = new MemoryDedupStore({ maxEntries: 1000 });
    for (let i = 0; i < 50_000; i++) store.claim(`k.${i.toString(36)}`);
    expect(store.size).toBe(1000);
  });

  it('should refuse nonsense bounds', () => {
    expect(() => new MemoryDedupStore({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => new MemoryDedupStore({ maxAgeMs: Number.NaN })).toThrow(RangeError);
    expect(() => new MemoryDedupStore({ pendingMs: -1 })).toThrow(RangeError);
  });
});
