// Reconnect storms across pages, in Chromium: 100 clients in 10 pages (10 each, every page in its
// own browser context, so no handshake queue is shared), the backend killed for 1 s and started
// again; we count upgrade requests per 100 ms window from the restart until all are open. Beside
// it, the same 100 clients in one page, and one client alone after a 2 s outage: how soon it is
// back. Each through a URL and through discovery, with the storm benchmark's short timings.
// `node bench/browser-storm-pages.mjs [variant] [rounds]` runs one variant alone (after `npm run build`).

import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { launchChromium, median, seconds, sleep, startBackend, startPageServer } from './lib.mjs';

const clients = 100;
const window = 100;
const timings = {
  initialDelay: 500,
  maxDelay: 2000,
  connectTimeout: 3000,
  heartbeat: { interval: 1000, timeout: 2000 },
};
const goals = { peak: 0.15, pagesBack: 1500, pageBack: 2000, single: 350 };

/** The measurements: storms in 10 pages or one, and one client alone; each through a URL or discovery. */
const variants = [
  { name: 'pages', pages: 10, discovery: false, downtime: 1000, rounds: 5 },
  { name: 'pages-discovery', pages: 10, discovery: true, downtime: 1000, rounds: 5 },
  { name: 'page', pages: 1, discovery: false, downtime: 1000, rounds: 5 },
  { name: 'page-discovery', pages: 1, discovery: true, downtime: 1000, rounds: 5 },
  { name: 'single', single: true, discovery: false, downtime: 2000, rounds: 15 },
  { name: 'single-discovery', single: true, discovery: true, downtime: 2000, rounds: 15 },
];

const page = `<!doctype html>
<meta charset="utf-8">
<title>storm</title>
<script src="/dist/resilient-ws.umd.min.js"></script>
<script>
  // Every client, with the wall-clock times (Date.now()) of its attempts (state 'resolving' or
  // 'connecting' entered from 'waiting') and of its opens.
  window.clients = [];
  window.start = (endpoint, count, options, discovery) => {
    for (let index = 0; index < count; index++) {
      const { ResilientWebSocket, discover } = ResilientWS;
      const client = new ResilientWebSocket(discovery ? discover(endpoint) : endpoint, options);
      client.opens = [];
      client.attempts = [];
      client.dials = [];
      client.on('open', () => client.opens.push(Date.now()));
      client.on('state', (state, previous) => previous === 'waiting' && client.attempts.push(Date.now()));
      client.on('connecting', () => client.dials.push(Date.now()));
      window.clients.push(client);
    }
  };
  window.openCount = () => window.clients.filter((client) => client.state === 'open').length;
  window.report = () => window.clients.map(({ opens, attempts, dials }) => ({ opens, attempts, dials }));
  window.stop = () => {
    for (const client of window.clients) client.close();
    window.clients = [];
  };
</script>`;

async function openCount(tabs) {
  let open = 0;
  for (const tab of tabs) open += await tab.evaluate(() => window.openCount());
  return open;
}

async function waitForOpen(tabs, count, timeout) {
  const deadline = performance.now() + timeout;
  for (;;) {
    const open = await openCount(tabs);
    if (open === count || performance.now() > deadline) return open;
    await sleep(20);
  }
}

/** A backend, a page server that also answers discovery (naming the backend), and a browser. */
async function setUp(umd) {
  const backend = await startBackend();
  const discovery = JSON.stringify({ url: backend.url });
  const pages = await startPageServer({ '/': page, '/discover': discovery }, umd);
  const browser = await launchChromium();
  return { backend, pages, browser };
}

async function tearDown({ backend, pages, browser }) {
  await browser.close();
  await backend.kill();
  await pages.close();
}

/** One storm: `clients` clients in `variant.pages` pages, each in its own context. */
async function storm(umd, variant) {
  const setup = await setUp(umd);
  const { backend, pages, browser } = setup;
  let measured;
  try {
    const tabs = [];
    for (let index = 0; index < variant.pages; index++) {
      const context = await browser.newContext();
      const tab = await context.newPage();
      await tab.goto(`${pages.origin}/`);
      tabs.push(tab);
    }
    const endpoint = variant.discovery ? `${pages.origin}/discover` : backend.url;
    for (const tab of tabs) {
      const args = [endpoint, clients / variant.pages, timings, variant.discovery];
      await tab.evaluate(([url, count, options, discovery]) => window.start(url, count, options, discovery), args);
    }
    const first = await waitForOpen(tabs, clients, 20_000);
    if (first !== clients) throw new Error(`only ${first} of ${clients} clients opened at the start`);
    await sleep(200);
    await backend.kill();
    await sleep(variant.downtime);
    await backend.restart();
    const restartedAt = performance.now();
    const restartedWall = Date.now();
    const open = await waitForOpen(tabs, clients, 30_000);
    const reports = [];
    for (const tab of tabs) reports.push(...(await tab.evaluate(() => window.report())));
    measured = { open, reports, restartedAt, restartedWall };
  } finally {
    await tearDown(setup);
  }
  const { open, reports, restartedAt, restartedWall } = measured;
  const back = reports.map(
    ({ opens }) => (opens.findLast((time) => time >= restartedWall) ?? Infinity) - restartedWall,
  );
  const recovery = Math.max(...back);
  const counts = new Array(Math.max(1, Math.ceil(Math.min(recovery, 30_000) / window))).fill(0);
  for (const time of backend.upgrades) {
    const at = time - restartedAt;
    if (at >= 0 && at < counts.length * window) counts[Math.floor(at / window)]++;
  }
  // When each client's first attempt after the restart began (its backoff timer firing).
  const firstAttempt = reports.map(
    ({ attempts }) => (attempts.find((time) => time >= restartedWall) ?? Infinity) - restartedWall,
  );
  const histogram = (times) => {
    const bins = new Array(counts.length).fill(0);
    for (const at of times) if (at >= 0 && at < counts.length * window) bins[Math.floor(at / window)]++;
    return bins;
  };
  const attemptCounts = histogram(firstAttempt);
  const dialCounts = histogram(
    reports.map(({ dials }) => (dials.find((time) => time >= restartedWall) ?? Infinity) - restartedWall),
  );
  const getCounts = histogram(backend.gets.map((time) => time - restartedAt));
  return {
    open,
    recovery,
    peak: Math.max(...counts),
    counts,
    attemptCounts,
    dialCounts,
    getCounts,
    medianBack: median(back),
  };
}

