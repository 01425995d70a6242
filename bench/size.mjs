// Bundle size: min+gzip bytes (gzip level 9) of what an app ships — the ESM entry bundled and
// minified by esbuild with eventemitter3, the UMD file as built, and the tree-shaken core.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { integer } from './lib.mjs';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));

const gzipped = (bytes) => gzipSync(bytes, { level: 9 }).length;

// Bundles (with eventemitter3), minifies and tree-shakes an entry file or module source text.
export async function minified({ entry, source }) {
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

// Each entry point and what an app pays for it, with the goal the architecture issue set.
const measured = [
  ['resilient-ws/core, everything it exports', "export * from '../dist/core.mjs';", 4000],
  [
    "import { ResilientWebSocket } from 'resilient-ws' (batteries included)",
    "export { ResilientWebSocket } from '../dist/index.mjs';",
    6000,
  ],
  ['resilient-ws, every export', "export * from '../dist/index.mjs';", 7000],
  [
    "import { heartbeat } from 'resilient-ws/heartbeat' (the feature alone)",
    "export { heartbeat } from '../dist/heartbeat.mjs';",
  ],
  ["import { network } from 'resilient-ws/network'", "export { network } from '../dist/network.mjs';"],
  ["import { page } from 'resilient-ws/page'", "export { page } from '../dist/page.mjs';"],
  [
    "import { preflight, resolveWith } from 'resilient-ws/preflight'",
    "export { preflight, resolveWith } from '../dist/preflight.mjs';",
  ],
  ["import { discover } from 'resilient-ws/discovery'", "export { discover } from '../dist/discovery.mjs';"],
  [
    "import { delivery } from 'resilient-ws/delivery' (the feature alone)",
    "export { delivery } from '../dist/delivery.mjs';",
  ],
  [
    "import { CoreWebSocket } from 'resilient-ws/core' (the client alone)",
    "export { CoreWebSocket } from '../dist/core.mjs';",
  ],
  [
    'CoreWebSocket with delivery (what delivery adds: the difference to the row above)',
    "export { CoreWebSocket } from '../dist/core.mjs'; export { delivery } from '../dist/delivery.mjs';",
  ],
];

/** Measures the bundles; see the file comment. */
export async function run() {
  const umd = await readFile(`${dist}resilient-ws.umd.min.js`);
  const emitter = await minified({ source: "export { EventEmitter } from 'eventemitter3';" });
  const row = (label, bytes, goal) => ({
    measured: label,
    figure: `${integer(gzipped(bytes))} B (${integer(bytes.length)} B minified)`,
    goal: goal ? `≤ ${integer(goal)} B` : '—',
    pass: goal ? gzipped(bytes) <= goal : null,
  });
  const rows = [];
  for (const [label, source, goal] of measured) rows.push(row(label, await minified({ source }), goal));
  rows.push(
    row(
      'resilient-ws, every export, development build (dist/development/, the `development` export condition)',
      await minified({ source: "export * from '../dist/development/index.mjs';" }),
    ),
  );
  rows.push(row('UMD file as shipped (dist/resilient-ws.umd.min.js, eventemitter3 inside)', umd));
  rows.push(row('eventemitter3 alone (reference, part of every figure that uses the client)', emitter));
  return {
    title: 'Bundle size (min+gzip, gzip -9)',
    rows,
    notes: [
      'esbuild: bundle, minify, format esm, platform browser; the UMD file is measured as rollup + terser wrote it.',
      'Every row but the development one is the default build, whose argument errors name the argument and value but not what was expected.',
      `A feature alone is what its entry costs by itself; with the core, the shared parts (errors, URL rules) count once. eventemitter3 is ${integer(
        gzipped(emitter),
      )} B of every figure with a client.`,
    ],
  };
}
