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

  it('applies the cap before randomising, so capped delays still spread', () => {
    // Attempt 20 uncapped would be 1000 × 2^19; full jitter of the cap with random 0.5 is half the cap.
    expect(backoffDelay(settings('full'), 20, 0, () => 0.5)).toBe(15_000);
    expect(backoffDelay(settings('full'), 20, 0, () => 0.1)).toBe(3000);
    expect(backoffDelay(settings('none'), 20, 0, () => 0.5)).toBe(30_000);
  });

  it('keeps full jitter in [0, d)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const d = Math.min(30_000, 1000 * 2 ** (attempt - 1));
          const delay = backoffDelay(settings('full'), attempt, 0, () => r);
          return delay >= 0 && delay < d + 1e-9;
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
