// resilient-ws/tabs in Chromium: pages of one browser context as tabs. How many connections the
// server holds for 1, 5 and 20 tabs with tabs() and without; the gap in a feed of ticks when the
// leader's page closes (10 handovers); and the renderer main-thread time per message received and
// sent in the leader's page and a follower's, against a plain client in a page of its own.
// Every page is a target made through raw CDP, which Playwright does not instrument (a Playwright
// page reports every WebSocket frame to the driver, which would bias the leader's cost).

import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { WebSocketServer } from 'ws';
import { attachTarget, launchChromium, median, startPageServer, untilInPage } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const tabCounts = [1, 5, 20];
const handoverTabs = 12;
const handovers = 10;
const tickEvery = 10;
const feedMessages = 5000;
const feedRate = 2500;
const feedRounds = 5;
const sendMessages = 5000;
const sendRounds = 5;

// The page: the built entries, one client per page, sharing with tabs() or plain. It records what
// it gets: ticks ([connection, number on it, global number, arrival]), roles, feed messages.
const pageSource = `
import { ResilientWebSocket } from './dist/index.mjs';
import { tabs } from './dist/tabs.mjs';

const bench = (window.bench = { ticks: [], roles: [], received: 0, last: '', client: undefined, shared: undefined });
bench.start = (url, sharing) => {
  const options = { preflight: 'never' };
  if (sharing) {
    const shared = tabs({ key: 'bench' });
    shared.on('role', (role) => bench.roles.push([role, Date.now()]));
    bench.shared = shared;
    options.WebSocket = shared.WebSocket;
    options.features = [shared];
  }
  const client = new ResilientWebSocket(url, options);
  bench.client = client;
  client.on('message', (message) => {
    const data = message.data;
    if (data.charCodeAt(0) === 116) {
      const [, c, n, g] = data.split(' ');
      bench.ticks.push([+c, +n, +g, Date.now()]);
    } else {
      bench.received++;
      bench.last = data;
    }
  });
};
bench.state = () => bench.client?.state;
bench.role = () => bench.shared?.role ?? 'plain';
bench.reset = () => {
  bench.received = 0;
  bench.last = '';
};
// The platform's part: a bare BroadcastChannel carrying frames shaped like the hub's.
const probe = new BroadcastChannel('probe');
bench.probed = 0;
probe.onmessage = () => bench.probed++;
bench.post = (count) => {
  const frame = { v: 1, key: 'bench\\nws://127.0.0.1:1/', from: 'a1b2c3d4e5f6', epoch: 2, leader: 'a1b2c3d4e5f6', type: 'message' };
  for (let n = 1; n <= count; n++) probe.postMessage({ ...frame, n, data: 'm ' + n });
};
bench.send = (count, round) => {
  for (let i = 1; i <= count; i++) bench.client.send('s ' + round + ' ' + i);
};
`;

