// The page side of the browser tests: demo pages with the SDK loaded from the built bundles, and
// a recorder of each client's events that tests poll with page.waitForFunction.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Outcome, ResilientWebSocket, ResolvedInfo, State } from '../../src';
import type { EnginePage as Page } from './engines';
import type { BrowserTest } from './suite';

/** What the page recorded about one client. Times are the page's Date.now(). */
export interface Trace {
  states: { state: State; at: number }[];
  messages: string[];
  resolved: ResolvedInfo[];
  reconnecting: { attempt: number; delay: number; reason: Outcome; at: number }[];
  failed: { name: string; status?: number; message: string }[];
  closes: { code: number; at: number }[];
}

declare global {
  interface Window {
    /** The SDK as the page loaded it: the UMD global, or the ESM build's exports. */
    ResilientWS: typeof import('../../src');
    clients: Record<string, ResilientWebSocket>;
    traces: Record<string, Trace>;
    /** Records `client`'s events in `traces[name]` and keeps it in `clients[name]`. */
    watch(name: string, client: ResilientWebSocket): ResilientWebSocket;
  }
}

// Runs in the page.
function installRecorder(): void {
  window.clients = {};
  window.traces = {};
  window.watch = (name, client) => {
    const trace: Trace = { states: [], messages: [], resolved: [], reconnecting: [], failed: [], closes: [] };
    window.clients[name] = client;
    window.traces[name] = trace;
    client.on('state', (state) => trace.states.push({ state, at: Date.now() }));
    client.on('message', (event) => trace.messages.push(String(event.data)));
    client.on('resolved', (info) => trace.resolved.push(info));
    client.on('reconnecting', ({ attempt, delay, reason }) =>
      trace.reconnecting.push({ attempt, delay, reason: JSON.parse(JSON.stringify(reason)), at: Date.now() }),
    );
    client.on('failed', (error) =>
      trace.failed.push({ name: error.name, status: error.status, message: error.message }),
    );
    client.on('close', (event) => trace.closes.push({ code: event.code, at: Date.now() }));
    return client;
  };
}

const require = createRequire(import.meta.url);

/**
 * Opens the demo's own start page and loads the SDK into it: the UMD bundle by a script tag, or
 * the ESM build by a module script, with an import map for its one bare import ('eventemitter3'),
 * mapped to the package's browser ESM file as a data: URL (the demo server does not serve
 * node_modules, and WebDriver classic cannot intercept requests). The page must come from the
 * demo server itself: Chromium's Local Network Access checks block WebSockets and fetches to the
 * loopback backends from a document that the test made up.
 */
export async function openDemoPage(t: BrowserTest, build: 'umd' | 'esm' = 'umd'): Promise<Page> {
  return loadSdk(t.page, t, build);
}

/**
 * Loads the SDK into `page` as {@link openDemoPage} does; with the ESM build, `entries` (such as
 * `['tabs', 'delivery']`) are loaded too and their exports join `window.ResilientWS`.
 */
export async function loadSdk(
  page: Page,
  { demo }: Pick<BrowserTest, 'demo'>,
  build: 'umd' | 'esm' = 'umd',
  entries: string[] = [],
): Promise<Page> {
  await page.goto(`${demo.url}/`);
  if (build === 'umd') {
    await addScript(page, { src: '/dist/resilient-ws.umd.min.js' });
  } else {
    // The package's exports map hides dist/, so find it from its package.json.
    const file = path.join(path.dirname(require.resolve('eventemitter3/package.json')), 'dist/eventemitter3.esm.js');
    const eventemitter = `data:text/javascript;base64,${(await readFile(file)).toString('base64')}`;
    await addScript(page, { type: 'importmap', text: JSON.stringify({ imports: { eventemitter3: eventemitter } }) });
    await addScript(page, {
      type: 'module',
      text: [
        "import * as sdk from '/dist/index.mjs';",
        ...entries.map((entry, i) => `import * as entry${i} from '/dist/${entry}.mjs';`),
        // Without entries, the module namespace itself (the bundles test checks it is one).
        entries.length === 0
          ? 'window.ResilientWS = sdk;'
          : `window.ResilientWS = { ...sdk${entries.map((_, i) => `, ...entry${i}`).join('')} };`,
      ].join('\n'),
    });
    await page.waitForFunction(() => window.ResilientWS !== undefined, undefined, 5000);
  }
  await page.evaluate(installRecorder);
  return page;
}

/** Adds a script element to the page; resolves when a script with `src` has loaded. */
function addScript(page: Page, script: { src?: string; type?: string; text?: string }): Promise<void> {
  return page.evaluate(
    ({ src, type, text }) =>
      new Promise<void>((resolve, reject) => {
        const element = document.createElement('script');
        if (type) element.type = type;
        if (text) element.text = text;
        if (src) {
          element.src = src;
          element.onload = () => resolve();
          element.onerror = () => reject(new Error(`could not load ${src}`));
        }
        document.head.append(element);
        if (!src) resolve();
      }),
    script,
  );
}

/** The trace of client `name`. */
export function trace(page: Page, name = 'main'): Promise<Trace> {
  return page.evaluate((name) => window.traces[name], name);
}

/** Waits until client `name` is in `state`. */
export async function waitForState(page: Page, state: State, name = 'main', timeout = 10_000): Promise<void> {
  await page.waitForFunction(([name, state]) => window.clients[name].state === state, [name, state] as const, timeout);
}

/** Waits until client `name` has received a message equal to `text`. */
export async function waitForMessage(page: Page, text: string, name = 'main', timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    ([name, text]) => window.traces[name].messages.includes(text),
    [name, text] as const,
    timeout,
  );
}

/** The page's clock; the same machine as the test, so comparable with Date.now() here. */
export function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => Date.now());
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Resolves once a timer of `ms` set in the page now has run. A page runs its timers in the order
 * they fall due, and one set earlier with a delay no longer than `ms` before this one however late
 * they all run: a check after this sees whatever the page's clients had scheduled within `ms`,
 * on a loaded machine as on an idle one.
 */
export function afterPageTimer(page: Page, ms: number): Promise<void> {
  return page.evaluate((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)), ms);
}

/** Resolves when `predicate` holds (checked here, in Node), every 10 ms; rejects after `timeout` ms. */
export async function until(predicate: () => boolean, timeout = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeout) throw new Error(`${what} not met within ${timeout} ms`);
    await sleep(10);
  }
}
