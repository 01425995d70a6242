// The delivery feature's own size: min+gzip (gzip -9) of what it adds to an app that already has
// the core, so eventemitter3 and everything under src/core/ (errors, byteSize, option rules) are external.

import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = new URL('../src/features/delivery/', import.meta.url).pathname;
const core = /^(eventemitter3|\.\.\/\.\.\/core\/.*)$/;
const external = {
  name: 'core-external',
  setup: (build) => build.onResolve({ filter: core }, ({ path }) => ({ path, external: true })),
};

// `node bench/delivery-size.mjs delivery` also prints that bundle.
for (const names of ['delivery', 'delivery, localStorageOutbox', '*']) {
  const contents = names === '*' ? "export * from './index.ts';" : `export { ${names} } from './index.ts';`;
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    plugins: [external],
  });
  const code = result.outputFiles[0].contents;
  console.log(`{ ${names} }: ${code.length} B min, ${gzipSync(code, { level: 9 }).length} B min+gz`);
  if (process.argv[2] === names) console.log(new TextDecoder().decode(code));
}
