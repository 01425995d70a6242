// The three browser engines the real-browser tests run in, behind the few page operations the
// tests use: Chromium and Firefox through playwright-core, WebKit through WebDriver classic.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type BrowserContext, chromium, firefox, type Page } from 'playwright-core';
import { startDriver, WebDriverSession } from './webdriver';

export type EngineName = 'chromium' | 'firefox' | 'webkit';

/** Something a test needs that an engine's driver may not offer. */
export type Feature = 'offline' | 'backForwardCache' | 'devtools';

/** A page, as the tests drive it. Functions passed to `evaluate` and `waitForFunction` run in the page. */
export interface EnginePage {
  goto(url: string): Promise<void>;
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /** Resolves once `fn(arg)` is truthy in the page; rejects after `timeout` ms. */
  waitForFunction<A = undefined>(fn: (arg: A) => unknown, arg?: A, timeout?: number): Promise<void>;
  /** Clicks the first element `selector` matches, as a user would. */
  click(selector: string): Promise<void>;
  /** Replaces the text of the input `selector` matches, by typing. */
  fill(selector: string, text: string): Promise<void>;
  /** The browser's Back button. */
  back(): Promise<void>;
  screenshot(file: string): Promise<void>;
  /** Emulates losing and regaining the network; undefined where the engine's driver cannot. */
  setOffline?: (offline: boolean) => Promise<void>;
  /** What the page logged and threw, for a failing test's report. */
  console(): Promise<string[]>;
  close(): Promise<void>;
  /** A DevTools Protocol command on this page (Chromium only: crash, freeze). */
  cdp?: (method: string, params?: Record<string, unknown>) => Promise<unknown>;
}

/** Pages of one browser profile, as tabs: they share Web Locks, BroadcastChannel and storage. */
export interface EngineTabs {
  pages: EnginePage[];
  /** Closes every tab still open. */
  close(): Promise<void>;
}

/** A launched browser. */
export interface EngineBrowser {
  version: string;
  /** A fresh page, in a fresh context where the engine has them. */
  newPage(): Promise<EnginePage>;
  /**
   * `count` pages of one fresh profile: pages of one context (Chromium, Firefox), windows of the
   * one WebDriver session (WebKit). Closing one closes that tab.
   */
  newTabs(count: number): Promise<EngineTabs>;
  /** What the browser wrote to stderr lately, where the driver keeps it (WebKit). */
  log?(): string;
  close(): Promise<void>;
}

export interface Engine {
  name: EngineName;
  /** Chromium, Firefox, WebKit. */
  title: string;
  /** What must be installed, and how. */
  requires: string;
  available: boolean;
  /** Why a feature cannot be tested in this engine, for each one it lacks. */
  lacks: Partial<Record<Feature, string>>;
  /**
   * Whether its native WebSocket follows a 3xx on the handshake (WebKit) rather than failing it
   * with 1006 (Chromium, Firefox, and the WHATWG spec).
   */
  followsHandshakeRedirects: boolean;
  /**
   * Whether its offline emulation silences open sockets (Chromium), or leaves an open socket
   * working (Firefox).
   */
  offlineStopsOpenSockets: boolean;
  launch(): Promise<EngineBrowser>;
}

/** Debian's browsers and how each is started; bench/ reads the same file. */
export const engineConfig = JSON.parse(readFileSync(path.join(__dirname, 'engines.json'), 'utf8')) as {
  chromium: { executablePath: string; args: string[] };
  firefox: { executablePath: string; channel: string };
  webkit: { driver: string; binary: string; args: string[] };
};

/** The display WebKitGTK needs: an X server, or xvfb-run to start one. */
const display = !!process.env.DISPLAY || ['/usr/bin/xvfb-run', '/bin/xvfb-run'].some((file) => existsSync(file));

