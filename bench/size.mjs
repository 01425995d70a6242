// Bundle size: min+gzip bytes (gzip level 9) of what an app ships — the ESM entry bundled and
// minified by esbuild with eventemitter3, the UMD file as built, and the tree-shaken core.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { integer } from './lib.mjs';

const goal = 4096;
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));

const gzipped = (bytes) => gzipSync(bytes, { level: 9 }).length;

// Bundles (with eventemitter3), minifies and tree-shakes an entry file or module source text.
async function minified({ entry, source }) {
  const result = await build({
    ...(entry ? { entryPoints: [entry] } : { stdin: { contents: source, resolveDir: here, loader: 'js' } }),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].contents;
}

/** Measures the bundles; see the file comment. */
export async function run() {
  const esm = await minified({ entry: `${dist}index.mjs` });
  const umd = await readFile(`${dist}resilient-ws.umd.min.js`);
  const core = await minified({ source: "export { ResilientWebSocket } from '../dist/index.mjs';" });
  const emitter = await minified({ source: "export { EventEmitter } from 'eventemitter3';" });
  const row = (measured, bytes, withGoal = true) => ({
    measured,
    figure: `${integer(gzipped(bytes))} B (${integer(bytes.length)} B minified)`,
    goal: withGoal ? `≤ ${integer(goal)} B` : '—',
    pass: withGoal ? gzipped(bytes) <= goal : null,
  });
  return {
    title: 'Bundle size (min+gzip, gzip -9)',
    rows: [
      row('(a) ESM entry, every export, bundled with eventemitter3 by esbuild', esm),
      row('(b) UMD file as shipped (dist/resilient-ws.umd.min.js, eventemitter3 inside)', umd),
      row('(c) core alone: `export { ResilientWebSocket }`, tree-shaken, with eventemitter3', core),
      row('eventemitter3 alone (reference, part of every figure above)', emitter, false),
    ],
    notes: [
      'esbuild: bundle, minify, format esm, platform browser; the UMD file is measured as rollup + terser wrote it.',
      `The whole SDK is (a); (c) shows what an app importing only the class pays. eventemitter3 is ${integer(
        gzipped(emitter),
      )} B of each.`,
    ],
  };
}