/** `rounds` outages of one client in one page: from the restart until it is open again. */
async function single(umd, variant, rounds) {
  const setup = await setUp(umd);
  const { backend, pages, browser } = setup;
  const waits = [];
  try {
    const tab = await browser.newPage();
    await tab.goto(`${pages.origin}/`);
    const endpoint = variant.discovery ? `${pages.origin}/discover` : backend.url;
    for (let round = 0; round < rounds; round++) {
      await tab.evaluate(
        ([url, options, discovery]) => window.start(url, 1, options, discovery),
        [endpoint, timings, variant.discovery],
      );
      if ((await waitForOpen([tab], 1, 10_000)) !== 1) throw new Error('the client did not open');
      await sleep(200);
      await backend.kill();
      await sleep(variant.downtime);
      await backend.restart();
      const restartedWall = Date.now();
      if ((await waitForOpen([tab], 1, 30_000)) !== 1) throw new Error('the client did not come back');
      const [{ opens }] = await tab.evaluate(() => window.report());
      waits.push((opens.at(-1) ?? Infinity) - restartedWall);
      await tab.evaluate(() => window.stop());
    }
  } finally {
    await tearDown(setup);
  }
  return waits;
}

const via = (variant) => (variant.discovery ? 'discover(url)' : 'URL');

async function measure(umd, variant, rounds) {
  if (variant.single) {
    const waits = await single(umd, variant, rounds);
    const wait = median(waits);
    return {
      rows: [
        {
          measured: `one client, ${via(variant)}, down ${seconds(variant.downtime)}: restart → open, median of ${rounds}`,
          figure: `${seconds(wait)} (each: ${waits.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s)`,
          goal: `≤ ${seconds(goals.single)}`,
          pass: wait <= goals.single,
        },
      ],
      notes: [],
    };
  }
  const results = [];
  for (let round = 0; round < rounds; round++) results.push(await storm(umd, variant));
  const all = (key) => results.map((result) => result[key]);
  const peak = median(all('peak'));
  const recovery = median(all('recovery'));
  const where = variant.pages === 1 ? 'one page' : `${variant.pages} pages (own contexts)`;
  const prefix = `${clients} clients in ${where}, ${via(variant)}, down ${seconds(variant.downtime)}:`;
  const backGoal = variant.pages === 1 ? goals.pageBack : goals.pagesBack;
  const rows = [
    {
      measured: `${prefix} peak upgrade requests per ${window} ms after the restart, / ${clients}, median of ${rounds}`,
      figure: `${(peak / clients).toFixed(2)} (each: ${all('peak').join(', ')})`,
      goal: variant.pages === 1 ? '—' : `≤ ${goals.peak}`,
      pass: variant.pages === 1 ? null : peak / clients <= goals.peak,
    },
    {
      measured: `${prefix} restart → all open, median of ${rounds}`,
      figure: `${seconds(recovery)} (each: ${all('recovery')
        .map((ms) => (ms / 1000).toFixed(2))
        .join(', ')} s)`,
      goal: `≤ ${seconds(backGoal)}`,
      pass: results.every((result) => result.open === clients) && recovery <= backGoal,
    },
    {
      measured: `${prefix} restart → open, median client, median of ${rounds}`,
      figure: seconds(median(all('medianBack'))),
      goal: '—',
      pass: null,
    },
  ];
  const notes = results.flatMap(({ counts, attemptCounts, dialCounts, getCounts }, round) => [
    `${variant.name}, round ${round + 1}, per ${window} ms after the restart: upgrades ${counts.join(' ')}; ` +
      `first attempts (backoff timers firing) ${attemptCounts.join(' ')}; first dials ${dialCounts.join(' ')}; GETs ${getCounts.join(' ')}.`,
  ]);
  return { rows, notes };
}

/** Runs the variants named (all by default) in Chromium; see the file comment. */
export async function run(names = variants.map((variant) => variant.name), rounds = undefined) {
  const umd = await readFile(new URL('../dist/resilient-ws.umd.min.js', import.meta.url));
  const rows = [];
  const notes = [];
  for (const variant of variants.filter(({ name }) => names.includes(name))) {
    const result = await measure(umd, variant, rounds ?? variant.rounds);
    rows.push(...result.rows);
    notes.push(...result.notes);
  }
  return {
    title: 'Reconnect storm across pages, and one client alone (Chromium)',
    rows,
    notes: [
      `Timings of the storm benchmark: ${JSON.stringify(timings)}; the backend down 1 s for the storms, 2 s for one client.`,
      'Each page is its own browser context, as separate tabs of separate users would be: no handshake queue is shared.',
      'Discovery is answered by the page server (it stays up), naming the backend; a discovery answer is reused until a connection fails.',
      ...notes,
    ],
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [name, rounds] = process.argv.slice(2);
  const result = await run(name ? name.split(',') : undefined, rounds ? Number(rounds) : undefined);
  for (const row of result.rows) console.log(`${row.measured}: ${row.figure} [goal ${row.goal}]`);
  for (const note of result.notes) console.log(`- ${note}`);
  process.exit(0);
}