/** Every engine, in the order the suites run in. */
export const engines: Engine[] = [
  {
    name: 'chromium',
    title: 'Chromium',
    requires: `Chromium at ${engineConfig.chromium.executablePath} (apt-get install -y chromium)`,
    available: existsSync(engineConfig.chromium.executablePath),
    lacks: {
      // Playwright starts Chromium with the back/forward cache disabled.
      backForwardCache: 'Playwright launches it with the back/forward cache off',
    },
    followsHandshakeRedirects: false,
    offlineStopsOpenSockets: true,
    launch: async () => playwrightBrowser(await chromium.launch(engineConfig.chromium), true),
  },
  {
    name: 'firefox',
    title: 'Firefox',
    requires: `Firefox ESR at ${engineConfig.firefox.executablePath} (apt-get install -y firefox-esr)`,
    available: existsSync(engineConfig.firefox.executablePath),
    lacks: {
      // Measured: after a navigation and Back, the page is loaded afresh.
      backForwardCache: 'Playwright-driven Firefox loads the page afresh on Back',
      devtools: 'Playwright drives Firefox without the DevTools Protocol (no crash or freeze command)',
    },
    followsHandshakeRedirects: false,
    offlineStopsOpenSockets: false,
    launch: async () => playwrightBrowser(await firefox.launch(engineConfig.firefox)),
  },
  {
    name: 'webkit',
    title: 'WebKit',
    requires: `WebKitWebDriver, MiniBrowser and Xvfb (apt-get install -y webkit2gtk-driver xvfb)`,
    available: existsSync(engineConfig.webkit.driver) && existsSync(engineConfig.webkit.binary) && display,
    lacks: {
      offline: 'WebDriver classic has no network emulation',
      devtools: 'WebDriver classic has no crash or freeze command',
    },
    followsHandshakeRedirects: true,
    // Not known: there is no offline emulation to try it with.
    offlineStopsOpenSockets: false,
    launch: launchWebKit,
  },
];

type PlaywrightBrowser = Awaited<ReturnType<typeof chromium.launch>>;

function playwrightBrowser(browser: PlaywrightBrowser, cdp = false): EngineBrowser {
  return {
    version: browser.version(),
    newPage: async () => {
      const context = await browser.newContext();
      return playwrightPage(context, await context.newPage());
    },
    newTabs: async (count) => {
      const context = await browser.newContext();
      const pages: EnginePage[] = [];
      for (let i = 0; i < count; i++) {
        const page = await context.newPage();
        const tab = playwrightPage(context, page);
        tab.close = () => page.close();
        if (cdp) {
          const session = await context.newCDPSession(page);
          tab.cdp = (method, params) => session.send(method as never, params as never);
        }
        pages.push(tab);
      }
      return { pages, close: () => context.close() };
    },
    close: () => browser.close(),
  };
}

function playwrightPage(context: BrowserContext, page: Page): EnginePage {
  const log: string[] = [];
  page.on('console', (message) => log.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => log.push(`[pageerror] ${error.stack ?? error.message}`));
  // Tests wait for seconds, not the default 30 s: a miss fails fast, with a screenshot.
  page.setDefaultTimeout(10_000);
  // Playwright's signatures also take element handles; the tests pass plain values only.
  const loose = page as unknown as {
    evaluate(fn: unknown, arg: unknown): Promise<never>;
    waitForFunction(fn: unknown, arg: unknown, options: { timeout: number }): Promise<unknown>;
  };
  return {
    goto: async (url) => void (await page.goto(url)),
    evaluate: (fn, arg) => loose.evaluate(fn, arg),
    waitForFunction: async (fn, arg, timeout = 10_000) => void (await loose.waitForFunction(fn, arg, { timeout })),
    click: (selector) => page.locator(selector).click(),
    fill: (selector, text) => page.locator(selector).fill(text),
    back: async () => void (await page.goBack()),
    screenshot: async (file) => void (await page.screenshot({ path: file, fullPage: true })),
    setOffline: (on) => context.setOffline(on),
    console: async () => log,
    close: () => context.close(),
  };
}

