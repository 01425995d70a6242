import { build } from 'esbuild';
const r = await build({ stdin:{contents:process.argv[2], resolveDir:'/work/main/src', loader:'ts'}, bundle:true, minify:true, format:'esm', platform:'browser', write:false, logLevel:'silent', external:['eventemitter3']});
process.stdout.write(r.outputFiles[0].text);
