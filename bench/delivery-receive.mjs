// The delivery feature's cost on the receive path: ns per message of its `message` hook plus an
// app handler, against the bare handler, for stream frames and plain messages, in Node and (with
// --browsers) in Chromium and Firefox with real MessageEvents; and the ratio that cost implies
// against the native browser time per message (bench/RESULTS.md).

import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { installedBrowsers } from './lib.mjs';

const entry = new URL('../src/features/delivery/index.ts', import.meta.url).pathname;
const bundle = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', write: false });
const file = join(tmpdir(), `delivery-bench-${process.pid}.mjs`);
await writeFile(file, bundle.outputFiles[0].contents);
const { delivery } = await import(pathToFileURL(file).href);

const count = 1_000_000;
// Native time per 20-byte message in each browser (bench/RESULTS.md, browser-receive); Node's
// figures are held against the faster one, Firefox's.
const nativeNs = { Chromium: 45_900, Firefox: 21_800, Node: 21_800 };

// Best of 5: ns per message for `handler` alone and behind the hook, over `frames` in turn. Self-
// contained, so a page can run it as well (with `delivery` and `MessageEvent` from its globals).
function measure(delivery, frames, count, makeEvent) {
  const events = frames.map(makeEvent);
  let bytes = 0;
  const handler = (event) => {
    bytes += event.data.length;
  };
  const host = {
    state: 'open',
    now: () => 0,
    random: Math.random,
    arm() {},
    transmit: () => true,
  };
  const feature = delivery();
  feature.attach(host);
  const best = { bare: Infinity, hooked: Infinity };
  for (let round = 0; round < 5; round++) {
    let started = performance.now();
    for (let index = 0; index < count; index++) handler(events[index % events.length]);
    best.bare = Math.min(best.bare, ((performance.now() - started) * 1e6) / count);
    started = performance.now();
    for (let index = 0; index < count; index++) {
      const slot = index % events.length;
      // Each pass over the frames starts their seqs over: forget the positions, so every frame is
      // tracked as new, not dropped as a duplicate (which is the cheaper path).
      if (slot === 0) feature.streams.clear();
      const event = events[slot];
      if (!feature.message(event)) handler(event);
    }
    best.hooked = Math.min(best.hooked, ((performance.now() - started) * 1e6) / count);
  }
  return { ...best, bytes, duplicates: feature.stats.duplicates };
}

// Seqs that keep growing, across 4 streams; and the bench's plain 20-byte payload.
const streamFrames = Array.from({ length: 4096 }, (_, index) =>
  JSON.stringify({ stream: `prices:${index % 4}`, seq: index >> 2, data: { p: 101.25, q: 3 } }),
);
const plain = ['resilient-ws:payload'];
const kinds = [
  ['stream frames', streamFrames],
  ['plain messages', plain],
];
const line = (where, name, { bare, hooked }) =>
  `${where}, ${name}: hook + handler ${hooked.toFixed(0)} ns vs handler ${bare.toFixed(0)} ns per message: ` +
  `+${(hooked - bare).toFixed(0)} ns, ratio against native ${(1 + (hooked - bare) / nativeNs[where]).toFixed(4)}`;

for (const [name, frames] of kinds)
  console.log(
    line(
      'Node',
      name,
      measure(delivery, frames, count, (data) => ({ data })),
    ),
  );
const parse = performance.now();
for (let index = 0; index < count; index++) JSON.parse(streamFrames[index % streamFrames.length]);
console.log(
  `for scale, JSON.parse of a stream frame in Node: ${(((performance.now() - parse) * 1e6) / count).toFixed(0)} ns`,
);

if (process.argv.includes('--browsers')) {
  const iife = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    globalName: 'Delivery',
    platform: 'browser',
    write: false,
  });
  for (const { name: browserName, launch } of installedBrowsers()) {
    const browser = await launch();
    try {
      const page = await browser.newPage();
      await page.addScriptTag({ content: new TextDecoder().decode(iife.outputFiles[0].contents) });
      for (const [name, frames] of kinds) {
        const result = await page.evaluate(
          ([source, frames, count]) =>
            // biome-ignore lint/security/noGlobalEval: the bench's own function, sent as text to the page.
            eval(`(${source})`)(
              globalThis.Delivery.delivery,
              frames,
              count,
              (data) => new MessageEvent('message', { data }),
            ),
          [measure.toString(), frames, count],
        );
        console.log(line(browserName, name, result));
      }
    } finally {
      await browser.close();
    }
  }
}
