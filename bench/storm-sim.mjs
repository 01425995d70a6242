// Reconnect storm at scale, simulated on a virtual clock with the SDK's own backoffDelay and its
// default settings: how evenly 100,000 clients dropped at once come back, in 100 ms windows.

import { backoffDelay, defaults } from '../dist/index.mjs';
import { integer } from './lib.mjs';

const clients = 100_000;
const window = 100;
const outage = 10_000;
const goal = 2;
const settings = {
  initialDelay: defaults.initialDelay,
  maxDelay: defaults.maxDelay,
  factor: defaults.factor,
  jitter: defaults.jitter,
};

/** mulberry32: a small seeded PRNG returning [0, 1), so every run gives the same figures. */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * When each client connects again after all of them dropped at t = 0 and the server is back at
 * `recovery`: every attempt before it fails and backs off further, the first one at or after it
 * succeeds. Failed attempts are taken to cost no time (a refused connection takes ~1 ms).
 */
function arrivals(recovery, random) {
  const times = new Float64Array(clients);
  let attempts = 0;
  for (let client = 0; client < clients; client++) {
    let time = 0;
    let previous = 0;
    for (let attempt = 1; ; attempt++) {
      previous = backoffDelay(settings, attempt, previous, random);
      time += previous;
      attempts++;
      if (time >= recovery) break;
    }
    times[client] = time;
  }
  return { times, attempts };
}

// Counts arrivals per window from `start` (or the first arrival's window) to the last arrival.
function windows(times, start) {
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const time of times) {
    first = Math.min(first, time);
    last = Math.max(last, time);
  }
  const from = start ?? Math.floor(first / window) * window;
  const counts = new Array(Math.floor((last - from) / window) + 1).fill(0);
  for (const time of times) counts[Math.floor((time - from) / window)]++;
  const peak = Math.max(...counts);
  const mean = times.length / counts.length;
  return { counts, peak, mean, ratio: peak / mean, from, last };
}

// The time by which `share` of the clients are back.
function quantile(times, share) {
  const sorted = Float64Array.from(times).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
}

/** Runs both scenarios; see the file comment. */
export async function run() {
  const random = mulberry32(20_240_601);
  const instant = windows(arrivals(0, random).times);
  const down = arrivals(outage, random);
  const late = windows(down.times, outage);
  const ratio = (result) => result.ratio.toFixed(2);
  return {
    title: 'Reconnect storm, simulated (100,000 clients, default backoff, seeded PRNG)',
    rows: [
      {
        measured: 'Server back at once: peak / mean arrivals per 100 ms window',
        figure: `${ratio(instant)} (peak ${integer(instant.peak)}, mean ${integer(instant.mean)}, ${instant.counts.length} windows)`,
        goal: `≤ ${goal}`,
        pass: instant.ratio <= goal,
      },
      {
        // Not the goal's scenario (clients dropped at once, server back at once): the mean here
        // runs over the whole tail that the grown delays spread out, so the ratio reads high.
        measured: 'Server down 10 s (beyond the goal): peak / mean arrivals per 100 ms window after recovery',
        figure: `${ratio(late)} (peak ${integer(late.peak)}, mean ${integer(late.mean)}, ${late.counts.length} windows)`,
        goal: '—',
        pass: null,
      },
      {
        measured: 'Server down 10 s: peak window as a share of all clients',
        figure: `${((late.peak / clients) * 100).toFixed(2)} %`,
        goal: '—',
        pass: null,
      },
      {
        measured: 'Server down 10 s: time after recovery until 50 % / 90 % / 99 % / all are back',
        figure: [0.5, 0.9, 0.99]
          .map((share) => `${((quantile(down.times, share) - outage) / 1000).toFixed(1)} s`)
          .concat(`${((late.last - outage) / 1000).toFixed(1)} s`)
          .join(' / '),
        goal: '—',
        pass: null,
      },
      {
        measured: 'Server down 10 s: failed attempts per client while down',
        figure: ((down.attempts - clients) / clients).toFixed(2),
        goal: '—',
        pass: null,
      },
    ],
    notes: [
      `Settings: initialDelay ${settings.initialDelay}, maxDelay ${settings.maxDelay}, factor ${settings.factor}, ${settings.jitter} jitter (the defaults); attempt 1 is the first retry.`,
      'After a 10 s outage, arrivals are densest in the first windows after recovery and thin out over the next ' +
        '30 s (each client lands uniformly within its current, already grown, delay; the cap is 30 s), so the mean ' +
        'window is small and peak/mean is large even though the peak window holds under 2 % of the clients.',
    ],
  };
}