/** WebKitGTK's MiniBrowser under WebKitWebDriver: one session, one window per page. */
async function launchWebKit(): Promise<EngineBrowser> {
  const { driver, binary, args } = engineConfig.webkit;
  const server = await startDriver(driver);
  let session: WebDriverSession;
  try {
    session = await WebDriverSession.create(server.url, { 'webkitgtk:browserOptions': { binary, args } });
    await session.command('POST', '/timeouts', { script: 120_000, pageLoad: 20_000, implicit: 0 });
  } catch (error) {
    await server.stop();
    throw error;
  }
  // The last window cannot be closed without ending the session: a new page's window is opened
  // first, then the previous one is closed.
  let previous: string | undefined = (await session.command('GET', '/window')) as string;
  // The window commands go to (the tabs switch between theirs).
  let current: string | undefined = previous;
  return {
    version: String(session.capabilities.browserVersion),
    log: server.log,
    newPage: async () => {
      const { handle } = (await session.command('POST', '/window/new', { type: 'tab' })) as { handle: string };
      if (previous) {
        await session.command('POST', '/window', { handle: previous });
        await session.command('DELETE', '/window');
      }
      await session.command('POST', '/window', { handle });
      previous = handle;
      current = handle;
      return webKitPage(session);
    },
    newTabs: async (count) => {
      const handles: string[] = [];
      for (let i = 0; i < count; i++)
        handles.push(((await session.command('POST', '/window/new', { type: 'tab' })) as { handle: string }).handle);
      const open = new Set(handles);
      // Every command goes to the current window: each tab's commands switch to it first, one at a time.
      let turn = Promise.resolve();
      const inWindow = <R>(handle: string, command: () => Promise<R>): Promise<R> => {
        const run = turn.then(async () => {
          if (current !== handle) await session.command('POST', '/window', { handle });
          current = handle;
          return command();
        });
        turn = run.then(
          () => {},
          () => {},
        );
        return run;
      };
      const closeTab = async (handle: string) => {
        if (!open.delete(handle)) return;
        await inWindow(handle, async () => {
          await session.command('DELETE', '/window');
          current = undefined;
        });
      };
      const pages = handles.map((handle) => {
        const page = webKitPage(session);
        const wrapped = Object.fromEntries(
          Object.entries(page).map(([name, op]) => [
            name,
            (...args: unknown[]) => inWindow(handle, () => (op as (...a: unknown[]) => Promise<unknown>)(...args)),
          ]),
        ) as unknown as EnginePage;
        wrapped.close = () => closeTab(handle);
        return wrapped;
      });
      return {
        pages,
        close: async () => {
          await Promise.all(handles.map(closeTab));
          // Back to the test's own page.
          await inWindow(previous as string, async () => {});
        },
      };
    },
    close: async () => {
      await session.delete().catch(() => {});
      await server.stop();
    },
  };
}

// Runs in the page: keeps what it logs and throws, as WebDriver classic does not report it.
function recordConsole(): void {
  const log: string[] = [];
  (window as unknown as { consoleLog: string[] }).consoleLog = log;
  for (const level of ['log', 'info', 'warn', 'error'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      log.push(`[${level}] ${args.map(String).join(' ')}`);
      original(...args);
    };
  }
  addEventListener('error', (event) => log.push(`[pageerror] ${event.message}`));
  addEventListener('unhandledrejection', (event) => log.push(`[pageerror] ${event.reason}`));
}

function webKitPage(session: WebDriverSession): EnginePage {
  const page: EnginePage = {
    goto: async (url) => {
      await session.command('POST', '/url', { url });
      await page.evaluate(recordConsole);
    },
    evaluate: async (fn, arg) => (await session.execute(fn.toString(), [arg])) as Awaited<ReturnType<typeof fn>>,
    waitForFunction: async (fn, arg, timeout = 10_000) => {
      // Polled in the page, as Playwright does, so a condition is seen within a frame of holding.
      const poll = `(arg, timeout) => new Promise((resolve, reject) => {
        const condition = (${fn.toString()});
        const deadline = Date.now() + timeout;
        const check = () => {
          try {
            if (condition(arg)) return resolve(true);
          } catch (error) {
            return reject(error);
          }
          if (Date.now() > deadline) return resolve(false);
          setTimeout(check, 16);
        };
        check();
      })`;
      if (!(await session.execute(poll, [arg, timeout]))) {
        throw new Error(`waitForFunction: not true within ${timeout} ms: ${fn.toString()}`);
      }
    },
    click: async (selector) =>
      void (await session.command('POST', `/element/${await session.element(selector)}/click`)),
    fill: async (selector, text) => {
      const element = await session.element(selector);
      await session.command('POST', `/element/${element}/clear`);
      await session.command('POST', `/element/${element}/value`, { text });
    },
    back: async () => void (await session.command('POST', '/back')),
    screenshot: async (file) => {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(file, Buffer.from((await session.command('GET', '/screenshot')) as string, 'base64'));
    },
    console: () => page.evaluate(() => (window as unknown as { consoleLog?: string[] }).consoleLog ?? []),
    // The window itself is closed when the next page opens; leaving it ends its sockets now.
    close: async () => void (await session.command('POST', '/url', { url: 'about:blank' })),
  };
  return page;
}
