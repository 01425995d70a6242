import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const r = await build({
  stdin: { contents: process.argv[2], resolveDir: process.cwd(), loader: 'ts' },
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  metafile: true,
  logLevel: 'silent',
});
const out = r.outputFiles[0].contents;
console.log('total gz', gzipSync(out, { level: 9 }).length, 'min', out.length);
const o = Object.values(r.metafile.outputs)[0];
for (const [k, v] of Object.entries(o.inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput))
  console.log(v.bytesInOutput, k);
