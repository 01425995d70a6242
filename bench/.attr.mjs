import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
const src = process.argv[2];
const r = await build({ stdin:{contents:src, resolveDir:'/work/main/src', loader:'ts'}, bundle:true, minify:true, format:'esm', platform:'browser', write:false, metafile:true, logLevel:'silent'});
const out = Object.values(r.metafile.outputs)[0];
const rows = Object.entries(out.inputs).map(([k,v])=>[v.bytesInOutput,k]).sort((a,b)=>b[0]-a[0]);
for (const [b,k] of rows) console.log(String(b).padStart(6), k);
console.log('total min', r.outputFiles[0].contents.length, 'gz', gzipSync(r.outputFiles[0].contents,{level:9}).length);
