// Shared helpers of the benchmarks: statistics and formatting, a killable `ws` backend on
// 127.0.0.1, waiting for SDK events with a deadline, and launching Debian's Chromium and Firefox.

import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

/** Resolves after `ms` milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Milliseconds as seconds with two decimals: 1234.5 → "1.23 s". */
export const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** An integer with thousands separators: 4812 → "4,812". */
export const integer = (value) => Math.round(value).toLocaleString('en-US');

/** A list of durations in ms as seconds: "1.02, 0.37, …". */
export const secondsList = (values) => values.map((ms) => (ms / 1000).toFixed(2)).join(', ');

/**
 * Resolves with the arguments of the next `event` of an event emitter (an SDK client) that
 * `accept` lets through; rejects after `timeout` ms so a benchmark can never hang.
 */
export function nextEvent(emitter, event, { timeout = 30_000, accept = () => true } = {}) {
  return new Promise((resolve, reject) => {
    const listener = (...args) => {
      if (!accept(...args)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no '${event}' event within ${timeout} ms`));
    }, timeout);
    emitter.on(event, listener);
  });
}

/**
 * Starts a `ws` backend on 127.0.0.1 (on `port`, or a free one) at path /ws. Plain GETs get
 * 426 with `Access-Control-Allow-Origin: *`, so a browser's preflight from another origin can
 * read the answer. `onConnection(socket)` handles each accepted socket. The backend can be
 * killed (every connection destroyed, listener closed) and restarted on the same port; upgrade
 * and GET requests are recorded with their `performance.now()` time, across restarts.
 */
export async function startBackend({ port = 0, onConnection = () => {} } = {}) {
  let server;
  let wss;
  const backend = {
    port,
    url: '',
    /** `performance.now()` of every upgrade request. */
    upgrades: [],
    /** `performance.now()` of every plain HTTP request (preflights). */
    gets: [],
    get running() {
      return server !== undefined;
    },
    async kill() {
      if (!server) return;
      const closing = server;
      server = undefined;
      for (const socket of wss.clients) socket.terminate();
      wss.close();
      closing.closeAllConnections();
      await new Promise((resolve) => closing.close(resolve));
    },
    async restart() {
      const created = createServer((_request, response) => {
        backend.gets.push(performance.now());
        response.writeHead(426, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain' });
        response.end('Upgrade Required');
      });
      created.on('upgrade', () => backend.upgrades.push(performance.now()));
      wss = new WebSocketServer({ server: created, path: '/ws' });
      wss.on('connection', (socket) => onConnection(socket));
      await new Promise((resolve, reject) => {
        created.once('error', reject);
        created.listen(backend.port, '127.0.0.1', resolve);
      });
      backend.port = created.address().port;
      backend.url = `ws://127.0.0.1:${backend.port}/ws`;
      server = created;
    },
  };
  await backend.restart();
  return backend;
}

// The same browsers and flags as the browser tests.
const engines = JSON.parse(readFileSync(new URL('../test/browser/engines.json', import.meta.url), 'utf8'));

/** Chromium's path on this machine (Debian's package). */
export const chromiumPath = engines.chromium.executablePath;

/** Launches Debian's Chromium through playwright-core, headless, with the flags that work here. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch(engines.chromium);
}

/** The browsers the in-browser benchmarks compare, side by side: Chromium and Firefox, through playwright-core. */
export const benchBrowsers = [
  { name: 'Chromium', path: chromiumPath, launch: launchChromium },
  {
    name: 'Firefox',
    path: engines.firefox.executablePath,
    launch: async () => (await import('playwright-core')).firefox.launch(engines.firefox),
  },
];

/** The benchmark browsers installed here; throws when there is none. */
export function installedBrowsers() {
  const installed = benchBrowsers.filter((browser) => existsSync(browser.path));
  if (!installed.length) throw new Error(`no browser installed: ${benchBrowsers.map((b) => b.path).join(', ')}`);
  return installed;
}

/**
 * Result rows that compare browsers: `measure(index)` gives each row's figure and pass for the
 * browser at `index` of `names`. Each row keeps the figures side by side (`figures`) and, for
 * summaries, in one string; it passes only where every browser passed.
 */
export function sideBySide(names, perBrowser) {
  return perBrowser[0].map((row, index) => {
    const cells = perBrowser.map((rows) => rows[index]);
    const passes = cells.map((cell) => cell.pass);
    return {
      measured: row.measured,
      figures: cells.map((cell) => cell.figure),
      figure: cells.map((cell, browser) => `${names[browser]} ${cell.figure}`).join(' · '),
      goal: row.goal,
      pass: passes.includes(false) ? false : passes.includes(true) ? true : null,
    };
  });
}

/**
 * Opens `url` in a page that Playwright does not instrument: a browser context and target made
 * through raw CDP, which Playwright detaches from because it did not create the context. A
 * Playwright page reports every WebSocket frame to the driver over CDP (Network domain), which
 * costs the page and the driver CPU per message. Such a page reports back by HTTP (see
 * startPageServer's `nextPost`). Resolves with a `close()`.
 */
export async function openUninstrumentedPage(browser, url) {
  const cdp = await browser.newBrowserCDPSession();
  const { browserContextId } = await cdp.send('Target.createBrowserContext');
  const { targetId } = await cdp.send('Target.createTarget', { url, browserContextId });
  return {
    async close() {
      await cdp.send('Target.closeTarget', { targetId });
      await cdp.send('Target.disposeBrowserContext', { browserContextId });
      await cdp.detach();
    },
  };
}

// Per browser CDP session: the handler of each target attached through it, by session id.
const targetRoutes = new WeakMap();

/**
 * Attaches to the target `targetId` through `cdp` (a browser CDP session) and returns, all through
 * CDP messages to that target: `evaluate(expression)` (awaited, by value) and `taskSeconds()`, the
 * renderer main thread's busy time so far. A call that gets no answer (its target gone) fails after
 * 60 s instead of holding the run.
 */
export async function attachTarget(cdp, targetId) {
  let routes = targetRoutes.get(cdp);
  if (!routes) {
    const created = new Map();
    targetRoutes.set(cdp, created);
    cdp.on('Target.receivedMessageFromTarget', ({ sessionId, message }) =>
      created.get(sessionId)?.(JSON.parse(message)),
    );
    routes = created;
  }
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: false });
  const waiting = new Map();
  let next = 0;
  routes.set(sessionId, ({ id, result, error }) => {
    const settle = waiting.get(id);
    waiting.delete(id);
    settle?.(error, result);
  });
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`no answer to ${method} within 60 s`));
      }, 60_000);
      waiting.set(id, (error, result) => {
        clearTimeout(timer);
        if (error) reject(new Error(error.message));
        else resolve(result);
      });
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
    });
  await call('Performance.enable');
  return {
    async evaluate(expression) {
      const { result, exceptionDetails } = await call('Runtime.evaluate', {
        expression,
        awaitPromise: true,
        returnByValue: true,
      });
      if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
      return result.value;
    },
    taskSeconds: async () =>
      (await call('Performance.getMetrics')).metrics.find((metric) => metric.name === 'TaskDuration').value,
  };
}

