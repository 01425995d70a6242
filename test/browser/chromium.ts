// Real-browser suites: Debian's Chromium driven by playwright-core (no browser download), one
// browser and one demo server per test file, a fresh context and page per test, and a screenshot
// of the page in test-results/screenshots/ when a test fails.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { type Demo, startDemo } from '../../examples/server/demo.mjs';

// Debian's Chromium and the flags that work on these machines; bench/ launches it the same way.
const launch: { executablePath: string; args: string[] } = JSON.parse(
  readFileSync(path.join(__dirname, 'chromium.json'), 'utf8'),
);
export const chromiumPath = launch.executablePath;

const screenshotDir = path.resolve('test-results', 'screenshots');

/** Whether the browser suites can run here. Without Chromium they are skipped, except in CI. */
export const chromiumAvailable = existsSync(chromiumPath);

if (!chromiumAvailable) {
  if (process.env.CI) {
    throw new Error(`Chromium not found at ${chromiumPath}: the browser tests need it; apt-get install -y chromium`);
  }
  // One line per run, not per test file: each file runs in its own worker process, so the
  // first one to create a marker named after the vitest process (the workers' parent) says it.
  if (firstInRun('browser-skip')) {
    console.warn(`browser tests skipped: Chromium not found at ${chromiumPath} (apt-get install -y chromium)`);
  }
}

/** Whether this is the first call with `name` in this vitest run, across its worker processes. */
function firstInRun(name: string): boolean {
  let parentStart = '';
  try {
    // Field 22 of /proc/<pid>/stat, the start time, tells a reused pid from the old one.
    parentStart = readFileSync(`/proc/${process.ppid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
  } catch {}
  const marker = path.join(os.tmpdir(), `resilient-ws-${name}-${process.ppid}-${parentStart}`);
  try {
    writeFileSync(marker, '', { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

/** Launches the system Chromium, headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch(launch);
}

/** What a browser suite's tests use. Filled in by the suite's hooks; read it inside tests only. */
export interface BrowserTest {
  browser: Browser;
  demo: Demo;
  /** This test's context and page, closed after it. */
  context: BrowserContext;
  page: Page;
  /** This test's page console output and uncaught errors, printed when the test fails. */
  console: string[];
}

/** A file name for a test's screenshot: its name, with anything unsafe in a path replaced. */
export function screenshotName(testName: string): string {
  return `${testName.replace(/[^\w.,=+@() -]+/g, '_').slice(0, 180)}.png`;
}

/**
 * `describe` for tests in Chromium: launches the browser and the demo server before the suite
 * and closes both after it; before each test, resets the demo and opens a fresh context and page.
 * Skipped when Chromium is missing (outside CI).
 */
export function describeInChromium(name: string, body: (t: BrowserTest) => void): void {
  describe.skipIf(!chromiumAvailable)(name, () => {
    const t = { console: [] as string[] } as BrowserTest;

    beforeAll(async () => {
      [t.browser, t.demo] = await Promise.all([launchChromium(), startDemo({ port: 0 })]);
    });

    afterAll(async () => {
      await t.browser?.close();
      await t.demo?.close();
    });

    beforeEach(async () => {
      await t.demo.control.reset();
      t.console = [];
      t.context = await t.browser.newContext();
      t.page = await t.context.newPage();
      // Tests wait for seconds, not the default 30 s: a miss fails fast, with a screenshot.
      t.page.setDefaultTimeout(10_000);
      t.page.on('console', (message) => t.console.push(`[${message.type()}] ${message.text()}`));
      t.page.on('pageerror', (error) => t.console.push(`[pageerror] ${error.stack ?? error.message}`));
    });

    afterEach(async ({ task }) => {
      if (task.result?.state === 'fail' && t.page && !t.page.isClosed()) {
        await mkdir(screenshotDir, { recursive: true });
        const file = path.join(screenshotDir, screenshotName(task.name));
        await t.page.screenshot({ path: file, fullPage: true }).then(
          () => console.error(`screenshot: ${path.relative(process.cwd(), file)}`),
          (error) => console.error(`no screenshot: ${error}`),
        );
        if (t.console.length) console.error(`page console of "${task.name}":\n  ${t.console.join('\n  ')}`);
      }
      await t.context?.close();
    });

    body(t);
  });
}
