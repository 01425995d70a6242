// Reconnect delays: exponential growth, a cap applied before randomising, and the jitter
// strategies from "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015).

/**
 * How the delay is randomised. The client draws one random number per run of failures (its
 * phase, in [0, 1)) and uses it for every retry of the run.
 * - `full`: retry n comes at the same point (the phase) of its window, the time from d(n−1) to
 *   d(n) after retry n−1's window began: the wait is d(n−1) + phase × (d(n) − d(n−1)), in
 *   [0, d] for the first retry, and d once the cap is reached. A crowd that failed together stays
 *   spread evenly over each window, so when the server returns its clients arrive at an even rate
 *   from the first 100 ms on (a fresh draw in [0, d] for every retry stacks them up instead).
 *   The default.
 * - `equal`: in [d/2, d]. Never retries at once, spreads half as well.
 * - `decorrelated`: in [initialDelay, min(maxDelay, 3 × previous delay)].
 * - `none`: exactly d. Only for tests and single clients: a crowd reconnects in lockstep.
 *
 * Here d = d(attempt), with d(n) = min(maxDelay, initialDelay × factor^(n − 1)) and d(0) = 0.
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
  // The cap comes first, so the randomised delay still spreads once the cap is reached.
  const cap = (n: number) => n && Math.min(maxDelay, initialDelay * factor ** (n - 1));
  const capped = cap(attempt);
  // Each strategy draws from [low, high].
  const [low, high] =
    jitter === 'decorrelated'
      ? [initialDelay, Math.min(maxDelay, Math.max(initialDelay, previous * 3))]
      : [jitter === 'full' ? cap(attempt - 1) : jitter === 'equal' ? capped / 2 : capped, capped];
  return low + random() * (high - low);
}
