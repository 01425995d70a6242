// The delivery feature's own size, min+gzip (gzip -9): its source bundled with eventemitter3 and
// everything under src/core/ external; and, once dist/ is built, what it adds to a bundle of the core.

import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { minified } from './size.mjs';

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

  // What an app bundling the core and the feature pays over the core alone (gzip shares context).
  const dist = new URL('../dist/', import.meta.url);
  if (existsSync(new URL('delivery.mjs', dist))) {
    // Bundled as bench/size.mjs bundles every entry (sources relative to bench/).
    const bundled = async (source) => gzipSync(await minified({ source }), { level: 9 }).length;
    const core = await bundled("export { CoreWebSocket } from '../dist/core.mjs';");
    for (const names of ['delivery', 'delivery, localStorageOutbox']) {
      const both = await bundled(
        `export { CoreWebSocket } from '../dist/core.mjs'; export { ${names} } from '../dist/delivery.mjs';`,
      );
      console.log(`dist, CoreWebSocket + { ${names} } over CoreWebSocket alone: ${both - core} B min+gz`);
    }
  }
}
