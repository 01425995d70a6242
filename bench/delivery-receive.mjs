// The delivery feature's cost on the receive path, in Node: ns per message of its `message` hook
// plus an app handler, against the bare handler, for stream frames and for plain messages; and
// the ratio that cost implies against the native browser time per message (bench/RESULTS.md).

import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const entry = new URL('../src/features/delivery/index.ts', import.meta.url).pathname;
const bundle = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', write: false });
const file = join(tmpdir(), `delivery-bench-${process.pid}.mjs`);
await writeFile(file, bundle.outputFiles[0].contents);
const { delivery } = await import(pathToFileURL(file).href);

const count = 1_000_000;
// Firefox's native time per 20-byte message, the faster of the two browsers measured.
const nativeNs = 21_800;
const host = {
  state: 'open',
  now: () => 0,
  random: Math.random,
  timers: { setTimeout: () => 0, clearTimeout() {} },
  transmit: () => true,
  step: (callback) => callback,
};

// Best of 5: ns per message for `handler` alone and behind the hook, over `frames` in turn.
function measure(frames) {
  const events = frames.map((data) => ({ data }));
  let bytes = 0;
  const handler = (event) => {
    bytes += event.data.length;
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
      const event = events[index % events.length];
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
for (const [name, frames] of [
  ['stream frames', streamFrames],
  ['plain messages', plain],
]) {
  const { bare, hooked } = measure(frames);
  const added = hooked - bare;
  console.log(
    `${name}: hook + handler ${hooked.toFixed(0)} ns vs handler ${bare.toFixed(0)} ns per message: ` +
      `+${added.toFixed(0)} ns, ratio against native ${(1 + added / nativeNs).toFixed(4)}`,
  );
}
const parse = performance.now();
for (let index = 0; index < count; index++) JSON.parse(streamFrames[index % streamFrames.length]);
console.log(`for scale, JSON.parse of a stream frame: ${(((performance.now() - parse) * 1e6) / count).toFixed(0)} ns`);
