// Real-browser suites: every suite runs once per engine (Chromium, Firefox, WebKit), with one
// browser and one demo server per engine and test file, a fresh page per test, and a screenshot
// of the page in test-results/screenshots/ when a test fails.

import { readFileSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it, type TestFunction } from 'vitest';
import { type Demo, startDemo } from '../../examples/server/demo.mjs';
import { type Engine, type EngineBrowser, type EnginePage, engines, type Feature } from './engines';

const screenshotDir = path.resolve('test-results', 'screenshots');

/** The engines to run: all, or those named in BROWSERS (e.g. `BROWSERS=firefox,webkit`). */
const selected = engines.filter(
  (engine) => !process.env.BROWSERS || process.env.BROWSERS.split(',').includes(engine.name),
);

for (const engine of selected) {
  if (engine.available) continue;
  // In CI every engine must run: a missing one fails the run instead of passing quietly.
  if (process.env.CI) throw new Error(`${engine.title} not found: the browser tests need ${engine.requires}`);
  // One line per engine and run, not per test file: each file runs in its own worker process,
  // so the first one to create a marker named after the vitest process (the workers' parent) says it.
  if (firstInRun(`skip-${engine.name}`)) {
    console.warn(`browser tests in ${engine.title} skipped: it needs ${engine.requires}`);
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

/** What a browser suite's tests use. Filled in by the suite's hooks; read it inside tests only. */
export interface BrowserTest {
  /** Known when the suite is collected, so tests can branch on engine differences. */
  engine: Engine;
  browser: EngineBrowser;
  demo: Demo;
  /** This test's page, closed after it. */
  page: EnginePage;
}

// What a driver says when the browser's page process crashed or hung (WebKitWebDriver): not the
// test's doing. Such a test runs once more, in a new browser, and says so in the log; a second
// loss fails it.
const lostBrowser = /session deleted because of page crash or hang/;
const browserLost = { count: 1, condition: lostBrowser };
const lostLog = path.join('test-results', 'browser-lost.txt');

/** A file name for a test's screenshot: its name, with anything unsafe in a path replaced. */
export function screenshotName(testName: string): string {
  return `${testName.replace(/[^\w.,=+@() -]+/g, '_').slice(0, 180)}.png`;
}

/**
 * `describe`, once per engine (named "<name> in <engine>"): launches the browser and the demo
 * server before the suite and closes both after it; before each test, resets the demo and opens a
 * fresh page. An engine that is not installed is skipped (outside CI).
 */
export function describeInEngines(name: string, body: (t: BrowserTest) => void): void {
  for (const engine of selected) {
    describe.skipIf(!engine.available)(`${name} in ${engine.title}`, { retry: browserLost }, () => {
      const t = { engine } as BrowserTest;

      beforeAll(async () => {
        [t.browser, t.demo] = await Promise.all([engine.launch(), startDemo({ port: 0 })]);
      });

      afterAll(async () => {
        await t.browser?.close();
        await t.demo?.close();
      });

      beforeEach(async () => {
        await t.demo.control.reset();
        t.page = await t.browser.newPage();
      });

      afterEach(async ({ task }) => {
        if (task.result?.state === 'fail' && t.page) {
          await mkdir(screenshotDir, { recursive: true });
          const file = path.join(screenshotDir, screenshotName(`${task.name} in ${engine.title}`));
          await t.page.screenshot(file).then(
            () => console.error(`screenshot: ${path.relative(process.cwd(), file)}`),
            (error) => console.error(`no screenshot: ${error}`),
          );
          const log = await t.page.console().catch(() => []);
          if (log.length) console.error(`page console of "${task.name}":\n  ${log.join('\n  ')}`);
        }
        if (task.result?.state === 'fail' && task.result.errors?.some((error) => lostBrowser.test(error.message))) {
          // The browser's own process died (or its driver gave up on it): say what it wrote, and
          // give the retry and the tests after it a new browser.
          console.error(
            `${engine.title} lost the page in "${task.name}"; its stderr:\n${t.browser.log?.() ?? '(not kept)'}`,
          );
          // CI's summary lists these, so a test that passed at its second run is never unseen.
          await mkdir('test-results', { recursive: true });
          await appendFile(lostLog, `${task.name} in ${engine.title}\n`);
          await t.browser.close().catch(() => {});
          t.browser = await engine.launch();
          return;
        }
        await t.page?.close();
      });

      body(t);
    });
  }
}

/**
 * `it`, for a test that needs `feature`: skipped in an engine that lacks it, and there the test's
 * name says why.
 */
export function itWith(t: BrowserTest, feature: Feature, name: string, fn: TestFunction): void {
  const missing = t.engine.lacks[feature];
  if (missing) it.skip(`${name} (not in ${t.engine.title}: ${missing})`, fn);
  else it(name, fn);
}