async function bundle() {
  const result = await build({
    stdin: { contents: pageSource, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'iife',
    write: false,
    logLevel: 'error',
  });
  return result.outputFiles[0].text;
}

/**
 * The server: counts the connections it holds and has accepted; while `ticking`, sends
 * `t <connection> <number on it> <global number>` every 10 ms on each; `feed(count, id)` sends
 * `m 1` … `m <count>` at `feedRate` a second on connection `id`; `sent(round, count)` resolves with
 * `performance.now()` when `count` messages `s <round> …` have come in.
 */
async function startServer() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const sockets = new Set();
  let accepted = 0;
  let global = 0;
  let ticker;
  let receiving;
  server.on('connection', (socket) => {
    accepted++;
    const entry = { socket, id: accepted, n: 0 };
    sockets.add(entry);
    socket.on('close', () => sockets.delete(entry));
    socket.on('message', (data) => {
      if (!receiving) return;
      const [, round] = String(data).split(' ');
      if (Number(round) !== receiving.round) return;
      if (++receiving.got === receiving.count) receiving.resolve(performance.now());
    });
  });
  return {
    url: `ws://127.0.0.1:${server.address().port}/`,
    get held() {
      return sockets.size;
    },
    get accepted() {
      return accepted;
    },
    set ticking(on) {
      clearInterval(ticker);
      if (!on) return;
      ticker = setInterval(() => {
        global++;
        for (const entry of sockets) entry.socket.send(`t ${entry.id} ${++entry.n} ${global}`);
      }, tickEvery);
    },
    feed(count, id) {
      const started = performance.now();
      let sent = 0;
      const timer = setInterval(() => {
        const due = Math.min(count, Math.floor(((performance.now() - started) * feedRate) / 1000));
        while (sent < due) {
          sent++;
          for (const entry of sockets) if (entry.id === id) entry.socket.send(`m ${sent}`);
        }
        if (sent === count) clearInterval(timer);
      }, 1);
    },
    sent(round, count) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${receiving.got} of ${count} sends came in 30 s`)), 30_000);
        receiving = {
          round,
          count,
          got: 0,
          resolve: (at) => {
            clearTimeout(timer);
            resolve(at);
          },
        };
      });
    },
    close() {
      clearInterval(ticker);
      for (const { socket } of sockets) socket.terminate();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A browser context made through raw CDP (its own profile: its own locks and BroadcastChannel),
 * whose `open(url)` makes a page in it and returns `evaluate(expression)` (awaited, by value),
 * `taskSeconds()` (the renderer main thread's busy time so far) and `close()`, all through CDP
 * messages to that target (attachTarget).
 */
async function newContext(browser, windows = true) {
  const cdp = await browser.newBrowserCDPSession();
  const { browserContextId } = await cdp.send('Target.createBrowserContext');
  const pages = new Set();
  return {
    async open(url) {
      // A window each: pages made as tabs of one window are hidden but the last (only the front
      // tab is visible), whereas a Playwright page, as in the browser tests, is visible.
      // Tabs of one window: the first opens the window.
      const newWindow = windows || !pages.size;
      const { targetId } = await cdp.send('Target.createTarget', { url, browserContextId, newWindow });
      const page = {
        ...(await attachTarget(cdp, targetId)),
        async close() {
          pages.delete(page);
          await cdp.send('Target.closeTarget', { targetId });
        },
      };
      pages.add(page);
      // Until the page has loaded (an evaluation can meet the initial blank document going away).
      await waitFor(() => page.evaluate('Boolean(window.bench)').catch(() => false), 'the page loaded');
      return page;
    },
    async close() {
      for (const page of [...pages]) await page.close();
      await cdp.send('Target.disposeBrowserContext', { browserContextId });
      await cdp.detach();
    },
  };
}

// Waits in the page (bench/lib.mjs).
const until = (condition) => untilInPage(condition);

/** Resolves once `condition()` holds, checked every 20 ms; rejects after `timeout` ms. */
async function waitFor(condition, what, timeout = 30_000) {
  for (const deadline = Date.now() + timeout; !(await condition()); ) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `count` pages of a new context, each with its client open on the server (sharing or plain). */
async function openTabs(browser, origin, server, count, sharing, windows = true) {
  const context = await newContext(browser, windows);
  const pages = [];
  for (let i = 0; i < count; i++) {
    const page = await context.open(`${origin}/`);
    await page.evaluate(`window.bench.start(${JSON.stringify(server.url)}, ${sharing})`);
    pages.push(page);
  }
  for (const page of pages) await page.evaluate(until("window.bench.state() === 'open'"));
  return { context, pages };
}

const roles = (pages) => Promise.all(pages.map((page) => page.evaluate('window.bench.role()')));

/** 1. Connections the server holds once every tab's client is open, with tabs() and without. */
async function connections(browser, origin, server) {
  const rows = [];
  for (const count of tabCounts) {
    for (const sharing of [true, false]) {
      const before = server.accepted;
      const { context, pages } = await openTabs(browser, origin, server, count, sharing);
      const held = server.held;
      const accepted = server.accepted - before;
      const leaders = (await roles(pages)).filter((role) => role === 'leader').length;
      await context.close();
      await waitFor(() => server.held === 0, 'every connection closed');
      const goal = sharing ? 1 : count;
      rows.push({
        measured: `Connections the server holds, ${count} tab${count > 1 ? 's' : ''}, ${sharing ? 'with tabs()' : 'plain clients'}`,
        figure: `${held} (${accepted} accepted${sharing ? `, ${leaders} leader${leaders === 1 ? '' : 's'}` : ''})`,
        goal: sharing ? '1' : `${count} (one per tab)`,
        pass: sharing ? held === goal && accepted === goal : null,
      });
    }
  }
  return rows;
}

/**
 * 2. Handover: 12 tabs under ticks every 10 ms; the leader's page is closed 10 times. Per
 * handover: the new leader's role event after the close, the gap in the surviving tabs from the
 * last tick on the old connection to the first on the new one (the first tab to get one, and the
 * last), ticks the server sent in between that no tab got, and within each connection, ticks seen
 * twice or skipped by any tab.
 */
async function handover(browser, origin, server, windows) {
  server.ticking = true;
  const { context, pages } = await openTabs(browser, origin, server, handoverTabs, true, windows);
  const results = [];
  const visibility = [...new Set(await Promise.all(pages.map((page) => page.evaluate('document.visibilityState'))))];
  try {
    let alive = pages;
    for (let i = 0; i < handovers; i++) {
      // The connection has ticked into every tab.
      await waitFor(async () => {
        const counts = await Promise.all(alive.map((page) => page.evaluate('window.bench.ticks.length')));
        return counts.every((count) => count >= 20);
      }, 'ticks in every tab');
      const role = await roles(alive);
      const leader = alive[role.indexOf('leader')];
      if (!leader || role.filter((r) => r === 'leader').length !== 1) throw new Error(`roles: ${role.join(', ')}`);
      alive = alive.filter((page) => page !== leader);
      // The ticks before the close are kept, the last on the old connection among them.
      for (const page of alive)
        await page.evaluate('window.bench.ticks = window.bench.ticks.slice(-50); window.bench.roles = []');
      const old = (await leader.evaluate('window.bench.ticks.at(-1)'))[0];
      const closedAt = Date.now();
      await leader.close();
      // Every surviving tab gets ticks from a new connection, and the server holds only that one.
      await waitFor(
        async () => {
          const news = await Promise.all(
            alive.map((page) => page.evaluate(`window.bench.ticks.filter((t) => t[0] > ${old}).length`)),
          );
          return news.every((count) => count >= 5) && server.held === 1;
        },
        `handover ${i + 1}`,
      );
      const records = await Promise.all(
        alive.map((page) => page.evaluate('({ ticks: window.bench.ticks, roles: window.bench.roles })')),
      );
      const led = Math.min(
        ...records.flatMap(({ roles }) => roles.filter(([r]) => r === 'leader').map(([, at]) => at)),
      );
      const oldTicks = records.flatMap(({ ticks }) => ticks.filter(([c]) => c === old));
      const lastOld = Math.max(...oldTicks.map(([, , , at]) => at));
      const lastOldGlobal = Math.max(...oldTicks.map(([, , g]) => g));
      const firstNew = records.map(({ ticks }) => ticks.find(([c]) => c > old));
      const firstAt = firstNew.map(([, , , at]) => at);
      const firstGlobal = Math.min(...firstNew.map(([, , g]) => g));
      let twice = 0;
      let skipped = 0;
      for (const { ticks } of records) {
        const last = new Map();
        for (const [c, n] of ticks) {
          const previous = last.get(c);
          if (previous !== undefined && n <= previous) twice++;
          else if (previous !== undefined && n > previous + 1) skipped += n - previous - 1;
          last.set(c, Math.max(n, previous ?? 0));
        }
      }
      results.push({
        led: led - closedAt,
        gapFirst: Math.min(...firstAt) - lastOld,
        gapLast: Math.max(...firstAt) - lastOld,
        missed: firstGlobal - lastOldGlobal - 1,
        twice,
        skipped,
      });
    }
  } finally {
    server.ticking = false;
    await context.close();
  }
  await waitFor(() => server.held === 0, 'every connection closed');
  return { results, visibility };
}

/** Median and maximum of a list of ms. */
const spread = (values) => `median ${median(values).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms`;

/**
 * 3. Main-thread time per message: a feed to the leader and a follower (one shared connection)
 * and to a plain client in a context of its own; then 5,000 sends from the follower, from the
 * leader and from the plain client, timed until the server has them all. Rounds alternate.
 */
async function cost(browser, origin, server) {
  const shared = await openTabs(browser, origin, server, 2, true);
  const sharedConnection = server.accepted;
  const plain = await openTabs(browser, origin, server, 1, false);
  const plainConnection = server.accepted;
  if (server.held !== 2) throw new Error(`${server.held} connections for a shared pair and a plain page`);
  const role = await roles(shared.pages);
  const leader = shared.pages[role.indexOf('leader')];
  const follower = shared.pages[role.indexOf('follower')];
  const receive = { leader: [], follower: [], plain: [] };
  const send = { leader: [], follower: [], plain: [] };
  const posts = [];
  try {
    const feedRound = async (measured, connection) => {
      await Promise.all(measured.map(([, page]) => page.evaluate('window.bench.reset()')));
      const before = await Promise.all(measured.map(([, page]) => page.taskSeconds()));
      server.feed(feedMessages, connection);
      for (const [, page] of measured) await page.evaluate(until(`window.bench.last === 'm ${feedMessages}'`));
      const after = await Promise.all(measured.map(([, page]) => page.taskSeconds()));
      const received = await Promise.all(measured.map(([, page]) => page.evaluate('window.bench.received')));
      if (received.some((count) => count !== feedMessages)) throw new Error(`received ${received.join(', ')}`);
      return measured.map(([name], index) => [name, ((after[index] - before[index]) * 1e6) / feedMessages]);
    };
    let round = 0;
    const sendRound = async (name, sender, watched) => {
      round++;
      const arrived = server.sent(round, sendMessages);
      const before = await Promise.all(watched.map((page) => page.taskSeconds()));
      const started = performance.now();
      await sender.evaluate(`window.bench.send(${sendMessages}, ${round})`);
      const done = await arrived;
      const after = await Promise.all(watched.map((page) => page.taskSeconds()));
      send[name].push({
        wall: ((done - started) * 1000) / sendMessages,
        tasks: watched.map((_, index) => ((after[index] - before[index]) * 1e6) / sendMessages),
      });
    };
    const sharedPair = [
      ['leader', leader],
      ['follower', follower],
    ];
    const kinds = [
      [sharedPair, sharedConnection],
      [[['plain', plain.pages[0]]], plainConnection],
    ];
    // One kind fed at a time, the order alternating every round.
    for (let i = -1; i < feedRounds; i++) {
      for (const [measured, connection] of i % 2 ? kinds : [...kinds].reverse()) {
        const figures = await feedRound(measured, connection);
        if (i >= 0) for (const [name, perMessage] of figures) receive[name].push(perMessage);
      }
    }
    for (let i = -1; i < sendRounds; i++) {
      await sendRound('follower', follower, [follower, leader]);
      await sendRound('leader', leader, [leader, follower]);
      await sendRound('plain', plain.pages[0], [plain.pages[0]]);
      if (i < 0) for (const name of Object.keys(send)) send[name].length = 0;
    }
    for (let i = -1; i < sendRounds; i++) {
      await follower.evaluate('window.bench.probed = 0');
      const before = await Promise.all([leader.taskSeconds(), follower.taskSeconds()]);
      await leader.evaluate(`window.bench.post(${sendMessages})`);
      await follower.evaluate(until(`window.bench.probed === ${sendMessages}`));
      const after = await Promise.all([leader.taskSeconds(), follower.taskSeconds()]);
      if (i >= 0) posts.push(before.map((value, index) => ((after[index] - value) * 1e6) / sendMessages));
    }
  } finally {
    await shared.context.close();
    await plain.context.close();
  }
  return { receive, send, posts };
}

/** Runs the benchmark; see the file comment. */
export async function run() {
  const server = await startServer();
  const code = await bundle();
  const html = `<!doctype html><meta charset="utf-8"><title>tab</title><script>${code.replaceAll('</script', '<\\/script')}</script>`;
  const pages = await startPageServer({ '/': html }, '');
  const browser = await launchChromium();
  try {
    const counted = await connections(browser, pages.origin, server);
    const { results: handed, visibility } = await handover(browser, pages.origin, server, true);
    const { results: behind, visibility: behindVisibility } = await handover(browser, pages.origin, server, false);
    const { receive, send, posts } = await cost(browser, pages.origin, server);
    const led = handed.map((h) => h.led);
    const gapFirst = handed.map((h) => h.gapFirst);
    const gapLast = handed.map((h) => h.gapLast);
    const twice = handed.reduce((sum, h) => sum + h.twice, 0);
    const skipped = handed.reduce((sum, h) => sum + h.skipped, 0);
    const us = (value) => `${value.toFixed(1)} µs`;
    const receiveOf = (name) => median(receive[name]);
    const sendWall = (name) => median(send[name].map(({ wall }) => wall));
    const sendTask = (name, index) => median(send[name].map(({ tasks }) => tasks[index]));
    return {
      title: 'Tabs: one connection for the tabs of a profile (Chromium)',
      rows: [
        ...counted,
        {
          measured: `Handover, leader's page closed (${handovers} times, ${handoverTabs} tabs down to ${handoverTabs - handovers}): new leader's role event after the close`,
          figure: spread(led),
          goal: '',
          pass: null,
        },
        {
          measured:
            'Handover gap in the ticks (every 10 ms): last tick on the old connection → first on the new, first tab',
          figure: spread(gapFirst),
          goal: 'median ≤ 1 s',
          pass: median(gapFirst) <= 1000,
        },
        {
          measured: 'Handover gap in the ticks: last tick on the old connection → first on the new, every tab',
          figure: spread(gapLast),
          goal: 'median ≤ 1 s',
          pass: median(gapLast) <= 1000,
        },
        {
          measured: 'Ticks the server sent during a handover that no tab got (no delivery feature)',
          figure: `${handed.map((h) => h.missed).join(', ')}`,
          goal: '',
          pass: null,
        },
        {
          measured: 'Ticks seen twice / skipped within one connection, any tab, all handovers',
          figure: `${twice} / ${skipped}`,
          goal: '0 / 0',
          pass: twice === 0 && skipped === 0,
        },
        {
          measured:
            'Same, the tabs of one window (only the last opened visible): new leader after the close; gap, every tab; seen twice / skipped',
          figure: `${spread(behind.map((h) => h.led))}; ${spread(behind.map((h) => h.gapLast))}; ${behind.reduce(
            (sum, h) => sum + h.twice,
            0,
          )} / ${behind.reduce((sum, h) => sum + h.skipped, 0)}`,
          goal: 'median gap ≤ 1 s',
          pass: median(behind.map((h) => h.gapLast)) <= 1000 && behind.every((h) => h.twice === 0 && h.skipped === 0),
        },
        {
          measured: `Main-thread time per message received (${feedMessages.toLocaleString('en-US')} at ${feedRate.toLocaleString('en-US')}/s), plain client`,
          figure: us(receiveOf('plain')),
          goal: '',
          pass: null,
        },
        {
          measured: 'Main-thread time per message received, leader tab (relays to the follower)',
          figure: us(receiveOf('leader')),
          goal: '',
          pass: null,
        },
        {
          measured: 'Main-thread time per message received, follower tab',
          figure: us(receiveOf('follower')),
          goal: '≤ 3× plain',
          pass: receiveOf('follower') <= 3 * receiveOf('plain'),
        },
        {
          measured: `Send ${sendMessages.toLocaleString('en-US')} messages until the server has them all, per message: plain / leader / follower`,
          figure: `${us(sendWall('plain'))} / ${us(sendWall('leader'))} / ${us(sendWall('follower'))}`,
          goal: '',
          pass: null,
        },
        {
          measured: 'Main-thread time per message sent: plain / leader sending / follower sending',
          figure: `${us(sendTask('plain', 0))} / ${us(sendTask('leader', 0))} / ${us(sendTask('follower', 0))}`,
          goal: '',
          pass: null,
        },
        {
          measured: `BroadcastChannel.postMessage alone, ${sendMessages.toLocaleString('en-US')} frames like the hub's in one task: main-thread time per post in the posting page / the receiving page`,
          figure: `${us(median(posts.map(([sender]) => sender)))} / ${us(median(posts.map(([, receiver]) => receiver)))}`,
          goal: '',
          pass: null,
        },
        {
          measured: "Main-thread time per message sent by the follower, in the leader's page (relaying)",
          figure: us(sendTask('follower', 1)),
          goal: '',
          pass: null,
        },
      ],
      notes: [
        `Pages of one browser context made through raw CDP (Target.createBrowserContext, Target.createTarget with ` +
          `newWindow), which Playwright does not instrument; document.visibilityState in them: ${visibility.join(', ')}. Each page runs one ` +
          'client of the built dist/index.mjs and dist/tabs.mjs (bundled by esbuild) with `tabs({ key })`, or a plain ' +
          "client; a `ws` server on 127.0.0.1 counts the connections it holds once every tab's client is open.",
        `Handover: the server sends \`t <connection> <n> <global n>\` every ${tickEvery} ms on each connection; every ` +
          "tab records the arrival times (Date.now()); the leader's page is closed (Target.closeTarget) and the " +
          'surviving tabs are read once each has ticks from the new connection and the server holds one. Gap: from ' +
          'the last tick any surviving tab got on the old connection to the first any got on the new one (first tab), ' +
          'and to the moment the last of them got one (every tab). Missed: global ticks between the last on the old ' +
          'connection and the first on the new. Most of the gap is the new leader waiting gatherTimeout (500 ms by ' +
          "default) before its first dial, so every tab's port is back for one merged resume. " +
          `Each handover (led / gap first / gap every tab, ms): ${handed
            .map((h) => `${h.led}/${h.gapFirst}/${h.gapLast}`)
            .join(', ')}.`,
        'The same with the pages made as tabs of one window (Target.createTarget without newWindow): only the front ' +
          `tab is visible, as in a browser window (document.visibilityState: ${behindVisibility.join(', ')}); ` +
          `each handover (led / gap first / gap every tab / missed): ${behind
            .map((h) => `${h.led}/${h.gapFirst}/${h.gapLast}/${h.missed}`)
            .join(', ')}.`,
        `Cost: TaskDuration (CDP Performance.getMetrics) of each page over a round divided by the messages; ` +
          `${feedRounds} measured rounds after an unmeasured one, the shared pair (leader + follower) and the plain ` +
          "page in turns (the feed goes to one kind's connection at a time); medians. Send rounds: " +
          `${sendMessages.toLocaleString('en-US')} \`send()\` calls in one task, timed from the call to the server ` +
          `having the last; ${sendRounds} measured rounds after an unmeasured one. Every message the leader's ` +
          'socket gets is one BroadcastChannel post to the tabs, and every send of a tab one post to the leader ' +
          "(the leader's own client included, through the channel's loopback); the postMessage row is that " +
          'platform cost alone, with the same number of posts in one task from the leader to the follower.',
        `Receive per round (µs): ${Object.entries(receive)
          .map(([name, list]) => `${name} ${list.map((value) => value.toFixed(1)).join(', ')}`)
          .join('; ')}.`,
        `Send per round (wall µs per message): ${Object.entries(send)
          .map(([name, list]) => `${name} ${list.map(({ wall }) => wall.toFixed(1)).join(', ')}`)
          .join('; ')}.`,
        '`npm run build && node bench/run.mjs tabs`.',
      ],
    };
  } finally {
    await browser.close();
    await pages.close();
    await server.close();
  }
}
