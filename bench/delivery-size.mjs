// The delivery feature's own size: min+gzip (gzip -9) of what it adds to an app that already has
// the core, so eventemitter3 and everything under src/core/ (errors, byteSize, option rules) are external.

import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../src/features/delivery/', import.meta.url));
const core = /^(eventemitter3|\.\.\/\.\.\/core\/.*)$/;
const external = {
  name: 'core-external',
  setup: (build) => build.onResolve({ filter: core }, ({ path }) => ({ path, external: true })),
};

/** Bytes minified and min+gz of the feature's bundle exporting `names` ('*': everything), with its code. */
export async function deliverySize(names) {
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
  return { min: code.length, gz: gzipSync(code, { level: 9 }).length, code };
}

// `node bench/delivery-size.mjs delivery` also prints that bundle.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const names of ['delivery', 'delivery, localStorageOutbox', '*']) {
    const { min, gz, code } = await deliverySize(names);
    console.log(`{ ${names} }: ${min} B min, ${gz} B min+gz`);
    if (process.argv[2] === names) console.log(new TextDecoder().decode(code));
  }
}