/**
 * An expression (for a page's `evaluate`) that resolves once `condition`, another expression,
 * holds, checked in the page every `every` ms; it rejects after `timeout` ms.
 */
export const untilInPage = (condition, { timeout = 30_000, every = 20 } = {}) => `new Promise((resolve, reject) => {
  const deadline = Date.now() + ${timeout};
  const check = () => (${condition}) ? resolve(true) : Date.now() > deadline ? reject(new Error('timed out: ' + ${JSON.stringify(condition)})) : setTimeout(check, ${every});
  check();
})`;

/**
 * Serves `pages` (path → HTML) and the built UMD bundle at /dist/resilient-ws.umd.min.js from a
 * Node http server on 127.0.0.1. A page can POST to any other path; `nextPost(path)` resolves
 * with the next body posted there.
 */
export async function startPageServer(pages, umdSource) {
  const posted = new Map();
  const waiting = new Map();
  const server = createServer((request, response) => {
    const path = new URL(request.url, 'http://127.0.0.1').pathname;
    if (request.method === 'POST') {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        response.writeHead(204).end();
        const resolve = waiting.get(path);
        if (resolve) {
          waiting.delete(path);
          resolve(body);
        } else posted.set(path, body);
      });
    } else if (path === '/dist/resilient-ws.umd.min.js') {
      response.writeHead(200, { 'Content-Type': 'text/javascript' });
      response.end(umdSource);
    } else if (pages[path]) {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(pages[path]);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    nextPost(path, timeout = 120_000) {
      if (posted.has(path)) {
        const body = posted.get(path);
        posted.delete(path);
        return Promise.resolve(body);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing posted to ${path} within ${timeout} ms`)), timeout);
        waiting.set(path, (body) => {
          clearTimeout(timer);
          resolve(body);
        });
      });
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
