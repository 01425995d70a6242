// @vitest-environment node
// The in-memory dedup window: bounded by count and by age, first sighting wins, release forgets.

import { describe, expect, it } from 'vitest';
import { MemoryDedupStore } from '../../../src/server';

describe('MemoryDedupStore', () => {
  it('should claim an id once and report repeats', () => {
    const store = new MemoryDedupStore();
    expect(store.claim('a.1')).toBe(true);
    expect(store.claim('a.1')).toBe(false);
    expect(store.claim('a.2')).toBe(true);
    expect(store.size).toBe(2);
  });

  it('should forget ids older than maxAgeMs, counted from their first sighting', () => {
    let now = 1000;
    const store = new MemoryDedupStore({ maxAgeMs: 100, now: () => now });
    store.claim('a.1');
    now = 1099;
    expect(store.claim('a.1')).toBe(false); // a repeat does not extend the window
    now = 1100;
    expect(store.claim('a.1')).toBe(true);
  });

  it('should forget the oldest ids first past maxEntries', () => {
    const store = new MemoryDedupStore({ maxEntries: 3 });
    for (const id of ['1', '2', '3', '4']) expect(store.claim(id)).toBe(true);
    expect(store.size).toBe(3);
    expect(store.claim('1')).toBe(true); // forgotten, so delivered again
    expect(store.claim('4')).toBe(false);
  });

  it('should not keep ids forever when the clock goes backwards', () => {
    let now = 10_000;
    const store = new MemoryDedupStore({ maxAgeMs: 100, now: () => now });
    store.claim('x');
    now = 0;
    expect(store.claim('x')).toBe(true);
  });

  it('should deliver a released id again', () => {
    const store = new MemoryDedupStore();
    store.claim('a.1');
    store.release('a.1');
    expect(store.claim('a.1')).toBe(true);
  });

  it('should stay bounded under a flood of distinct ids', () => {
    const store = new MemoryDedupStore({ maxEntries: 1000 });
    for (let i = 0; i < 50_000; i++) store.claim(`k.${i.toString(36)}`);
    expect(store.size).toBe(1000);
  });

  it('should refuse nonsense bounds', () => {
    expect(() => new MemoryDedupStore({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => new MemoryDedupStore({ maxAgeMs: Number.NaN })).toThrow(RangeError);
  });
});
