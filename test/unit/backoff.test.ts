import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BackoffSettings, backoffDelay } from '../../src';

const settings = (jitter: BackoffSettings['jitter']): BackoffSettings => ({
  initialDelay: 1000,
  maxDelay: 30_000,
  factor: 2,
  jitter,
});

describe('backoffDelay', () => {
  it('grows by the factor with no jitter', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => backoffDelay(settings('none'), attempt, 0, () => 0.5));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it('applies the cap before randomising: full jitter moves from window to window, then waits the cap', () => {
    // Attempt 5 lands in its window [8000, 16000], attempt 6 in [16000, 30000] (32000 capped).
    expect(backoffDelay(settings('full'), 5, 0, () => 0.5)).toBe(12_000);
    expect(backoffDelay(settings('full'), 6, 0, () => 0.1)).toBe(17_400);
    // Attempt 20 uncapped would be 1000 × 2^19: from one capped window to the next is the cap,
    // and clients stay spread by where in the window each one draws (its phase).
    expect(backoffDelay(settings('full'), 20, 0, () => 0.5)).toBe(30_000);
    expect(backoffDelay(settings('none'), 20, 0, () => 0.5)).toBe(30_000);
  });

  it('spreads a crowd that failed together: its first attempts after an outage land evenly', () => {
    // The storm benchmark's timings; 1000 clients, each with its own phase (the one random draw of
    // its run of failures); the server back 1 s after they all lost it.
    const storm = { initialDelay: 500, maxDelay: 2000, factor: 1.3, jitter: 'full' as const };
    const back = 1000;
    const windows = new Array(30).fill(0);
    for (let client = 0; client < 1000; client++) {
      const phase = (client + 0.5) / 1000;
      let at = 0;
      for (let attempt = 1; at < back; attempt++) at += backoffDelay(storm, attempt, 0, () => phase);
      windows[Math.floor((at - back) / 100)]++;
    }
    // At most one window's share (100 of its 650 ms) in any 100 ms, from the first 100 ms on; a
    // draw of [0, d] per attempt stacked the crowd into the first few hundred ms.
    expect(Math.max(...windows)).toBeLessThanOrEqual(155);
    expect(windows[0]).toBeGreaterThan(100);
  });

  it('keeps full jitter in [d(n−1), d(n)), [0, d) for the first retry', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const d = Math.min(30_000, 1000 * 2 ** (attempt - 1));
          const low = attempt > 1 ? Math.min(30_000, 1000 * 2 ** (attempt - 2)) : 0;
          const delay = backoffDelay(settings('full'), attempt, 0, () => r);
          return delay >= low && delay <= d + 1e-9;
        },
      ),
    );
  });

  it('keeps equal jitter in [d/2, d)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const d = Math.min(30_000, 1000 * 2 ** (attempt - 1));
          const delay = backoffDelay(settings('equal'), attempt, 0, () => r);
          return delay >= d / 2 && delay < d + 1e-9;
        },
      ),
    );
    expect(backoffDelay(settings('equal'), 3, 0, () => 0)).toBe(2000);
  });

  it('keeps decorrelated jitter in [initialDelay, min(maxDelay, 3 × previous)]', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 60_000, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (previous, r) => {
          const delay = backoffDelay(settings('decorrelated'), 1, previous, () => r);
          return delay >= 1000 && delay <= Math.max(1000, Math.min(30_000, previous * 3));
        },
      ),
    );
    expect(backoffDelay(settings('decorrelated'), 5, 2000, () => 0.5)).toBe(3500);
  });
});
