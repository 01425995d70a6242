// A React page under a feed of 1,000 messages a second, in Chromium: commits per second and the
// renderer's main-thread time per message, for resilient-ws/react (useConnection + useMessages)
// against a hand-written wrapper (useState + useEffect, a setState per message) over the same
// client, with a client and no UI at all as the floor. Rounds alternate the three kinds.

import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { WebSocketServer } from 'ws';
import { attachTarget, launchChromium, median, startPageServer, untilInPage } from './lib.mjs';

const rate = 1000;
const messages = 3000;
const rounds = 5;
const kinds = ['binding', 'hand-written', 'no UI'];
const root = fileURLToPath(new URL('..', import.meta.url));

// The page: React's production build, the built entries (dist/react.mjs and dist/index.mjs).
const pageSource = `
import { createElement as h, useEffect, useLayoutEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { ResilientWebSocket } from './dist/index.mjs';
import { connection, useConnection, useMessages } from './dist/react.mjs';

const bench = (window.bench = { commits: 0, frames: 0, client: undefined });
const options = { preflight: 'never' };

function Binding({ url }) {
  const feed = useConnection(url, options);
  const last = useMessages(feed, (_, message) => message.data, '');
  useLayoutEffect(() => void bench.commits++);
  return h('p', { id: 'last', 'data-state': feed.state }, last);
}

// What apps write by hand: the client in an effect, a setState per message.
function HandWritten({ url }) {
  const [state, setState] = useState('idle');
  const [last, setLast] = useState('');
  useEffect(() => {
    const client = new ResilientWebSocket(url, options);
    bench.client = client;
    client.on('state', setState);
    client.on('message', (message) => setLast(message.data));
    return () => client.close();
  }, [url]);
  useLayoutEffect(() => void bench.commits++);
  return h('p', { id: 'last', 'data-state': state }, last);
}

let root;
// The frame counter of the current round; a stopped one ends at its next frame.
let round = 0;
const counter = (own) => {
  const tick = () => {
    if (own !== round) return;
    bench.frames++;
    requestAnimationFrame(tick);
  };
  return tick;
};
bench.mount = (kind, url) => {
  const element = document.createElement('div');
  document.body.replaceChildren(element);
  bench.last = undefined;
  if (kind === 'no UI') {
    const client = new ResilientWebSocket(url, options);
    bench.client = client;
    client.on('message', (message) => {
      bench.last = message.data;
    });
    root = { unmount: () => client.close() };
    return;
  }
  root = createRoot(element);
  root.render(h(kind === 'binding' ? Binding : HandWritten, { url }));
  if (kind === 'binding') bench.client = undefined;
};
bench.clientOf = (kind, url) => (kind === 'binding' ? connection(url, options).client : bench.client);
bench.start = () => {
  bench.commits = 0;
  bench.frames = 0;
  requestAnimationFrame(counter(++round));
};
bench.stop = () => {
  round++;
};
bench.unmount = () => root?.unmount();
`;

