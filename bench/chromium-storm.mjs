// Reconnect storm in Chromium: 100 ResilientWebSocket instances (defaults) in one page, the
// backend killed and back 2 s later; we count upgrade requests per 100 ms window from the
// restart until all 100 are open again, and time how long that takes.

import { readFile } from 'node:fs/promises';
import { integer, launchChromium, median, seconds, sleep, startBackend, startPageServer } from './lib.mjs';

const clients = 100;
const downtime = 2000;
const window = 100;
const peakGoal = 0.15;
const recoveryGoal = 5000;

const page = `<!doctype html>
<meta charset="utf-8">
<title>storm</title>
<script src="/dist/resilient-ws.umd.min.js"></script>
<script>
  // Every instance, with the wall-clock times (Date.now()) of its opens and of the starts of its
  // WebSocket attempts (state 'connecting').
  window.clients = [];
  window.start = (url, count) => {
    for (let index = 0; index < count; index++) {
      const client = new ResilientWS.ResilientWebSocket(url);
      client.opens = [];
      client.starts = [];
      client.on('open', () => client.opens.push(Date.now()));
      client.on('state', (state) => state === 'connecting' && client.starts.push(Date.now()));
      window.clients.push(client);
    }
  };
  window.openCount = () => window.clients.filter((client) => client.state === 'open').length;
  window.report = () =>
    window.clients.map(({ opens, starts, stats }) => ({ opens, starts, attempts: stats.attempts }));
</script>`;

// Polls the page until `predicate(openCount)` holds; resolves with the count, or the last one after `timeout`.
async function waitForOpen(tab, predicate, timeout) {
  const deadline = performance.now() + timeout;
  for (;;) {
    const open = await tab.evaluate(() => window.openCount());
    if (predicate(open) || performance.now() > deadline) return open;
    await sleep(25);
  }
}

/** Runs the storm; see the file comment. */
export async function run() {
  const umd = await readFile(new URL('../dist/resilient-ws.umd.min.js', import.meta.url));
  const backend = await startBackend();
  const pages = await startPageServer({ '/': page }, umd);
  const browser = await launchChromium();
  let measured;
  try {
    const tab = await browser.newPage();
    await tab.goto(`${pages.origin}/`);
    await tab.evaluate(([url, count]) => window.start(url, count), [backend.url, clients]);
    const first = await waitForOpen(tab, (open) => open === clients, 20_000);
    if (first !== clients) throw new Error(`only ${first} of ${clients} clients opened at the start`);

    await backend.kill();
    await sleep(downtime);
    await backend.restart();
    const restartedAt = performance.now();
    const restartedWall = Date.now();
    const open = await waitForOpen(tab, (count) => count === clients, 60_000);
    const report = await tab.evaluate(() => window.report());
    measured = { open, report, restartedAt, restartedWall };
  } finally {
    await browser.close();
    await backend.kill();
    await pages.close();
  }

  const { open, report, restartedAt, restartedWall } = measured;
  const reopened = report.map((client) => client.opens.findLast((time) => time >= restartedWall));
  // For each client that came back: when the SDK started the attempt that opened (relative to the
  // restart; negative is before it), and how long the browser kept that attempt connecting.
  const started = [];
  const held = [];
  report.forEach((client, index) => {
    const openedAt = reopened[index];
    if (openedAt === undefined) return;
    const start = client.starts.findLast((time) => time <= openedAt);
    started.push(start - restartedWall);
    held.push(openedAt - start);
  });
  const recovery = Math.max(...reopened.map((time) => (time ?? Number.POSITIVE_INFINITY) - restartedWall));
  const recoveredAt = restartedAt + Math.min(recovery, 60_000);
  // Upgrade requests per window, from the restart until the last client is open again.
  const counts = new Array(Math.floor((recoveredAt - restartedAt) / window) + 1).fill(0);
  let upgrades = 0;
  for (const time of backend.upgrades) {
    if (time < restartedAt || time > recoveredAt) continue;
    counts[Math.floor((time - restartedAt) / window)]++;
    upgrades++;
  }
  const peak = Math.max(...counts);
  const preflights = backend.gets.filter((time) => time >= restartedAt && time <= recoveredAt).length;
  const attempts = report.reduce((sum, client) => sum + client.attempts, 0) - clients;
  return {
    title: `Reconnect storm in Chromium (${clients} instances in one page, defaults, server down ${seconds(downtime)})`,
    rows: [
      {
        measured: `Peak upgrade requests in a ${window} ms window after the restart, / ${clients}`,
        figure: `${(peak / clients).toFixed(2)} (peak ${peak})`,
        goal: `≤ ${peakGoal}`,
        pass: peak / clients <= peakGoal,
      },
      {
        measured: `Restart → all ${clients} open again`,
        figure: open === clients ? seconds(recovery) : `${open} of ${clients} open after 60 s`,
        goal: `≤ ${seconds(recoveryGoal)}`,
        pass: open === clients && recovery <= recoveryGoal,
      },
      {
        measured: 'Upgrade requests / HTTP preflights from the restart until all were open',
        figure: `${integer(upgrades)} / ${integer(preflights)}`,
        goal: '—',
        pass: null,
      },
      {
        measured: 'WebSocket attempts started by the page after the first opens (all clients)',
        figure: integer(attempts),
        goal: '—',
        pass: null,
      },
      {
        measured: 'Start of the attempt that opened, relative to the restart (negative: before it), median / latest',
        figure: `${seconds(median(started))} / ${seconds(Math.max(...started))}`,
        goal: '—',
        pass: null,
      },
      {
        measured: "That attempt's time in 'connecting' (the browser holding the handshake), median / max",
        figure: `${seconds(median(held))} / ${seconds(Math.max(...held))}`,
        goal: '—',
        pass: null,
      },
    ],
    notes: [
      `Upgrade requests per ${window} ms window after the restart: ${counts.join(' ')}.`,
      'The backend answers plain GETs on the WebSocket path with 426 and Access-Control-Allow-Origin: *, so preflights from the page origin can read it.',
      'Chromium delays new WebSockets from a renderer after repeated handshake failures (DESIGN.md §2): an attempt ' +
        "started by the SDK sits in 'connecting' until the browser lets its handshake out, so requests reach the " +
        'server later than the backoff alone would send them. The last two rows separate the two.',
    ],
  };
}
