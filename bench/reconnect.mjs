// Reconnect after a server restart, in Node against a real `ws` server: the server is killed,
// comes back on the same port 2 s later, and we time backend-up → client `open`.

import { WebSocket } from 'ws';
import { backoffDelay, defaults, ResilientWebSocket } from '../dist/index.mjs';
import { median, nextEvent, seconds, secondsList, sleep, startBackend } from './lib.mjs';
import { mulberry32 } from './storm-sim.mjs';

const runs = 15;
const downtime = 2000;
const goal = 1000;

// One run: a fresh client (so no retry count carries over), a kill, a restart, the wait for open.
async function measureOnce(backend, options) {
  const client = new ResilientWebSocket(backend.url, { WebSocket, ...options });
  const attempts = [];
  client.on('connecting', () => attempts.push(performance.now()));
  try {
    await nextEvent(client, 'open');
    await backend.kill();
    const killedAt = performance.now();
    await sleep(downtime);
    await backend.restart();
    const upAt = performance.now();
    const opened = nextEvent(client, 'open', { timeout: 60_000 });
    await opened;
    const failed = attempts.filter((time) => time > killedAt && time < upAt).length;
    return { delay: performance.now() - upAt, failed };
  } finally {
    client.close();
  }
}

async function measure(options) {
  const backend = await startBackend();
  const delays = [];
  let failed = 0;
  try {
    for (let run = 0; run < runs; run++) {
      const result = await measureOnce(backend, options);
      delays.push(result.delay);
      failed += result.failed;
    }
  } finally {
    await backend.kill();
  }
  return { delays, median: median(delays), max: Math.max(...delays), failed: failed / runs };
}

// What the backoff alone predicts: the wait after recovery over many simulated outages, with
// failed attempts taken to cost no time.
function predicted(options, samples = 100_000) {
  const settings = { ...defaults, ...options };
  const random = mulberry32(7);
  const waits = [];
  for (let sample = 0; sample < samples; sample++) {
    let time = 0;
    let previous = 0;
    // The client draws its phase once per run of failures (see Jitter).
    const phase = random();
    for (let attempt = 1; time < downtime; attempt++) {
      previous = backoffDelay(settings, attempt, previous, () => phase);
      time += previous;
    }
    waits.push(time - downtime);
  }
  waits.sort((a, b) => a - b);
  return { median: median(waits), p90: waits[Math.floor(samples * 0.9)] };
}

/** Runs the default settings, then `initialDelay: 500`; see the file comment. */
export async function run() {
  const standard = { ...(await measure({})), predicted: predicted({}) };
  const faster = { ...(await measure({ initialDelay: 500 })), predicted: predicted({ initialDelay: 500 }) };
  const rows = (label, result, withGoal) => [
    {
      measured: `${label}: backend up → open, median of ${runs}`,
      figure: seconds(result.median),
      goal: withGoal ? `≤ ${seconds(goal)}` : '—',
      pass: withGoal ? result.median <= goal : null,
    },
    {
      measured: `${label}: max of ${runs} (each: ${secondsList(result.delays)} s)`,
      figure: seconds(result.max),
      goal: '—',
      pass: null,
    },
    {
      measured: `${label}: what the backoff predicts, median / 90th percentile of 100,000 simulated outages`,
      figure: `${seconds(result.predicted.median)} / ${seconds(result.predicted.p90)}`,
      goal: '—',
      pass: null,
    },
  ];
  return {
    title: 'Reconnect after a 2 s server outage (Node, ws)',
    rows: [
      ...rows(
        `Defaults (initialDelay ${defaults.initialDelay}, factor ${defaults.factor}, ${defaults.jitter} jitter)`,
        standard,
        true,
      ),
      ...rows('initialDelay 500', faster, false),
    ],
    notes: [
      `Each run uses a fresh client: it opens, the server terminates every socket and closes its listener, and listens on the same port ${downtime / 1000} s later.`,
      `Full jitter puts retry n at the client's phase (one draw per run of failures) within its window, from d(n−1) to d(n), d(n) = initialDelay × ${defaults.factor}^(n−1): during a 2 s outage a client makes ` +
        `${standard.failed.toFixed(1)} failed attempts on average (defaults), and the wait after the backend is back is ` +
        'the rest of the current window up to its phase. Seven runs of a random variable are noisy: ' +
        'the simulated figures are the expectation. A smaller initialDelay fails more often during the outage, so ' +
        'its delay grows further and its tail is longer.',
    ],
  };
}
