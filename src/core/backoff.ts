// Reconnect delays: exponential growth, a cap applied before randomising, and the jitter
// strategies from "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015).

/**
 * How the delay is randomised.
 * - `full`: uniform in [0, d]. Spreads a crowd of clients best; the default.
 * - `equal`: uniform in [d/2, d]. Never retries at once, spreads half as well.
 * - `decorrelated`: uniform in [initialDelay, min(maxDelay, 3 × previous delay)].
 * - `none`: exactly d. Only for tests and single clients: a crowd reconnects in lockstep.
 *
 * Here d = min(maxDelay, initialDelay × factor^(attempt − 1)).
 */
export type Jitter = 'full' | 'equal' | 'decorrelated' | 'none';

/** The inputs of {@link backoffDelay}; all delays in milliseconds. */
export interface BackoffSettings {
  initialDelay: number;
  maxDelay: number;
  factor: number;
  jitter: Jitter;
}

/**
 * The delay before retry number `attempt` (1 for the first retry). `previous` is the delay that
 * was used before this one (decorrelated jitter grows from it); `random` returns [0, 1).
 */
export function backoffDelay(
  settings: BackoffSettings,
  attempt: number,
  previous: number,
  random: () => number,
): number {
  const { initialDelay, maxDelay, factor, jitter } = settings;
  if (jitter === 'decorrelated') {
    const ceiling = Math.min(maxDelay, Math.max(initialDelay, previous * 3));
    return initialDelay + random() * (ceiling - initialDelay);
  }
  // The cap comes first, so the randomised delay still spreads once the cap is reached.
  const capped = Math.min(maxDelay, initialDelay * factor ** (attempt - 1));
  if (jitter === 'full') return random() * capped;
  if (jitter === 'equal') return capped / 2 + (random() * capped) / 2;
  return capped;
}