async function bundle() {
  const result = await build({
    stdin: { contents: pageSource, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'iife',
    write: false,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return result.outputFiles[0].text;
}

// Sends `price 1` … `price <count>` at `rate` a second to whoever asks with "go <count>".
async function startFeed() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      const count = Number(String(data).split(' ')[1]);
      const started = performance.now();
      let sent = 0;
      const timer = setInterval(() => {
        const due = Math.min(count, Math.floor(((performance.now() - started) * rate) / 1000));
        while (sent < due) socket.send(`price ${++sent}`);
        if (sent === count) clearInterval(timer);
      }, 1);
    });
  });
  return { url: `ws://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

/**
 * Opens `url` in a page Playwright does not instrument (a target made through raw CDP: a
 * Playwright page reports every WebSocket frame to the driver, which costs the page's main thread
 * per message) and returns `evaluate(expression)` (awaited, by value) and `taskSeconds()`, the
 * renderer main thread's busy time so far, both through CDP messages to that target.
 */
async function openPage(browser, url) {
  const cdp = await browser.newBrowserCDPSession();
  const { browserContextId } = await cdp.send('Target.createBrowserContext');
  const { targetId } = await cdp.send('Target.createTarget', { url, browserContextId });
  return {
    ...(await attachTarget(cdp, targetId)),
    async close() {
      await cdp.send('Target.closeTarget', { targetId });
      await cdp.send('Target.disposeBrowserContext', { browserContextId });
      await cdp.detach();
    },
  };
}

// Waits in the page (bench/lib.mjs).
const until = (condition) => untilInPage(condition, { timeout: 60_000, every: 50 });

/** Runs the comparison; see the file comment. */
export async function run() {
  const feed = await startFeed();
  const code = await bundle();
  const html = `<!doctype html><meta charset="utf-8"><title>feed</title><script>${code.replaceAll('</script', '<\\/script')}</script>`;
  const pages = await startPageServer({ '/': html }, '');
  const browser = await launchChromium();
  const results = Object.fromEntries(kinds.map((kind) => [kind, []]));
  try {
    const page = await openPage(browser, `${pages.origin}/`);
    await page.evaluate(until('window.bench'));
    const args = (kind) => `${JSON.stringify(kind)}, ${JSON.stringify(feed.url)}`;
    // One unmeasured round of each kind, then the measured ones, the order rotating every round.
    for (let round = -1; round < rounds; round++) {
      const order = kinds.map((_, index) => kinds[(index + Math.max(round, 0)) % kinds.length]);
      for (const kind of order) {
        await page.evaluate(`window.bench.mount(${args(kind)})`);
        await page.evaluate(until(`window.bench.clientOf(${args(kind)})?.state === 'open'`));
        await page.evaluate('window.bench.start()');
        const before = await page.taskSeconds();
        const started = performance.now();
        await page.evaluate(`void window.bench.clientOf(${args(kind)}).send('go ${messages}')`);
        const shown = kind === 'no UI' ? 'window.bench.last' : "document.querySelector('#last')?.textContent";
        await page.evaluate(until(`${shown} === 'price ${messages}'`));
        const seconds = (performance.now() - started) / 1000;
        const task = (await page.taskSeconds()) - before;
        const { commits, frames } = await page.evaluate(
          '(window.bench.stop(), { commits: window.bench.commits, frames: window.bench.frames })',
        );
        await page.evaluate('window.bench.unmount()');
        if (round >= 0) results[kind].push({ seconds, task, commits, frames });
      }
    }
    await page.close();
  } finally {
    await browser.close();
    await pages.close();
    await feed.close();
  }
  const summary = (kind) => {
    const list = results[kind];
    return {
      renders: median(list.map(({ commits, seconds }) => commits / seconds)),
      frames: median(list.map(({ frames, seconds }) => frames / seconds)),
      perMessage: median(list.map(({ task }) => (task * 1e6) / messages)),
    };
  };
  const [binding, manual, bare] = kinds.map(summary);
  const rendersRow = (name, { renders, frames }, goal, pass) => ({
    measured: `${name}: renders per second (frames per second)`,
    figure: `${renders.toFixed(0)} (${frames.toFixed(0)})`,
    goal,
    pass,
  });
  const timeRow = (name, { perMessage }, goal, pass) => ({
    measured: `${name}: main-thread time per message`,
    figure: `${perMessage.toFixed(1)} µs`,
    goal,
    pass,
  });
  return {
    title: `React under a feed of ${rate.toLocaleString('en-US')} messages a second (Chromium)`,
    rows: [
      rendersRow('resilient-ws/react', binding, '≤ 1 per frame', binding.renders <= binding.frames * 1.02),
      rendersRow('hand-written useState + useEffect', manual, '', null),
      timeRow('resilient-ws/react', binding, '< hand-written', binding.perMessage < manual.perMessage),
      timeRow('hand-written useState + useEffect', manual, '', null),
      timeRow('the client alone, no UI', bare, '', null),
    ],
    notes: [
      `${messages.toLocaleString('en-US')} messages (\`price 1\` … \`price ${messages}\`) at ${rate} a second per round, ` +
        `${rounds} measured rounds of each kind after one unmeasured round, the order rotating every round; medians.`,
      'In a page Playwright does not instrument (a target made through raw CDP; see browser-receive), driven by CDP ' +
        'Runtime.evaluate. Renders are commits, counted in a layout effect; frames are requestAnimationFrame callbacks ' +
        'over the same time. ' +
        "Main-thread time is the renderer's TaskDuration (CDP Performance.getMetrics) over the round, divided by the " +
        'messages: receiving, the client, React and the page painting, everything the main thread did.',
      'Both React pages show the last price and the state; React production build, the built dist/react.mjs and ' +
        'dist/index.mjs, bundled by esbuild. `node bench/run.mjs react-feed` (after `npm run build`).',
      ...kinds.map(
        (kind) =>
          `${kind}, each round (s, renders, frames, task s): ${results[kind]
            .map(
              ({ seconds, commits, frames, task }) => `${seconds.toFixed(2)}/${commits}/${frames}/${task.toFixed(3)}`,
            )
            .join(', ')}.`,
      ),
    ],
  };
}
