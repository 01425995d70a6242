// Command line entry of the demo (`npm start`): origin A on PORT (default 8080), backends on PORT+1..PORT+3,
// sharing Redis when REDIS_URL is set. Stops cleanly on Ctrl+C or SIGTERM; a second signal exits at once.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startDemo } from './demo.mjs';

const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 1 || port > 65532) {
  console.error(`PORT must be a whole number between 1 and 65532, got ${process.env.PORT}`);
  process.exit(1);
}

let demo;
try {
  demo = await startDemo({ port, backendPorts: [port + 1, port + 2, port + 3], redisUrl: process.env.REDIS_URL ?? '' });
} catch (error) {
  console.error(`Could not start the demo: ${error.message}`);
  process.exit(1);
}

console.log(`Demo running at ${demo.url}/`);
for (const page of ['chat', 'trading', 'react-trading']) console.log(`  ${demo.url}/examples/${page}/`);
const names = Object.keys(demo.control.status().backends);
console.log(`Backends: ${names.map((name) => demo.control.backendUrl(name)).join(', ')}`);
console.log(
  process.env.REDIS_URL
    ? `Bus, dedup and seqs: Redis at ${process.env.REDIS_URL.replace(/\/\/[^@/]*@/, '//…@')}`
    : 'Bus, dedup and seqs: in this process (set REDIS_URL to share them through Redis)',
);
if (!existsSync(fileURLToPath(new URL('../../dist/resilient-ws.umd.min.js', import.meta.url)))) {
  console.warn('dist/ is empty: run `npm run build` (or `npm start`) so the pages can load the library.');
}

let stopping = false;
async function stop(signal) {
  if (stopping) process.exit(130);
  stopping = true;
  console.log(`\n${signal}: stopping the demo`);
  await demo.close();
  // Let the process end on its own once everything is closed; the unref'd timer only fires if something leaked.
  setTimeout(() => {
    console.warn('Something is still open after close(); exiting anyway.');
    process.exit(1);
  }, 2000).unref();
}

process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
