// resilient-ws/react in real browsers, from the built entry: React's StrictMode opens one socket,
// a feed of 1,000 messages a second commits at most once per frame and shows the last message,
// and unmounting the last component closes the socket and leaves no timer.

import path from 'node:path';
import { build } from 'esbuild';
import { beforeAll, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { sleep, until } from './harness';
import type { ReactPage } from './react-page';
import { describeInEngines } from './suite';

const root = path.join(__dirname, '../..');
let bundle = '';

beforeAll(async () => {
  const result = await build({
    entryPoints: [path.join(__dirname, 'react-page.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    define: { 'process.env.NODE_ENV': '"development"' },
    plugins: [
      {
        name: 'built-bindings',
        setup(build) {
          build.onResolve({ filter: /src\/bindings\/react$/ }, () => ({ path: path.join(root, 'dist/react.mjs') }));
        },
      },
    ],
  });
  bundle = result.outputFiles[0]?.text ?? '';
});

/** A feed on 127.0.0.1: counts connections; `burst()` sends `price 1` … `price 1000`, one a ms. */
async function startFeed() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const sockets: WebSocket[] = [];
  server.on('connection', (socket) => sockets.push(socket));
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/`,
    sockets,
    open: () => sockets.filter((socket) => socket.readyState === socket.OPEN).length,
    burst: (count: number) =>
      new Promise<void>((resolve) => {
        let sent = 0;
        const timer = setInterval(() => {
          sockets[0]?.send(`price ${++sent}`);
          if (sent === count) {
            clearInterval(timer);
            resolve();
          }
        }, 1);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.terminate();
        server.close(() => resolve());
      }),
  };
}

describeInEngines('resilient-ws/react', (t) => {
  it('StrictMode opens one socket; 1,000 messages a second commit at most once per frame, showing the last; unmount closes', async () => {
    const feed = await startFeed();
    try {
      const { page, demo } = t;
      // A page from the demo's origin (Chromium's Local Network Access), with the bundle in it.
      await page.goto(`${demo.url}/`);
      await page.evaluate((code) => {
        const script = document.createElement('script');
        script.text = code;
        document.head.append(script);
      }, bundle);
      await page.evaluate((url) => window.reactPage.mount(url), feed.url);
      await page.waitForFunction(() => document.querySelector('#price')?.getAttribute('data-state') === 'open');
      expect(await page.evaluate(() => window.reactPage.sockets)).toBe(1);
      expect(feed.sockets).toHaveLength(1);
      // One client, kept through StrictMode's unmount and mount: none was closed.
      expect(await page.evaluate(() => window.reactPage.states)).toEqual(['connecting', 'open']);

      await page.evaluate(() => {
        window.reactPage.commits = 0;
        window.reactPage.frames = 0;
        window.reactPage.countFrames(true);
      });
      await feed.burst(1000);
      await page.waitForFunction(() => document.querySelector('#price')?.textContent === 'price 1000');
      const { commits, frames } = await page.evaluate(() => {
        window.reactPage.countFrames(false);
        const { commits, frames } = window.reactPage as ReactPage;
        return { commits, frames };
      });
      // A commit per frame that had news at most (the last one may land before its frame is counted).
      expect(commits).toBeGreaterThan(0);
      expect(commits).toBeLessThanOrEqual(frames + 1);
      expect(frames).toBeGreaterThan(10);

      await page.evaluate(() => window.reactPage.unmount());
      await until(() => feed.open() === 0, 5000, 'the socket closed');
      // Polled from here: waitForFunction's own polling sets timers in WebKit's page.
      let timers = -1;
      for (let tries = 0; tries < 100 && timers !== 0; tries++) {
        timers = await page.evaluate(() => window.reactPage.timers());
        if (timers) await sleep(50);
      }
      expect(timers, String(await page.evaluate(() => window.reactPage.pendingTimers()))).toBe(0);
      expect(await page.evaluate(() => window.reactPage.sockets)).toBe(1);
    } finally {
      await feed.close();
    }
  });
});
